"""Corrections: a drawing the model read wrong, labelled by the user, kept for the next run.

On a completed run's page the user draws, sees the prediction and may say which class the
drawing really is. The drawing becomes the very feature row the network saw (the predict path,
``runs.drawing_features``: the model's geometry and drawing profile, the dataset's value range
and pixel order) and is appended with that label to a dataset DERIVED from the run's: source
``"corrections"``, ``parent_id`` the run's dataset, the parent's rows followed by the user's.
There is one per parent, created on first use; training on it learns from both. A run trained
on a corrections dataset adds to that same dataset (not to a derived one of its own).

Not here: storing arrays (``datasets.derive_with_rows`` / ``append_rows``), drawing -> row
(``nncore.digits.drawing``).
"""
import threading

import numpy as np

from nncore.data.images import ImageGeometry, from_images, to_images
from webapp.errors import BadRequest
from webapp.services import datasets, runs

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
    features, _, geometry = runs.drawing_features(model, summary, body)
    if features is None:
        raise BadRequest("the drawing is empty: draw the digit, then say which one it is")
    with _lock:
        if summary["source"] == "corrections":
            target_id = summary["id"]
        else:
            target_id = datasets.corrections_dataset_of(summary["id"])
        if target_id is None:
            target_id = datasets.derive_with_rows(summary["id"], features[None], [label])
        else:
            target = datasets.get_summary(target_id)
            row = in_geometry(features, geometry, ImageGeometry.from_dict(target["image"]))
            datasets.append_rows(target_id, np.asarray(row)[None], [label])
    target = datasets.get_summary(target_id)
    return {"dataset_id": target_id, "dataset_name": target["name"],
            "added_samples": target["added_samples"], "n_samples": target["n_samples"],
            "label": label, "display_label": target["display_names"].get(label, label)}
