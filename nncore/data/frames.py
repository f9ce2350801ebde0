"""From a table to a Dataset: ``from_frame`` is the one way, whatever the file was.

Every reader ends here: the fast CSV reader with the pandas frame it parsed, the diagnostic
readers and workbooks through ``from_table`` (their Table becomes a frame). The label column is
found, rows without a label dropped, each column classified (``columns.py``) and encoded
(``encoding.py``). What is still refused (a stray text cell among numbers, infinity) is named
by row and column. ``from_sheets`` is the tutorial layout: features and labels on two sheets.
"""
from __future__ import annotations


import numpy as np
import pandas as pd

from nncore.data.columns import (
    ROLES, CellProblem, Column, classify, example_values, is_blank_token,
)
from nncore.data.dataset import Dataset, class_names
from nncore.data.encoding import Encoding
from nncore.data.header_rows import split_table
from nncore.data.images import detect_image_geometry
from nncore.data.task import check_task, infer_task, regression_targets
from nncore.data.tables import (
    MAX_LISTED, Table, column_labels, column_letter, drop_header, has_header, label_index, shorten,
    to_matrix,
)


def from_table(table: Table, label_column, name, roles=None, task=None,
               header_row=None) -> Dataset:
    """Single-table layout: feature columns plus one label column, through `from_frame`; the
    table is found on its sheet first (``header_rows.split_table``: the header below any
    titles, ``header_row`` when given, the data above any totals and notes)."""
    header = split_table(table, header_row)
    dataset = from_frame(table_frame(table, header), label_column, name, table.where,
                         table.notes, roles=roles, decimal_comma=table.decimal_comma,
                         excel=table.excel, explain_empty=table.explain_empty, task=task)
    dataset.layout = table.layout.to_dict()
    return dataset


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
               decimal_comma=False, excel=False, explain_empty=None, task=None) -> Dataset:
    """A Dataset from a table as pandas (or `table_frame`) holds it.

    Parameters
    ----------
    frame : pandas.DataFrame
        One column per file column, named by the header (integers 0..d-1 without one); cells
        as parsed (numeric dtypes, or objects: text, numbers, blanks as NaN/None/"").
        The index is the file's row numbers, for messages.
    label_column : str, int or None
        The label column by name or 1-based position ("first", "last", -1); None: a column
        named label, target or class, else the last (``tables.default_label_index``).
    name, where, notes
        Dataset name, how messages start ('The CSV file', 'Sheet "S"'), notes so far.
    roles : dict, optional
        ``{column name: "number" | "category" | "ignored" | "label" | "auto"}``: the user's
        choices; "label" picks the label column.
    decimal_comma, excel, explain_empty
        From the reader: text may write 0,5; messages name cells like B7; why an empty
        workbook cell is empty (a formula without a saved result).
    task : "classification", "regression" or None
        What the label asks for; None decides from the label column (``task.infer_task``).

    Returns
    -------
    Dataset whose ``encoding`` says what became of every column; ``X`` (n, d) its features.
    ValueError (naming row and column where there is one) for what cannot be read.
    """
    notes = list(notes or [])
    check_task(task)
    if not len(frame):
        raise ValueError(f"{where} has a header row but no data rows.")
    names, has_header_names = column_names(frame.columns)
    frame = frame.set_axis(names, axis=1)
    raw = frame
    roles = _check_roles(roles, names, where)
    label = _label_position(roles, names, has_header_names, label_column, where, notes)
    frame, label_values, n_dropped = _drop_blank_labels(frame, label, where, notes)
    task, reason = (task, "chosen") if task else infer_task(label_values, len(label_values),
                                                            decimal_comma)
    if task == "regression":
        labels = regression_targets(label_values, where, label + 1, excel, decimal_comma)
        action = f"the label: a number to predict ({reason})"
    else:
        labels = class_names(label_values.tolist())
        action = f"the label: {len(set(labels))} classes"
    columns = _classify_all(frame, label, roles, where, decimal_comma, excel, explain_empty)
    encoding = Encoding(
        columns=columns, label=names[label], decimal_comma=decimal_comma, label_blanks=n_dropped,
        label_examples=example_values(label_values, np.zeros(len(label_values), bool)),
        label_action=action + (f"; {n_dropped} rows with a blank label dropped" if n_dropped
                               else ""))
    dataset = _encoded(frame, encoding, has_header_names, name, notes, where, labels, task)
    dataset.task_reason = reason
    dataset.raw = raw           # every row as read, so that a change of roles can redo this
    return dataset


def _label_position(roles, names, has_header_names, label_column, where, notes) -> int:
    """The label column's 0-based position: the user's "label" role, else ``label_column``."""
    n_cols = len(names)
    chosen = [n for n, r in roles.items() if r == "label"]
    if len(chosen) > 1:
        raise ValueError(f"only one column can be the label (got {', '.join(chosen)})")
    if chosen:
        label = names.index(chosen[0])
    else:
        label = label_index(label_column, names if has_header_names else None, n_cols, where)
        if label_column is None and label != n_cols - 1:
            notes.append(f'The label is the column "{names[label]}" (found by its name); '
                         "name another label column to change it.")
    if n_cols < 2:
        raise ValueError(f"{where} has only one column (the labels): there are no "
                         "feature columns. Put the features in columns next to the labels.")
    return label


def _drop_blank_labels(frame, label, where, notes):
    """``(frame, label values, rows dropped)`` without the rows whose label is blank."""
    label_name = frame.columns[label]
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
    return frame, label_values, n_dropped


def _encoded(frame, encoding, has_header_names, name, notes, where, labels, task) -> Dataset:
    """The Dataset of the encoded feature columns and ``labels`` (names or numbers)."""
    columns = encoding.columns
    if not encoding.used:
        why = "; ".join(f'"{c.name}" {c.action}' for c in columns[:6])
        raise ValueError(f"{where}: no column can be used as a feature ({why}).")
    notes.extend(_column_notes(columns, decimal_comma=encoding.decimal_comma))
    X = _features(frame, encoding, where)
    plain = encoding.is_plain and all(c.kind == "number" for c in columns)
    feature_names = (encoding.feature_names if has_header_names or not plain else None)
    image = detect_image_geometry(X) if plain else None
    if task == "regression":
        dataset = Dataset(X=X, y=labels, classes=[], name=name, feature_names=feature_names,
                          image=image, notes=list(notes), task="regression")
    else:
        dataset = _finish(X, labels, name, feature_names, notes, where, image=image)
    dataset.encoding = encoding.to_dict()
    return dataset


def _check_roles(roles, names, where) -> dict:
    roles = dict(roles or {})
    for column, role in roles.items():
        if column not in names:
            listed = ", ".join(f'"{n}"' for n in names[:MAX_LISTED])
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
    # In the columns' common dtype, row-major: a picture table stays 1 byte a cell.
    block = frame.iloc[:, positions]
    block = np.ascontiguousarray(block.to_numpy(dtype=np.result_type(*block.dtypes)))
    finite = (np.isfinite(block).all(axis=0) if block.dtype.kind == "f"
              else np.ones(block.shape[1], dtype=bool))
    counter = _row_counters(block)
    medians = _medians(block)
    head = block[:200]
    found = {}
    for k, j in enumerate(positions):
        if not finite[k] or counter[k]:
            continue                     # blanks, infinities, row counters: the careful path
        examples = [f"{v:g}" for v in pd.unique(head[:, k])[:4]]
        found[j] = Column(name=frame.columns[j], position=j, kind="number", examples=examples,
                          fill=float(medians[k]), action="used as a number")
    return found


def _medians(block) -> np.ndarray:
    """Column medians of ``block`` (n, d), float64. A column whose smallest value fills more
    than half of it (blank paper in a picture, a mostly-zero count) has that value as its
    median with no partition: both middle ranks fall inside that run."""
    n = block.shape[0]
    lowest = block.min(axis=0)
    settled = (block == lowest).sum(axis=0, dtype=np.int64) > n // 2
    medians = lowest.astype(np.float64)
    rest = np.flatnonzero(~settled)
    if rest.size and block.dtype == np.uint8:   # counting 256 values beats a partition
        medians[rest] = [_byte_median(c) for c in np.ascontiguousarray(block[:, rest].T)]
    elif rest.size:
        medians[rest] = np.median(block[:, rest], axis=0)
    return medians


def _byte_median(column) -> float:
    """The median of a uint8 column from its counts: the value at 0-based rank r is the
    smallest whose cumulative count exceeds r; the median averages ranks (n-1)//2 and n//2."""
    cumulative = np.cumsum(np.bincount(column, minlength=256))
    n = len(column)
    low, high = np.searchsorted(cumulative, [(n - 1) // 2, n // 2], side="right")
    return (low + high) / 2


def _row_counters(block) -> np.ndarray:
    n = block.shape[0]
    counters = np.zeros(block.shape[1], dtype=bool)
    if n < 20:
        return counters
    # A counter rises by at least 1 a row, so it spans n - 1 or more: only such columns are
    # looked at closely (in float64, where differences cannot wrap around).
    span = block.max(axis=0).astype(np.float64) - block.min(axis=0).astype(np.float64)
    wide = np.flatnonzero(span >= n - 1)
    if wide.size:
        cols = block[:, wide].astype(np.float64)
        start, steps = cols[0], np.diff(cols, axis=0)
        counters[wide] = (np.isin(start, (0.0, 1.0)) & np.all(steps >= 1, axis=0)
                          & np.all(cols == np.round(cols), axis=0)
                          & (cols[-1] - start <= 1.1 * n))
    return counters


def _features(frame, encoding, where) -> np.ndarray:
    if encoding.is_plain and all(pd.api.types.is_numeric_dtype(frame[c.name].dtype)
                                 for c in encoding.used):
        features = frame[[c.name for c in encoding.used]]
        # In the columns' common dtype (uint8 pixels, float32 numbers): the transpose from
        # pandas' column blocks is a copy of 1 or 4 bytes a cell, and X stays that narrow.
        narrow = np.result_type(*features.dtypes)
        return np.ascontiguousarray(features.to_numpy(dtype=narrow))
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
    return f" (cell {column_letter(j + 1)}{row})" if excel else ""


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
