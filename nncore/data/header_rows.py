"""Where a table starts and ends on its sheet: the header row below titles, the data above
totals and notes.

Spreadsheets as people make them put a title line, a source line and blank rows above the
header, and a blank row, a "Total" row or a footnote below the data. The principle:

* **The header** is the first row that the rows beneath it fit (``tables.has_header``: its
  text stands over columns of numbers, or distinct names over repeating categories) and that
  is wider (more filled cells) than every row above it. Rows above a header are titles,
  sources and dates: each fills at most half the table's columns. Row 1 is tried first by the
  rule that has always decided it, so a well-formed file reads as before; a first row that
  fills more than half the columns and is no header (data without a header, the tutorial's X
  sheet, pictures) ends the search at once. A header below row 1 must also be all text and at
  least as wide as the rows beneath it.
* **The data** ends before the trailing rows that are not data: a row whose first filled cell
  starts with a footer word (``FOOTER_WORDS``: Total, Sum, Note, Source...) or a footnote,
  prose alone in the first cell where the table has three columns or more. Blank rows are
  dropped anyway.

Only the first ``PROBE_ROWS`` rows and the last ``TAIL_ROWS`` are looked at, so that the fast
CSV reader can find both from the file's first megabyte and its last lines.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from nncore.data.tables import Table, _is_blank, _is_number, has_header, shorten

#: rows searched for the header
PROBE_ROWS = 30
#: trailing rows searched for totals and notes
TAIL_ROWS = 10
#: rows compared with a header candidate: the header must be at least as wide as these
_BENEATH = 5
#: words that start a row of totals or notes below the data (any case)
FOOTER_WORDS = ("grand total", "subtotal", "totals", "total", "sum", "notes", "note",
                "sources", "source")
_FOOTER = re.compile(r"\s*(" + "|".join(FOOTER_WORDS) + r")\b", re.IGNORECASE)


def filled(row) -> int:
    return sum(1 for v in row if not _is_blank(v))


def _is_text(v) -> bool:
    return isinstance(v, str) and not _is_blank(v) and not _is_number(v)


def is_footer(row, n_cols) -> bool:
    """A row of totals or notes: its first filled cell starts with a footer word, or it is a
    footnote: prose (words, or a mark such as "*") alone in the first cell, in a table of three
    columns or more (a category value alone is a row of blanks, not a note)."""
    cells = [v for v in row if not _is_blank(v)]
    if not cells:
        return False
    if isinstance(cells[0], str) and _FOOTER.match(cells[0]):
        return True
    first = row[0] if len(row) else None
    return (len(cells) == 1 and n_cols >= 3 and _is_text(first)
            and (" " in first.strip() or not first.strip()[0].isalnum()))


def footer_count(rows, n_cols) -> int:
    """How many of the last ``rows`` (blank rows already dropped) are totals or notes."""
    count = 0
    for row in reversed(rows[-TAIL_ROWS:]):
        if count == len(rows) - 1 or not is_footer(row, n_cols):
            break
        count += 1
    return count


def find_header(rows, decimal_comma=False) -> int | None:
    """The index in ``rows`` (blank rows dropped, padded to one width) of the header row, by
    the module's principle; None when the table has none."""
    if not rows:
        return None
    n_cols = len(rows[0])
    widest_above = 0
    for k, row in enumerate(rows[:PROBE_ROWS]):
        width = filled(row)
        if width > widest_above and _fits(rows, k, decimal_comma):
            return k
        if width > max(1, n_cols // 2):
            return None              # as wide as data: nothing below is a header
        widest_above = max(widest_above, width)
    return None


def _fits(rows, k, decimal_comma) -> bool:
    """Whether ``rows[k]`` is a header the rows beneath it fit (``tables.has_header``)."""
    probe = Table(where="", rows=rows[k:k + 21], row_numbers=list(range(21)),
                  decimal_comma=decimal_comma)
    if k == 0:
        return has_header(probe)
    header = [v for v in rows[k] if not _is_blank(v)]
    beneath = rows[k + 1:k + 1 + _BENEATH]
    return (len(header) >= 2 and all(_is_text(v) for v in header)
            and all(filled(r) <= len(header) for r in beneath) and has_header(probe))


@dataclass
class Layout:
    """Where the table was found: its header's row (None: no header) and what was skipped."""

    header_row: int | None = None           # 1-based row of the file or sheet
    skipped_above: int = 0                  # rows above the header, blank ones included
    above: list[str] = field(default_factory=list)   # the filled ones, by their first text
    skipped_below: int = 0                  # rows below the last data row, blank ones included
    below: list[str] = field(default_factory=list)
    chosen: bool = False                    # the header row was given, not guessed
    sheet: str | None = None
    sheets: list[str] = field(default_factory=list)

    def note(self) -> str | None:
        """One sentence on what was skipped, or None when the table filled its sheet."""
        parts = []
        if self.skipped_above:
            parts.append(f"{_rows(self.skipped_above)} above it "
                         f"({_listed(self.above, self.skipped_above, blanks_first=False)})")
        if self.skipped_below:
            parts.append(f"{_rows(self.skipped_below)} below the data "
                         f"({_listed(self.below, self.skipped_below)})")
        if not parts:
            return None
        head = (f"The header is row {self.header_row}" if self.header_row
                else "There is no header row")
        chosen = " (as chosen)" if self.chosen else ""
        verb = "was" if self.skipped_above + self.skipped_below == 1 else "were"
        return f"{head}{chosen}; {' and '.join(parts)} {verb} skipped."

    def to_dict(self) -> dict:
        return {"header_row": self.header_row, "skipped_above": self.skipped_above,
                "skipped_below": self.skipped_below, "header_chosen": self.chosen,
                "sheet": self.sheet, "sheets": list(self.sheets), "note": self.note()}


def _rows(n) -> str:
    return "1 row" if n == 1 else f"{n} rows"


def _listed(texts, total, blanks_first=True) -> str:
    """'a blank row and "Total"' for ``total`` rows skipped, ``texts`` the filled ones."""
    blanks = total - len(texts)
    blank = [] if not blanks else ["a blank row" if blanks == 1 else f"{blanks} blank rows"]
    shown = [f'"{shorten(t, 30)}"' for t in texts[:3]] + (["..."] if len(texts) > 3 else [])
    shown = blank + shown if blanks_first else shown + blank
    return ", ".join(shown[:-1]) + " and " + shown[-1] if len(shown) > 1 else shown[0]


def first_text(row) -> str:
    cell = next((v for v in row if not _is_blank(v)), "")
    return str(cell).strip()


def header_index(table: Table, header_row=None) -> int | None:
    """The index in ``table.rows`` of its header: row ``header_row`` of the file (1-based, as
    the sheet numbers rows; 0: the table has no header) when given, else the guess of
    :func:`find_header`. ``ValueError`` for a given row that is blank or beyond the table."""
    if header_row is None:
        return find_header(table.rows, table.decimal_comma)
    if header_row == 0 and not isinstance(header_row, bool):
        return None
    return _given_row(table, header_row)


def locate(table: Table, header_row=None, chosen=None) -> tuple[Layout, int | None, int]:
    """``(layout, header index or None, data end)`` of ``table`` without changing it: its rows
    after the header (or from the first) up to ``end`` (exclusive) are the data.
    ``header_row`` as for :func:`header_index`; ``chosen``: whether the layout says the user
    chose it (default: when it is given)."""
    rows, numbers = table.rows, table.row_numbers
    index = header_index(table, header_row)
    start = 0 if index is None else index
    end = len(rows) - footer_count(rows[start + 1:], len(rows[0]) if rows else 0)
    layout = layout_above(table, index,
                          chosen=header_row is not None if chosen is None else chosen)
    if end < len(rows):
        layout.skipped_below = numbers[-1] - numbers[end - 1]
        layout.below = [first_text(r) for r in rows[end:]]
    return layout, index, end


def layout_above(table: Table, index, chosen=False) -> Layout:
    """The layout of a table whose header is ``table.rows[index]`` (None: no header)."""
    layout = Layout(header_row=None if index is None else table.row_numbers[index],
                    chosen=chosen)
    if index:
        layout.skipped_above = table.row_numbers[index] - 1
        layout.above = [first_text(r) for r in table.rows[:index]]
    return layout


def _given_row(table, header_row) -> int:
    last = table.row_numbers[-1] if table.row_numbers else 0
    if not isinstance(header_row, int) or isinstance(header_row, bool) or header_row < 0:
        raise ValueError(f"The header row must be a row number from 1 to {last} "
                         "(or 0 for none).")
    if header_row > last:
        raise ValueError(f"{table.where} has {last} rows: there is no row {header_row} to "
                         "read the header from.")
    if header_row not in table.row_numbers:
        raise ValueError(f"{table.where}, row {header_row} is blank: it cannot be the header.")
    return table.row_numbers.index(header_row)


def split_table(table: Table, header_row=None, chosen=None) -> list[str] | None:
    """Cut ``table`` down to its data rows (in place) and return its header (None: it has
    none); the layout found is kept in ``table.layout`` and its note added to ``table.notes``.

    ``header_row``, ``chosen`` as for :func:`locate`. ``ValueError`` for a table without data
    rows.
    """
    if not table.rows:
        raise ValueError(f"{table.where} is empty: there are no data rows.")
    layout, index, end = locate(table, header_row, chosen)
    header = None
    if index is not None:
        header = ["" if v is None else str(v).strip() for v in table.rows[index]]
    start = 0 if index is None else index + 1
    table.rows, table.row_numbers = table.rows[start:end], table.row_numbers[start:end]
    table.layout = layout
    if layout.note():
        table.notes.append(layout.note())
    if not table.rows:
        raise ValueError(f"{table.where} has a header row but no data rows.")
    return header
