"""What a finished run shows: confusion matrix, misclassified samples (pictures) or misread
rows (tables: their cells, most confident first), first-layer features; for a number to predict, the predicted-against-actual points and the rows with the largest errors.

The training process keeps the numbers and the evaluated rows' predictions in the run's result
JSON (``webapp.jobs.summary``); ``build_report`` turns that into the page's report on request
(pixels are computed then, with the dataset's current geometry).
"""
import numpy as np

from nncore.data.columns import is_blank_token
from nncore.data.images import to_images
from webapp.errors import Conflict
from webapp.services import datasets, loads, runs, samples

MAX_MISTAKES = 48
#: a table's misread rows shown (the most confident mistakes)
MAX_MISREAD_ROWS = 100
#: the scatter draws at most this many evaluated rows (an even sample of them)
MAX_POINTS = 2000
MAX_LARGEST_ERRORS = 12
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


def row_values(dataset_id, dataset, positions):
    """The table's cells (as written) of the dataset's rows ``positions``, label left out:
    the raw rows whose label is not blank, in order, are the dataset's rows. ``None`` each when
    the raw cells are not kept; the numbers the network read (``feature_names``) otherwise."""
    raw = datasets.raw_frame(dataset_id) if dataset.encoding is not None else None
    label = (dataset.encoding or {}).get("label")
    if raw is not None and label in raw.columns:
        kept = raw[~is_blank_token(raw[label])].drop(columns=[label])
        if len(kept) == dataset.n_samples:
            return [{c: str(v) for c, v in kept.iloc[int(i)].items()} for i in positions]
    names = dataset.feature_names or [f"x{j + 1}" for j in range(dataset.n_features)]
    return [{n: float(v) for n, v in zip(names, dataset.X[int(i)])} for i in positions]


def regression_report(row, result):
    """``{"task", "evaluated_on", "points": [[actual, predicted], ...], "largest_errors":
    [{"index", "values", "actual", "predicted", "error"}], "baseline", "val_rmse"}``, label
    units; ``error`` is predicted minus actual, the rows sorted by its size, largest first."""
    dataset = datasets.load(row["dataset_id"])
    indices = np.asarray(result["indices"], dtype=np.int64)
    predicted = np.asarray(result["predictions"], dtype=np.float64)
    actual = np.asarray(dataset.y, dtype=np.float64)[indices]
    shown = np.unique(np.linspace(0, len(indices) - 1, min(len(indices), MAX_POINTS)).astype(int))
    worst = np.argsort(-np.abs(predicted - actual), kind="stable")[:MAX_LARGEST_ERRORS]
    values = row_values(row["dataset_id"], dataset, indices[worst])
    largest = [{"index": int(indices[j]), "values": v, "actual": float(actual[j]),
                "predicted": float(predicted[j]), "error": float(predicted[j] - actual[j])}
               for j, v in zip(worst, values)]
    return {"task": "regression", "evaluated_on": result.get("evaluated_on"),
            "points": [[float(actual[j]), float(predicted[j])] for j in shown],
            "largest_errors": largest, "baseline": result.get("baseline"),
            "val_rmse": result.get("val_rmse")}


def misread_rows(row, dataset, indices, predictions, wrong):
    """A table's misread validation rows, most confident first: ``[{"index", "true",
    "predicted", "probability", "values"}]``, ``probability`` being what the model gave the
    class it answered and ``values`` the row's cells as in the file (label left out)."""
    if not len(wrong):
        return []
    rows = indices[wrong]
    probabilities = runs.load_model(row).predict_proba(dataset.X[rows])
    confidence = probabilities[np.arange(len(wrong)), predictions[wrong]]
    order = np.argsort(-confidence, kind="stable")[:MAX_MISREAD_ROWS]
    values = row_values(row["dataset_id"], dataset, rows[order])
    return [{"index": int(rows[j]), "true": dataset.classes[dataset.y[rows[j]]],
             "predicted": dataset.classes[predictions[wrong[j]]],
             "probability": float(confidence[j]), "values": v}
            for j, v in zip(order, values)]


def picture_mistakes(dataset, indices, predictions, wrong):
    """The first misclassified samples with their pixels (None without a picture geometry)."""
    wrong = wrong[:MAX_MISTAKES]
    geometry = dataset.image
    pixels = (samples.unit_pixels(dataset.X[indices[wrong]], geometry)
              if geometry is not None and len(wrong) else [None] * len(wrong))
    return [{"index": int(indices[j]), "true": dataset.classes[dataset.y[indices[j]]],
             "predicted": dataset.classes[predictions[j]], "pixels": p}
            for j, p in zip(wrong, pixels)]


def build_report(run_id):
    row = runs.completed_row(run_id)
    result = loads(row["result"], {})
    if result.get("task") == "regression" and "predictions" in result:
        return regression_report(row, result)
    if "confusion_matrix" not in result:
        raise Conflict(f"run {run_id} has no report")
    dataset = datasets.load(row["dataset_id"])
    indices = np.asarray(result["indices"], dtype=np.int64)
    predictions = np.asarray(result["predictions"], dtype=np.int64)
    wrong = np.flatnonzero(dataset.y[indices] != predictions)
    geometry = dataset.image
    if geometry is None:
        mistakes = misread_rows(row, dataset, indices, predictions, wrong)
    else:
        mistakes = picture_mistakes(dataset, indices, predictions, wrong)
    hidden = None
    if geometry is not None:
        hidden = _hidden_units(runs.load_model(row), geometry)
    return {"classes": dataset.classes, "evaluated_on": result.get("evaluated_on"),
            "confusion_matrix": result["confusion_matrix"], "mistakes": mistakes,
            "n_wrong": int(len(wrong)), "hidden_units": hidden}
