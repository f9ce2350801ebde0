"""Workbooks: open with python-calamine (fast; the only one for .xls, .xlsb and .ods) or
openpyxl, read sheets into ``Table``s.

Both engines give the same cells; the security checks in ``safety`` run before either parses.
A cell that looks empty but is part of a merged range or holds a formula with no cached value
is explained in the message.
"""
from __future__ import annotations

import importlib.util
import re
import warnings

from nncore.data import format_checks, safety
from nncore.data.dataset import Dataset
from nncore.data.frames import from_sheets, from_table
from nncore.data.header_rows import filled, locate
from nncore.data.tables import EXCEL_ERRORS, Table, normalise, shorten

# "calamine" (python-calamine, fast), "openpyxl", or None: calamine when it is installed.
EXCEL_ENGINE = None
_MERGE_CELL = re.compile(rb"<(?:\w+:)?mergeCell\b[^>]*?\bref=\"([A-Za-z]{1,3}\d{1,7}):([A-Za-z]{1,3}\d{1,7})\"")


class _CalamineBook:
    """Sheets read by python-calamine (Rust): about 20 times faster than openpyxl."""

    def __init__(self, path):
        import python_calamine

        self._errors = (python_calamine.CalamineError, python_calamine.PasswordError,
                        python_calamine.XmlError, python_calamine.ZipError, OSError)
        try:
            # From the bytes, not the path: calamine picks the format by the file's name.
            with open(path, "rb") as f:
                self._book = python_calamine.CalamineWorkbook.from_filelike(f)
        except self._errors as e:
            raise ValueError(f"The workbook could not be read: {_describe_error(e)}") from None
        self.sheetnames = list(self._book.sheet_names)

    def rows(self, sheet):
        try:
            cells = self._book.get_sheet_by_name(sheet)
            # Sized before any Python object is made for a cell (the extent safety.py could
            # not bound, e.g. inside an .xls).
            safety.check_sheet_size(sheet, cells.height, cells.width)
            # skip_empty_area=False: the first row is sheet row 1, as messages count them.
            return cells.to_python(skip_empty_area=False)
        except self._errors as e:
            raise ValueError(f'Sheet "{sheet}" could not be read: {_describe_error(e)}') from None

    def close(self):
        self._book.close()


class _OpenpyxlBook:
    """Sheets read by openpyxl in read-only mode (parses XML through defusedxml)."""

    def __init__(self, path, data_only=True):
        import openpyxl

        # Our own file handle: openpyxl leaves its handle open when a broken file fails.
        self._file = open(path, "rb")
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")   # e.g. "Workbook contains no default style"
                self._book = openpyxl.load_workbook(self._file, read_only=True,
                                                    data_only=data_only)
        except Exception as e:   # openpyxl raises many types for broken files
            self._file.close()
            raise ValueError(f"The workbook could not be read: {_describe_error(e)}") from None
        self.sheetnames = list(self._book.sheetnames)

    def sheet(self, name):
        ws = self._book[name]
        if not hasattr(ws, "iter_rows"):
            raise ValueError(f'"{name}" is a chart sheet, not a sheet of cells.')
        ws.reset_dimensions()   # the declared size is often wrong; safety.py bounded it anyway
        return ws

    def rows(self, sheet):
        ws = self.sheet(sheet)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                return list(ws.iter_rows(values_only=True))
        except Exception as e:   # openpyxl raises many types for broken files
            raise ValueError(f'Sheet "{sheet}" could not be read: {_describe_error(e)}') from None

    def close(self):
        self._book.close()
        self._file.close()


#: formats only calamine reads
CALAMINE_ONLY = (".xls", ".xlsb", ".ods")


def open_book(path, engine=None):
    """calamine when installed (fast), else openpyxl; ``engine`` forces one (tests).

    .xls, .xlsb and .ods (and anything that is not a zip: an .xls under another name) always
    go to calamine, the one engine that reads them.
    """
    engine = engine or EXCEL_ENGINE
    if str(path).lower().endswith(CALAMINE_ONLY) or not _is_zip(path):
        engine = "calamine"
    if engine is None:
        engine = "calamine" if importlib.util.find_spec("python_calamine") else "openpyxl"
    return _CalamineBook(path) if engine == "calamine" else _OpenpyxlBook(path)


def _is_zip(path) -> bool:
    with open(path, "rb") as f:
        return f.read(4) in safety.ZIP_MAGIC


def _describe_error(e) -> str:
    chain = e
    while chain is not None:   # openpyxl wraps parser errors in its own
        if type(chain).__name__ in ("EntitiesForbidden", "DTDForbidden",
                                    "ExternalReferenceForbidden"):
            return ("it contains XML entity definitions, which spreadsheets never do "
                    "(refused as unsafe).")
        chain = chain.__cause__ or chain.__context__
    return f"{type(e).__name__}: {e}"


def find_sheet(book, wanted):
    names = book.sheetnames
    if wanted in names:
        return wanted
    folded = [n for n in names if n.strip().lower() == str(wanted).strip().lower()]
    if len(folded) == 1:
        return folded[0]
    listed = ", ".join(f'"{n}"' for n in names)
    raise ValueError(f'The workbook has no sheet named "{wanted}". Its sheets are: {listed}.')


def has_sheet(book, wanted) -> bool:
    return any(n.strip().lower() == wanted.lower() for n in book.sheetnames)


def read_sheet(book, path, sheet) -> Table:
    raw = book.rows(sheet)
    rows, numbers = normalise(raw, range(1, len(raw) + 1))
    # Merged cells and formulas without results are explained from the .xlsx XML (openpyxl).
    explain = (lambda r, c: _explain_empty(path, sheet, r, c)) if _is_xlsx(path) else None
    return Table(where=f'Sheet "{sheet}"', rows=rows, row_numbers=numbers, excel=True,
                  explain_empty=explain)


def _is_xlsx(path) -> bool:
    return _is_zip(path) and not str(path).lower().endswith(CALAMINE_ONLY) \
        and not format_checks.is_ods(path)


def _explain_empty(path, sheet, row, col):
    """Why a cell reads as empty, when it is not: a formula never calculated, or an error."""
    for data_only in (False, True):
        book = _OpenpyxlBook(path, data_only)
        try:
            ws = book.sheet(sheet)
            merged = None if data_only else _merged_range(ws, row, col)
            cells = ws.iter_rows(min_row=row, max_row=row, min_col=col, max_col=col,
                                 values_only=True)
            value = next(cells, (None,))
            value = value[0] if value else None
        finally:
            book.close()
        if merged:
            return (f"the cell is part of the merged cells {merged}, which hold one value for "
                    "several cells. Unmerge them (every feature cell needs its own number) "
                    "and save the file again")
        value = getattr(value, "text", value)   # array formulas
        if not data_only and isinstance(value, str) and value.startswith("="):
            return (f"the cell holds a formula ({shorten(value)}) with no saved result. Open "
                    "the file in Excel or LibreOffice, let it recalculate and save it again, "
                    "or save it as .csv")
        if data_only and isinstance(value, str) and value.strip().upper() in EXCEL_ERRORS:
            return f"the cell holds the spreadsheet error {value.strip()}, not a number"
    return None


def _merged_range(ws, row, col):
    """The merged range (e.g. "A3:B4") covering sheet cell (row, col), or None.

    openpyxl's read-only sheets do not parse ``<mergeCells>``; the sheet XML (already bounded
    by ``safety.check_xlsx``) is searched for it instead.
    """
    try:
        with ws._get_source() as f:
            xml = f.read()
    except (AttributeError, OSError, KeyError):
        return None
    for match in _MERGE_CELL.finditer(xml):
        (r0, c0), (r1, c1) = (safety._parse_cell(m.decode()) for m in match.groups())
        if min(r0, r1) <= row <= max(r0, r1) and min(c0, c1) <= col <= max(c0, c1):
            return f"{match.group(1).decode()}:{match.group(2).decode()}"
    return None


def load_workbook(path, x_sheet, y_sheet, label_column, name, engine=None, task=None,
                  header_row=None) -> Dataset:
    """The dataset of a workbook: the tutorial's X and y sheets, else one table on the sheet
    ``x_sheet`` or, when none is named, on the sheet that holds a table (``table_sheet``);
    ``header_row`` as for ``header_rows.header_index``."""
    if y_sheet is not None and label_column is not None:
        raise ValueError("Give either a y sheet (labels on their own sheet) or a label column "
                         "(labels inside the feature sheet), not both.")
    wb = open_book(path, engine)
    try:
        if not wb.sheetnames:
            raise ValueError("The workbook has no sheets.")
        two_sheets = y_sheet is not None or (
            label_column is None and has_sheet(wb, "y")
            and (x_sheet is not None or has_sheet(wb, "X")))
        if two_sheets:
            x_name, y_name = find_sheet(wb, x_sheet or "X"), find_sheet(wb, y_sheet or "y")
            if x_name == y_name:
                raise ValueError(f'The X and y sheets are the same sheet ("{x_name}").')
            if task == "regression":
                raise ValueError("The X and y sheets hold classes; for a number to predict, "
                                 "put the label in a column of the feature sheet.")
            if header_row is not None:
                raise ValueError("A header row is chosen for one table with a label column, "
                                 "not for the X and y sheets.")
            return from_sheets(read_sheet(wb, path, x_name), read_sheet(wb, path, y_name),
                               name)
        if x_sheet is not None:
            sheet = find_sheet(wb, x_sheet)
            table = read_sheet(wb, path, sheet)
        else:
            sheet, table = table_sheet(wb, path)
        dataset = from_table(table, label_column, name, task=task, header_row=header_row)
        dataset.layout.update(sheet=sheet, sheets=list(wb.sheetnames))
        return dataset
    finally:
        wb.close()


def table_sheet(book, path) -> tuple[str, Table]:
    """The sheet that holds a table, read: the first, unless it holds none (an empty sheet, a
    title page or notes: most rows fill one cell at most); then the sheet whose table (a header
    with two columns and two data rows beneath it) has the most cells. A sheet passed over is
    named in a note."""
    names = book.sheetnames
    first = read_sheet(book, path, names[0])
    if len(names) == 1 or _holds_rows(first):
        return names[0], first
    best, best_cells = (names[0], first), 0
    for name in names[1:]:
        try:
            table = read_sheet(book, path, name)
        except ValueError:          # a chart sheet, a sheet that cannot be read
            continue
        cells = _table_cells(table)
        if cells > best_cells:
            best, best_cells = (name, table), cells
    if best[0] != names[0]:
        best[1].notes.append(f'Read the sheet "{best[0]}": the first sheet, "{names[0]}", '
                             "holds no table.")
    return best


def _holds_rows(table) -> bool:
    """Two rows or more, most of them filling two cells or more (data, with a header or not)."""
    wide = sum(1 for r in table.rows if filled(r) >= 2)
    return len(table.rows) >= 2 and wide > len(table.rows) / 2


def _table_cells(table) -> int:
    """The cells of the table on a sheet (data rows x columns) when it has a header, else 0."""
    if not table.rows:
        return 0
    _, index, end = locate(table)
    n_cols = sum(1 for v in table.rows[index] if v is not None) if index is not None else 0
    rows = end - (index or 0) - 1
    return n_cols * rows if index is not None and n_cols >= 2 and rows >= 2 else 0
