"""Checks on an uploaded file before any parser touches it.

Workbooks: .xlsx (``check_xlsx``), .xlsb (``check_xlsb``), .ods (``check_ods``) and the old
.xls (``check_xls``); the explanation below is about .xlsx, the others differ as their
docstrings say.

An .xlsx file is a zip archive of XML documents. A hostile or broken one can make a parser
exhaust memory long before it fails: a zip bomb (a small upload that inflates to gigabytes), an
XML entity bomb ("billion laughs"), an external entity that reads local files, or a sheet that
declares a huge ``<dimension>`` (openpyxl's read-only mode pads every row to the declared
width). ``check_xlsx`` looks at the archive's directory and the first bytes of each XML member,
without inflating anything large, and raises ``ValueError`` with a message for a person.

Declared sizes can be trusted for what follows: Python's ``zipfile`` stops inflating a member
at its declared size (and then fails its CRC), so openpyxl never reads more than we accepted.
openpyxl also parses with ``defusedxml`` when it is installed (it is in requirements.txt);
refusing any ``<!DOCTYPE`` here is a second, independent line of defence.

``read_npz`` opens the other kind of archive the core reads (saved models, the built-in sample)
with ``allow_pickle=False`` and turns whatever is wrong with the file into one sentence.
"""
from __future__ import annotations

import os
import re
import zipfile

import numpy as np

MAX_MEMBERS = 2_000
MAX_TOTAL_BYTES = 200 * 1024 * 1024      # inflated size of all members together
MAX_RATIO = 200                          # inflated / compressed, for members above RATIO_FLOOR
RATIO_FLOOR = 4 * 1024 * 1024            # small members may compress as well as they like
MAX_CELLS = 10_000_000
MAX_COLUMNS = 16_384                     # Excel's own limit (XFD)
MAX_ROWS = 1_048_576                     # Excel's own limit
HEAD_BYTES = 4_096                       # inflated bytes read from each XML member's start

ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"   # old .xls, and encrypted .xlsx
_ENCRYPTED_STREAM = "EncryptedPackage".encode("utf-16-le")

# What a non-spreadsheet file usually is, by its first bytes.
_SIGNATURES = (
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"%PDF", "a PDF document"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"BM", "a BMP image"),
    (b"\x7fELF", "a program"),
    (b"MZ", "a Windows program"),
)

_DIMENSION = re.compile(rb"<(?:\w+:)?dimension\b[^>]*?\bref=\"([A-Za-z0-9:$]+)\"")
_ROOT_TAG = re.compile(rb"<[A-Za-z_]")
_PREFIX = re.compile(rb"<(\w+:)?worksheet\b")
_CELL_REF = re.compile(r"\$?([A-Za-z]{1,8})\$?(\d{1,12})")   # wider than Excel: refused below


def describe_bytes(head: bytes) -> str | None:
    """A short guess of what a file is from its first bytes, e.g. "a PNG image", or None."""
    for magic, what in _SIGNATURES:
        if head.startswith(magic):
            return what
    if head.startswith(ZIP_MAGIC):
        return "a zip archive"
    if head.startswith(OLE_MAGIC):
        return "an old-style Office file"
    return None


def check_not_empty(path) -> None:
    if os.path.getsize(path) == 0:
        raise ValueError("The file is empty.")


def check_ole(path, allow_xls=False) -> None:
    """Refuse an OLE compound file: an encrypted workbook, or (unless ``allow_xls``) the old
    .xls format where a zip format was expected."""
    with open(path, "rb") as f:
        if f.read(len(OLE_MAGIC)) != OLE_MAGIC:
            return
        data = f.read(MAX_TOTAL_BYTES)   # the directory holding stream names may be anywhere
    if _ENCRYPTED_STREAM in data:
        raise ValueError("This workbook is password-protected (encrypted), so it cannot be read. "
                         "Open it in Excel, remove the password (File > Info > Protect Workbook), "
                         "and save it again as .xlsx, or export it as .csv.")
    if allow_xls:
        return
    raise ValueError("This is an old-format Excel file (.xls), not an .xlsx workbook. Name it "
                     ".xls to upload it as such, or save it as .xlsx (Excel Workbook) or .csv.")


def check_xlsx(path, *, max_members=MAX_MEMBERS, max_total_bytes=MAX_TOTAL_BYTES,
               max_ratio=MAX_RATIO, max_cells=MAX_CELLS, max_columns=MAX_COLUMNS) -> None:
    """Raise ValueError unless ``path`` looks like a well-formed, reasonably sized .xlsx file."""
    check_not_empty(path)
    check_ole(path)
    with open(path, "rb") as f:
        head = f.read(16)
    if not head.startswith(ZIP_MAGIC):
        what = describe_bytes(head) or "some other kind of file"
        raise ValueError(f"This is not an Excel .xlsx workbook: it looks like {what}. "
                         "Upload an .xlsx or .csv file.")
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
            check_members(infos, max_members, max_total_bytes, max_ratio)
            names = {i.filename for i in infos}
            if "[Content_Types].xml" not in names or "xl/workbook.xml" not in names:
                raise ValueError("This is a zip archive but not an Excel .xlsx workbook "
                                 "(no xl/workbook.xml inside). Upload an .xlsx or .csv file.")
            for info in infos:
                if info.filename.lower().endswith((".xml", ".rels", ".vml")):
                    head = read_head(zf, info)
                    check_no_dtd(info.filename, head)
                    if info.filename.startswith("xl/worksheets/"):
                        _check_dimension(info.filename, head, max_cells, max_columns)
                        _check_extent(info.filename, zf.read(info), max_cells, max_columns)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, NotImplementedError) as e:
        raise ValueError("The workbook is damaged or incomplete (perhaps the upload was cut "
                         f"short) and cannot be opened as .xlsx: {e}.") from None


def check_sheet_size(sheet, n_rows, n_cols, max_cells=MAX_CELLS, max_columns=MAX_COLUMNS):
    """Refuse a sheet a reader has sized (rows x columns) but not yet turned into cells."""
    if n_cols > max_columns:
        raise ValueError(f'Sheet "{sheet}" has {n_cols:,} columns; at most {max_columns:,} '
                         "are accepted.")
    if n_rows * n_cols > max_cells:
        raise ValueError(f'Sheet "{sheet}" spans {n_rows:,} rows x {n_cols:,} columns; at most '
                         f"{max_cells:,} cells are accepted. Save it as .csv.")


def check_used_extent(sheet, n_rows, n_cols, max_cells, max_columns):
    """Refuse a sheet whose cells, as found in its XML or records, reach too far."""
    if n_cols > max_columns:
        raise ValueError(f"The sheet {sheet} uses {n_cols:,} columns; at most "
                         f"{max_columns:,} are accepted.")
    if n_rows * n_cols > max_cells:
        raise ValueError(f"The sheet {sheet} spans {n_rows:,} rows x {n_cols:,} columns; at "
                         f"most {max_cells:,} cells are accepted.")


def open_zip_checked(path, what, max_members, max_total_bytes, max_ratio):
    """A ``ZipFile`` of ``path`` whose directory passed the member, size and ratio bounds."""
    check_not_empty(path)
    check_ole(path)
    with open(path, "rb") as f:
        head = f.read(16)
    if not head.startswith(ZIP_MAGIC):
        shown = describe_bytes(head) or "some other kind of file"
        raise ValueError(f"This is not {what}: it looks like {shown}.")
    zf = zipfile.ZipFile(path)
    try:
        check_members(zf.infolist(), max_members, max_total_bytes, max_ratio)
    except BaseException:
        zf.close()
        raise
    return zf


def check_members(infos, max_members, max_total_bytes, max_ratio):
    if len(infos) > max_members:
        raise ValueError(f"The workbook holds {len(infos)} files inside; at most {max_members} "
                         "are accepted.")
    total = 0
    for info in infos:
        if info.flag_bits & 0x1:
            raise ValueError(f"The workbook part {info.filename} is encrypted; "
                             "save the workbook without a password.")
        total += info.file_size
        if total > max_total_bytes:
            raise ValueError(f"The workbook unpacks to more than {max_total_bytes // 2**20} MB; "
                             "that is too large to accept. Save fewer rows, or upload a .csv.")
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > RATIO_FLOOR and ratio > max_ratio:
            raise ValueError(f"The workbook part {info.filename} would inflate {ratio:.0f}-fold "
                             f"(from {info.compress_size:,} to {info.file_size:,} bytes), which "
                             "real spreadsheets never do; refusing a possible zip bomb.")


def read_head(zf, info) -> bytes:
    with zf.open(info) as member:
        return member.read(HEAD_BYTES)


def check_no_dtd(name, head: bytes):
    # A DTD (and so any entity definition) may only appear before the root element, so it
    # suffices to look up to the first start tag; a prolog longer than HEAD_BYTES is refused.
    text = head
    if text.startswith((b"\xff\xfe", b"\xfe\xff")):
        text = head.decode("utf-16", errors="ignore").encode("utf-8", errors="ignore")
    root = _ROOT_TAG.search(text)
    prolog = text if root is None else text[:root.start()]
    if b"<!DOCTYPE" in prolog.upper() or b"<!ENTITY" in prolog.upper():
        raise ValueError(f"The workbook part {name} declares a DTD or XML entities, which "
                         "spreadsheets never contain; refusing it as possibly malicious.")
    if root is None and len(head) >= HEAD_BYTES:
        raise ValueError(f"The workbook part {name} does not start like a spreadsheet part "
                         f"(no element in its first {HEAD_BYTES:,} bytes); refusing it.")


def _check_dimension(name, head: bytes, max_cells, max_columns):
    match = _DIMENSION.search(head)
    if not match:
        return
    ref = match.group(1).decode("ascii")
    corners = [_parse_cell(part) for part in ref.split(":")]
    if any(c is None for c in corners):
        return
    rows = max(r for r, _ in corners) - min(r for r, _ in corners) + 1
    cols = max(c for _, c in corners) - min(c for _, c in corners) + 1
    sheet = name.rsplit("/", 1)[-1]
    if cols > max_columns or max(c for _, c in corners) > MAX_COLUMNS:
        raise ValueError(f"The sheet {sheet} declares {cols:,} columns ({ref}); at most "
                         f"{max_columns:,} are accepted.")
    if max(r for r, _ in corners) > MAX_ROWS:
        raise ValueError(f"The sheet {sheet} declares {rows:,} rows ({ref}), more than Excel "
                         "allows; the file is damaged or malicious.")
    if rows * cols > max_cells:
        raise ValueError(f"The sheet {sheet} declares {rows:,} x {cols:,} = {rows * cols:,} cells "
                         f"({ref}); at most {max_cells:,} are accepted.")


def _check_extent(name, xml: bytes, max_cells, max_columns):
    """Bound the rectangle the cells really span (readers allocate it densely).

    The declared <dimension> may be missing or false, and one cell at XFD1048576 in a tiny
    file would make a reader allocate 17 billion cells. Every reference r="B7" is parsed
    (vectorised: a sheet of millions of cells takes a fraction of a second); a cell without a
    reference follows its left neighbour, so their count bounds how far they can reach.
    """
    n_rows, n_cols, n_refs = _reference_extent(xml)
    match = _PREFIX.search(xml, 0, HEAD_BYTES)
    prefix = (match.group(1) or b"") if match else b""
    n_cells = sum(xml.count(b"<" + prefix + b"c" + end) for end in (b" ", b">", b"/"))
    if n_cells > n_refs:
        # r is optional in OOXML and some writers leave it out: a cell without one sits right
        # of its left neighbour, so no row reaches further than the largest reference plus
        # the number of cells in that row.
        n_cols += _most_cells_in_a_row(xml, prefix)
    n_rows = max(n_rows, xml.count(b"<" + prefix + b"row"))
    sheet = name.rsplit("/", 1)[-1]
    check_used_extent(sheet, n_rows, n_cols, max_cells, max_columns)


def _most_cells_in_a_row(xml: bytes, prefix: bytes) -> int:
    """The largest number of <c> elements inside one <row> (vectorised over the bytes)."""
    a = np.frombuffer(xml, dtype=np.uint8)
    rows = element_starts(a, b"<" + prefix + b"row")
    cells = element_starts(a, b"<" + prefix + b"c")
    if cells.size == 0:
        return 0
    return int(np.bincount(np.searchsorted(rows, cells)).max())


def element_starts(a, tag: bytes):
    """Offsets in the bytes ``a`` where element ``tag`` opens: ``tag`` then ' ', '>' or '/'."""
    n = len(tag)
    if a.size <= n:
        return np.empty(0, np.intp)
    hits = np.flatnonzero(a[:a.size - n] == tag[0])
    for k in range(1, n):
        hits = hits[a[hits + k] == tag[k]]
    after = a[hits + n]
    return hits[(after == 32) | (after == 62) | (after == 47)]


def _reference_extent(xml: bytes):
    """(largest row, largest column, number of cell references) over all r="..." attributes."""
    a = np.frombuffer(xml + b"\0" * 16, dtype=np.uint8)
    # Find ' r="' through its quote: one pass over the bytes, then checks on the candidates.
    quotes = np.flatnonzero(a[3:] == 34) + 3
    starts = quotes[(a[quotes - 1] == 61) & (a[quotes - 2] == 114) & (a[quotes - 3] == 32)] + 1
    if starts.size == 0:
        return 0, 0, 0
    # Row elements have digits after r=", cells a column of 1-3 letters (A..XFD) then digits.
    letter = [(a[starts + k] >= 65) & (a[starts + k] <= 90) for k in range(4)]
    if (letter[0] & letter[1] & letter[2] & letter[3]).any():
        return MAX_ROWS + 1, MAX_COLUMNS + 1, 0       # four letters: not a valid reference
    n_letters = (letter[0].astype(np.int8) + (letter[0] & letter[1])
                 + (letter[0] & letter[1] & letter[2]))
    col = np.zeros(starts.size, dtype=np.int64)
    for k in range(3):
        col = np.where(k < n_letters, col * 26 + a[starts + k].astype(np.int64) - 64, col)
    row = np.zeros(starts.size, dtype=np.int64)
    reading = np.ones(starts.size, dtype=bool)
    digits_at = starts + n_letters
    for j in range(8):
        digit = a[digits_at + j].astype(np.int64) - 48
        reading &= (digit >= 0) & (digit <= 9)
        row = np.where(reading, row * 10 + digit, row)
    return int(row.max()), int(col.max()), int((n_letters > 0).sum())


def _parse_cell(ref):
    """'AB12' -> (12, 28); a bare column or row (whole-column refs) -> None."""
    m = _CELL_REF.fullmatch(ref)
    if not m:
        return None
    col = 0
    for ch in m.group(1).upper():
        col = col * 26 + ord(ch) - 64
    return int(m.group(2)), col


def read_npz(path, what: str) -> dict:
    """The arrays of an .npz archive as a dict, never unpickling; ``ValueError`` for a person.

    ``what`` names what the file should be ("a model saved by nncore"), for the messages.  A
    folder, an empty, truncated or damaged archive, and a file that is not an archive at all
    (for which numpy would suggest unpickling it: never) each get one line naming the file.
    """
    name = os.path.basename(os.fspath(path))
    if os.path.isdir(path):
        raise ValueError(f"{name} is a folder, not {what}")
    with open(path, "rb") as f:
        head = f.read(4)
    if not head.startswith(ZIP_MAGIC):
        kind = "empty" if not head else (describe_bytes(head) or "not an .npz archive")
        raise ValueError(f"{name} is not {what}: the file is {kind}")
    try:
        with np.load(path, allow_pickle=False) as archive:
            return {key: archive[key] for key in archive.files}
    except (OSError, EOFError, ValueError, zipfile.BadZipFile, zipfile.LargeZipFile) as exc:
        raise ValueError(f"{name} is not {what}: the archive is damaged ({exc})") from None
