"""Checks before parsing the other workbook formats: the old binary .xls, .xlsb and .ods.

Like ``safety.check_xlsx`` they bound what a parser could be made to build before it runs:
.ods and .xlsb are zip archives (the same member checks, then the declared extent of every
sheet: an .ods row may repeat a column a billion times in a few bytes); an .xls is read whole,
so its size is the bound.
"""
from __future__ import annotations

import os
import re
import zipfile
from contextlib import contextmanager

import numpy as np

from nncore.data.safety import (
    MAX_CELLS, MAX_COLUMNS, MAX_MEMBERS, MAX_RATIO, MAX_ROWS, MAX_TOTAL_BYTES, check_no_dtd,
    check_not_empty, check_ole, check_used_extent, element_starts, open_zip_checked, read_head,
)

MAX_XLS_BYTES = MAX_TOTAL_BYTES          # the old binary format is read whole into memory
ODS_MIMETYPE = b"application/vnd.oasis.opendocument.spreadsheet"


def check_xls(path, max_bytes=MAX_XLS_BYTES) -> None:
    """Bound an old-format (.xls, OLE) workbook before calamine reads it whole; refuse an
    encrypted one.

    Its own format caps a sheet at 65,536 x 256 cells; the cell bound after opening
    (``check_sheet_size``) applies as for every workbook.
    """
    check_not_empty(path)
    check_ole(path, allow_xls=True)
    size = os.path.getsize(path)
    if size > max_bytes:
        raise ValueError(f"The .xls workbook is {size / 2**20:.0f} MB; at most "
                         f"{max_bytes // 2**20} MB are accepted. Save it as .csv.")


def is_ods(path) -> bool:
    """Whether ``path`` is an OpenDocument spreadsheet (its stored ``mimetype`` says so)."""
    try:
        with zipfile.ZipFile(path) as zf:
            return "mimetype" in zf.namelist() and zf.read("mimetype").strip() == ODS_MIMETYPE
    except (zipfile.BadZipFile, OSError, EOFError, KeyError, NotImplementedError):
        return False


def check_ods(path, *, max_members=MAX_MEMBERS, max_total_bytes=MAX_TOTAL_BYTES,
              max_ratio=MAX_RATIO, max_cells=MAX_CELLS, max_columns=MAX_COLUMNS) -> None:
    """Raise ValueError unless ``path`` is a well-formed, reasonably sized .ods spreadsheet.

    Beyond the zip and DTD checks of ``check_xlsx``: ODF compresses runs of equal cells and
    rows into one element with ``table:number-columns-repeated`` / ``number-rows-repeated``,
    so a few bytes can declare a billion columns. The repetitions are added up per row; empty
    cells repeated at the end of a row and empty rows after the last value (which spreadsheet
    programs write to fill the grid) do not count.
    """
    limits = (max_members, max_total_bytes, max_ratio)
    with _archive(path, "a LibreOffice .ods spreadsheet", limits, "content.xml",
                  "This is a zip archive but not an .ods spreadsheet (no content.xml inside). "
                  "Upload an .ods, .xlsx or .csv file.",
                  "The spreadsheet", ".ods") as zf:
        if "mimetype" in zf.namelist() and zf.read("mimetype").strip() != ODS_MIMETYPE:
            kind = zf.read("mimetype")[:80].decode("ascii", "replace")
            raise ValueError(f"This OpenDocument file is not a spreadsheet ({kind}). "
                             "Upload an .ods, .xlsx or .csv file.")
        for info in zf.infolist():
            if info.filename.lower().endswith((".xml", ".rdf")):
                check_no_dtd(info.filename, read_head(zf, info))
        _check_ods_extent(zf.read("content.xml"), max_cells, max_columns)


@contextmanager
def _archive(path, what, limits, member, missing, noun, extension):
    """The zip archive at ``path`` after ``open_zip_checked`` and a check that it holds
    ``member`` (else ``missing`` is the message); a damaged archive, found then or while the
    caller reads it, becomes one message naming ``noun`` and ``extension``."""
    try:
        with open_zip_checked(path, what, *limits) as zf:
            if member not in zf.namelist():
                raise ValueError(missing)
            yield zf
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, NotImplementedError) as e:
        raise ValueError(f"{noun} is damaged or incomplete (perhaps the upload was cut "
                         f"short) and cannot be opened as {extension}: {e}.") from None


_ODS_REPEAT = re.compile(
    rb"<table:(table-row|table-cell|covered-table-cell)\b([^>]*?)"
    rb"table:number-(?:rows|columns)-repeated=\"(\d{1,12})\"([^>]*?)(/?)>")


_ODS_VALUE = re.compile(rb"office:value-type=|<text:")


def _check_ods_extent(xml: bytes, max_cells, max_columns):
    a = np.frombuffer(xml, dtype=np.uint8)
    row_starts = element_starts(a, b"<table:table-row")
    cells = np.concatenate([element_starts(a, b"<table:table-cell"),
                            element_starts(a, b"<table:covered-table-cell")])
    extra_cols = np.zeros(row_starts.size + 1, dtype=np.int64)
    extra_rows = 0
    last_value = max((m.start() for m in _ODS_VALUE.finditer(xml[-2**20:])), default=-1)
    if last_value >= 0:
        last_value += max(len(xml) - 2**20, 0)
    else:
        hits = [m.start() for m in _ODS_VALUE.finditer(xml)]
        last_value = hits[-1] if hits else -1
    for m in _ODS_REPEAT.finditer(xml):
        kind, repeat = m.group(1), int(m.group(3))
        if repeat <= 1:
            continue
        if kind == b"table-row":
            end = xml.find(b"</table:table-row>", m.end())
            body = xml[m.end():end if end >= 0 else len(xml)]
            if _ODS_VALUE.search(body) is None and m.start() > last_value:
                continue                      # empty rows after the last value: padding
            extra_rows += repeat - 1
            if extra_rows > MAX_ROWS:
                break
            continue
        empty = m.group(5) == b"/" and b"office:value-type" not in m.group(2) + m.group(4)
        if empty and xml[m.end():m.end() + 64].lstrip().startswith(b"</table:table-row"):
            continue                          # empty cells padding the end of a row
        extra_cols[np.searchsorted(row_starts, m.start())] += repeat - 1
    per_row = np.bincount(np.searchsorted(row_starts, cells), minlength=row_starts.size + 1)
    n_cols = int((per_row + extra_cols).max()) if per_row.size else 0
    n_rows = int(row_starts.size) + extra_rows
    if n_cols > max_columns:
        raise ValueError(f"The spreadsheet declares {n_cols:,} columns (through repeated "
                         f"cells); at most {max_columns:,} are accepted.")
    if n_rows > MAX_ROWS or n_rows * n_cols > max_cells:
        raise ValueError(f"The spreadsheet declares {n_rows:,} rows x {n_cols:,} columns "
                         f"(through repeated rows and cells); at most {max_cells:,} cells are "
                         "accepted.")


# BIFF12 (.xlsb) records: a row header, the cell records, and the sheet's declared extent.
_BRT_ROW_HDR, _BRT_CELLS, _BRT_WS_DIM = 0x0000, range(0x0001, 0x000C), 0x0094


def check_xlsb(path, *, max_members=MAX_MEMBERS, max_total_bytes=MAX_TOTAL_BYTES,
               max_ratio=MAX_RATIO, max_cells=MAX_CELLS, max_columns=MAX_COLUMNS) -> None:
    """Raise ValueError unless ``path`` is a well-formed, reasonably sized .xlsb workbook.

    Its sheets are binary records instead of XML: the declared extent and the row and column
    of every cell are read from them (a reader allocates the rectangle they span).
    """
    limits = (max_members, max_total_bytes, max_ratio)
    with _archive(path, "an Excel .xlsb workbook", limits, "xl/workbook.bin",
                  "This is a zip archive but not an Excel .xlsb workbook (no xl/workbook.bin "
                  "inside). Upload an .xlsb, .xlsx or .csv file.",
                  "The workbook", ".xlsb") as zf:
        for info in zf.infolist():
            if info.filename.lower().endswith((".xml", ".rels")):
                check_no_dtd(info.filename, read_head(zf, info))
            elif info.filename.startswith("xl/worksheets/") and info.filename.endswith(".bin"):
                _check_xlsb_sheet(info.filename, zf.read(info), max_cells, max_columns)


def _check_xlsb_sheet(name, data: bytes, max_cells, max_columns):
    sheet = name.rsplit("/", 1)[-1]
    view = memoryview(data)
    pos, n, row, n_rows, n_cols = 0, len(data), 0, 0, 0
    while pos < n:
        kind = data[pos]
        pos += 1
        if kind & 0x80:                       # a second byte of the record type
            if pos >= n:
                break
            kind = (kind & 0x7F) | ((data[pos] & 0x7F) << 7)
            pos += 1
        size, shift = 0, 0
        for _ in range(4):                    # the size: up to four 7-bit groups
            if pos >= n:
                break
            byte = data[pos]
            pos += 1
            size |= (byte & 0x7F) << shift
            shift += 7
            if not byte & 0x80:
                break
        body = view[pos:pos + size]
        pos += size
        if len(body) < 4:
            continue
        if kind == _BRT_ROW_HDR:
            row = int.from_bytes(body[:4], "little") + 1
            n_rows = max(n_rows, row)
        elif kind in _BRT_CELLS:
            n_cols = max(n_cols, int.from_bytes(body[:4], "little") + 1)
        elif kind == _BRT_WS_DIM and len(body) >= 16:
            last_row = int.from_bytes(body[4:8], "little") + 1
            last_col = int.from_bytes(body[12:16], "little") + 1
            if last_col > max_columns or last_row > MAX_ROWS \
                    or last_row * last_col > max_cells:
                raise ValueError(f"The sheet {sheet} declares {last_row:,} rows x "
                                 f"{last_col:,} columns; at most {max_columns:,} columns and "
                                 f"{max_cells:,} cells are accepted.")
    check_used_extent(sheet, n_rows, n_cols, max_cells, max_columns)
