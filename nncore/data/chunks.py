"""New rows read a chunk at a time: a file of any size as a sequence of small DataFrames.

Scoring a file (``nncore.scoring``) must not hold a 1 GB CSV as floats, so rows come in
chunks of ``chunk_rows``:

* **CSV, TSV, text**: pandas' C reader in chunks (``pandas.read_csv(chunksize=...)``), with
  the delimiter and text encoding guessed as ``csvfiles`` guesses them. Columns named in
  ``text_columns`` are read as text exactly as written (extra columns pass through untouched);
  the others get pandas' numbers where every cell of the chunk is one, else text, which
  ``columns.parse_numbers`` reads as training did. No cell is turned into a blank by pandas
  (``na_filter=False``): blanks are decided by ``columns.is_blank_token``.
* **Workbooks** (.xlsx, .xls, .xlsb, .ods): the first sheet (or ``x_sheet``) through the
  workbook readers (their size is bounded by the upload checks), cut into chunks. The
  tutorial layout, a sheet ``X`` without a header and a sheet ``y``, becomes the columns
  ``column 1..d`` of ``X`` followed by a column ``y``.

Every chunk's index holds the file's 1-based row numbers, for messages.
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

import pandas as pd

from nncore.data import fastcsv
from nncore.data.csvfiles import head_format
from nncore.data.frames import column_names, table_frame
from nncore.data.loaders import CSV_EXTENSIONS, WORKBOOK_EXTENSIONS, check_workbook
from nncore.data.tables import Table, drop_header, has_header, split_header
from nncore.data.workbooks import find_sheet, has_sheet, open_book, read_sheet

_PROBE_ROWS = 21
#: cells per chunk by default: about 32 MB as float64 features (a few times that as text)
CHUNK_CELLS = 1 << 22
MAX_CHUNK_ROWS = 50_000


def default_chunk_rows(n_columns) -> int:
    """Rows per chunk for a file of ``n_columns`` columns (``CHUNK_CELLS`` cells, at least 1)."""
    return int(max(1, min(MAX_CHUNK_ROWS, CHUNK_CELLS // max(n_columns, 1))))


@dataclass
class RowSource:
    """A file's columns (header names, or ``column 1..d`` without a header) and its rows.

    ``chunks(text_columns)`` reads the rows (once) as DataFrames of at most ``chunk_rows``
    rows; ``text_columns`` names the columns read as text whatever they hold (CSV only;
    workbook cells keep the types the workbook gives them).
    """

    where: str                  # how messages start: 'The CSV file', 'Sheet "X"'
    columns: list[str]
    has_header: bool
    chunk_rows: int
    _read: Callable[[frozenset], Iterator[pd.DataFrame]]

    def chunks(self, text_columns=frozenset()) -> Iterator[pd.DataFrame]:
        return self._read(frozenset(text_columns))


def open_rows(path, *, chunk_rows=None, x_sheet=None, known=frozenset()) -> RowSource:
    """The columns of ``path`` (CSV or workbook) and a reader of its rows in chunks of
    ``chunk_rows`` (default: ``default_chunk_rows`` of its width). ``ValueError`` for a file
    that cannot be read, with the readers' messages. A CSV file's rows are only read by
    ``chunks``; a workbook is read here.

    The first row is the header when ``tables.has_header`` says so, or when it names a column
    of ``known`` (the model's columns: a few rows with a typo can hide a header's evidence).
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


def _names_known(first, known) -> bool:
    return any(str(v).strip() in known for v in first if v is not None)


def _csv_rows(path, chunk_rows, known) -> RowSource:
    text, codec, delimiter = head_format(path)
    rows = [r for r in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter) if r]
    if not rows:
        raise ValueError("The CSV file is empty.")
    n_cols = len(rows[0])
    header = has_header(Table(where="The CSV file", rows=rows[:_PROBE_ROWS],
                              row_numbers=list(range(1, _PROBE_ROWS + 1))))
    header = header or _names_known(rows[0], known)
    names = column_names(rows[0] if header else list(range(n_cols)))[0]
    number, last, ended = fastcsv.last_line(path)
    if not ended and len(next(csv.reader([last], delimiter=delimiter), [])) < n_cols:
        raise ValueError(f"The CSV file ends in the middle of row {number}: the file was "
                         "probably cut short; give the whole file.")
    chunk_rows = chunk_rows or default_chunk_rows(n_cols)

    def read(text_columns):
        reader = pd.read_csv(path, sep=delimiter, header=0 if header else None, names=names,
                             dtype={n: str for n in names if n in text_columns},
                             na_filter=False, encoding=codec, chunksize=chunk_rows,
                             index_col=False)
        return _numbered(reader, 2 if header else 1, n_cols)

    return RowSource("The CSV file", names, header, chunk_rows, read)


def _numbered(reader, first_line, n_cols):
    """The reader's chunks with the file's row numbers as index (blank lines aside)."""
    try:
        with reader:
            for chunk in reader:
                if chunk.shape[1] != n_cols:
                    raise ValueError(f"The CSV file has rows of {chunk.shape[1]} fields where "
                                     f"the first row has {n_cols}.")
                chunk.index = chunk.index + first_line
                yield chunk
    except pd.errors.ParserError as exc:
        raise ValueError(f"The CSV file could not be read: {str(exc).strip()}") from None
    except UnicodeDecodeError:
        raise ValueError("The CSV file mixes text encodings: save it as UTF-8.") from None


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
    if table.rows and _names_known(table.rows[0], known) and not has_header(table):
        header = drop_header(table)
    else:
        header = split_header(table, "rows to score")
    frame = table_frame(table, header)
    names = column_names(frame.columns)[0]
    frame = frame.set_axis(names, axis=1)
    if header is None and labels is not None and labels.rows:
        frame = _with_labels(frame, labels, table.where)
    chunk_rows = chunk_rows or default_chunk_rows(frame.shape[1])

    def read(text_columns):
        return (frame.iloc[start:start + chunk_rows] for start in range(0, len(frame), chunk_rows))

    return RowSource(table.where, list(frame.columns), header is not None, chunk_rows, read)


def _with_labels(frame, labels: Table, where):
    """The tutorial layout: sheet X's columns, then sheet y's first column as ``y``."""
    if has_header(labels):
        drop_header(labels)
    if len(labels.rows) != len(frame):
        raise ValueError(f"{where} has {len(frame)} rows but {labels.where} has "
                         f"{len(labels.rows)} labels.")
    return frame.assign(y=[row[0] for row in labels.rows])
