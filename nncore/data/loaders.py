"""Read a labelled dataset from an Excel workbook or a CSV file, or the built-in sample.

Layouts understood by ``load_dataset``:

* **Tutorial layout** (Andrew Ng's ``ex4``): an .xlsx with a sheet ``X`` (one sample per row,
  no header) and a sheet ``y`` (one label per row). Sheet names match case-insensitively;
  ``x_sheet``/``y_sheet`` name other sheets.
* **One table**: the first sheet (or ``x_sheet``) of a workbook, or a CSV file, holding feature
  columns plus one label column: ``label_column`` by header name, or by 1-based position
  (``"1"``, ``-1``, ``"first"``, ``"last"``); the last column by default.

A header row is recognised when the first row has text where the rows below have numbers.
Labels may be numbers or text; class names are kept as written (``3.0`` becomes ``"3"``).
Anything malformed raises ``ValueError`` with a message meant for the person who made the file:
it names the sheet, row and column. Repairs that were made (a stray header row dropped, a text
encoding guessed) are listed in ``Dataset.notes``.
"""
from __future__ import annotations

import csv
import importlib.util
import io
import json
import math
import re
import warnings
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path

import numpy as np

from nncore.data import safety
from nncore.data.dataset import Dataset, class_name
from nncore.data.images import ImageGeometry, detect_image_geometry

EXCEL_EXTENSIONS = (".xlsx", ".xlsm")
CSV_EXTENSIONS = (".csv", ".tsv", ".txt")
SAMPLE_PATH = Path(__file__).resolve().parents[2] / "data" / "digits_sample.npz"

# "calamine" (python-calamine, fast), "openpyxl", or None: calamine when it is installed.
EXCEL_ENGINE = None

_DELIMITERS = {",": "comma", ";": "semicolon", "\t": "tab", "|": "vertical bar"}
_HEADER_PROBE_ROWS = 20
_MAX_LISTED = 12


def load_dataset(path, *, x_sheet=None, y_sheet=None, label_column=None, name=None,
                 image="auto") -> Dataset:
    """Load ``path`` (.xlsx/.xlsm or .csv/.tsv/.txt) into a Dataset; ValueError if malformed.

    ``image``: ``"auto"`` detects whether rows are pictures (``images.detect_image_geometry``);
    anything else overrides that as ``with_image`` does (``None``: not pictures; a dict such as
    ``{"order": "F", "vmin": 0, "vmax": 255}``; an ``ImageGeometry``).
    """
    return with_image(_load_table_file(Path(path), x_sheet, y_sheet, label_column, name), image)


def with_image(dataset: Dataset, image="auto") -> Dataset:
    """``dataset`` with its picture geometry overridden; ``ValueError`` if it cannot fit.

    ``"auto"`` keeps what was detected; ``None`` says the rows are not pictures; an
    ``ImageGeometry`` replaces it; a dict changes some of ``height``, ``width``, ``order``
    (``"C"`` row by row, ``"F"`` column by column), ``vmin`` (blank paper) and ``vmax`` (full
    ink) of the detected geometry (of a square one when none was detected).
    """
    if isinstance(image, str) and image == "auto":
        return dataset
    if image is None or isinstance(image, ImageGeometry):
        geometry = image
    elif isinstance(image, dict):
        unknown = sorted(set(image) - {"height", "width", "order", "vmin", "vmax"})
        if unknown:
            raise ValueError(f"image: unknown field {unknown[0]!r} "
                             "(allowed: height, width, order, vmin, vmax)")
        base = dataset.image.to_dict() if dataset.image is not None else _square(dataset)
        geometry = ImageGeometry.from_dict({**base, **{k: v for k, v in image.items()
                                                       if v is not None}})
    else:
        raise ValueError(f"image must be 'auto', None, a dict or an ImageGeometry, got {image!r}")
    if geometry is not None and geometry.n_features != dataset.n_features:
        raise ValueError(f"a {geometry.height}x{geometry.width} picture has "
                         f"{geometry.n_features} pixels, but the rows have "
                         f"{dataset.n_features} features")
    dataset.image = geometry
    return dataset


def _square(dataset):
    side = math.isqrt(dataset.n_features)
    if side * side != dataset.n_features:
        raise ValueError(f"{dataset.n_features} features do not make a square picture: give "
                         "the image's height and width")
    return {"height": side, "width": side}


def _load_table_file(path, x_sheet, y_sheet, label_column, name) -> Dataset:
    if not path.is_file():
        raise ValueError(f"No such file: {path.name}")
    name = path.name if name is None else name
    ext = path.suffix.lower()
    if ext == ".xls":
        safety.check_not_empty(path)
        safety.check_ole(path)   # a real .xls is refused here with a how-to message
        ext = ".xlsx"            # an .xlsx that was merely named .xls; read it as such
    if ext in EXCEL_EXTENSIONS:
        safety.check_xlsx(path)
        return _load_workbook(path, x_sheet, y_sheet, label_column, name)
    if ext in CSV_EXTENSIONS:
        if x_sheet is not None or y_sheet is not None:
            raise ValueError("A CSV file has no sheets: x_sheet/y_sheet only apply to Excel "
                             "workbooks. Use label_column to pick the label column.")
        return _load_csv(path, label_column, name)
    shown = ext or "(no extension)"
    hint = " (save it as .xlsx from LibreOffice)" if ext == ".ods" else ""
    raise ValueError(f"Unsupported file type {shown}{hint}: upload an Excel workbook (.xlsx) "
                     "or a CSV file (.csv).")


def load_features(path, *, n_features, label_column=None, x_sheet=None, y_sheet=None):
    """Rows to predict: (X (n, n_features) float64, labels list[str] or None).

    Same files as ``load_dataset`` and sample-style .npz files, but labels are optional: a table
    with ``n_features`` columns has none, one with ``n_features + 1`` has a label column
    (``label_column``, by default the last); in the tutorial layout the ``y`` sheet is used when
    present.
    """
    path = Path(path)
    if not path.is_file():
        raise ValueError(f"No such file: {path.name}")
    ext = path.suffix.lower()
    if ext in CSV_EXTENSIONS:
        return _features_from(_read_csv(path), None, n_features, label_column)
    if ext == ".npz":                           # a dataset saved like the built-in sample
        dataset = load_sample(path)
        if dataset.n_features != n_features:
            raise ValueError(f"The model expects {n_features} features per row, but {path.name} "
                             f"has {dataset.n_features}.")
        return dataset.X, [dataset.classes[i] for i in dataset.y]
    if ext not in EXCEL_EXTENSIONS + (".xls",):
        return load_dataset(path).X, None   # raises the unsupported-type message
    if ext == ".xls":
        safety.check_not_empty(path)
        safety.check_ole(path)
    safety.check_xlsx(path)
    book = _open_book(path)
    try:
        x_name = (_find_sheet(book, x_sheet) if x_sheet is not None
                  else _find_sheet(book, "X") if _has_sheet(book, "X") else book.sheetnames[0])
        y_name = (_find_sheet(book, y_sheet) if y_sheet is not None
                  else _find_sheet(book, "y") if _has_sheet(book, "y") else None)
        labels = None if y_name is None or y_name == x_name else _read_sheet(book, path, y_name)
        return _features_from(_read_sheet(book, path, x_name), labels, n_features, label_column)
    finally:
        book.close()


def _features_from(table: _Table, label_table, n_features, label_column):
    header = _split_header(table, "rows to predict")
    width = len(table.rows[0])
    if width == n_features and label_column is None:
        X = _to_matrix(table, list(range(width)))
        if label_table is None or not label_table.rows:
            return X, None
        if _has_header(label_table):
            _drop_header(label_table)
        if len(label_table.rows) != len(table.rows):
            raise ValueError(f"{table.where} has {len(table.rows)} rows but {label_table.where} "
                             f"has {len(label_table.rows)} labels.")
        return X, _labels(label_table, 0)
    if width == n_features + 1:
        label = _label_index(label_column, header, width, table.where)
        X = _to_matrix(table, [j for j in range(width) if j != label])
        return X, _labels(table, label)
    raise ValueError(f"The model expects {n_features} features per row (plus, optionally, a "
                     f"label column), but {table.where} has {width} columns.")


def load_sample(path=None) -> Dataset:
    """The built-in 5,000-digit MNIST sample (28x28 row-major, 0..255) from ``data/``, or a
    dataset saved the same way at ``path`` (arrays ``X``, ``y``, ``classes`` and a JSON ``meta``
    with ``name`` and ``image``); ``ValueError`` naming the file for anything else."""
    path = SAMPLE_PATH if path is None else Path(path)
    what = "a dataset .npz like data/digits_sample.npz"
    f = safety.read_npz(path, what)
    if "metadata" in f and "meta" not in f:
        raise ValueError(f"{path.name} is a saved model, not a dataset: use it with predict")
    missing = [key for key in ("meta", "X", "y", "classes") if key not in f]
    if missing:
        raise ValueError(f"{path.name} is not {what}: it has no {', '.join(missing)} array")
    try:
        meta = json.loads(str(f["meta"]))
        X, y, classes = f["X"], f["y"], [str(c) for c in f["classes"]]
        image = ImageGeometry.from_dict(meta["image"])
    except (KeyError, TypeError, ValueError) as exc:
        raise ValueError(f"{path.name} is not {what}: {exc}") from None
    return Dataset(X=X.astype(np.float64), y=y.astype(np.int64), classes=classes,
                   name=meta.get("name", path.name), image=image)


# ---------------------------------------------------------------------------------------------
# A table of raw cells, whatever file it came from


@dataclass
class _Table:
    where: str                  # 'Sheet "X"' or 'The CSV file', starts every message
    rows: list                  # rows of raw cells (numbers, text, None), blank rows dropped
    row_numbers: list[int]      # 1-based row numbers in the file, for messages
    excel: bool = False         # say cell names like C17 in messages
    decimal_comma: bool = False  # ';'- or tab-separated text may write 0,5 for 0.5
    explain_empty: object = None  # (row, col) -> why an empty-looking cell is empty, or None
    notes: list[str] = field(default_factory=list)

    def cell_name(self, i, j) -> str:
        return f"row {self.row_numbers[i]}, column {j + 1}"

    def suffix(self, i, j) -> str:
        return f" (cell {_column_letter(j + 1)}{self.row_numbers[i]})" if self.excel else ""


def _column_letter(col: int) -> str:
    letters = ""
    while col:
        col, rem = divmod(col - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def _is_blank(v) -> bool:
    return v is None or (isinstance(v, str) and not v.strip())


def _is_number(v, decimal_comma=False) -> bool:
    if isinstance(v, bool):
        return False
    if isinstance(v, (int, float, np.integer, np.floating)):
        return True
    if isinstance(v, str):
        text = v.strip().replace(",", ".") if decimal_comma else v.strip()
        try:
            float(text)
            return bool(text)
        except ValueError:
            return False
    return False


def _normalise(rows, numbers):
    """Drop blank rows, pad short rows with None, drop blank trailing columns."""
    kept = [(list(r), n) for r, n in zip(rows, numbers) if not all(_is_blank(v) for v in r)]
    if not kept:
        return [], []
    width = max(len(r) for r, _ in kept)
    for r, _ in kept:
        r.extend([None] * (width - len(r)))
    while width and all(_is_blank(r[width - 1]) for r, _ in kept):
        width -= 1
    return [r[:width] for r, _ in kept], [n for _, n in kept]


def _has_header(table: _Table) -> bool:
    """True when the first row has text over columns whose next rows are numbers.

    A first row of mostly numbers with one odd cell is data with a typo (reported as such),
    unless its numbers are just column numbers 0..d-1 or 1..d.
    """
    rows = table.rows
    if len(rows) == 1:   # a header alone: every cell text
        return all(isinstance(v, str) and not _is_number(v, table.decimal_comma)
                   and not _is_blank(v) for v in rows[0])
    if len(rows) < 2:
        return False
    first, probe = rows[0], rows[1:1 + _HEADER_PROBE_ROWS]
    is_num = lambda v: _is_number(v, table.decimal_comma)  # noqa: E731
    evidence = sum(1 for j, v in enumerate(first)
                   if isinstance(v, str) and not is_num(v) and not _is_blank(v)
                   and all(is_num(r[j]) for r in probe))
    if not evidence:
        return False
    numbers = [float(str(v).replace(",", ".")) if isinstance(v, str) else float(v)
               for v in first if is_num(v)]
    if len(numbers) <= len(first) / 2:
        return True
    start = numbers[0]
    return start in (0, 1) and numbers == [start + k for k in range(len(numbers))]


def _drop_header(table: _Table) -> list[str]:
    header = ["" if v is None else str(v).strip() for v in table.rows[0]]
    table.rows, table.row_numbers = table.rows[1:], table.row_numbers[1:]
    return header


def _split_header(table: _Table, nothing: str):
    """Drop the table's header row when it has one (returned, else None); refuse a table
    without data rows, saying there are no ``nothing``."""
    if not table.rows:
        raise ValueError(f"{table.where} is empty: there are no {nothing}.")
    header = _drop_header(table) if _has_header(table) else None
    if not table.rows:
        raise ValueError(f"{table.where} has a header row but no data rows.")
    return header


def _cell_problem(v, decimal_comma=False) -> str | None:
    """Why one feature cell is not a usable number, or None if it is."""
    if _is_blank(v):
        return "the cell is empty"
    if isinstance(v, bool):
        return None
    if isinstance(v, (datetime, date, time, timedelta)):
        return f"holds a date/time ({v}), not a number"
    if isinstance(v, str):
        text = v.strip()
        if text.startswith("#") and text.upper() in _EXCEL_ERRORS:
            return f"holds the spreadsheet error {text}, not a number"
        try:
            number = float(text.replace(",", ".") if decimal_comma else text)
        except ValueError:
            return f'"{_shorten(text)}" is not a number'
    elif isinstance(v, (int, float, np.integer, np.floating)):
        number = float(v)
    else:
        return f'"{_shorten(str(v))}" is not a number'
    if math.isnan(number):
        return "the cell is NaN (not a number)"
    if math.isinf(number):
        return f'"{_shorten(str(v))}" is not a finite number'
    return None


_EXCEL_ERRORS = {"#DIV/0!", "#N/A", "#NAME?", "#NULL!", "#NUM!", "#REF!", "#VALUE!",
                 "#GETTING_DATA", "#SPILL!", "#CALC!"}


def _shorten(text, limit=40):
    return text if len(text) <= limit else text[:limit - 3] + "..."


def _to_matrix(table: _Table, columns) -> np.ndarray:
    """The given columns of the table as float64 (n, len(columns)); ValueError at the first bad cell."""
    cells = np.empty((len(table.rows), len(table.rows[0]) if table.rows else 0), dtype=object)
    cells[:] = table.rows
    cells = cells[:, columns]
    X = _try_float(cells)
    if X is None and table.decimal_comma:
        X = _try_float(np.where(_is_str_array(cells), _replace_commas(cells), cells))
        if X is not None:
            table.notes.append("Decimal commas (0,5) were read as decimal points (0.5).")
    if X is not None:
        bad = np.argwhere(~np.isfinite(X))
        if not bad.size:
            return X
        first = [tuple(bad[0])]
    else:
        first = ((i, j) for i in range(cells.shape[0]) for j in range(cells.shape[1]))
    for i, j in first:
        problem = _cell_problem(cells[i, j], table.decimal_comma)
        if problem:
            col = columns[j]
            if problem == "the cell is empty" and table.explain_empty is not None:
                problem = table.explain_empty(table.row_numbers[i], col + 1) or problem
            raise ValueError(f"{table.where}, {table.cell_name(i, col)}: {problem}"
                             f"{table.suffix(i, col)}. Every feature cell must hold a number.")
    raise ValueError(f"{table.where}: some feature cells are not numbers.")


def _try_float(cells):
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return cells.astype(np.float64)
    except (ValueError, TypeError):
        return None


def _is_str_array(cells):
    return np.vectorize(lambda v: isinstance(v, str), otypes=[bool])(cells)


def _replace_commas(cells):
    return np.vectorize(lambda v: v.replace(",", ".") if isinstance(v, str) else v,
                        otypes=[object])(cells)


def _labels(table: _Table, col: int) -> list[str]:
    names = []
    for i, row in enumerate(table.rows):
        v = row[col]
        if _is_blank(v):
            raise ValueError(f"{table.where}, {table.cell_name(i, col)}: the label is empty"
                             f"{table.suffix(i, col)}. Every row needs a label.")
        if isinstance(v, float) and math.isnan(v):
            raise ValueError(f"{table.where}, {table.cell_name(i, col)}: the label is NaN.")
        names.append(class_name(v))
    return names


def _label_index(label_column, header, n_cols, where) -> int:
    if label_column is None:
        return n_cols - 1
    wanted = str(label_column).strip()
    if header is not None:
        if wanted in header:
            return header.index(wanted)
        folded = [h.lower() for h in header]
        if folded.count(wanted.lower()) == 1:
            return folded.index(wanted.lower())
    if wanted.lower() in ("first", "last"):
        return 0 if wanted.lower() == "first" else n_cols - 1
    try:
        position = int(wanted)
    except ValueError:
        position = None
    if position is not None and 1 <= abs(position) <= n_cols:
        return position - 1 if position > 0 else n_cols + position
    if header is not None:
        listed = ", ".join(f'"{h}"' for h in header[:_MAX_LISTED])
        more = f" and {len(header) - _MAX_LISTED} more" if len(header) > _MAX_LISTED else ""
        raise ValueError(f'{where} has no column "{wanted}". Its columns are: {listed}{more}.')
    raise ValueError(f'{where} has no header row, so there is no column named "{wanted}". '
                     f"Give the label column by position, 1 to {n_cols} (or first/last).")


def _from_table(table: _Table, label_column, name) -> Dataset:
    """Single-table layout: features plus one label column."""
    header = _split_header(table, "data rows")
    n_cols = len(table.rows[0])
    label = _label_index(label_column, header, n_cols, table.where)
    if n_cols < 2:
        raise ValueError(f"{table.where} has only one column (the labels): there are no "
                         "feature columns. Put the features in columns next to the labels.")
    if len(table.rows) < 2:
        raise ValueError(f"{table.where} has only one data row; at least two samples of two "
                         "different classes are needed.")
    columns = [j for j in range(n_cols) if j != label]
    X = _to_matrix(table, columns)
    labels = _labels(table, label)
    feature_names = None if header is None else [header[j] or f"column {j + 1}" for j in columns]
    return _finish(X, labels, name, feature_names, table.notes, table.where)


def _finish(X, labels, name, feature_names, notes, where) -> Dataset:
    if len(set(labels)) < 2:
        raise ValueError(f"{where}: every row has the same label ({labels[0]!r}); a classifier "
                         "needs at least two classes.")
    return Dataset.from_labels(X, labels, name=name, feature_names=feature_names,
                               image=detect_image_geometry(X), notes=list(notes))


# ---------------------------------------------------------------------------------------------
# Excel


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
            # skip_empty_area=False: the first row is sheet row 1, as messages count them.
            return self._book.get_sheet_by_name(sheet).to_python(skip_empty_area=False)
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


def _open_book(path, engine=None):
    """calamine when installed (fast), else openpyxl; ``engine`` forces one (tests)."""
    engine = engine or EXCEL_ENGINE
    if engine is None:
        engine = "calamine" if importlib.util.find_spec("python_calamine") else "openpyxl"
    return _CalamineBook(path) if engine == "calamine" else _OpenpyxlBook(path)


def _describe_error(e) -> str:
    chain = e
    while chain is not None:   # openpyxl wraps parser errors in its own
        if type(chain).__name__ in ("EntitiesForbidden", "DTDForbidden",
                                    "ExternalReferenceForbidden"):
            return ("it contains XML entity definitions, which spreadsheets never do "
                    "(refused as unsafe).")
        chain = chain.__cause__ or chain.__context__
    return f"{type(e).__name__}: {e}"


def _find_sheet(book, wanted):
    names = book.sheetnames
    if wanted in names:
        return wanted
    folded = [n for n in names if n.strip().lower() == str(wanted).strip().lower()]
    if len(folded) == 1:
        return folded[0]
    listed = ", ".join(f'"{n}"' for n in names)
    raise ValueError(f'The workbook has no sheet named "{wanted}". Its sheets are: {listed}.')


def _has_sheet(book, wanted) -> bool:
    return any(n.strip().lower() == wanted.lower() for n in book.sheetnames)


def _read_sheet(book, path, sheet) -> _Table:
    raw = book.rows(sheet)
    rows, numbers = _normalise(raw, range(1, len(raw) + 1))
    return _Table(where=f'Sheet "{sheet}"', rows=rows, row_numbers=numbers, excel=True,
                  explain_empty=lambda r, c: _explain_empty(path, sheet, r, c))


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
            return (f"the cell holds a formula ({_shorten(value)}) with no saved result. Open "
                    "the file in Excel or LibreOffice, let it recalculate and save it again, "
                    "or save it as .csv")
        if data_only and isinstance(value, str) and value.strip().upper() in _EXCEL_ERRORS:
            return f"the cell holds the spreadsheet error {value.strip()}, not a number"
    return None


_MERGE_CELL = re.compile(rb"<(?:\w+:)?mergeCell\b[^>]*?\bref=\"([A-Za-z]{1,3}\d{1,7}):([A-Za-z]{1,3}\d{1,7})\"")


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


def _load_workbook(path, x_sheet, y_sheet, label_column, name, engine=None) -> Dataset:
    if y_sheet is not None and label_column is not None:
        raise ValueError("Give either a y sheet (labels on their own sheet) or a label column "
                         "(labels inside the feature sheet), not both.")
    wb = _open_book(path, engine)
    try:
        if not wb.sheetnames:
            raise ValueError("The workbook has no sheets.")
        two_sheets = y_sheet is not None or (
            label_column is None and _has_sheet(wb, "y")
            and (x_sheet is not None or _has_sheet(wb, "X")))
        if two_sheets:
            x_name, y_name = _find_sheet(wb, x_sheet or "X"), _find_sheet(wb, y_sheet or "y")
            if x_name == y_name:
                raise ValueError(f'The X and y sheets are the same sheet ("{x_name}").')
            return _from_sheets(_read_sheet(wb, path, x_name), _read_sheet(wb, path, y_name),
                                name)
        sheet = _find_sheet(wb, x_sheet) if x_sheet is not None else wb.sheetnames[0]
        return _from_table(_read_sheet(wb, path, sheet), label_column, name)
    finally:
        wb.close()


def _from_sheets(xt: _Table, yt: _Table, name) -> Dataset:
    """Tutorial layout: features on one sheet, labels on another, matched by row."""
    for t in (xt, yt):
        if not t.rows:
            raise ValueError(f"{t.where} is empty.")
    notes = []
    dropped = {}
    for t in (xt, yt):
        if _has_header(t):
            dropped[t.where] = _drop_header(t)
            notes.append(f"{t.where}: dropped a header row ({_shorten(', '.join(dropped[t.where]))}).")
    if len(yt.rows[0]) != 1:
        raise ValueError(f"{yt.where} has {len(yt.rows[0])} columns; it should hold one column "
                         "of labels, one per row of the feature sheet.")
    n_x, n_y = len(xt.rows), len(yt.rows)
    if n_y == n_x + 1 and yt.where not in dropped:
        first = yt.rows[0][0]
        if sum(1 for r in yt.rows if r[0] == first) == 1 and isinstance(first, str):
            dropped[yt.where] = _drop_header(yt)
            notes.append(f'{yt.where}: dropped a header row ("{_shorten(str(first))}").')
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
    X = _to_matrix(xt, list(range(len(xt.rows[0]))))
    labels = _labels(yt, 0)
    return _finish(X, labels, name, None, notes + xt.notes, yt.where)


# ---------------------------------------------------------------------------------------------
# CSV


def _load_csv(path, label_column, name) -> Dataset:
    table = _read_csv(path)
    return _from_table(table, label_column, name)


def _read_csv(path) -> _Table:
    raw = path.read_bytes()
    if not raw.strip():
        raise ValueError("The file is empty.")
    what = safety.describe_bytes(raw[:16])
    if what == "a zip archive":
        raise ValueError("This looks like an Excel workbook (a zip archive) with a .csv name. "
                         "Rename it to .xlsx, or save it from Excel as CSV.")
    if what is not None:
        raise ValueError(f"This is not a CSV text file: it looks like {what}.")
    text, notes = _decode(raw)
    delimiter = _sniff_delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows, numbers = [], []
    try:
        for record in reader:
            if record and not all(not f.strip() for f in record):
                rows.append(record)
                numbers.append(reader.line_num)
    except csv.Error as e:
        raise ValueError(f"The CSV file could not be read near line {reader.line_num}: {e}.") \
            from None
    rows = _check_ragged(rows, numbers, delimiter)
    rows, numbers = _normalise(rows, numbers)
    return _Table(where="The CSV file", rows=rows, row_numbers=numbers,
                  decimal_comma=delimiter in ";\t", notes=notes)


def _decode(raw: bytes):
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return raw.decode("utf-16"), []   # Excel's "Unicode text"
    if b"\x00" in raw[:4096]:
        raise ValueError("This is not a CSV text file: it contains binary data.")
    try:
        return raw.decode("utf-8-sig"), []
    except UnicodeDecodeError:
        pass
    for encoding, label in (("cp1252", "Windows-1252"), ("latin-1", "Latin-1")):
        try:
            return raw.decode(encoding), [f"The file is not UTF-8; it was read as {label}."]
        except UnicodeDecodeError:
            continue
    raise AssertionError("latin-1 decodes any bytes")


def _sniff_delimiter(text: str) -> str:
    """The delimiter that splits the first lines into the same number (>1) of fields."""
    lines = [line for line in text.splitlines()[:50] if line.strip()]
    consistent, widest = {}, {}
    for d in _DELIMITERS:
        counts = [len(next(csv.reader([line], delimiter=d))) for line in lines]
        widest[d] = counts[0]
        if counts[0] > 1 and len(set(counts)) == 1:
            consistent[d] = counts[0]
    for d in ("\t", ";", ",", "|"):   # ';' with decimal commas also splits evenly on ','
        if d in consistent:
            return d
    best = max(widest, key=lambda d: widest[d])
    return best if widest[best] > 1 else ","


def _check_ragged(rows, numbers, delimiter):
    if not rows:
        return rows
    width = len(rows[0])
    if all(len(r) == width for r in rows):
        return rows
    # Trailing delimiters on some lines only ("1,2,3,") are harmless: strip empty tails.
    stripped = [_strip_tail(r) for r in rows]
    width = len(stripped[0])
    for r, n in zip(stripped, numbers):
        if len(r) != width:
            raise ValueError(f"The CSV file, row {n} has {len(r)} fields but row {numbers[0]} "
                             f"has {width} (fields separated by {_DELIMITERS[delimiter]}). "
                             "Every row needs the same number of values.")
    return stripped


def _strip_tail(record):
    end = len(record)
    while end and not record[end - 1].strip():
        end -= 1
    return record[:end]
