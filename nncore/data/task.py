"""Classes or a number to predict: the task a table's label column asks for, and its numbers.

``infer_task`` decides from the label column alone (blank labels already dropped), by the rule
AutoGluon uses, with one floor for small tables:

1. exactly two distinct values -> classes (yes/no, 0/1, 1/2: a binary question);
2. text, or true/false -> classes (a number here and there among text is a class name too; but
   when at least 90% of the cells are numbers that would be read as a number to predict, the
   rest are taken for mistakes: regression, and ``regression_targets`` names the first one);
3. numbers are classes only when all are whole and their distinct count is at most 5% of the
   rows (10% under 1,000 rows) and at most 1,000, or at most 10 whatever the rows: a few whole
   values recurring many times are categories (digits 0-9, a 1-5 rating, a count of rooms),
   many distinct values or fractions are measurements (a price, a time, a weight);
4. anything else -> regression.

The floor of 10 keeps small tables of a few classes classes: 5% of 60 rows would allow 3.
A 1-5 rating may be meant either way; the user can switch (``task=`` of the loaders).

``regression_targets`` reads the label as float64 numbers and refuses, naming the cell, text
among them, infinity, and magnitudes above ``MAX_TARGET`` = 1e100: the variance of the target
sums squares, and ``n`` squares of 1e154 already overflow float64 (1.8e308); no measured
quantity comes near 1e100, so such a cell is a mistake (a stray exponent, a sentinel).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from nncore.data.columns import parse_numbers
from nncore.data.dataset import TASKS
from nncore.data.tables import column_letter

__all__ = ["TASKS", "MAX_TARGET", "infer_task", "check_task", "regression_targets"]

#: the largest |label| a regression reads (see the module docstring)
MAX_TARGET = 1e100
#: numbers are classes up to this share of distinct values (AutoGluon's thresholds)
SMALL_TABLE_ROWS = 1000
MAX_CLASSES = 1000
ALWAYS_CLASSES = 10
#: share of number cells from which the label reads as numbers with a few mistakes
MOSTLY_NUMBERS = 0.9


def check_task(task) -> str | None:
    """``task`` if it is None or one of ``TASKS``; ``ValueError`` listing them otherwise."""
    if task is not None and task not in TASKS:
        raise ValueError(f"task must be one of {', '.join(TASKS)} (got {task!r})")
    return task


def infer_task(values, n_rows=None, decimal_comma=False) -> tuple[str, str]:
    """``("classification" | "regression", reason)`` for a label column (see the docstring).

    Parameters
    ----------
    values : sequence or pandas.Series
        The labels of the rows that have one (numbers, text, booleans).
    n_rows : int, optional
        Rows with a label; defaults to ``len(values)``.
    decimal_comma : bool
        Text may write 0,5 for 0.5.
    """
    values = values if isinstance(values, pd.Series) else pd.Series(list(values), dtype=object)
    n_rows = len(values) if n_rows is None else int(n_rows)
    distinct = values.nunique(dropna=True)
    if distinct == 2:
        return "classification", "two values: a yes/no question"
    if values.dtype == bool or values.map(type).eq(bool).any():
        return "classification", "true/false values"
    numbers = parse_numbers(values, "decimal comma" if decimal_comma else "")
    is_number = numbers.notna().to_numpy()
    if not is_number.all():
        if is_number.mean() < MOSTLY_NUMBERS or _few_whole(numbers[is_number], n_rows):
            return "classification", "text labels: each distinct text is a class"
        return "regression", "numbers with many distinct values (some cells are not numbers)"
    if _few_whole(numbers, n_rows):
        return "classification", f"{distinct} distinct whole numbers: each is a class"
    if not np.all(np.mod(numbers.to_numpy()[np.isfinite(numbers.to_numpy())], 1) == 0):
        return "regression", f"numbers with fractions ({distinct} distinct values)"
    return "regression", f"{distinct} distinct whole numbers in {n_rows} rows: a quantity"


def _few_whole(numbers: pd.Series, n_rows) -> bool:
    """All whole and few enough distinct values to be classes (rule 3)."""
    v = numbers.to_numpy(dtype=np.float64)
    if not np.all(np.isfinite(v)) or not np.all(np.mod(v, 1) == 0):
        return False
    distinct = len(np.unique(v))
    share = 0.10 if n_rows < SMALL_TABLE_ROWS else 0.05
    return distinct <= ALWAYS_CLASSES or (distinct <= share * n_rows and distinct <= MAX_CLASSES)


def regression_targets(values: pd.Series, where, column, excel=False,
                       decimal_comma=False) -> np.ndarray:
    """The label column as float64 numbers (n,), for a regression.

    ``values`` is indexed by the file's row numbers; ``column`` is 1-based.  ``ValueError``
    naming the first bad cell ("{where}, row R, column C: ...") for text, infinity or a
    magnitude above ``MAX_TARGET``.
    """
    numbers = parse_numbers(values, "decimal comma" if decimal_comma else "").to_numpy()
    bad = ~np.isfinite(numbers) | (np.abs(np.nan_to_num(numbers)) > MAX_TARGET)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        row, cell = values.index[i], values.iloc[i]
        if np.isnan(numbers[i]):
            problem = f'"{cell}" is not a number'
        elif np.isinf(numbers[i]):
            problem = f'"{cell}" is infinite'
        else:
            problem = f'"{cell}" is beyond +-{MAX_TARGET:g}'
        suffix = f" (cell {column_letter(column)}{row})" if excel else ""
        raise ValueError(f"{where}, row {row}, column {column}: {problem}{suffix}. The label is "
                         "a number to predict: correct this cell, leave it blank (the row is "
                         "dropped), or make the label classes.")
    if numbers.size and numbers.min() == numbers.max():
        raise ValueError(f"{where}: every row has the same value ({numbers[0]:g}) in the label; "
                         "there is nothing to predict.")
    return numbers.astype(np.float64)
