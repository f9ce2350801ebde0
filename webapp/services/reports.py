"""What a finished run shows: confusion matrix, misclassified samples, first-layer features.

The training process keeps the numbers and the evaluated rows' predictions in the run's result
JSON (``webapp.jobs.summary``); ``build_report`` turns that into the page's report on request
(pixels are computed then, with the dataset's current geometry).
"""
import numpy as np

from nncore.data.images import to_images
from webapp.errors import Conflict
from webapp.services import datasets, loads, runs, samples

MAX_MISTAKES = 48
MAX_HIDDEN_UNITS = 100


def _hidden_units(model, geometry):
    """Each column of W0 (one first-layer unit) as an image, scaled to 0..1 per unit.

    For a convolutional network the first layer is its kernels: column f of ``K0`` (k*k, F)
    holds filter f's weights in row-major (i, j) order, drawn as a k x k picture.
    """
    W0 = np.asarray(model.network.weights[0], dtype=np.float64)
    count = min(W0.shape[1], MAX_HIDDEN_UNITS)
    kernel = getattr(model.network, "kernel", None)
    if kernel is not None:
        units, height, width = W0.T[:count], kernel, kernel
    else:
        units = to_images(W0.T[:count], geometry).reshape(count, -1)
        height, width = geometry.height, geometry.width
    low = units.min(axis=1, keepdims=True)
    span = units.max(axis=1, keepdims=True) - low
    units = (units - low) / np.where(span > 0, span, 1.0)
    return {"height": height, "width": width,
            "units": [np.round(u, 3).tolist() for u in units]}


def build_report(run_id):
    row = runs.completed_row(run_id)
    result = loads(row["result"], {})
    if "confusion_matrix" not in result:
        raise Conflict(f"run {run_id} has no report")
    dataset = datasets.load(row["dataset_id"])
    indices = np.asarray(result["indices"], dtype=np.int64)
    predictions = np.asarray(result["predictions"], dtype=np.int64)
    wrong = np.flatnonzero(dataset.y[indices] != predictions)[:MAX_MISTAKES]
    geometry = dataset.image
    pixels = (samples.unit_pixels(dataset.X[indices[wrong]], geometry)
              if geometry is not None and len(wrong) else [None] * len(wrong))
    mistakes = [{"index": int(indices[j]), "true": dataset.classes[dataset.y[indices[j]]],
                 "predicted": dataset.classes[predictions[j]], "pixels": p}
                for j, p in zip(wrong, pixels)]
    hidden = None
    if geometry is not None:
        hidden = _hidden_units(runs.load_model(row), geometry)
    return {"classes": dataset.classes, "evaluated_on": result.get("evaluated_on"),
            "confusion_matrix": result["confusion_matrix"], "mistakes": mistakes,
            "hidden_units": hidden}
