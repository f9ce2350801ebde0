"""CSV, TSV and text tables: decode the bytes, find the delimiter, read rows into a ``Table``.

Two readers. Large files go through pandas' C parser (``fastcsv.read_frame``: seconds and a
few bytes a cell for the 60,000-row MNIST CSV); the reader here, which keeps every cell as
Python text first (slow, 40 bytes a cell), reads small files and whatever the fast one refuses,
so that messages can name the row and column of any problem.

The text encoding is guessed (UTF-8, with or without BOM, then cp1252); the delimiter is sniffed
from the first lines; ragged rows are refused with the row number.
"""
from __future__ import annotations

import csv
import io
import re

from nncore.data import csv_layout, fastcsv, header_rows, safety
from nncore.data.dataset import Dataset
from nncore.data.frames import from_frame, from_table
from nncore.data.tables import Table, label_index, normalise

_DELIMITERS = {",": "comma", ";": "semicolon", "\t": "tab", "|": "vertical bar"}
#: files from this size on try the pandas reader first
FAST_PATH_BYTES = 1 << 20
MAX_COLUMNS = safety.MAX_COLUMNS


#: bytes read to check the first line and to choose the delimiter, header and dtypes
HEAD_BYTES = 1 << 20
MAX_FIRST_LINE = 16 << 20
#: rows whose cells choose each column's dtype on the fast path
DTYPE_ROWS = 200
_QUOTED = re.compile(r'"[^"]*"')


def load_csv(path, label_column, name, progress=None, task=None, header_row=None) -> Dataset:
    """The dataset in the CSV file ``path``; ``progress(fraction)`` hears how far it is read
    (None: not known); ``task`` as for ``frames.from_frame`` (None: from the label);
    ``header_row`` as for ``header_rows.header_index`` (None: found)."""
    check_head(path)
    if path.stat().st_size >= FAST_PATH_BYTES and fastcsv.available():
        dataset = _load_fast(path, label_column, name, progress, task, header_row)
        if dataset is not None:
            return dataset
    table = read_csv(path)
    return from_table(table, label_column, name, task=task, header_row=header_row)


def check_head(path) -> None:
    """Refuse an empty or binary file, and one too wide to read, from its first line."""
    with open(path, "rb") as f:
        head = f.read(HEAD_BYTES)
        first = head.split(b"\n", 1)[0]
        while len(first) == len(head) and len(head) < MAX_FIRST_LINE:
            more = f.read(HEAD_BYTES)
            if not more:
                break
            head += more
            first = head.split(b"\n", 1)[0]
    if not head.strip():
        raise ValueError("The file is empty.")
    what = safety.describe_bytes(head[:16])
    if what == "a zip archive":
        raise ValueError("This looks like an Excel workbook (a zip archive) with a .csv name. "
                         "Rename it to .xlsx, or save it from Excel as CSV.")
    if what is not None:
        raise ValueError(f"This is not a CSV text file: it looks like {what}.")
    if len(first) >= MAX_FIRST_LINE:
        raise ValueError(f"The first line of the CSV file is longer than "
                         f"{MAX_FIRST_LINE // 2**20} MB; that is not a table this app can read.")
    # Quoted text may hold delimiters; what is outside quotes counts.
    line = _QUOTED.sub("", first.decode("latin-1"))
    widest = max(_DELIMITERS, key=line.count)
    n_fields = line.count(widest) + 1
    if n_fields > MAX_COLUMNS:
        raise ValueError(f"The CSV file has {n_fields:,} columns (fields separated by "
                         f"{_DELIMITERS[widest]}); at most {MAX_COLUMNS:,} are accepted.")


def _load_fast(path, label_column, name, progress, task=None, header_row=None) -> Dataset | None:
    """The dataset through pandas (``fastcsv``), or None for a file it should not take:
    not UTF-8, decimal commas, no full line in the first megabyte, rows of other widths.
    The header and the totals or notes below the data are found from the first rows and the
    last lines (``header_rows``)."""
    with open(path, "rb") as f:
        head = f.read(HEAD_BYTES)
    head = head[:head.rfind(b"\n") + 1]
    try:
        text = head.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None
    if not text.strip() or not text.split("\n", 1)[0].strip():
        return None
    delimiter = _sniff_delimiter(text)
    if delimiter != "," and "," in text:   # decimal commas: the diagnostic reader's repair
        return None
    rows, numbers = _first_records(text, delimiter)
    n_cols = len(rows[0])
    if n_cols < 2 or any(len(r) != n_cols for r in rows if r):
        return None                        # ragged or one column: the diagnostic messages
    sample = Table("The CSV file", *normalise(rows, numbers))
    if header_row and header_row > sample.row_numbers[-1]:
        return None                        # beyond the first rows: the diagnostic reader
    index = header_rows.header_index(sample, header_row)
    layout = header_rows.layout_above(sample, index, chosen=header_row is not None)
    skip = 0 if index is None else sample.row_numbers[index]
    header = None if index is None else [h.strip() for h in rows[numbers.index(skip)]]
    label = label_index(label_column, header, n_cols, "The CSV file")
    data = [r for r, n in zip(rows, numbers) if r and n > skip]
    dtypes = fastcsv.guess_dtypes(data or [[""] * n_cols], range(n_cols))
    dtypes[label] = fastcsv.TEXT
    n_lines = _cut_footers(path, delimiter, n_cols, skip, layout)
    if n_lines is None:
        _check_not_cut_short(path, delimiter, n_cols)
    frame = fastcsv.read_frame(path, delimiter, skip, n_cols, dtypes, progress, n_lines)
    if frame is None:
        return None
    if header is not None:
        frame.columns = header
    note = layout.note()
    dataset = from_frame(frame, label_column, name, "The CSV file", [note] if note else None,
                         task=task)
    dataset.layout = layout.to_dict()
    return dataset


def _first_records(text, delimiter):
    """The first ``DTYPE_ROWS`` records of ``text`` and the line each ends on."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows, numbers = [], []
    for record in reader:
        rows.append(record)
        numbers.append(reader.line_num)
        if len(rows) == DTYPE_ROWS:
            break
    return rows, numbers


def _check_not_cut_short(path, delimiter, n_cols):
    number, last, ended = fastcsv.last_line(path)
    if not ended and _count_fields(last, delimiter) < n_cols:
        raise ValueError(f"The CSV file ends in the middle of row {number}: it has "
                         f"{_count_fields(last, delimiter)} of the {n_cols} fields of row 1. "
                         "The file was probably cut short; upload the whole file again.")


def _cut_footers(path, delimiter, n_cols, skip, layout):
    """The number of lines after the ``skip`` first that hold the data, when totals or notes
    follow it (recorded in ``layout``); None when the data runs to the end of the file."""
    texts, after, _, ending = csv_layout.footers_below(fastcsv.last_lines(path), delimiter,
                                                       n_cols)
    if not texts:
        return None
    layout.below = texts
    layout.skipped_below = after - ending
    return fastcsv.count_lines(path) - after - skip


def head_format(path) -> tuple[str, str, str]:
    """``(text, encoding, delimiter)`` of a CSV file's first megabyte (cut at its last full
    line): the text as decoded (UTF-8, else cp1252 as ``read_csv`` guesses), the Python codec
    name to read the whole file with, and the sniffed delimiter."""
    check_head(path)
    with open(path, "rb") as f:
        head = f.read(HEAD_BYTES)
    if b"\n" in head:
        head = head[:head.rfind(b"\n") + 1]
    for codec in ("utf-8-sig", "cp1252", "latin-1"):
        try:
            text = head.decode(codec)
            break
        except UnicodeDecodeError:
            continue
    return text, codec, _sniff_delimiter(text)


def read_csv(path) -> Table:
    check_head(path)
    raw = path.read_bytes()
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
    """The delimiter that splits the first lines into the same number (>1) of fields; lines
    at either end that no delimiter splits (a title above the table, a note below) are left
    out."""
    lines = [line for line in text.splitlines()[:50] if line.strip()]
    counts = {d: [_count_fields(line, d) for line in lines] for d in _DELIMITERS}
    split = [i for i in range(len(lines)) if any(c[i] > 1 for c in counts.values())]
    if split:
        counts = {d: c[split[0]:split[-1] + 1] for d, c in counts.items()}
    consistent, widest = {}, {}
    for d, found in counts.items():
        widest[d] = found[0] if found else 1
        if widest[d] > 1 and len(set(found)) == 1:
            consistent[d] = widest[d]
    for d in ("\t", ";", ",", "|"):   # ';' with decimal commas also splits evenly on ','
        if d in consistent:
            return d
    best = max(widest, key=lambda d: widest[d])
    return best if widest[best] > 1 else ","


def _count_fields(line, delimiter):
    try:
        return len(next(csv.reader([line], delimiter=delimiter)))
    except csv.Error:   # e.g. a field over the csv module's limit: no usable split
        return 1


def _check_ragged(rows, numbers, delimiter):
    """The rows, refused at the first whose number of fields differs from the table's (the
    most common among the first rows); shorter rows are kept above the table (titles) and
    below it when they are totals or notes (``header_rows.is_footer``)."""
    if not rows:
        return rows
    width = len(rows[0])
    if all(len(r) == width for r in rows):
        return rows
    # Trailing delimiters on some lines only ("1,2,3,") are harmless: strip empty tails.
    stripped = [_strip_tail(r) for r in rows]
    widths = [len(r) for r in stripped[:header_rows.PROBE_ROWS]]
    width = max(widths, key=widths.count)
    first = widths.index(width)
    for i, (r, n) in enumerate(zip(stripped, numbers)):
        if len(r) != width and not (len(r) < width and (
                i < first or header_rows.is_footer(r, width) and _only_footers(stripped[i:], width))):
            raise ValueError(f"The CSV file, row {n} has {len(r)} fields but row "
                             f"{numbers[first]} has {width} (fields separated by "
                             f"{_DELIMITERS[delimiter]}). Every row needs the same number of "
                             "values.")
    return stripped


def _only_footers(rows, width) -> bool:
    return len(rows) <= header_rows.TAIL_ROWS and all(header_rows.is_footer(r, width)
                                                      or not len(r) for r in rows)


def _strip_tail(record):
    end = len(record)
    while end and not record[end - 1].strip():
        end -= 1
    return record[:end]
