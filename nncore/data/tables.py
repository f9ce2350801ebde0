"""A table of raw cells, whatever file it came from: the rows, the header, the label column.

Readers (``csvfiles``, ``workbooks``) produce a :class:`Table`: rows of numbers, text and blanks
with the row numbers of the file. Here a header row is recognised, the label column found by name
or position, and cells checked one by one, so that messages name the row and column.
``frames.py`` turns a table into a Dataset.
"""
from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

import numpy as np

from nncore.data.columns import (
    BLANK_TOKENS,
)
from nncore.data.dataset import class_name

_HEADER_PROBE_ROWS = 20
MAX_LISTED = 12
EXCEL_ERRORS = {"#DIV/0!", "#N/A", "#NAME?", "#NULL!", "#NUM!", "#REF!", "#VALUE!",
                 "#GETTING_DATA", "#SPILL!", "#CALC!"}


@dataclass
class Table:
    where: str                  # 'Sheet "X"' or 'The CSV file', starts every message
    rows: list                  # rows of raw cells (numbers, text, None), blank rows dropped
    row_numbers: list[int]      # 1-based row numbers in the file, for messages
    excel: bool = False         # say cell names like C17 in messages
    decimal_comma: bool = False  # ';'- or tab-separated text may write 0,5 for 0.5
    explain_empty: object = None  # (row, col) -> why an empty-looking cell is empty, or None
    notes: list[str] = field(default_factory=list)
    layout: object = None       # header_rows.Layout: where the table was found on its sheet

    def cell_name(self, i, j) -> str:
        return f"row {self.row_numbers[i]}, column {j + 1}"

    def suffix(self, i, j) -> str:
        return f" (cell {column_letter(j + 1)}{self.row_numbers[i]})" if self.excel else ""


def column_letter(col: int) -> str:
    letters = ""
    while col:
        col, rem = divmod(col - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def _is_blank(v) -> bool:
    return v is None or (isinstance(v, str) and not v.strip())


def _is_number(v, decimal_comma=False) -> bool:
    if isinstance(v, bool):
        return False
    if isinstance(v, (int, float, np.integer, np.floating)):
        return True
    if isinstance(v, str):
        text = v.strip().replace(",", ".") if decimal_comma else v.strip()
        try:
            float(text)
            return bool(text)
        except ValueError:
            return False
    return False


def normalise(rows, numbers):
    """Drop blank rows, pad short rows with None, drop blank trailing columns."""
    kept = [(list(r), n) for r, n in zip(rows, numbers) if not all(_is_blank(v) for v in r)]
    if not kept:
        return [], []
    width = max(len(r) for r, _ in kept)
    for r, _ in kept:
        r.extend([None] * (width - len(r)))
    while width and all(_is_blank(r[width - 1]) for r, _ in kept):
        width -= 1
    return [r[:width] for r, _ in kept], [n for _, n in kept]


def has_header(table: Table) -> bool:
    """True when the first row has text over columns whose next rows are numbers.

    A first row of mostly numbers with one odd cell is data with a typo (reported as such),
    unless its numbers are just column numbers 0..d-1 or 1..d.
    """
    rows = table.rows
    if len(rows) == 1:   # a header alone: every cell text
        return all(isinstance(v, str) and not _is_number(v, table.decimal_comma)
                   and not _is_blank(v) for v in rows[0])
    if len(rows) < 2:
        return False
    first, probe = rows[0], rows[1:1 + _HEADER_PROBE_ROWS]
    is_num = lambda v: _is_number(v, table.decimal_comma)  # noqa: E731
    is_text = lambda v: isinstance(v, str) and not is_num(v) and not _is_blank(v)  # noqa: E731
    # numbers below, blanks ("", ?, NA) allowed among them
    evidence = any(is_text(v) and any(is_num(r[j]) for r in probe)
                   and all(is_num(r[j]) or _is_blank_token(r[j]) for r in probe)
                   for j, v in enumerate(first))
    if not evidence:
        return _is_text_header(first, probe, is_text)
    numbers = [float(str(v).replace(",", ".")) if isinstance(v, str) else float(v)
               for v in first if is_num(v)]
    if len(numbers) <= len(first) / 2:
        return True
    start = numbers[0]
    return start in (0, 1) and numbers == [start + k for k in range(len(numbers))]


def _is_blank_token(v) -> bool:
    return _is_blank(v) or (isinstance(v, str) and v.strip().lower() in BLANK_TOKENS)


def _is_text_header(first, probe, is_text) -> bool:
    """A first row of distinct text names over text columns: a header when no name comes back
    in its column below and at least one column repeats its values (categories), which names
    never do."""
    if not all(is_text(v) for v in first) or len({str(v).strip() for v in first}) < len(first):
        return False
    below = [[str(r[j]).strip() for r in probe if not _is_blank(r[j])] for j in range(len(first))]
    if any(str(v).strip() in values for v, values in zip(first, below)):
        return False
    return any(len(set(values)) < len(values) for values in below)


def drop_header(table: Table) -> list[str]:
    header = ["" if v is None else str(v).strip() for v in table.rows[0]]
    table.rows, table.row_numbers = table.rows[1:], table.row_numbers[1:]
    return header


def split_header(table: Table, nothing: str):
    """Drop the table's header row when it has one (returned, else None); refuse a table
    without data rows, saying there are no ``nothing``."""
    if not table.rows:
        raise ValueError(f"{table.where} is empty: there are no {nothing}.")
    header = drop_header(table) if has_header(table) else None
    if not table.rows:
        raise ValueError(f"{table.where} has a header row but no data rows.")
    return header


def _cell_problem(v, decimal_comma=False) -> str | None:
    """Why one feature cell is not a usable number, or None if it is."""
    if _is_blank(v):
        return "the cell is empty"
    if isinstance(v, bool):
        return None
    if isinstance(v, (datetime, date, time, timedelta)):
        return f"holds a date/time ({v}), not a number"
    if isinstance(v, str):
        text = v.strip()
        if text.startswith("#") and text.upper() in EXCEL_ERRORS:
            return f"holds the spreadsheet error {text}, not a number"
        try:
            number = float(text.replace(",", ".") if decimal_comma else text)
        except ValueError:
            return f'"{shorten(text)}" is not a number'
    elif isinstance(v, (int, float, np.integer, np.floating)):
        number = float(v)
    else:
        return f'"{shorten(str(v))}" is not a number'
    if math.isnan(number):
        return "the cell is NaN (not a number)"
    if math.isinf(number):
        return f'"{shorten(str(v))}" is not a finite number'
    return None


def shorten(text, limit=40):
    return text if len(text) <= limit else text[:limit - 3] + "..."


def to_matrix(table: Table, columns) -> np.ndarray:
    """The given columns of the table as float64 (n, len(columns)); ValueError at the first bad cell."""
    cells = np.empty((len(table.rows), len(table.rows[0]) if table.rows else 0), dtype=object)
    cells[:] = table.rows
    cells = cells[:, columns]
    X = _try_float(cells)
    if X is None and table.decimal_comma:
        X = _try_float(np.where(_is_str_array(cells), _replace_commas(cells), cells))
        if X is not None:
            table.notes.append("Decimal commas (0,5) were read as decimal points (0.5).")
    if X is not None:
        bad = np.argwhere(~np.isfinite(X))
        if not bad.size:
            return X
        first = [tuple(bad[0])]
    else:
        first = ((i, j) for i in range(cells.shape[0]) for j in range(cells.shape[1]))
    for i, j in first:
        problem = _cell_problem(cells[i, j], table.decimal_comma)
        if problem:
            col = columns[j]
            if problem == "the cell is empty" and table.explain_empty is not None:
                problem = table.explain_empty(table.row_numbers[i], col + 1) or problem
            raise ValueError(f"{table.where}, {table.cell_name(i, col)}: {problem}"
                             f"{table.suffix(i, col)}. Every feature cell must hold a number.")
    raise ValueError(f"{table.where}: some feature cells are not numbers.")


def _try_float(cells):
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return cells.astype(np.float64)
    except (ValueError, TypeError):
        return None


def _is_str_array(cells):
    return np.vectorize(lambda v: isinstance(v, str), otypes=[bool])(cells)


def _replace_commas(cells):
    return np.vectorize(lambda v: v.replace(",", ".") if isinstance(v, str) else v,
                        otypes=[object])(cells)


def column_labels(table: Table, col: int) -> list[str]:
    names = []
    for i, row in enumerate(table.rows):
        v = row[col]
        if _is_blank(v):
            raise ValueError(f"{table.where}, {table.cell_name(i, col)}: the label is empty"
                             f"{table.suffix(i, col)}. Every row needs a label.")
        if isinstance(v, float) and math.isnan(v):
            raise ValueError(f"{table.where}, {table.cell_name(i, col)}: the label is NaN.")
        names.append(class_name(v))
    return names


#: header names that mark the label column when none is named, in order of preference.
#: "y" is left out: beside an "x" it is as often a coordinate as the label, and a table whose
#: label is "y" almost always puts it last, where the default looks anyway.
LABEL_NAMES = ("label", "target", "class")


def default_label_index(header, n_cols) -> int:
    """The label column when the user names none: the last, unless another column is named
    like a label (``LABEL_NAMES``, any case; Kaggle's MNIST CSV puts ``label`` first).  A last
    column that is itself named so stays the label."""
    last = n_cols - 1
    if header is None:
        return last
    folded = [str(h).strip().lower() for h in header]
    if folded[last] in LABEL_NAMES:
        return last
    for name in LABEL_NAMES:
        if name in folded:
            return folded.index(name)
    return last


def label_index(label_column, header, n_cols, where) -> int:
    """The 0-based label column: ``label_column`` by header name (exact, else a unique match
    in any case), "first"/"last", or 1-based position (negative from the end); None: the
    default (``default_label_index``)."""
    if label_column is None:
        return default_label_index(header, n_cols)
    wanted = str(label_column).strip()
    if header is not None:
        if wanted in header:
            return header.index(wanted)
        folded = [h.lower() for h in header]
        if folded.count(wanted.lower()) == 1:
            return folded.index(wanted.lower())
    if wanted.lower() in ("first", "last"):
        return 0 if wanted.lower() == "first" else n_cols - 1
    try:
        position = int(wanted)
    except ValueError:
        position = None
    if position is not None and 1 <= abs(position) <= n_cols:
        return position - 1 if position > 0 else n_cols + position
    if header is not None:
        listed = ", ".join(f'"{h}"' for h in header[:MAX_LISTED])
        more = f" and {len(header) - MAX_LISTED} more" if len(header) > MAX_LISTED else ""
        raise ValueError(f'{where} has no column "{wanted}". Its columns are: {listed}{more}.')
    raise ValueError(f'{where} has no header row, so there is no column named "{wanted}". '
                     f"Give the label column by position, 1 to {n_cols} (or first/last).")
