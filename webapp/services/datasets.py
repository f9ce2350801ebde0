"""Datasets: store uploads and the built-in sample, read and summarise them, delete them.

Arrays live in ``DATA_DIR/datasets/<id>.npz`` (``X``, ``y``, ``classes``, optional
``feature_names``; ``task`` = "regression" for a number to predict, whose ``y`` is float64), written once (to a temporary name, then moved into place) by
``nncore.data.npzfiles`` with ``X`` in its narrowest exact dtype, and memory-mapped when read:
opening a dataset or starting a run never parses the upload again, nor copies ``X``. The image
geometry and display names live in the database so that the user can correct them without
rewriting the arrays.

Not here: changing a dataset (``dataset_edits``), its rows as pictures (``samples``), datasets
derived from a run's corrections (``corrections``), receiving the upload (``uploads``), parsing
it and reading it again (``upload_files``).
"""
import json
import logging
import os
import tempfile
import unicodedata
import zipfile
from contextlib import contextmanager
from pathlib import Path

import numpy as np
from flask import current_app

from nncore.data import npzfiles
from nncore.data.dataset import Dataset
from nncore.data.encoding import Encoding
from nncore.defaults import default_settings, own_network_defaults
from nncore.data.images import ImageGeometry
from webapp.db import transaction
from webapp.errors import ApiError, Conflict, NotFound
from webapp.services import (
    LRUCache, auto_runs, loads, prediction_folder, remove_folder_quietly, remove_quietly,
    run_snapshots,
    storage_error,
)
from webapp.stores import datasets as dataset_store
from webapp.stores import runs as run_store
from webapp.viewer import SYSTEM, current_viewer

MAX_NAME_LENGTH = 120
MAX_DISPLAY_NAME_LENGTH = 40

cache = LRUCache(2)
log = logging.getLogger(__name__)


# --- files -------------------------------------------------------------------------------------

def data_dir():
    return Path(current_app.config["DATA_DIR"])


def _compact(X):
    """Store X in the smallest dtype that holds it exactly (digits: uint8, 8x smaller)."""
    X = np.asarray(X)
    if X.dtype == np.uint8:
        return X
    if X.size:
        # One cast and one comparison (a tenth of the time of checking finiteness, roundness
        # and range one by one): NaN, inf and values outside 0..255 cast to something else.
        with np.errstate(invalid="ignore"):
            small = X.astype(np.uint8)
        if np.array_equal(small, X):
            return small
    with np.errstate(over="ignore"):     # beyond float32's range: inf, unequal, kept float64
        if np.array_equal(X.astype(np.float32).astype(X.dtype), X, equal_nan=True):
            return X.astype(np.float32)
    return X


def save_arrays(dataset):
    """Write the dataset's arrays to a temporary .npz under DATA_DIR/datasets; return its path."""
    folder = data_dir() / "datasets"
    folder.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".npz", dir=folder)
    regression = dataset.task == "regression"
    arrays = {
        "X": _compact(dataset.X),
        # a number to predict keeps its float64 values; classes are indices into "classes"
        "y": np.asarray(dataset.y, dtype=np.float64 if regression else np.int64),
        "classes": np.asarray([str(c) for c in dataset.classes], dtype=str),
    }
    if regression:          # absent: classification (every file written before regression)
        arrays["task"] = np.array(dataset.task)
    if dataset.feature_names:
        arrays["feature_names"] = np.asarray([str(n) for n in dataset.feature_names], dtype=str)
    if dataset.encoding is not None:       # JSON text: read back without pickle
        arrays["encoding"] = np.array(json.dumps(dataset.encoding))
    arrays.update(_raw_arrays(dataset))
    try:
        with os.fdopen(fd, "wb") as f:
            npzfiles.save(f, arrays)
    except OSError as exc:
        remove_quietly(tmp)
        raise storage_error(exc, "the dataset") from exc
    return tmp


#: tables up to this many cells keep their raw cells, so that column roles can be changed
MAX_RAW_CELLS = 5_000_000


def _raw_arrays(dataset):
    """A table's cells as read (text; blanks ""), for ``dataset_edits.change_roles``: ``raw_columns``,
    ``raw_rows`` (the file's row numbers) and ``raw_<j>`` per column. None for pictures."""
    raw = getattr(dataset, "raw", None)
    if raw is None or dataset.encoding is None or dataset.image is not None \
            or raw.size > MAX_RAW_CELLS:
        return {}
    arrays = {"raw_columns": np.asarray([str(c) for c in raw.columns], dtype=str),
              "raw_rows": np.asarray(raw.index, dtype=np.int64)}
    for j in range(raw.shape[1]):
        values = raw.iloc[:, j]
        arrays[f"raw_{j}"] = np.asarray(values.where(values.notna(), "").astype(str), dtype=str)
    return arrays


def raw_frame(dataset_id):
    """The stored raw cells of a table as a DataFrame of text, or None when not kept."""
    import pandas as pd

    path = data_dir() / get_row(dataset_id)["path"]
    try:
        with np.load(path, allow_pickle=False) as f:
            if "raw_columns" not in f:
                return None
            columns = [str(c) for c in f["raw_columns"]]
            data = {c: f[f"raw_{j}"].astype(object) for j, c in enumerate(columns)}
            index = f["raw_rows"]
    except (OSError, KeyError, ValueError) as exc:
        raise Conflict(f"the files of dataset {dataset_id} are missing or damaged") from exc
    return pd.DataFrame(data, index=index, columns=columns)


@contextmanager
def committed_with(tmp):
    """Commit the block's database writes together with its rename of ``tmp``, or undo both.

    Whatever fails (disk full included), the transaction is rolled back and the temporary file
    removed, so no half-written dataset is left behind.
    """
    try:
        with transaction():
            yield
    except OSError as exc:
        remove_quietly(tmp)
        raise storage_error(exc, "the dataset") from exc
    except BaseException:
        remove_quietly(tmp)
        raise


def default_display_names(classes):
    """Each class shown as itself, except the tutorial's convention: labels 1..10 with 10 for 0.

    Ng's digits (and MATLAB's 1-based indexing behind them) store the digit 0 as class "10";
    people drawing a zero expect to read "0", so that one label is shown as "0" by default
    (the name stays editable on the dataset page).
    """
    names = {str(c): str(c) for c in classes}
    if set(names) == {str(d) for d in range(1, 11)}:
        names["10"] = "0"
    return names


def store_dataset(dataset, source, parent_id=None, display_names=None, added_samples=None,
                  upload=None):
    """Save a parsed ``nncore.data.dataset.Dataset`` and register it; returns the new id.

    ``display_names`` defaults to each class shown as itself; ``added_samples`` (derived
    datasets) counts the rows added to the parent's and is kept in the summary. ``upload``
    (``(path, options)``: the uploaded file and how it was read) is kept beside a table whose
    cells are kept (``kept_upload``), so that it can be read again another way.
    """
    tmp = save_arrays(dataset)
    summary = table_summary(dataset)
    if added_samples is not None:
        summary["added_samples"] = int(added_samples)
    if upload is not None and summary["roles_changeable"]:
        summary["upload"] = {**upload[1], "suffix": Path(upload[0]).suffix}
    names = default_display_names(dataset.classes)
    names.update({c: n for c, n in (display_names or {}).items() if c in names})
    image = dataset.image.to_dict() if dataset.image is not None else None
    with committed_with(tmp):
        dataset_id = dataset_store.insert(dataset.name or "dataset", source, parent_id, summary,
                                          names, image,
                                          None if source == "builtin" else current_viewer().id)
        relative = f"datasets/{dataset_id}.npz"
        if "upload" in summary:
            os.replace(upload[0], kept_upload(dataset_id, summary))
        os.replace(tmp, data_dir() / relative)
        dataset_store.set_path(dataset_id, relative)
    return dataset_id


def kept_upload(dataset_id, summary):
    """The path of the uploaded file kept beside a dataset, or None when it was not kept."""
    upload = summary.get("upload")
    if upload is None:
        return None
    return data_dir() / "datasets" / f"{dataset_id}.upload{upload['suffix']}"


def table_summary(dataset):
    """``dataset.summary()`` plus what the pages need of a table: the try-a-row form's fields
    and the default run's settings with the one-line reason for them (for pictures also
    ``own_network``: the settings that replace them for a network of the user's own)."""
    summary = dataset.summary()
    summary["task_reason"] = getattr(dataset, "task_reason", None)
    if dataset.encoding is not None and dataset.image is None:
        summary["row_form"] = Encoding.from_dict(dataset.encoding).form()
    summary["roles_changeable"] = bool(_raw_arrays(dataset))
    summary["layout"] = getattr(dataset, "layout", None)
    settings, reason = default_settings(summary)
    summary["default_run"] = {"settings": settings, "reason": reason}
    if dataset.image is not None:
        # what the form switches to when the user chooses a network of their own
        summary["default_run"]["own_network"] = own_network_defaults(summary)
    return summary


def register_builtin_sample():
    """Register nncore's built-in digits sample once (idempotent)."""
    if dataset_store.has_builtin():
        return None
    from nncore.data.loaders import load_sample

    try:
        dataset = load_sample()
    except (OSError, ValueError, KeyError) as exc:
        log.warning("the built-in sample could not be loaded (%s); starting without it", exc)
        return None
    dataset.name = current_app.config["SAMPLE_NAME"]
    return store_dataset(dataset, "builtin")


# --- uploads -----------------------------------------------------------------------------------

def clean_name(filename):
    """A display name from an uploaded file name: no path, no control characters."""
    name = (filename or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if not unicodedata.category(ch).startswith("C"))
    return name.strip()[:MAX_NAME_LENGTH]


# --- reading -----------------------------------------------------------------------------------

def get_row(dataset_id):
    """The dataset's row if the viewer may see it; 404 otherwise (as for a missing id)."""
    row = dataset_store.get(dataset_id)
    if row is None:
        raise NotFound(f"dataset {dataset_id} not found")
    return row


def changeable_row(dataset_id):
    """The row of a dataset the viewer may change: their own; the shared sample (no owner)
    only for an admin (403 for others, who may still read it)."""
    row = get_row(dataset_id)
    if row["owner_id"] is None and not current_viewer().is_admin:
        raise ApiError("the built-in sample is shared: only an admin can change or delete it",
                       403)
    return row


def summarise(row):
    summary = loads(row["summary"], {})
    parent_samples = None
    if "added_samples" in summary:
        parent_samples = summary["n_samples"] - summary["added_samples"]
    elif row["parent_id"] is not None:
        parent = dataset_store.get(row["parent_id"], viewer=SYSTEM)   # its size only
        if parent is not None:
            parent_samples = loads(parent["summary"], {}).get("n_samples")
    n_samples = summary.get("n_samples")
    return {
        "id": row["id"],
        "name": row["name"],
        "n_samples": n_samples,
        "n_features": summary.get("n_features"),
        "task": summary.get("task", "classification"),
        "task_reason": summary.get("task_reason"),
        "target": summary.get("target"),
        "classes": summary.get("classes", []),
        "class_counts": summary.get("class_counts", {}),
        "display_names": loads(row["display_names"], {}),
        "feature_min": summary.get("feature_min"),
        "feature_max": summary.get("feature_max"),
        "image": loads(row["image"]),
        "notes": summary.get("notes", []),
        "columns": summary.get("columns"),
        "row_form": summary.get("row_form"),
        "default_run": summary.get("default_run"),
        "auto_run": auto_runs.dataset_plan(n_samples, current_app.config["LIMITS"],
                                           loads(row["image"])),
        "roles_changeable": bool(summary.get("roles_changeable")),
        "layout": summary.get("layout"),
        "layout_changeable": "upload" in summary,
        "source": row["source"],
        "parent_id": row["parent_id"],
        "added_samples": (n_samples - parent_samples) if parent_samples is not None else 0,
        "created_at": row["created_at"],
    }


def get_summary(dataset_id):
    return summarise(get_row(dataset_id))


def list_datasets():
    return [summarise(row) for row in dataset_store.rows()]


def load(dataset_id):
    """The stored dataset as an ``nncore.data.dataset.Dataset`` (cached; ``X`` as stored,
    memory-mapped read-only when large)."""
    row = get_row(dataset_id)
    path = data_dir() / row["path"]
    # Rows added to a dataset rewrite its file under the same name; its summary changes then.
    key = (str(path), row["image"], row["name"], row["summary"])
    cached = cache.get(key)
    if cached is not None:
        return cached
    try:
        f = npzfiles.load(path)
        task = str(f["task"]) if "task" in f else "classification"
        X, y = f["X"], f["y"].astype(np.float64 if task == "regression" else np.int64)
        classes = [str(c) for c in f["classes"]]
        feature_names = [str(n) for n in f["feature_names"]] if "feature_names" in f else None
        encoding = json.loads(str(f["encoding"])) if "encoding" in f else None
    except (OSError, KeyError, ValueError, zipfile.BadZipFile) as exc:
        raise Conflict(f"the files of dataset {dataset_id} are missing or damaged") from exc
    image = loads(row["image"])
    dataset = Dataset(X=X, y=y, classes=classes, name=row["name"], feature_names=feature_names,
                      image=ImageGeometry.from_dict(image) if image else None, encoding=encoding,
                      task=task)
    cache.put(key, dataset)
    return dataset


# --- changing ----------------------------------------------------------------------------------


def delete_dataset(dataset_id, jobs):
    """Delete a dataset together with its runs and their models (active runs stop: the
    server's own workers are told at once, remote ones find the run gone)."""
    row = changeable_row(dataset_id)
    for run_id, model_path in run_store.delete_for_dataset(dataset_id):
        jobs.cancel(run_id)
        remove_folder_quietly(prediction_folder(run_id))
        remove_folder_quietly(run_snapshots(run_id))
        if model_path:
            remove_quietly(data_dir() / model_path)
    with transaction():
        dataset_store.delete(dataset_id)
    remove_quietly(data_dir() / row["path"])
    upload = kept_upload(dataset_id, loads(row["summary"], {}))
    if upload is not None:
        remove_quietly(upload)


# --- derived datasets: a parent's rows plus rows the user added --------------------------------


# --- images ------------------------------------------------------------------------------------
