"""What each column of a table is: a number, a category, the label, or ignored, and why.

A column is read as the person who made the spreadsheet meant it. Blank-looking tokens (``?``,
``NA``, ``n/a``, ``-``, ``#N/A``, spreadsheet errors) are blanks; text that is numbers with a
decimal comma or thousands separators is numbers; other text is a category, unless it is
(nearly) unique per row (names, ids, tickets), a date, or has more than ``MAX_CATEGORIES``
values, which are ignored with a note; an all-blank column and a plain row counter (1, 2, 3,
...) carry nothing to learn from and are ignored too. (Constant numbers are kept: the border
pixels of pictures are constant, and a picture needs all of its pixels.)

``parse_numbers`` is shared with ``encoding.py`` so that prediction reads a raw cell exactly as
training did. Numeric columns are handled as whole arrays; only text columns look at cells.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from nncore.data.dataset import class_name, sort_classes

#: tokens read as a blank cell (compared stripped and case-folded)
BLANK_TOKENS = frozenset({
    "", "?", "??", "-", "--", "na", "n/a", "n.a.", "nan", "null", "nil", "missing",
    "#n/a", "#na", "#div/0!", "#name?", "#null!", "#num!", "#ref!", "#value!",
    "#getting_data", "#spill!", "#calc!",
})
#: a text column with more distinct values than this is not one-hot encoded
MAX_CATEGORIES = 1000
#: share of rows with distinct values above which a text column is an identifier
UNIQUE_SHARE = 0.5
#: below this many rows nothing is called unique per row (every value of 5 rows may differ)
MIN_ROWS_FOR_UNIQUE = 20
#: blanks (share of rows) from which a numeric column also gets a was-blank indicator
INDICATOR_SHARE = 0.05
#: a column is "mostly numbers" (odd text cells are then typos to report) from this share
MOSTLY_NUMBERS = 0.5
#: ... unless its text is a code the column uses rather than typos: one text value in at least
#: ``CODE_REPEATS`` rows and the text in at least ``CODE_SHARE`` of them (a survey's
#: "children" column of 0, 1, 2 and "3+", the last in 38% of the rows): then categories
CODE_REPEATS, CODE_SHARE = 3, 0.05
ROLES = ("auto", "number", "category", "ignored", "label")
_EXAMPLES = 4

_THOUSANDS = re.compile(r"^[+-]?\d{1,3}([,' \u00a0]\d{3})+(\.\d+)?$")
_THOUSANDS_DOT = re.compile(r"^[+-]?\d{1,3}(\.\d{3})+(,\d+)?$")
_DECIMAL_COMMA = re.compile(r"^[+-]?\d*,\d+$")
_DATE = re.compile(r"^\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}([ T]\d{1,2}:\d{2}(:\d{2})?)?$"
                   r"|^\d{1,2}:\d{2}(:\d{2})?$")


@dataclass
class Column:
    """One column as classified: ``kind`` is number, category, ignored or label."""

    name: str
    position: int               # 0-based position in the file
    kind: str
    blanks: int = 0
    examples: list = field(default_factory=list)
    action: str = ""            # what was done about it, in words
    fill: float | None = None   # numbers: the value a blank becomes
    indicator: bool = False     # numbers: a was-blank 0/1 feature next to it
    categories: list = field(default_factory=list)
    blank_tokens: list = field(default_factory=list)
    number_format: str = ""     # "", "decimal comma" or "thousands"

    def report(self) -> dict:
        """JSON-ready row of the dataset page's column table."""
        return {"name": self.name, "kind": self.kind, "blanks": self.blanks,
                "examples": self.examples, "action": self.action,
                "blank_tokens": self.blank_tokens,
                "n_categories": len(self.categories) if self.kind == "category" else None}


def is_blank_token(values: pd.Series) -> np.ndarray:
    """(n,) bool: missing, or text that only says "no value"."""
    missing = values.isna().to_numpy()
    if values.dtype != object and not pd.api.types.is_string_dtype(values.dtype):
        return missing
    text = values.where(values.map(type) == str)
    lowered = text.str.strip().str.lower()
    return missing | lowered.isin(BLANK_TOKENS).to_numpy()


def parse_numbers(values: pd.Series, number_format: str = "") -> pd.Series:
    """``values`` as float64, NaN where a cell is blank or not a number.

    ``number_format`` "decimal comma" reads ``1.234,5`` and ``0,5``; "thousands" drops the
    separators of ``1,234.5``; "" reads numbers as Python does.
    """
    if values.dtype != object and not pd.api.types.is_string_dtype(values.dtype):
        if values.dtype == bool:
            return values.astype(np.float64)
        return pd.to_numeric(values, errors="coerce").astype(np.float64)
    is_text = (values.map(type) == str).to_numpy()
    if not is_text.any():
        numbers = pd.to_numeric(values.where(~values.map(_is_timelike)), errors="coerce")
        return numbers.astype(np.float64)
    text = values.where(is_text).astype(object).str.strip()
    if number_format == "decimal comma":
        text = text.str.replace(".", "", regex=False).str.replace(",", ".", regex=False)
    elif number_format == "thousands":
        text = text.str.replace(r"[,' \u00a0]", "", regex=True)
    parsed = pd.to_numeric(text.where(~text.str.lower().isin(BLANK_TOKENS)), errors="coerce")
    others = pd.to_numeric(values.where(~is_text & ~values.map(_is_timelike).to_numpy()),
                           errors="coerce")
    return parsed.where(is_text, others).astype(np.float64)


def _is_timelike(v) -> bool:
    return hasattr(v, "isoformat") or isinstance(v, bool)


def _number_format(text: pd.Series, failed: np.ndarray) -> str:
    """Which separators the cells that did not parse use, when all of them do the same."""
    odd = text[failed].str.strip()
    if not len(odd):
        return ""
    if odd.str.match(_THOUSANDS).all():
        return "thousands"
    if (odd.str.match(_DECIMAL_COMMA) | odd.str.match(_THOUSANDS_DOT)).all():
        return "decimal comma"
    return ""


def example_values(values: pd.Series, blank: np.ndarray) -> list[str]:
    seen = pd.unique(values[~blank].head(200).astype(str).str.strip())
    return [shorten(v, 24) for v in seen[:_EXAMPLES]]


def shorten(text, limit=40):
    text = str(text)
    return text if len(text) <= limit else text[:limit - 3] + "..."


def category_name(value) -> str:
    """The vocabulary entry of one raw category cell: ``3.0`` and ``"3"`` are the same."""
    return class_name(value)


class CellProblem(ValueError):
    """A cell that stops a column being read; ``row`` is its index label, ``column`` 0-based."""

    def __init__(self, row, column, problem):
        super().__init__(problem)
        self.row, self.column, self.problem = row, column, problem


def classify(values: pd.Series, name: str, position: int, role: str = "auto",
             decimal_comma: bool = False) -> Column:
    """Classify one feature column (the label is handled by the caller).

    ``role`` forces number, category or ignored; "auto" decides from the values. Raises
    `CellProblem` for a number column holding a stray text cell or infinity, and
    ``ValueError`` for a forced category with too many values.
    """
    n = len(values)
    blank = is_blank_token(values)
    column = Column(name=name, position=position, kind="ignored", blanks=int(blank.sum()),
                    examples=example_values(values, blank))
    column.blank_tokens = _tokens_seen(values, blank)
    if role == "ignored":
        column.action = "ignored, as you chose"
        return column
    if column.blanks == n:
        column.action = "ignored: every cell is blank"
        return column
    numbers = parse_numbers(values)
    failed = ~blank & numbers.isna().to_numpy()
    if failed.any() and (decimal_comma or values.dtype == object):
        text = values.where(values.map(type) == str)
        number_format = _number_format(text.fillna(""), failed)
        if number_format:
            numbers = parse_numbers(values, number_format)
            failed = ~blank & numbers.isna().to_numpy()
            column.number_format = number_format
    n_filled = n - column.blanks
    n_numbers = n_filled - int(failed.sum())
    if role == "category" or (role == "auto" and (n_numbers < MOSTLY_NUMBERS * n_filled
                                                  or _text_is_a_code(values, failed))):
        column.number_format = ""
        return _as_category(column, values, blank, n, forced=role == "category")
    if failed.any():
        i = int(np.flatnonzero(failed)[0])
        raise CellProblem(values.index[i], position, _text_problem(values.iloc[i]))
    data = numbers.to_numpy()
    infinite = np.isinf(data)
    if infinite.any():
        i = int(np.flatnonzero(infinite)[0])
        raise CellProblem(values.index[i], position,
                          f'"{shorten(values.iloc[i])}" is not a finite number')
    return _as_number(column, data, blank, n, forced=role == "number")


def _text_is_a_code(values, failed) -> bool:
    """Whether the cells of ``values`` that are not numbers (``failed``) are a code the
    column uses (``CODE_REPEATS``, ``CODE_SHARE``), not typos to report one by one."""
    n_text = int(failed.sum())
    if n_text < max(CODE_REPEATS, CODE_SHARE * len(values)):
        return False
    text = values[failed].astype(str).str.strip()
    return int(text.value_counts().iloc[0]) >= CODE_REPEATS


def _tokens_seen(values, blank) -> list[str]:
    if values.dtype != object or not blank.any():
        return []
    tokens = values[blank & values.notna().to_numpy()].astype(str).str.strip()
    return sorted(set(tokens.head(10_000)) - {""})[:8]


def _text_problem(value) -> str:
    if hasattr(value, "isoformat"):
        return f"holds a date/time ({value}), not a number"
    return f'"{shorten(str(value).strip())}" is not a number'


def _as_number(column, data, blank, n, forced) -> Column:
    column.kind = "number"
    present = data[~blank]
    how = {"decimal comma": " (decimal commas read as points)",
           "thousands": " (thousands separators dropped)"}.get(column.number_format, "")
    if not forced:
        if not column.blanks and n >= MIN_ROWS_FOR_UNIQUE and _is_row_counter(present):
            column.kind, column.action = "ignored", "ignored: it counts the rows (1, 2, 3, ...)"
            return column
    # a blank at prediction time is filled too, so every number column keeps its median
    column.fill = float(np.median(present))
    if column.blanks:
        column.indicator = column.blanks >= INDICATOR_SHARE * n
        column.action = (f"{column.blanks} blank{'s' if column.blanks > 1 else ''} filled with "
                         f"the median {column.fill:g}"
                         + (", plus a was-blank indicator" if column.indicator else "") + how)
    else:
        column.action = "used as a number" + how
    return column


def _is_row_counter(present) -> bool:
    """1, 2, 3, ... (or from 0), perhaps with the gaps of rows dropped for a blank label."""
    steps = np.diff(present)
    return bool(present[0] in (0, 1) and np.all(steps >= 1) and np.all(present == np.round(present))
                and present[-1] - present[0] <= 1.1 * present.size)


def _as_category(column, values, blank, n, forced) -> Column:
    column.kind = "category"
    present = values[~blank]
    names = present.map(category_name) if present.dtype == object else \
        pd.Series([category_name(v) for v in pd.unique(present)])
    counts = names.value_counts(sort=False) if present.dtype == object else None
    distinct = names.unique() if counts is None else counts.index
    n_distinct = len(distinct)
    if present.dtype == object and not forced:
        text = present[present.map(type) == str].astype(str).str.strip()
        if len(text) and text.str.match(_DATE).mean() >= 0.9:
            column.kind, column.action = "ignored", "ignored: a date or time"
            return column
    if n_distinct > MAX_CATEGORIES:
        if forced:
            raise ValueError(f'column "{column.name}" has {n_distinct:,} different values; a '
                             f"category can have at most {MAX_CATEGORIES:,}")
        column.kind = "ignored"
        column.action = f"ignored: {n_distinct:,} different values, too many for categories"
        return column
    if not forced and n >= MIN_ROWS_FOR_UNIQUE and n_distinct > UNIQUE_SHARE * len(present):
        column.kind = "ignored"
        column.action = ("ignored: unique per row (names, ids)" if n_distinct == len(present)
                         else f"ignored: {n_distinct:,} different values in {len(present):,} "
                              "rows, nearly unique per row")
        return column
    column.categories = sort_classes(distinct)
    column.action = f"{n_distinct} categor{'y' if n_distinct == 1 else 'ies'}, one-hot"
    if column.blanks:
        column.action += f"; {column.blanks} blank{'s' if column.blanks > 1 else ''} set none"
    return column
