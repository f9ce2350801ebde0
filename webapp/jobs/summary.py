"""The result a training process hands back with its model: the numbers of fit's result and
the evaluated rows with their predictions, JSON-ready, as the server stores them for the run's
report (``webapp.services.reports``).

Computed in the training process, where the model and the dataset already are: the server
then needs neither to predict nor to load the dataset to store a result. That includes which
columns the model leans on (``importance``, ``nncore.importance``: a few seconds at most).
"""
import numpy as np

from nncore.importance import model_importance
from nncore.nn.metrics import (
    balanced_accuracy, confusion_matrix, majority_baseline, majority_is_high,
)


def _as_indices(predictions, classes):
    """Predictions as class indices, whether nncore gave indices or label strings."""
    predictions = list(predictions)
    if predictions and isinstance(predictions[0], str):
        position = {c: i for i, c in enumerate(classes)}
        return np.asarray([position[p] for p in predictions], dtype=np.int64)
    return np.asarray(predictions, dtype=np.int64)


#: what a regression run reports besides the figures every run has (label units)
REGRESSION_KEYS = ("train_r2", "val_r2", "train_mae", "val_mae", "train_rmse", "val_rmse",
                   "baseline", "target_transform")


def _plain(summary):
    return {k: (float(v) if isinstance(v, np.floating) else v) for k, v in summary.items()}


def _common(result, evaluated_on, indices):
    history = result.get("history") or {}
    summary = {key: result.get(key) for key in
               ("train_accuracy", "val_accuracy", "final_cost", "seconds", "epochs",
                "refit_epochs", "l2_choice")}
    summary.update({"task": result.get("task") or "classification",
                    "stopped": history.get("stopped"),
                    "best_epoch": history.get("best_epoch"),
                    "averaged_epochs": history.get("averaged_epochs"),
                    "evaluated_on": evaluated_on, "indices": indices})
    if result.get("auto"):      # an auto run: the leaderboard and the kept settings
        summary["auto"] = result["auto"]
    return summary


def _importance(model, dataset, indices, result=None):
    """``nncore.importance.model_importance`` on the evaluated rows, seeded by the run's seed
    (a rerun shows the same bars); None for pictures, or when the model reads its rows
    otherwise than the dataset's encoding says. A refit run's comes with its result: ``fit``
    measured it with the first network, before the refit trained on those rows."""
    if result is not None and "importance" in result:
        return result["importance"]
    rng = np.random.default_rng((model.config or {}).get("seed") or 0)
    try:
        return model_importance(model, dataset, indices, rng)
    except ValueError:
        return None


def _imbalance(dataset, indices, predictions):
    """Balanced accuracy of the evaluated rows, and the baseline of always answering the
    training rows' majority class: ``{"class", "accuracy", "high"}`` (``high``: worth showing
    as the baseline to beat, ``nncore.nn.metrics.majority_is_high``)."""
    y_eval = dataset.y[indices]
    trained_on = np.setdiff1d(np.arange(dataset.n_samples), indices)
    if not len(trained_on):
        trained_on = indices
    majority, share = majority_baseline(dataset.y[trained_on], y_eval, len(dataset.classes))
    return {"balanced_accuracy": balanced_accuracy(y_eval, predictions),
            "majority": {"class": dataset.classes[majority], "accuracy": share,
                         "high": majority_is_high(share, len(dataset.classes))}}


def regression_summary(model, dataset, result):
    """A regression run's result: R², MAE and RMSE (label units) beside the baseline of always
    predicting the training mean, and each evaluated row's predicted number (no confusion
    matrix: there are no classes)."""
    indices = [int(i) for i in (result.get("val_indices") or [])]
    if indices:
        predictions = np.asarray(result.get("val_predictions") or [], dtype=np.float64)
        evaluated_on = "validation"
    else:
        indices = list(range(dataset.n_samples))
        predictions = np.asarray(model.predict_values(dataset.X), dtype=np.float64)
        evaluated_on = "training"
    summary = _common(result, evaluated_on, indices)
    summary.update({key: result.get(key) for key in REGRESSION_KEYS})
    summary["predictions"] = [float(p) for p in predictions.ravel()]
    summary["importance"] = _importance(model, dataset, indices, result)
    return _plain(summary)


def result_summary(model, dataset, result):
    """The run's result JSON from ``fit``'s result dict (JSON-ready).

    The report is computed on the validation rows, or on the training rows when the run had
    no validation split.
    """
    if dataset.task == "regression":
        return regression_summary(model, dataset, result)
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
    summary = _common(result, evaluated_on, indices)
    summary.update({"predictions": predictions.tolist(),
                    "confusion_matrix": np.asarray(matrix).astype(int).tolist(),
                    "importance": _importance(model, dataset, indices, result)})
    imbalance = _imbalance(dataset, indices, predictions)
    summary["majority"] = imbalance["majority"]
    summary["val_balanced_accuracy"] = (imbalance["balanced_accuracy"]
                                        if evaluated_on == "validation" else None)
    return _plain(summary)
