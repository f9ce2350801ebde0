"""What a finished run shows: confusion matrix, misclassified samples, first-layer features.

``result_summary`` runs once, in the worker, when training completes: it keeps the numbers
and the evaluated rows' predictions in the run's result JSON. ``build_report`` turns that into
the page's report on request (pixels are computed then, with the dataset's current geometry).
"""
import numpy as np

from nncore.data.images import to_images
from nncore.nn.metrics import confusion_matrix
from webapp.errors import Conflict
from webapp.services import datasets, loads, runs, samples

MAX_MISTAKES = 48
MAX_HIDDEN_UNITS = 100


def _as_indices(predictions, classes):
    """Predictions as class indices, whether nncore gave indices or label strings."""
    predictions = list(predictions)
    if predictions and isinstance(predictions[0], str):
        position = {c: i for i, c in enumerate(classes)}
        return np.asarray([position[p] for p in predictions], dtype=np.int64)
    return np.asarray(predictions, dtype=np.int64)


def result_summary(model, dataset, result):
    """The run's result JSON from ``fit``'s result dict (JSON-ready).

    The report is computed on the validation rows, or on the training rows when the run had
    no validation split.
    """
    indices = [int(i) for i in (result.get("val_indices") or [])]
    if indices:
        predictions = _as_indices(result.get("val_predictions") or [], dataset.classes)
        evaluated_on = "validation"
    else:
        indices = list(range(dataset.n_samples))
        predictions = _as_indices(model.predict(dataset.X), dataset.classes)
        evaluated_on = "training"
    matrix = result.get("confusion_matrix")
    if matrix is None or evaluated_on == "training":
        matrix = confusion_matrix(dataset.y[indices], predictions, len(dataset.classes))
    summary = {key: result.get(key) for key in
               ("train_accuracy", "val_accuracy", "final_cost", "seconds", "epochs")}
    history = result.get("history") or {}
    summary.update({
        "stopped": history.get("stopped"),
        "best_epoch": history.get("best_epoch"),
        "averaged_epochs": history.get("averaged_epochs"),
        "evaluated_on": evaluated_on,
        "indices": indices,
        "predictions": predictions.tolist(),
        "confusion_matrix": np.asarray(matrix).astype(int).tolist(),
    })
    return {k: (float(v) if isinstance(v, np.floating) else v) for k, v in summary.items()}


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
