"""The figures a person wants of a trained network: accuracy or R², on both sides of the split.

``FIGURES[task](network, rows, dataset, target)`` is ``fit``'s figures stage (``fitting.py``):
``rows`` a ``fitting.Rows`` (scaled training and validation rows, their indices), ``target``
a ``fitting.Target`` (what the outputs stand for). Only the dataset's own rows are measured
(extra training rows such as pen digits are left out), and the validation side is what the
network never learned from. ``validation_score`` is the one number that ranks networks
trained on the same split, and ``choose_l2`` keeps the best of a run's candidates by it.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from nncore.nn.metrics import accuracy, balanced_accuracy, confusion_matrix, mae, r2, rmse


def classification_figures(network, rows, dataset, target) -> dict:
    """Accuracy on both sides, the validation balanced accuracy (mean per-class recall, None
    without validation rows), the validation predictions and the confusion matrix.

    About the dataset's own rows only (extra training rows are left out). ``val_predictions``
    are class indices in the order of ``rows.val_idx``; ``confusion_matrix`` (k, k) counts the
    validation rows, or the training rows when there is no validation set.
    """
    n_classes = target.n_outputs
    X_train, y_train = rows.X_train[:rows.n_own], rows.y_train[:rows.n_own]
    train_pred = network.predict(X_train)
    val_pred = network.predict(rows.X_val) if rows.X_val is not None else None
    cm = (confusion_matrix(rows.y_val, val_pred, n_classes) if val_pred is not None
          else confusion_matrix(y_train, train_pred, n_classes))
    return {
        "task": "classification",
        "train_accuracy": float(accuracy(y_train, train_pred)),
        "val_accuracy": float(accuracy(rows.y_val, val_pred)) if val_pred is not None else None,
        "val_balanced_accuracy": (balanced_accuracy(rows.y_val, val_pred)
                                  if val_pred is not None else None),
        "val_predictions": [int(p) for p in val_pred] if val_pred is not None else [],
        "confusion_matrix": np.asarray(cm).astype(int).tolist(),
    }


def regression_figures(network, rows, dataset, target) -> dict:
    """R², MAE and RMSE on both sides in the label's units, beside the mean's baseline.

    Predictions go through ``target.transform.inverse``; the true values are the dataset's
    own labels. ``baseline``: the validation figures of always predicting the training rows'
    mean (R² at or just under 0). ``val_predictions``: floats in label units in the order of
    ``rows.val_idx``. Every ``val_*`` is None without validation rows.
    """
    y_train = dataset.y[rows.train_idx].astype(np.float64)
    train = number_scores(y_train, target.transform.inverse(
        network.predict_values(rows.X_train[:rows.n_own])))
    has_val = rows.X_val is not None
    y_val = dataset.y[rows.val_idx].astype(np.float64) if has_val else None
    val_pred = target.transform.inverse(network.predict_values(rows.X_val)) if has_val else None
    val = number_scores(y_val, val_pred) if has_val else dict.fromkeys(train)
    base = (number_scores(y_val, np.full(len(y_val), y_train.mean())) if has_val
            else dict.fromkeys(train))
    return {
        "task": "regression", "output": target.output,
        "train_accuracy": None, "val_accuracy": None,
        **{f"train_{k}": v for k, v in train.items()}, **{f"val_{k}": v for k, v in val.items()},
        "baseline": {f"val_{k}": v for k, v in base.items()},
        "val_predictions": [float(p) for p in val_pred] if has_val else [],
        "target_transform": target.transform.reason,
    }


def number_scores(y, predicted) -> dict:
    """``{"r2", "mae", "rmse"}`` of predictions ``predicted`` (n,) against labels ``y`` (n,)."""
    return {"r2": r2(y, predicted), "mae": mae(y, predicted), "rmse": rmse(y, predicted)}


#: the figures stage of each task: ``figures(network, rows, dataset, target) -> dict``
FIGURES = {"classification": classification_figures, "regression": regression_figures}


#: the validation figure that ranks runs of one task (higher is better): the L2 candidates
#: of a run (``choose_l2``) and an auto run's settings (``nncore.auto``)
SCORES = {"classification": "val_accuracy", "regression": "val_r2"}


def validation_score(figures) -> float | None:
    """The ``SCORES`` figure of a run's ``figures`` (or its result); None without
    validation rows."""
    return figures.get(SCORES[figures.get("task") or "classification"])


class Trained(NamedTuple):
    """A network trained on the training rows (``fitting.train_first``): its settings' L2,
    the model holding it, its history, seconds and validation figures."""
    l2: float
    model: object           # nncore.model.Model
    history: dict
    seconds: float
    figures: dict


def choose_l2(trained: list[Trained]) -> tuple[Trained, float]:
    """The candidate of ``trained`` (one per L2 strength, the settings' own first) with the
    best validation score (``figures.validation_score``: R² for numbers), and the seconds of
    all candidates.

    Why: the L2 penalty ``l2 / (2 n) sum W**2`` that suits a table depends on how much its
    columns say about the label and how many rows back them, which no rule of rows and
    columns predicts (on the selection set one table of numbers wanted 10, another 3 at
    most; bench/README.md). Choosing among a few strengths by the held-out fifth is the usual
    practice (a validation search; Hastie, Tibshirani & Friedman, *The Elements of
    Statistical Learning*, 7.10), and the refit that follows trains with the chosen strength
    on every row. A tie keeps the earlier (the settings' own). With several candidates the
    chosen one's figures get ``"l2_choice"``: the strengths tried, each with its validation
    score and epochs, and the chosen one.
    """
    best = max(trained, key=lambda t: _score(t.figures))      # max keeps the first of equals
    if len(trained) > 1:
        best.figures["l2_choice"] = {
            "chosen": best.l2,
            "tried": [{"l2": t.l2, "score": validation_score(t.figures),
                       "epochs": len(t.history["epoch"]),
                       "best_epoch": t.history.get("best_epoch")}
                      for t in trained]}
    return best, sum(t.seconds for t in trained)


def _score(figures) -> float:
    score = validation_score(figures)
    return -np.inf if score is None or not np.isfinite(score) else float(score)
