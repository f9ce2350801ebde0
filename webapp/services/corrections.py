"""Corrections: a drawing the model read wrong, labelled by the user, kept for the next run.

On a completed run's page the user draws, sees the prediction and may say which class the
drawing really is. The drawing becomes the very feature row the network saw (the predict path,
``drawings.drawing_features``: the model's geometry and drawing profile, the dataset's value range
and pixel order) and is appended with that label to a dataset DERIVED from the run's: source
``"corrections"``, ``parent_id`` the run's dataset, the parent's rows followed by the user's.
There is one per parent, created on first use; training on it learns from both. A run trained
on a corrections dataset adds to that same dataset (not to a derived one of its own).

Not here: storing arrays (``derive_with_rows`` / ``append_rows``), drawing -> row
(``nncore.digits.drawing``).
"""
import os
import threading

import numpy as np

from nncore.data.dataset import Dataset
from nncore.data.images import ImageGeometry, from_images, to_images
from webapp.errors import BadRequest
from webapp.services import datasets, drawings, loads, runs
from webapp.services.datasets import (
    MAX_NAME_LENGTH, committed_with, data_dir, get_row, load, save_arrays, store_dataset,
)
from webapp.stores import datasets as dataset_store
from webapp.viewer import current_viewer

# Adding rewrites the dataset's file: one correction at a time, so none is lost and a parent
# never gets two derived datasets.
_lock = threading.Lock()


def _label(value, classes):
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str) or value not in classes:
        raise BadRequest(f"label must be one of the dataset's classes: {', '.join(classes)} "
                         f"(got {value!r})")
    return value


def in_geometry(row, source, target):
    """A feature row laid out and scaled for ``source`` (ImageGeometry) -> the same for ``target``.

    Needed only when someone changed the pixel order or value range of one of the two datasets
    since the derived one was made.
    """
    if source == target:
        return row
    picture = (to_images(row[None], source) - source.vmin) / (source.vmax - source.vmin)
    return from_images(target.vmin + (target.vmax - target.vmin) * picture, target)[0]


def add_correction(run_id, body):
    """Add the drawing in ``body`` with its right ``label`` to the run's corrections dataset.

    Parameters
    ----------
    run_id : int
        A completed run (409 otherwise).
    body : dict
        ``{"strokes", "width", "height", "line_width", "label"}``: the drawing as
        POST /api/runs/<id>/predict takes it and the class (as the dataset names it).

    Returns
    -------
    dict
        ``{"dataset_id", "dataset_name", "added_samples", "n_samples", "label",
        "display_label"}``.
    """
    if not isinstance(body, dict):
        raise BadRequest("request body must be a JSON object")
    run = runs.completed_row(run_id)
    model = runs.load_model(run)
    summary = datasets.get_summary(run["dataset_id"])
    label = _label(body.get("label"), summary["classes"])
    features, _, geometry = drawings.drawing_features(model, summary, body)
    if features is None:
        raise BadRequest("the drawing is empty: draw the digit, then say which one it is")
    with _lock:
        if summary["source"] == "corrections":
            target_id = summary["id"]
        else:
            target_id = dataset_store.corrections_of(summary["id"], current_viewer().id)
        if target_id is None:
            target_id = derive_with_rows(summary["id"], features[None], [label])
        else:
            target = datasets.get_summary(target_id)
            row = in_geometry(features, geometry, ImageGeometry.from_dict(target["image"]))
            append_rows(target_id, np.asarray(row)[None], [label])
    target = datasets.get_summary(target_id)
    return {"dataset_id": target_id, "dataset_name": target["name"],
            "added_samples": target["added_samples"], "n_samples": target["n_samples"],
            "label": label, "display_label": target["display_names"].get(label, label)}


# --- derived datasets: a parent's rows plus rows the user added --------------------------------

CORRECTIONS_SUFFIX = " + your corrections"


def _grown(dataset, X_new, labels, name=None):
    """``dataset`` with rows ``X_new`` (m, d) labelled ``labels`` (m class names) appended."""
    index = {c: i for i, c in enumerate(dataset.classes)}
    return Dataset(X=np.vstack([dataset.X, np.asarray(X_new, dtype=np.float64)]),
                   y=np.concatenate([dataset.y, [index[label] for label in labels]]).astype(np.int64),
                   classes=list(dataset.classes), name=name or dataset.name,
                   feature_names=dataset.feature_names, image=dataset.image,
                   encoding=dataset.encoding)


def derive_with_rows(parent_id, X_new, labels):
    """Create the corrections dataset of ``parent_id``: the parent's rows, then ``X_new``.

    It keeps the parent's class names, image geometry and display names; returns its id.
    """
    parent_row = get_row(parent_id)
    parent = load(parent_id)
    name = (parent_row["name"] or "dataset")[:MAX_NAME_LENGTH - len(CORRECTIONS_SUFFIX)]
    grown = _grown(parent, X_new, labels, name=name + CORRECTIONS_SUFFIX)
    return store_dataset(grown, "corrections", parent_id=parent_id,
                         display_names=loads(parent_row["display_names"], {}),
                         added_samples=len(X_new))


def append_rows(dataset_id, X_new, labels):
    """Add rows ``X_new`` (m, d) labelled ``labels`` to a stored dataset, in place.

    The file is rewritten (temporary file, then renamed over the old one, so a reader sees the
    old rows or the new ones, never half) and the summary, with its ``added_samples``, updated.
    """
    row = get_row(dataset_id)
    old = loads(row["summary"], {})
    grown = _grown(load(dataset_id), X_new, labels)
    summary = {**grown.summary(), "notes": old.get("notes", []),
               "added_samples": int(old.get("added_samples", 0)) + len(X_new)}
    tmp = save_arrays(grown)
    with committed_with(tmp):
        dataset_store.set_summary(dataset_id, summary)
        os.replace(tmp, data_dir() / row["path"])
