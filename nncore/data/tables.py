"""A table of raw cells, whatever file it came from, and how it becomes a Dataset.

Readers (``csvfiles``, ``workbooks``) produce a :class:`Table`: rows of numbers, text and blanks
with the row numbers of the file. Here a header row is recognised and the table becomes a pandas
frame for `from_frame`, the one way from a table to a Dataset (the fast CSV reader hands its
frame there directly): the label column is found, rows without a label dropped, each column
classified (``columns.py``) and encoded (``encoding.py``). What is still refused (a stray text
cell among numbers, infinity) is named by row and column.
"""
from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

import numpy as np
import pandas as pd

from nncore.data.columns import (
    BLANK_TOKENS, ROLES, CellProblem, Column, classify, example_values, is_blank_token,
)
from nncore.data.dataset import Dataset, class_name
from nncore.data.encoding import Encoding
from nncore.data.images import detect_image_geometry

_HEADER_PROBE_ROWS = 20
_MAX_LISTED = 12
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

    def cell_name(self, i, j) -> str:
        return f"row {self.row_numbers[i]}, column {j + 1}"

    def suffix(self, i, j) -> str:
        return f" (cell {_column_letter(j + 1)}{self.row_numbers[i]})" if self.excel else ""


def _column_letter(col: int) -> str:
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
    evidence = sum(1 for j, v in enumerate(first)
                   if is_text(v) and any(is_num(r[j]) for r in probe)
                   and all(is_num(r[j]) or _is_blank_token(r[j]) for r in probe))
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


def label_index(label_column, header, n_cols, where) -> int:
    if label_column is None:
        return n_cols - 1
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
        listed = ", ".join(f'"{h}"' for h in header[:_MAX_LISTED])
        more = f" and {len(header) - _MAX_LISTED} more" if len(header) > _MAX_LISTED else ""
        raise ValueError(f'{where} has no column "{wanted}". Its columns are: {listed}{more}.')
    raise ValueError(f'{where} has no header row, so there is no column named "{wanted}". '
                     f"Give the label column by position, 1 to {n_cols} (or first/last).")


def from_table(table: Table, label_column, name, roles=None) -> Dataset:
    """Single-table layout: feature columns plus one label column, through `from_frame`."""
    header = split_header(table, "data rows")
    return from_frame(table_frame(table, header), label_column, name, table.where, table.notes,
                      roles=roles, decimal_comma=table.decimal_comma, excel=table.excel,
                      explain_empty=table.explain_empty)


def table_frame(table: Table, header) -> pd.DataFrame:
    """The table's cells as an object DataFrame: columns the header names (or 0..d-1 without
    a header), index the file's row numbers."""
    n_cols = len(table.rows[0])
    frame = pd.DataFrame(table.rows, dtype=object, index=table.row_numbers)
    if header is not None:
        frame.columns = header[:n_cols] + [""] * (n_cols - len(header))
    return frame


def column_names(columns) -> tuple[list[str], bool]:
    """Unique text names for a frame's columns, and whether they came from a header.

    Integer columns (no header) are named "column 1", ...; a blank or repeated header cell
    gets its position: "column 3", "price (column 5)".
    """
    has_names = not all(isinstance(c, (int, np.integer)) for c in columns)
    names, seen = [], set()
    for j, c in enumerate(columns):
        text = "" if c is None or not has_names else str(c).strip()
        if not text or text in seen:
            text = f"{text} (column {j + 1})" if text else f"column {j + 1}"
        seen.add(text)
        names.append(text)
    return names, has_names


def from_frame(frame, label_column, name, where="The CSV file", notes=None, *, roles=None,
               decimal_comma=False, excel=False, explain_empty=None) -> Dataset:
    """A Dataset from a table as pandas (or `table_frame`) holds it.

    Parameters
    ----------
    frame : pandas.DataFrame
        One column per file column, named by the header (integers 0..d-1 without one); cells
        as parsed (numeric dtypes, or objects: text, numbers, blanks as NaN/None/"").
        The index is the file's row numbers, for messages.
    label_column : str, int or None
        The label column by name or 1-based position ("first", "last", -1); None: the last.
    name, where, notes
        Dataset name, how messages start ('The CSV file', 'Sheet "S"'), notes so far.
    roles : dict, optional
        ``{column name: "number" | "category" | "ignored" | "label" | "auto"}``: the user's
        choices; "label" picks the label column.
    decimal_comma, excel, explain_empty
        From the reader: text may write 0,5; messages name cells like B7; why an empty
        workbook cell is empty (a formula without a saved result).

    Returns
    -------
    Dataset whose ``encoding`` says what became of every column; ``X`` (n, d) its features.
    ValueError (naming row and column where there is one) for what cannot be read.
    """
    notes = list(notes or [])
    n_cols = frame.shape[1]
    if not len(frame):
        raise ValueError(f"{where} has a header row but no data rows.")
    names, has_header_names = column_names(frame.columns)
    frame = frame.set_axis(names, axis=1)
    raw = frame
    roles = _check_roles(roles, names, where)
    chosen = [n for n, r in roles.items() if r == "label"]
    if len(chosen) > 1:
        raise ValueError(f"only one column can be the label (got {', '.join(chosen)})")
    if chosen:
        label = names.index(chosen[0])
    else:
        label = label_index(label_column, names if has_header_names else None, n_cols, where)
    if n_cols < 2:
        raise ValueError(f"{where} has only one column (the labels): there are no "
                         "feature columns. Put the features in columns next to the labels.")
    label_name = names[label]
    label_values = frame.iloc[:, label]
    label_blank = is_blank_token(label_values)
    n_dropped = int(label_blank.sum())
    if n_dropped:
        frame = frame[~label_blank]
        label_values = label_values[~label_blank]
        notes.append(f"{n_dropped} row{'s' if n_dropped > 1 else ''} whose label "
                     f'("{label_name}") is blank {"were" if n_dropped > 1 else "was"} dropped.')
    if len(frame) < 2:
        dropped = (f" ({n_dropped} row{'s' if n_dropped > 1 else ''} without a label dropped)"
                   if n_dropped else "")
        raise ValueError(f"{where} has only {'one data row' if len(frame) else 'no data rows'}"
                         f"{dropped}; at least two samples of two different classes are "
                         "needed.")
    labels = label_values.map(class_name).tolist()
    columns = _classify_all(frame, label, roles, where, decimal_comma, excel, explain_empty)
    encoding = Encoding(
        columns=columns, label=label_name, decimal_comma=decimal_comma, label_blanks=n_dropped,
        label_examples=example_values(label_values, np.zeros(len(label_values), bool)),
        label_action=(f"the label: {len(set(labels))} classes"
                      + (f"; {n_dropped} rows with a blank label dropped" if n_dropped else "")))
    if not encoding.used:
        why = "; ".join(f'"{c.name}" {c.action}' for c in columns[:6])
        raise ValueError(f"{where}: no column can be used as a feature ({why}).")
    notes.extend(_column_notes(columns, decimal_comma))
    X = _features(frame, encoding, where)
    plain = encoding.is_plain and all(c.kind == "number" for c in columns)
    feature_names = (encoding.feature_names if has_header_names or not plain else None)
    image = detect_image_geometry(X) if plain else None
    dataset = _finish(X, labels, name, feature_names, notes, where, image=image)
    dataset.encoding = encoding.to_dict()
    dataset.raw = raw           # every row as read, so that a change of roles can redo this
    return dataset


def _check_roles(roles, names, where) -> dict:
    roles = dict(roles or {})
    for column, role in roles.items():
        if column not in names:
            listed = ", ".join(f'"{n}"' for n in names[:_MAX_LISTED])
            raise ValueError(f'{where} has no column "{shorten(str(column))}". Its columns are: '
                             f"{listed}.")
        if role not in ROLES:
            raise ValueError(f'column "{column}": role must be one of {", ".join(ROLES)} '
                             f"(got {role!r})")
    return {c: r for c, r in roles.items() if r != "auto"}


def _classify_all(frame, label, roles, where, decimal_comma, excel, explain_empty):
    names = list(frame.columns)
    quick = _plain_number_columns(frame, label, roles)
    columns = []
    for j, column_name in enumerate(names):
        if j == label:
            continue
        if j in quick:
            columns.append(quick[j])
            continue
        values = frame.iloc[:, j]
        role = roles.get(column_name, "auto")
        if explain_empty is not None and role != "ignored":
            # an empty-looking cell may hide a formula never calculated: say so, once a column
            blank = is_blank_token(values) & values.map(_is_empty).to_numpy()
            if blank.any():
                row = values.index[int(np.flatnonzero(blank)[0])]
                why = explain_empty(row, j + 1)
                # a spreadsheet error (#DIV/0!) is an unknown value, a blank like "?"
                if why and "spreadsheet error" not in why:
                    raise ValueError(f"{where}, row {row}, column {j + 1}: {why}"
                                     f"{_suffix(excel, row, j)}.")
        try:
            column = classify(values, column_name, j, role, decimal_comma)
        except CellProblem as p:
            raise ValueError(f"{where}, row {p.row}, column {j + 1}: {p.problem}"
                             f"{_suffix(excel, p.row, j)}. The other cells of this column are "
                             "numbers: correct this one, leave it blank, or make the column a "
                             "category.") from None
        columns.append(column)
    return columns


def _is_empty(v) -> bool:
    return v is None or (isinstance(v, str) and not v.strip())


def _plain_number_columns(frame, label, roles) -> dict:
    """Columns of a numeric dtype without blanks, classified as whole arrays at once: a
    60,000 x 785 picture table is one block, not 785 Python passes over its cells."""
    positions = [j for j, (n, dtype) in enumerate(zip(frame.columns, frame.dtypes))
                 if j != label and roles.get(n, "auto") == "auto"
                 and pd.api.types.is_numeric_dtype(dtype) and dtype != bool]
    if not positions:
        return {}
    block = frame.iloc[:, positions].to_numpy(dtype=np.float64)
    finite = np.isfinite(block).all(axis=0)
    counter = _row_counters(block)
    medians = np.median(block, axis=0)
    head = block[:200]
    found = {}
    for k, j in enumerate(positions):
        if not finite[k] or counter[k]:
            continue                     # blanks, infinities, row counters: the careful path
        examples = [f"{v:g}" for v in pd.unique(head[:, k])[:4]]
        found[j] = Column(name=frame.columns[j], position=j, kind="number", examples=examples,
                          fill=float(medians[k]), action="used as a number")
    return found


def _row_counters(block) -> np.ndarray:
    n = block.shape[0]
    if n < 20:
        return np.zeros(block.shape[1], dtype=bool)
    start, steps = block[0], np.diff(block, axis=0)
    return (np.isin(start, (0.0, 1.0)) & np.all(steps >= 1, axis=0)
            & np.all(block == np.round(block), axis=0) & (block[-1] - start <= 1.1 * n))


def _features(frame, encoding, where) -> np.ndarray:
    if encoding.is_plain and all(pd.api.types.is_numeric_dtype(frame[c.name].dtype)
                                 for c in encoding.used):
        features = frame[[c.name for c in encoding.used]]
        # In the narrow common dtype first: the transpose from pandas' column blocks is then
        # a copy of 1 or 4 bytes a cell, not 8.
        narrow = np.result_type(*features.dtypes)
        return features.to_numpy(dtype=narrow).astype(np.float64)
    return encoding.transform(frame, where)


def _column_notes(columns, decimal_comma) -> list[str]:
    notes = []
    tokens = sorted({t for c in columns for t in c.blank_tokens})
    if tokens:
        notes.append("Read as blanks: " + ", ".join(f'"{t}"' for t in tokens) + ".")
    if any(c.number_format == "decimal comma" for c in columns):
        notes.append("Decimal commas (0,5) were read as decimal points (0.5).")
    if any(c.number_format == "thousands" for c in columns):
        notes.append("Thousands separators (1,234) were dropped.")
    filled = [c for c in columns if c.kind == "number" and c.blanks]
    if filled:
        notes.append("Blank numbers filled: " + "; ".join(
            f'"{c.name}" {c.blanks} with {c.fill:g}' for c in filled[:8]) + ".")
    categories = [c.name for c in columns if c.kind == "category"]
    if categories:
        notes.append("Text columns used as categories (one-hot): "
                     + ", ".join(f'"{n}"' for n in categories[:8]) + ".")
    ignored = [c for c in columns if c.kind == "ignored"]
    if ignored:
        notes.append("Ignored: " + "; ".join(f'"{c.name}" ({c.action.removeprefix("ignored: ")})'
                                            for c in ignored[:8]) + ".")
    return notes


def _suffix(excel, row, j) -> str:
    return f" (cell {_column_letter(j + 1)}{row})" if excel else ""


def _finish(X, labels, name, feature_names, notes, where, image="detect") -> Dataset:
    if len(set(labels)) < 2:
        raise ValueError(f"{where}: every row has the same label ({labels[0]!r}); a classifier "
                         "needs at least two classes.")
    if isinstance(image, str):
        image = detect_image_geometry(X)
    return Dataset.from_labels(X, labels, name=name, feature_names=feature_names,
                               image=image, notes=list(notes))


def from_sheets(xt: Table, yt: Table, name) -> Dataset:
    """Tutorial layout: features on one sheet, labels on another, matched by row."""
    for t in (xt, yt):
        if not t.rows:
            raise ValueError(f"{t.where} is empty.")
    notes = []
    dropped = {}
    for t in (xt, yt):
        if has_header(t):
            dropped[t.where] = drop_header(t)
            notes.append(f"{t.where}: dropped a header row ({shorten(', '.join(dropped[t.where]))}).")
    if len(yt.rows[0]) != 1:
        raise ValueError(f"{yt.where} has {len(yt.rows[0])} columns; it should hold one column "
                         "of labels, one per row of the feature sheet.")
    n_x, n_y = len(xt.rows), len(yt.rows)
    if n_y == n_x + 1 and yt.where not in dropped:
        first = yt.rows[0][0]
        if sum(1 for r in yt.rows if r[0] == first) == 1 and isinstance(first, str):
            dropped[yt.where] = drop_header(yt)
            notes.append(f'{yt.where}: dropped a header row ("{shorten(str(first))}").')
            n_y -= 1
    if n_x != n_y:
        extra = "".join(f" ({w} had a header row that was dropped)" for w in dropped)
        raise ValueError(f"{xt.where} has {n_x} rows but {yt.where} has {n_y} labels{extra}: "
                         "each row of features needs exactly one label on the same row.")
    if not xt.rows or not xt.rows[0]:
        raise ValueError(f"{xt.where} has no feature columns.")
    if n_x < 2:
        raise ValueError(f"{xt.where} has only one row; at least two samples of two different "
                         "classes are needed.")
    X = to_matrix(xt, list(range(len(xt.rows[0]))))
    labels = column_labels(yt, 0)
    return _finish(X, labels, name, None, notes + xt.notes, yt.where)
