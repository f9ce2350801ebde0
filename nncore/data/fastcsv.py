"""Large CSV files through pandas' C parser, a few bytes a cell instead of a Python string.

``read_frame`` reads the file with a dtype chosen per column from the first rows: ``uint8`` for
whole numbers 0..255 (pictures: 1 byte a cell), ``float32`` for other numbers, text for the
rest. It first reads the whole file in one call, on several threads (the fast case: every cell
fits its column).
When a cell does not (a text cell in row 59,000 of a numeric column), it reads the file again
in chunks of about sixteen million cells; a chunk that fails is read again with pandas' own
dtype inference to find the columns at fault; they are widened (``uint8`` -> ``float32`` ->
text) and reading goes on from that chunk, so earlier chunks are kept. The frame's index holds
the file's 1-based line numbers, so that messages about a cell can name its row.
"""
from __future__ import annotations

import importlib.util
import os

import numpy as np

#: cells per chunk (pandas' per-column cost makes smaller chunks slow)
CHUNK_CELLS = 1 << 24
#: files from this size are read on one thread that reports its progress (see _read_whole)
PROGRESS_FROM_BYTES = 256 << 20
#: pandas' dtype names for the narrow numeric columns
UINT8, FLOAT32, TEXT = "uint8", "float32", None


def available() -> bool:
    return importlib.util.find_spec("pandas") is not None


def guess_dtypes(rows, columns) -> dict:
    """``{column: "uint8"|"float32"|None}`` from sample ``rows`` (lists of text cells)."""
    columns = list(columns)
    numeric = _guess_numeric(rows, columns)
    if numeric is not None:
        return numeric
    dtypes = {}
    for j in columns:
        dtype = UINT8
        for row in rows:
            text = row[j].strip() if j < len(row) else ""
            try:
                value = float(text)
            except ValueError:
                dtype = TEXT
                break
            if dtype == UINT8 and not (value.is_integer() and 0 <= value <= 255
                                       and "." not in text and "e" not in text.lower()):
                dtype = FLOAT32
        dtypes[j] = dtype
    return dtypes


def _guess_numeric(rows, columns):
    """``guess_dtypes`` for sample rows that are all numbers, as whole arrays (200 rows of 785
    pixels are 157,000 cells: a tenth of the time of one ``float`` each); None otherwise."""
    width = len(rows[0]) if rows else 0
    if not rows or not columns or max(columns) >= width or any(len(r) != width for r in rows):
        return None
    cells = np.strings.strip(np.array(rows, dtype=str)[:, columns])
    try:
        values = cells.astype(np.float64)    # the same text as ``float`` accepts
    except ValueError:
        return None                          # some text: column by column
    plain = ((np.strings.find(cells, ".") < 0) & (np.strings.find(cells, "e") < 0)
             & (np.strings.find(cells, "E") < 0))
    with np.errstate(invalid="ignore"):
        byte = (np.isfinite(values) & (values == np.round(values)) & (values >= 0)
                & (values <= 255) & plain).all(axis=0)
    return {j: UINT8 if fits else FLOAT32 for j, fits in zip(columns, byte)}


class _CountingReader:
    """A binary file that reports the share of it read so far to ``progress(fraction)``."""

    def __init__(self, f, size, progress):
        self._f, self._size, self._progress, self._done = f, max(size, 1), progress, 0

    def read(self, n=-1):
        data = self._f.read(n)
        self._done += len(data)
        if self._progress is not None:
            self._progress(min(self._done / self._size, 1.0))
        return data

    def readline(self, *args):
        return self._f.readline(*args)

    def __iter__(self):
        return iter(self._f)

    def seek(self, *args):
        return self._f.seek(*args)

    def tell(self):
        return self._f.tell()


def read_frame(path, delimiter, skip_lines, n_cols, dtypes, progress=None, n_lines=None):
    """The data rows of ``path`` as a DataFrame with columns ``0..n_cols-1``.

    ``skip_lines`` lines (up to the header) are skipped, and only ``n_lines`` lines after them
    are read when given (totals and notes below the data are left out); ``dtypes`` as from
    :func:`guess_dtypes`.
    The index is each row's line number in the file; blank lines are dropped. Raises
    ``ValueError`` naming the line for a row with too many fields; returns ``None`` for a file
    pandas cannot decode as UTF-8 (the diagnostic reader guesses encodings).
    """
    import pandas as pd

    dtypes = dict(dtypes)
    progress = _never_backwards(progress)
    try:
        try:
            frame = _read_whole(path, delimiter, skip_lines, n_cols, dtypes, progress, n_lines)
        except (pd.errors.ParserError, UnicodeDecodeError):
            raise
        except (ValueError, OverflowError):   # a cell its column's dtype cannot hold
            frame = _read_widening(path, delimiter, skip_lines, n_cols, dtypes, progress,
                                   n_lines)
    except pd.errors.ParserError as e:
        raise ValueError(_parser_message(e, delimiter, n_cols)) from None
    except UnicodeDecodeError:
        return None
    # A blank line is NaN in every column; a column of integers holds none, so there is
    # nothing to drop (and no copy of the whole frame to make).
    if any(pd.api.types.is_integer_dtype(dtype) for dtype in frame.dtypes):
        return frame
    blank = frame.isna().all(axis=1)
    return frame[~blank] if blank.any() else frame


def _never_backwards(progress):
    """``progress`` called only with fractions past the furthest so far (a re-read after a
    widening starts from 0 again), or None (not known)."""
    if progress is None:
        return None
    furthest = [0.0]

    def report(fraction):
        if fraction is None:
            progress(None)
        elif fraction > furthest[0]:
            furthest[0] = fraction
            progress(fraction)
    return report


def _read_csv(f, delimiter, skip, n_cols, dtypes, **options):
    import pandas as pd

    return pd.read_csv(f, sep=delimiter, header=None, names=list(range(n_cols)),
                       dtype=_pandas_dtypes(dtypes), skiprows=skip, engine="c",
                       encoding="utf-8-sig", skip_blank_lines=False, quotechar='"', **options)


def _read_whole(path, delimiter, skip_lines, n_cols, dtypes, progress, n_lines=None):
    """The file in one call. Given by its path, pandas (3.1) splits it at line breaks and
    parses the pieces on several threads (its tokenizer and number conversion release the
    GIL), but nothing can count the bytes read: ``progress`` hears None (the share read is
    unknown) until the end. A file object is read on one thread (1.1 s against 0.64 s for the
    105 MB MNIST CSV on two idle cores) and reports how far it got; so a file from
    ``PROGRESS_FROM_BYTES``, whose reading lasts long enough for a progress bar to matter, is
    read that way when someone is following."""
    size = os.path.getsize(path)
    if progress is not None and size >= PROGRESS_FROM_BYTES:
        with open(path, "rb") as f:
            frame = _read_csv(_CountingReader(f, size, progress), delimiter, skip_lines, n_cols,
                              dtypes, nrows=n_lines)
        frame.index = np.arange(len(frame)) + skip_lines + 1
        return frame
    if progress is not None:
        progress(None)
    frame = _read_csv(os.fspath(path), delimiter, skip_lines, n_cols, dtypes, nrows=n_lines)
    frame.index = np.arange(len(frame)) + skip_lines + 1
    if progress is not None:
        progress(1.0)
    return frame


def _read_widening(path, delimiter, skip_lines, n_cols, dtypes, progress, n_lines=None):
    """The file in chunks; a chunk with a cell its column's dtype cannot hold widens that
    column (``_widen``) and is read again, the chunks before it kept."""
    import pandas as pd

    rows_per_chunk = max(100, CHUNK_CELLS // max(n_cols, 1))
    size = os.path.getsize(path)
    chunks, done = [], 0
    while True:
        try:
            with open(path, "rb") as f:
                left = None if n_lines is None else n_lines - done
                reader = _read_csv(_CountingReader(f, size, progress), delimiter,
                                   skip_lines + done, n_cols, dtypes, chunksize=rows_per_chunk,
                                   nrows=left)
                with reader:
                    for chunk in reader:
                        chunk.index = np.arange(len(chunk)) + skip_lines + done + 1
                        chunks.append(chunk)
                        done += len(chunk)
            break
        except (pd.errors.ParserError, UnicodeDecodeError):
            raise
        except (ValueError, OverflowError):
            chunk = rows_per_chunk if n_lines is None else min(rows_per_chunk, n_lines - done)
            widened = _widen(path, delimiter, skip_lines + done, chunk, n_cols, dtypes)
            if not widened:
                raise ValueError(f"The CSV file could not be read after row {done}.") from None
    return pd.concat(chunks) if chunks else pd.DataFrame(columns=list(range(n_cols)))


def _pandas_dtypes(dtypes):
    # Text columns as text in every piece: inferred piece by piece, a column of numbers with
    # a word in row 50,000 would mix numbers and text (and pandas warn about it).
    return {j: object if d is TEXT else d for j, d in dtypes.items()}


def _widen(path, delimiter, skip, n_rows, n_cols, dtypes) -> bool:
    """Widen the dtype of the columns whose cells in this chunk it cannot hold; any widened.

    The chunk is read again with pandas' own inference (8 bytes a number, text only where a
    column has some), which says for each column what it needs.
    """
    import pandas as pd

    narrow = [j for j, d in dtypes.items() if d is not None]
    chunk = pd.read_csv(path, sep=delimiter, header=None, names=list(range(n_cols)),
                        usecols=narrow, skiprows=skip, nrows=n_rows, engine="c",
                        encoding="utf-8-sig", skip_blank_lines=False)
    widened = False
    for j in narrow:
        values = chunk[j]
        if not pd.api.types.is_numeric_dtype(values.dtype):
            dtypes[j], widened = TEXT, True
        elif dtypes[j] == UINT8:
            fits = (pd.api.types.is_integer_dtype(values.dtype) and values.min() >= 0
                    and values.max() <= 255)
            if not fits:
                dtypes[j], widened = FLOAT32, True
    return widened


def _parser_message(e, delimiter, n_cols):
    text = str(e)
    marker = "Expected "
    if marker in text and " fields in line " in text and ", saw " in text:
        tail = text.split(marker, 1)[1]
        line = tail.split(" fields in line ", 1)[1].split(",", 1)[0]
        saw = tail.split(", saw ", 1)[1].strip().rstrip(".")
        name = {",": "comma", ";": "semicolon", "\t": "tab", "|": "vertical bar"}.get(
            delimiter, repr(delimiter))
        return (f"The CSV file, row {line} has {saw} fields but row 1 has {n_cols} (fields "
                f"separated by {name}). Every row needs the same number of values.")
    return f"The CSV file could not be read: {text}."


def last_line(path, max_bytes=1 << 24):
    """(line number, text) of the file's last line, and whether a line break ends the file.

    Only the end of the file is read, block by block backwards until the last non-empty line
    has begun (at most ``max_bytes``: a longer last line is cut to its end). The lines are
    counted (a pass over the whole file) only for a file that does not end with a line break,
    the one case that needs the number (a file cut short); otherwise it is None.
    """
    size = os.path.getsize(path)
    with open(path, "rb") as f:
        tail = _tail(f, size, max_bytes)
    ended = tail.endswith(b"\n")
    number = None if ended else max(count_lines(path), 1)  # an empty file is one empty line
    body = tail.rstrip(b"\r\n")
    last = body.rsplit(b"\n", 1)[-1]
    return number, last.decode("utf-8", errors="replace"), ended


def count_lines(path) -> int:
    """The number of lines in the file (a last line without a line break counts)."""
    number, last = 0, b"\n"
    with open(path, "rb") as f:
        while block := f.read(1 << 22):
            number += block.count(b"\n")
            last = block[-1:]
    return number + (last != b"\n")


def last_lines(path, max_bytes=1 << 16) -> list[str]:
    """The file's last lines (within its last ``max_bytes``; a line cut by that window left
    out), decoded as UTF-8, without their line breaks; the last is the file's last line."""
    size = os.path.getsize(path)
    with open(path, "rb") as f:
        f.seek(max(size - max_bytes, 0))
        tail = f.read()
    lines = tail.split(b"\n")
    if tail.endswith(b"\n"):
        lines.pop()
    if size > max_bytes:
        lines = lines[1:]
    return [line.rstrip(b"\r").decode("utf-8", errors="replace") for line in lines]


def _tail(f, size, max_bytes, block=1 << 16):
    """The file's last bytes: enough to hold its last non-empty line and the line break
    before it, or all of it, or its last ``max_bytes``."""
    tail = b""
    start = size
    while start > max(size - max_bytes, 0):
        start = max(start - block, size - max_bytes, 0)
        f.seek(start)
        tail = f.read(size - start)
        if b"\n" in tail.rstrip(b"\r\n"):
            break
        block *= 2
    return tail
