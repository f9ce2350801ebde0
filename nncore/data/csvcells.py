"""Cells of a CSV file written a block of rows at a time, without a Python call per number.

``fixed_decimals(P, places)`` gives an (n, k) block of numbers in [0, 1] as text with
``places`` decimals (``0.250000``) built from integer digits by numpy: ``q = rint(P * 10**places)``
is what ``np.round(P, places)`` rounds to, and its digits are taken by integer division, so the
text reads back as exactly ``np.round(P, places)``. ``quote`` and ``join_rows`` write text
cells as the ``csv`` module's minimal quoting does (a cell with a comma, a quote or a line
break in double quotes, its quotes doubled), and quote a carriage return too (the ``csv``
module leaves it bare when lines end with ``\n``; some readers take it for a line end).
"""
from __future__ import annotations

import numpy as np

_SPECIAL = (",", '"', "\n", "\r")


def fixed_decimals(P, places=6, joined=False) -> np.ndarray:
    """Numbers in [0, 1] as text with ``places`` decimals.

    Parameters
    ----------
    P : ndarray (n, k)
        Finite numbers; those outside [0, 1] go through Python's ``format`` instead (the same
        text, one call each).
    joined : bool
        Give each row's k cells as one text, joined by commas (k times fewer strings).

    Returns
    -------
    ndarray (n, k) of str, or (n,) when ``joined``
        ``"0.123457"``, ``"1.000000"``: the text of ``np.round(P, places)``.
    """
    P = np.asarray(P, dtype=np.float64)
    q = np.rint(P * 10.0 ** places)
    if P.size and not ((q >= 0) & (q <= 10 ** places)).all():
        cells = [[f"{v:.{places}f}" for v in row] for row in np.round(P, places)]
        if joined:
            return np.array([",".join(row) for row in cells], dtype=str)
        return np.array(cells, dtype=str).reshape(P.shape)
    q = q.astype(np.int64)
    # one byte per character: the whole part (0 or 1), the point, the decimals, a comma
    width = places + 3
    powers = 10 ** np.arange(places, -1, -1, dtype=np.int64)
    chars = np.empty(P.shape + (width,), dtype=np.uint8)
    digits = (q[..., None] // powers) % 10 + ord("0")
    chars[..., 0] = digits[..., 0]
    chars[..., 1] = ord(".")
    chars[..., 2:-1] = digits[..., 1:]
    chars[..., -1] = ord(",")
    if joined:
        rows = np.ascontiguousarray(chars.reshape(P.shape[0], P.shape[1] * width)[:, :-1])
        return rows.view(f"S{rows.shape[1]}")[:, 0].astype(str)
    return np.ascontiguousarray(chars[..., :-1]).view(f"S{width - 1}")[..., 0].astype(str)


def quote(text: str) -> str:
    """One cell as ``csv.writer`` writes it (minimal quoting; a carriage return quoted)."""
    if any(c in text for c in _SPECIAL):
        return '"' + text.replace('"', '""') + '"'
    return text


def quote_column(values) -> list[str]:
    """``quote`` of each text cell; each distinct text quoted once (labels repeat)."""
    quoted = {v: quote(v) for v in set(values)}
    return [quoted[v] for v in values]


def join_rows(columns) -> list[str]:
    """Rows of text from columns of cells (each a sequence of n str, already quoted)."""
    return [",".join(cells) for cells in zip(*columns)]
