"""Read a labelled dataset from a workbook (.xlsx, .xls, .xlsb, .ods) or a CSV file, or the
built-in sample.

Layouts understood by ``load_dataset``:

* **Tutorial layout** (Andrew Ng's ``ex4``): an .xlsx with a sheet ``X`` (one sample per row,
  no header) and a sheet ``y`` (one label per row). Sheet names match case-insensitively;
  ``x_sheet``/``y_sheet`` name other sheets.
* **One table**: the first sheet (or ``x_sheet``) of a workbook, or a CSV file, holding feature
  columns plus one label column: ``label_column`` by header name, or by 1-based position
  (``"1"``, ``-1``, ``"first"``, ``"last"``); the last column by default.

A header row is recognised when the first row has text where the rows below have numbers, or
below titles and blank rows (``header_rows``: totals and notes below the data are skipped too).
Labels may be numbers or text; class names are kept as written (``3.0`` becomes ``"3"``).
Anything malformed raises ``ValueError`` with a message meant for the person who made the file:
it names the sheet, row and column. Repairs that were made (a stray header row dropped, a text
encoding guessed) are listed in ``Dataset.notes``.
"""
from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np

from nncore.data import format_checks, safety
from nncore.data.csvfiles import load_csv, read_csv
from nncore.data.dataset import Dataset
from nncore.data.images import ImageGeometry
from nncore.data.task import check_task
from nncore.data.tables import (
    Table, column_labels, drop_header, has_header, label_index, split_header, to_matrix,
)
from nncore.data.workbooks import find_sheet, has_sheet, load_workbook, open_book, read_sheet

EXCEL_EXTENSIONS = (".xlsx", ".xlsm")
# Read by python-calamine only (openpyxl reads neither).
CALAMINE_EXTENSIONS = (".xls", ".xlsb", ".ods")
WORKBOOK_EXTENSIONS = EXCEL_EXTENSIONS + CALAMINE_EXTENSIONS
CSV_EXTENSIONS = (".csv", ".tsv", ".txt")
SAMPLE_PATH = Path(__file__).resolve().parents[2] / "data" / "digits_sample.npz"


def load_dataset(path, *, x_sheet=None, y_sheet=None, label_column=None, name=None,
                 image="auto", progress=None, task=None, header_row=None) -> Dataset:
    """Load ``path`` (.xlsx/.xlsm/.xlsb/.xls, .ods or .csv/.tsv/.txt) into a Dataset;
    ValueError if malformed.

    ``image``: ``"auto"`` detects whether rows are pictures (``images.detect_image_geometry``);
    anything else overrides that as ``with_image`` does (``None``: not pictures; a dict such as
    ``{"order": "F", "vmin": 0, "vmax": 255}``; an ``ImageGeometry``). ``progress(fraction)``,
    when given, hears how much of a large CSV file has been read (0..1; None while that is
    not known). ``task``: ``"classification"`` or ``"regression"`` overrides what the label
    column suggests (``nncore.data.task.infer_task``, used when None; the X/y sheet layout
    is always classes). ``header_row``: the 1-based row of the file or sheet that holds the
    column names (0: none), instead of the one found (``header_rows``); its ``layout`` (a dict:
    header row, rows skipped, the sheet read and the workbook's sheets) says what was found.
    """
    check_task(task)
    dataset = _load_table_file(Path(path), x_sheet, y_sheet, label_column, name, progress, task,
                               header_row)
    return with_image(dataset, image)


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


def _load_table_file(path, x_sheet, y_sheet, label_column, name, progress=None,
                     task=None, header_row=None) -> Dataset:
    if not path.is_file():
        raise ValueError(f"No such file: {path.name}")
    name = path.name if name is None else name
    ext = path.suffix.lower()
    if ext in WORKBOOK_EXTENSIONS:
        check_workbook(path)
        return load_workbook(path, x_sheet, y_sheet, label_column, name, task=task,
                             header_row=header_row)
    if ext in CSV_EXTENSIONS:
        if x_sheet is not None or y_sheet is not None:
            raise ValueError("A CSV file has no sheets: x_sheet/y_sheet only apply to Excel "
                             "workbooks. Use label_column to pick the label column.")
        return load_csv(path, label_column, name, progress, task, header_row)
    shown = ext or "(no extension)"
    raise ValueError(f"Unsupported file type {shown}: upload an Excel workbook (.xlsx, .xls, "
                     ".xlsb), a LibreOffice sheet (.ods) or a CSV file (.csv).")


def check_workbook(path) -> None:
    """The pre-parse checks for a workbook, by what its bytes are (not only its name): the
    zip formats' archive and XML checks, the old binary format's size bounds."""
    safety.check_not_empty(path)
    with open(path, "rb") as f:
        head = f.read(16)
    ext = path.suffix.lower()
    if head.startswith(safety.OLE_MAGIC):
        format_checks.check_xls(path)
    elif ext == ".ods" or format_checks.is_ods(path):
        format_checks.check_ods(path)
    elif ext == ".xlsb":
        format_checks.check_xlsb(path)
    else:
        safety.check_xlsx(path)


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
        return _features_from(read_csv(path), None, n_features, label_column)
    if ext == ".npz":                           # a dataset saved like the built-in sample
        dataset = load_sample(path)
        if dataset.n_features != n_features:
            raise ValueError(f"The model expects {n_features} features per row, but {path.name} "
                             f"has {dataset.n_features}.")
        return dataset.X, [dataset.classes[i] for i in dataset.y]
    if ext not in WORKBOOK_EXTENSIONS:
        return load_dataset(path).X, None   # raises the unsupported-type message
    check_workbook(path)
    book = open_book(path)
    try:
        x_name = (find_sheet(book, x_sheet) if x_sheet is not None
                  else find_sheet(book, "X") if has_sheet(book, "X") else book.sheetnames[0])
        y_name = (find_sheet(book, y_sheet) if y_sheet is not None
                  else find_sheet(book, "y") if has_sheet(book, "y") else None)
        labels = None if y_name is None or y_name == x_name else read_sheet(book, path, y_name)
        return _features_from(read_sheet(book, path, x_name), labels, n_features, label_column)
    finally:
        book.close()


def _features_from(table: Table, label_table, n_features, label_column):
    header = split_header(table, "rows to predict")
    width = len(table.rows[0])
    if width == n_features and label_column is None:
        X = to_matrix(table, list(range(width)))
        if label_table is None or not label_table.rows:
            return X, None
        if has_header(label_table):
            drop_header(label_table)
        if len(label_table.rows) != len(table.rows):
            raise ValueError(f"{table.where} has {len(table.rows)} rows but {label_table.where} "
                             f"has {len(label_table.rows)} labels.")
        return X, column_labels(label_table, 0)
    if width == n_features + 1:
        label = label_index(label_column, header, width, table.where)
        X = to_matrix(table, [j for j in range(width) if j != label])
        return X, column_labels(table, label)
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
    return Dataset(X=X, y=y.astype(np.int64), classes=classes,
                   name=meta.get("name", path.name), image=image)
