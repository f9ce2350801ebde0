"""New rows read a chunk at a time: a file of any size as a sequence of small DataFrames.

Scoring a file (``nncore.scoring``) must not hold a 1 GB CSV as floats, so rows come in
chunks of ``chunk_rows``:

* **CSV, TSV, text**: records (lines, joined where a quoted field holds a line break) taken
  ``chunk_rows`` at a time and parsed by pandas' C reader, with the delimiter and text encoding
  guessed as ``csvfiles`` guesses them; each chunk keeps its rows' text for the scored file.
  Columns named in ``text_columns`` are read as text exactly as written (extra columns pass through untouched);
  the others get pandas' numbers where every cell of the chunk is one, else text, which
  ``columns.parse_numbers`` reads as training did. No cell is turned into a blank by pandas
  (``na_filter=False``): blanks are decided by ``columns.is_blank_token``. A file as people
  export it is read from its header (the first row naming a model's column, else
  ``header_rows``' guess: titles and a source line above it are skipped) to its last data row
  (totals and notes below are left out, ``header_rows.is_footer``); ``RowSource.layout`` says
  what was skipped.
* **Workbooks** (.xlsx, .xls, .xlsb, .ods): the first sheet (or ``x_sheet``) through the
  workbook readers (their size is bounded by the upload checks), cut into chunks. The
  tutorial layout, a sheet ``X`` without a header and a sheet ``y``, becomes the columns
  ``column 1..d`` of ``X`` followed by a column ``y``.

Every chunk's index holds the file's 1-based row numbers, for messages.
"""
from __future__ import annotations

import collections
import csv
import functools
import io
import itertools
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator, NamedTuple

import numpy as np
import pandas as pd

from nncore.data import csv_layout, fastcsv, header_rows, whole_numbers
from nncore.data.csvfiles import head_format
from nncore.data.frames import column_names, table_frame
from nncore.data.loaders import CSV_EXTENSIONS, WORKBOOK_EXTENSIONS, check_workbook
from nncore.data.tables import Table, drop_header, has_header
from nncore.data.workbooks import find_sheet, has_sheet, open_book, read_sheet

#: cells per chunk by default: about 32 MB as float64 features (a few times that as text)
CHUNK_CELLS = 1 << 22
MAX_CHUNK_ROWS = 50_000
#: CSV chunks parsed at once, each on its own thread, while the chunk before them is scored
PARSE_THREADS = 2
#: bytes of lines read at once by ``_records``
READ_BYTES = 1 << 22
_WHITE_SPACE = b" \t\r\n\x0b\x0c"


def default_chunk_rows(n_columns) -> int:
    """Rows per chunk for a file of ``n_columns`` columns (``CHUNK_CELLS`` cells, at least 1)."""
    return int(max(1, min(MAX_CHUNK_ROWS, CHUNK_CELLS // max(n_columns, 1))))


class Chunk(NamedTuple):
    """Rows of a file: ``frame`` (index: the file's row numbers), for a CSV file each row's
    text as written (``lines``, else None), ``numbers``: the ``number_columns`` asked of
    ``RowSource.chunks`` as one (n, d) float64 array when pandas read each as numbers (else
    None; see :func:`number_block`), and ``prepared``: what ``prepare(numbers)`` gave."""

    frame: pd.DataFrame
    lines: list[str] | None
    numbers: np.ndarray | None = None
    prepared: object = None


def _chunk(frame, lines, number_columns, prepare) -> Chunk:
    numbers = number_block(frame, number_columns)
    prepared = prepare(numbers) if prepare is not None and numbers is not None else None
    return Chunk(frame, lines, numbers, prepared)


def number_block(frame, columns):
    """``frame[columns]`` as an (n, d) float64 array when every one of them holds numbers
    (pandas' numeric dtypes), else None (then the cells need reading one column at a time)."""
    if not columns:
        return None
    block = frame[list(columns)]
    if not all(dtype.kind in "biuf" for dtype in block.dtypes):
        return None
    return block.to_numpy(dtype=np.float64)


@dataclass
class RowSource:
    """A file's columns (header names, or ``column 1..d`` without a header) and its rows.

    ``chunks(text_columns, number_columns, prepare)`` reads the rows (once) as `Chunk` s of
    at most ``chunk_rows`` rows; ``text_columns`` names the columns read as text whatever they
    hold (CSV only; workbook cells keep the types the workbook gives them); ``number_columns``
    (optional) the columns each chunk also gives as one array (``Chunk.numbers``), and
    ``prepare`` (optional) a function of that array whose result is ``Chunk.prepared``: both
    run on the parsing threads, beside the caller's work on the chunk before.
    """

    where: str                  # how messages start: 'The CSV file', 'Sheet "X"'
    columns: list[str]
    has_header: bool
    chunk_rows: int
    _read: Callable[[frozenset, list | None, Callable | None], Iterator[Chunk]]
    delimiter: str | None = None    # CSV files: the delimiter of ``Chunk.lines``
    layout: object = None           # CSV files: header_rows.Layout, rows skipped around the data

    def chunks(self, text_columns=frozenset(), number_columns=None,
               prepare=None) -> Iterator[Chunk]:
        return self._read(frozenset(text_columns), number_columns, prepare)


def open_rows(path, *, chunk_rows=None, x_sheet=None, known=frozenset()) -> RowSource:
    """The columns of ``path`` (CSV or workbook) and a reader of its rows in chunks of
    ``chunk_rows`` (default: ``default_chunk_rows`` of its width). ``ValueError`` for a file
    that cannot be read, with the readers' messages. A CSV file's rows are only read by
    ``chunks``; a workbook is read here.

    The header is the first all-text row among the first ``header_rows.PROBE_ROWS`` that
    names a column of ``known`` (the model's columns: a few rows with a typo can hide a
    header's evidence), else ``header_rows``' guess (row 1 when ``tables.has_header`` says
    so, or a row below titles); totals and notes below the data are left out
    (``RowSource.layout`` says what was skipped).
    """
    path = Path(path)
    if not path.is_file():
        raise ValueError(f"No such file: {path.name}")
    ext = path.suffix.lower()
    if ext in CSV_EXTENSIONS:
        return _csv_rows(path, chunk_rows, known)
    if ext in WORKBOOK_EXTENSIONS:
        return _workbook_rows(path, chunk_rows, x_sheet, known)
    raise ValueError(f"Unsupported file type {ext or '(no extension)'}: give a CSV file "
                     "(.csv) or a workbook (.xlsx, .xls, .xlsb, .ods).")


def _csv_rows(path, chunk_rows, known) -> RowSource:
    text, codec, delimiter = head_format(path)
    probe, line_numbers = csv_layout.probe_records(text, delimiter)
    if not probe:
        raise ValueError("The CSV file is empty.")
    skip, header = csv_layout.find_header(probe, known)
    rows = probe[skip:]
    n_cols = len(rows[0])
    names = column_names(rows[0] if header else list(range(n_cols)))[0]
    number, last, ended = fastcsv.last_line(path)
    if not ended and len(next(csv.reader([last], delimiter=delimiter), [])) < n_cols:
        raise ValueError(f"The CSV file ends in the middle of row {number}: the file was "
                         "probably cut short; give the whole file.")
    layout = header_rows.layout_above(Table("The CSV file", probe, line_numbers),
                                      skip if header else None)
    dropped = csv_layout.footer_records(path, delimiter, n_cols, layout)
    chunk_rows = chunk_rows or default_chunk_rows(n_cols)

    def read(text_columns, number_columns, prepare):
        dtypes = {n: str for n in names if n in text_columns}
        parse = functools.partial(_parse_block, codec=codec, delimiter=delimiter, names=names,
                                  dtypes=dtypes, number_columns=number_columns,
                                  prepare=prepare)
        return _csv_chunks(path, parse, chunk_rows, skip + bool(header), dropped)

    source = RowSource("The CSV file", names, header, chunk_rows, read)
    source.delimiter, source.layout = delimiter, layout
    return source


def _records(f):
    """``(line number, record)`` of a binary file's records that are not blank: lines, joined
    while a quote is open.

    Lines are taken ``READ_BYTES`` at a time; a batch without a quote or a blank line is its
    records as they are (no Python step per line: a 10,000-row picture file is cut in a few
    milliseconds). From the first batch with either on, lines are read one at a time."""
    number = 0
    while lines := f.readlines(READ_BYTES):
        joined = b"".join(lines)
        if b'"' in joined or _may_hold_blank_lines(joined) or not lines[-1].strip():
            yield from _records_one_by_one(itertools.chain(lines, f), number)
            return
        yield from zip(range(number + 1, number + 1 + len(lines)), lines)
        number += len(lines)


def _may_hold_blank_lines(joined) -> bool:
    """Whether a line of ``joined`` starts with white space (``bytes.strip``'s): every blank
    line does (a few substring searches, no regular expression over megabytes)."""
    return joined[:1].isspace() or any(b"\n" + bytes([c]) in joined for c in _WHITE_SPACE)


def _records_one_by_one(lines, number):
    for line in lines:
        number += 1
        start = number
        while line.count(b'"') % 2:           # a quoted field goes on on the next line
            more = next(lines, None)
            if more is None:
                break
            number += 1
            line += more
        if line.strip():
            yield start, line


def _csv_chunks(path, parse, chunk_rows, skip, dropped=0):
    """Chunks of the file's records, in order: blocks of ``chunk_rows`` records cut here,
    each made a `Chunk` by ``parse`` (`_parse_block`: pandas' C parser). ``PARSE_THREADS``
    blocks are parsed at once on as many threads (the C parser releases the GIL) while the
    caller scores the chunk before them, so at most ``PARSE_THREADS + 1`` chunks are in
    memory."""
    with open(path, "rb") as f, ThreadPoolExecutor(PARSE_THREADS) as pool:
        records = _records(f)
        for _ in range(skip):                   # titles above the header, and the header
            next(records, None)
        if dropped:
            records = _held_back(records, dropped)
        pending = collections.deque()
        try:
            while block := list(itertools.islice(records, chunk_rows)):
                pending.append(pool.submit(parse, block))
                if len(pending) > PARSE_THREADS:
                    yield pending.popleft().result()
            while pending:
                yield pending.popleft().result()
        finally:
            for future in pending:      # closed early (a cancel, an error): parse no more
                future.cancel()


def _held_back(records, n):
    """``records`` but the last ``n`` (totals and notes below the data)."""
    held = collections.deque()
    for record in records:
        held.append(record)
        if len(held) > n:
            yield held.popleft()


def _parse_block(block, codec, delimiter, names, dtypes, number_columns, prepare) -> Chunk:
    """``[(line number, record bytes), ...]`` -> its `Chunk`: the frame, each record's text
    (decoded, line ending dropped: what a scored file passes through) and the
    ``number_columns`` block and what ``prepare`` made of it; ``ValueError`` naming the first
    row when pandas cannot read it."""
    data = b"".join(r if r.endswith(b"\n") else r + b"\n" for _, r in block)
    rows = [n for n, _ in block]
    if delimiter == "," and (parsed := whole_numbers.parse(data, len(names))) is not None:
        return _whole_number_chunk(parsed, names, dtypes, rows, number_columns, prepare)
    try:
        frame = pd.read_csv(io.BytesIO(data), sep=delimiter, header=None, names=names,
                            dtype=dtypes, na_filter=False, encoding=codec, index_col=False,
                            skip_blank_lines=False)
    except (pd.errors.ParserError, ValueError) as exc:
        raise ValueError(f"The CSV file could not be read from row {block[0][0]} on: "
                         f"{str(exc).strip()}") from None
    except UnicodeDecodeError:
        raise ValueError("The CSV file mixes text encodings: save it as UTF-8.") from None
    frame.index = rows
    text = codec if codec != "utf-8-sig" else "utf-8"
    return _chunk(frame, [r.decode(text, "replace").rstrip("\r\n") for _, r in block],
                  number_columns, prepare)


def _whole_number_chunk(parsed, names, dtypes, rows, number_columns, prepare) -> Chunk:
    """A block ``whole_numbers.parse`` read: the frame pandas would have made of it (whole
    number columns, as int32; the ``dtypes`` columns as text), each record's text, and the
    number block taken from the parsed array directly (no second copy through the frame)."""
    frame = pd.DataFrame(parsed.values, columns=names, index=rows, copy=False)
    for j, name in enumerate(names):
        if name in dtypes:
            frame[name] = parsed.text(j)
    lines = parsed.data.decode("ascii").split("\n")[:-1]
    numbers = None
    if number_columns:
        where = {name: j for j, name in enumerate(names)}
        index = [where[name] for name in number_columns]
        if index == list(range(index[0], index[0] + len(index))):    # a run of columns
            numbers = parsed.values[:, index[0]:index[0] + len(index)].astype(np.float64)
        else:
            numbers = parsed.values[:, index].astype(np.float64)
    prepared = prepare(numbers) if prepare is not None and numbers is not None else None
    return Chunk(frame, lines, numbers, prepared)


def _workbook_rows(path, chunk_rows, x_sheet, known) -> RowSource:
    check_workbook(path)
    book = open_book(path)
    try:
        name = find_sheet(book, x_sheet) if x_sheet is not None else (
            find_sheet(book, "X") if has_sheet(book, "X") else book.sheetnames[0])
        table = read_sheet(book, path, name)
        y_name = find_sheet(book, "y") if x_sheet is None and has_sheet(book, "y") else None
        labels = read_sheet(book, path, y_name) if y_name and y_name != name else None
    finally:
        book.close()
    header, layout = _cut_to_data(table, known)
    frame = table_frame(table, header)
    names = column_names(frame.columns)[0]
    frame = frame.set_axis(names, axis=1)
    if header is None and labels is not None and labels.rows:
        frame = _with_labels(frame, labels, table.where)
    chunk_rows = chunk_rows or default_chunk_rows(frame.shape[1])

    def read(text_columns, number_columns, prepare):
        for start in range(0, len(frame), chunk_rows):
            yield _chunk(frame.iloc[start:start + chunk_rows], None, number_columns, prepare)

    return RowSource(table.where, list(frame.columns), header is not None, chunk_rows, read,
                     layout=layout)


def _cut_to_data(table: Table, known):
    """``(header or None, header_rows.Layout)``: ``table`` cut down (in place) to its data
    rows, from below its header (``csv_layout.known_header``, else ``header_rows``' guess) to
    above its totals and notes."""
    if not table.rows:
        raise ValueError(f"{table.where} is empty: there are no rows to score.")
    found = csv_layout.known_header(table.rows, known)
    header = header_rows.split_table(
        table, None if found is None else table.row_numbers[found], chosen=False)
    return header, table.layout


def _with_labels(frame, labels: Table, where):
    """The tutorial layout: sheet X's columns, then sheet y's first column as ``y``."""
    if has_header(labels):
        drop_header(labels)
    if len(labels.rows) != len(frame):
        raise ValueError(f"{where} has {len(frame)} rows but {labels.where} has "
                         f"{len(labels.rows)} labels.")
    return frame.assign(y=[row[0] for row in labels.rows])
