"""An uploaded table file: parsed into a dataset, kept beside it, read again another way.

``create_from_upload`` parses the file that ``uploads`` received and stores the dataset; a
table whose cells are kept (``datasets.table_summary``'s ``roles_changeable``) keeps its file
too, as ``DATA_DIR/datasets/<id>.upload<ext>``, so that ``change_layout`` can read it again
with the header on another row or from another sheet of the workbook when
``nncore.data.header_rows`` guessed wrong. The new dataset replaces the old one only once it
is complete: a row or sheet that gives no table is refused with a 400 and changes nothing.
"""
import os
import re
from pathlib import Path

from nncore.data.loaders import load_dataset
from webapp.errors import BadRequest, Conflict
from webapp.services import loads
from webapp.services.datasets import (
    clean_name, committed_with, data_dir, default_display_names, get_row,
    get_summary, kept_upload, save_arrays, store_dataset, table_summary,
)
from webapp.stores import datasets as dataset_store

SAFE_SUFFIX = re.compile(r"\.[a-z0-9]{1,8}")
#: the form fields of an upload that say how to read it
READ_OPTIONS = ("x_sheet", "y_sheet", "label_column")


def _option(value, field):
    if value is None:
        return None
    value = value.strip()
    if len(value) > 100:
        raise BadRequest(f"{field} is too long (at most 100 characters)")
    return value or None


def header_row_option(value):
    """The ``header_row`` of a form or JSON body: a row number (0: no header), None: found."""
    if value is None or value == "":
        return None
    if isinstance(value, str) and value.strip().isdigit() and len(value.strip()) < 8:
        return int(value)
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 10**7:
        return value
    raise BadRequest("header_row must be a row number (1 for the first row, 0 for no header "
                     "row) or null to find it again")


def create_from_upload(received, x_sheet=None, y_sheet=None, label_column=None,
                       header_row=None, progress=None):
    """Parse an upload (``uploads.Received``, its file already on disk) and store it.

    ``progress(phase, fraction)`` hears how far the parser has read. The temporary file is
    kept beside the dataset (a table) or removed, whatever happens.
    """
    try:
        name = clean_name(received.filename)
        if not name:
            raise BadRequest("the uploaded file has no name")
        # The file on disk kept the extension (it tells the loader the format) when plain.
        if not SAFE_SUFFIX.fullmatch(Path(name).suffix.lower()) \
                or Path(received.path).suffix != Path(name).suffix.lower():
            raise BadRequest("unsupported file type: upload an Excel workbook (.xlsx, .xls, "
                             ".xlsb), a LibreOffice sheet (.ods) or a CSV file (.csv)")
        options = {"x_sheet": _option(x_sheet, "x_sheet"), "y_sheet": _option(y_sheet, "y_sheet"),
                   "label_column": _option(label_column, "label_column")}
        header_row = header_row_option(header_row)
        reported = None if progress is None else (lambda f: progress("reading rows", f))
        try:
            dataset = load_dataset(received.path, name=name, progress=reported,
                                   header_row=header_row, **options)
        except ValueError as exc:
            raise BadRequest(str(exc)) from exc
        dataset.name = name
        if progress is not None:
            progress("storing the dataset", None)
        dataset_id = store_dataset(dataset, "upload", upload=(received.path, options))
    finally:
        received.discard()
    return get_summary(dataset_id)


def change_layout(dataset_id, changes):
    """Read a table's kept upload again with ``changes["header_row"]`` (a row number, 0: no
    header, None: found again) and/or from ``changes["sheet"]`` (a sheet of the workbook;
    its header is found again unless given), and replace the dataset with what it gives.

    The label stays the column it was when the new header still names it; the column roles,
    the task and the class names start afresh (the columns may be others).
    """
    row = get_row(dataset_id)
    old = loads(row["summary"], {})
    path = kept_upload(dataset_id, old)
    if path is None or not path.is_file():
        raise Conflict("this dataset cannot be read again: its uploaded file was not kept "
                       "(it is not a table, or too large)")
    options = {k: old["upload"].get(k) for k in READ_OPTIONS}
    layout = old.get("layout") or {}
    if "sheet" in changes:
        options["x_sheet"] = _sheet(changes["sheet"], layout)
    elif layout.get("sheet"):
        options["x_sheet"] = layout["sheet"]
    header_row = header_row_option(changes.get("header_row"))
    dataset = _read_again(path, row["name"], options, header_row, _label_of(old))
    summary = table_summary(dataset)
    summary["upload"] = old["upload"]
    tmp = save_arrays(dataset)
    image = dataset.image.to_dict() if dataset.image is not None else None
    with committed_with(tmp):
        dataset_store.set_summary(dataset_id, summary,
                                  display_names=default_display_names(dataset.classes))
        dataset_store.set_image(dataset_id, image)
        os.replace(tmp, data_dir() / row["path"])


def _sheet(value, layout):
    sheets = layout.get("sheets") or []
    if not isinstance(value, str) or value not in sheets:
        listed = ", ".join(f'"{s}"' for s in sheets) or "none: the file is not a workbook"
        raise BadRequest(f"sheet must be one of the workbook's sheets ({listed})")
    return value


def _label_of(summary):
    return next((c["name"] for c in summary.get("columns") or [] if c.get("kind") == "label"),
                None)


def _read_again(path, name, options, header_row, label):
    """The dataset of the kept file; the label is ``label`` when that column is still there,
    else the one the upload named, else the default. 400 with the last reader's message."""
    tried = [label] if label is not None and options["y_sheet"] is None else []
    tried += [c for c in (options["label_column"], None) if c not in tried]
    for k, label_column in enumerate(tried):
        try:
            return load_dataset(path, name=name, header_row=header_row,
                                **{**options, "label_column": label_column})
        except ValueError as exc:
            if k == len(tried) - 1:
                raise BadRequest(str(exc)) from exc
    raise AssertionError("tried holds at least one label")
