"""CSV, TSV and text tables: decode the bytes, find the delimiter, read rows into a ``Table``.

The text encoding is guessed (UTF-8, with or without BOM, then cp1252); the delimiter is sniffed
from the first lines; ragged rows are refused with the row number.
"""
from __future__ import annotations

import csv
import io

from nncore.data import safety
from nncore.data.dataset import Dataset
from nncore.data.tables import Table, from_table, normalise

_DELIMITERS = {",": "comma", ";": "semicolon", "\t": "tab", "|": "vertical bar"}


def load_csv(path, label_column, name) -> Dataset:
    table = read_csv(path)
    return from_table(table, label_column, name)


def read_csv(path) -> Table:
    raw = path.read_bytes()
    if not raw.strip():
        raise ValueError("The file is empty.")
    what = safety.describe_bytes(raw[:16])
    if what == "a zip archive":
        raise ValueError("This looks like an Excel workbook (a zip archive) with a .csv name. "
                         "Rename it to .xlsx, or save it from Excel as CSV.")
    if what is not None:
        raise ValueError(f"This is not a CSV text file: it looks like {what}.")
    text, notes = _decode(raw)
    delimiter = _sniff_delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows, numbers = [], []
    try:
        for record in reader:
            if record and not all(not f.strip() for f in record):
                rows.append(record)
                numbers.append(reader.line_num)
    except csv.Error as e:
        raise ValueError(f"The CSV file could not be read near line {reader.line_num}: {e}.") \
            from None
    rows = _check_ragged(rows, numbers, delimiter)
    rows, numbers = normalise(rows, numbers)
    return Table(where="The CSV file", rows=rows, row_numbers=numbers,
                  decimal_comma=delimiter in ";\t", notes=notes)


def _decode(raw: bytes):
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return raw.decode("utf-16"), []   # Excel's "Unicode text"
    if b"\x00" in raw[:4096]:
        raise ValueError("This is not a CSV text file: it contains binary data.")
    try:
        return raw.decode("utf-8-sig"), []
    except UnicodeDecodeError:
        pass
    for encoding, label in (("cp1252", "Windows-1252"), ("latin-1", "Latin-1")):
        try:
            return raw.decode(encoding), [f"The file is not UTF-8; it was read as {label}."]
        except UnicodeDecodeError:
            continue
    raise AssertionError("latin-1 decodes any bytes")


def _sniff_delimiter(text: str) -> str:
    """The delimiter that splits the first lines into the same number (>1) of fields."""
    lines = [line for line in text.splitlines()[:50] if line.strip()]
    consistent, widest = {}, {}
    for d in _DELIMITERS:
        counts = [len(next(csv.reader([line], delimiter=d))) for line in lines]
        widest[d] = counts[0]
        if counts[0] > 1 and len(set(counts)) == 1:
            consistent[d] = counts[0]
    for d in ("\t", ";", ",", "|"):   # ';' with decimal commas also splits evenly on ','
        if d in consistent:
            return d
    best = max(widest, key=lambda d: widest[d])
    return best if widest[best] > 1 else ","


def _check_ragged(rows, numbers, delimiter):
    if not rows:
        return rows
    width = len(rows[0])
    if all(len(r) == width for r in rows):
        return rows
    # Trailing delimiters on some lines only ("1,2,3,") are harmless: strip empty tails.
    stripped = [_strip_tail(r) for r in rows]
    width = len(stripped[0])
    for r, n in zip(stripped, numbers):
        if len(r) != width:
            raise ValueError(f"The CSV file, row {n} has {len(r)} fields but row {numbers[0]} "
                             f"has {width} (fields separated by {_DELIMITERS[delimiter]}). "
                             "Every row needs the same number of values.")
    return stripped


def _strip_tail(record):
    end = len(record)
    while end and not record[end - 1].strip():
        end -= 1
    return record[:end]
