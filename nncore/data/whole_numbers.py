"""Comma-separated records of whole numbers (picture files: pixels 0..255) read by numpy.

pandas' C parser holds the GIL while it converts its columns, so chunks parsed on several
threads take about as long as on one. A block of records that holds nothing but digits, commas
and line feeds needs no general parser: numpy finds the cells and builds the numbers with
whole-array operations, which release the GIL, so the scoring's parse threads
(``chunks.PARSE_THREADS``) really run side by side.

No byte may be above "9" and those below "0" must be commas or line feeds; the
separators' positions ``e_i`` end the cells and ``s_i = e_(i-1) + 1`` start them, so a cell is
``b[s_i:e_i]``. Its value is Horner's rule ``v = 10 v + digit`` applied one digit position at a
time to the cells that are still that long (most pixels are one digit: each pass is smaller).
Anything else (a sign, a decimal point, a blank cell, a quote, a carriage return, more than
nine digits, a row with the wrong number of cells) gives None, and the caller parses the block
with pandas as before: the numbers are exactly the values pandas would read (as int32, where
pandas gives int64: half the memory to write, and the same numbers).
"""
from __future__ import annotations

import numpy as np

#: digits in the longest number read (int32 arithmetic: 10**9 < 2**31)
MAX_DIGITS = 9


class WholeNumbers:
    """A parsed block: ``values`` (rows, columns) int32, and each cell's ``starts``/``ends``
    (byte offsets in the block, row-major) for the columns wanted as text."""

    def __init__(self, data, values, starts, ends):
        self.data, self.values, self.starts, self.ends = data, values, starts, ends

    def text(self, column) -> list[str]:
        """Column ``column``'s cells as written (ASCII digits)."""
        n_cols = self.values.shape[1]
        starts, ends = self.starts[column::n_cols], self.ends[column::n_cols]
        data = self.data
        return [data[s:e].decode("ascii") for s, e in zip(starts.tolist(), ends.tolist())]


def parse(data: bytes, n_cols: int) -> WholeNumbers | None:
    """The records in ``data`` (each ending with ``\\n``) as ``n_cols`` whole numbers each;
    None when ``data`` holds anything else (see the module docstring)."""
    if not data or n_cols < 1 or not data.endswith(b"\n") or len(data) >= 2 ** 31:
        return None
    raw = np.frombuffer(data, dtype=np.uint8)
    if (raw > ord("9")).any():
        return None
    ends = np.flatnonzero(raw < ord("0")).astype(np.int32)
    n_rows = len(ends) // n_cols
    if len(ends) != n_rows * n_cols:
        return None
    separators = raw[ends]
    line_ends = separators == ord("\n")
    if not (line_ends | (separators == ord(","))).all():
        return None                         # a byte below "0" that is no separator
    # every row's last cell, and only it, ends at a line feed
    if np.count_nonzero(line_ends) != n_rows or not line_ends[n_cols - 1::n_cols].all():
        return None
    starts = np.empty_like(ends)
    starts[0] = 0
    np.add(ends[:-1], 1, out=starts[1:])
    lengths = ends - starts
    if lengths.min() < 1 or lengths.max() > MAX_DIGITS:
        return None
    values = _values(raw - np.uint8(ord("0")), starts, lengths)
    return WholeNumbers(data, values.reshape(n_rows, n_cols), starts, ends)


def _values(digits, starts, lengths):
    """Each cell's number by Horner's rule, one digit position at a time for the cells still
    that long (int32: at most ``MAX_DIGITS`` digits)."""
    values = digits[starts].astype(np.int32)
    longer = np.flatnonzero(lengths > 1).astype(np.int32)
    position = 1
    while len(longer):
        values[longer] = values[longer] * 10 + digits[starts[longer] + position]
        position += 1
        longer = longer[lengths[longer] > position]
    return values
