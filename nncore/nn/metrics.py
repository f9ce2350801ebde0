"""Metrics that training reports and the run pages show.

Classification, on integer class indices (``0..k-1``): accuracy, balanced accuracy, the
confusion matrix and the baseline of always answering the majority class::

    accuracy          = share of rows answered right
    balanced accuracy = (1/k') sum_c recall_c,   recall_c = right answers in class c / rows of c

over the k' classes present in ``y_true``: a table of 95% "No" answered "No" every time has
accuracy 0.95 but balanced accuracy 0.5, the score of a coin toss.
Regression, on numbers (in the label's units when the caller gives them so): ``r2``, ``mae``,
``rmse``::

    r2   = 1 - sum (y - p)**2 / sum (y - mean y)**2     1 perfect, 0 = predicting the mean
    mae  = mean |y - p|
    rmse = sqrt(mean (y - p)**2)
"""

import numpy as np

__all__ = ["accuracy", "balanced_accuracy", "confusion_matrix", "majority_baseline",
           "majority_is_high", "r2", "mae", "rmse"]


def _same_shape(y_true, y_pred):
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    if y_true.shape != y_pred.shape:
        raise ValueError(f"y_true and y_pred differ in shape: {y_true.shape} vs {y_pred.shape}")
    return y_true, y_pred


def accuracy(y_true, y_pred):
    """Fraction of rows whose predicted index equals the true one.

    Parameters
    ----------
    y_true, y_pred : array-like (n,) int

    Returns
    -------
    float
        In ``[0, 1]``; ``0.0`` for empty input.
    """
    y_true, y_pred = _same_shape(y_true, y_pred)
    if y_true.size == 0:
        return 0.0
    return float(np.count_nonzero(y_true == y_pred)) / y_true.size


def balanced_accuracy(y_true, y_pred):
    """Mean per-class recall over the classes present in ``y_true`` (scikit-learn's definition).

    Parameters
    ----------
    y_true, y_pred : array-like (n,), class indices (or names)

    Returns
    -------
    float
        In ``[0, 1]``; ``0.0`` for empty input. A class that never occurs in ``y_true`` has no
        recall and is left out of the mean (predicting it still lowers the others' recall).
    """
    y_true, y_pred = _same_shape(y_true, y_pred)
    if y_true.size == 0:
        return 0.0
    y_true, y_pred = y_true.ravel(), y_pred.ravel()
    classes, position = np.unique(y_true, return_inverse=True)
    rows = np.bincount(position, minlength=len(classes))
    right = np.bincount(position[y_true == y_pred], minlength=len(classes))
    return float(np.mean(right / rows))


def majority_baseline(y_train, y_eval, n_classes):
    """The classifier that always answers the training rows' most frequent class.

    Parameters
    ----------
    y_train : array-like (m,) int in ``0..n_classes-1``, the rows the class is counted on
    y_eval : array-like (n,) int, the rows it is scored on
    n_classes : int

    Returns
    -------
    (int, float)
        The class index (the lowest on a tie) and its accuracy on ``y_eval`` (0.0 when empty).
    """
    counts = np.bincount(np.asarray(y_train, dtype=np.int64).ravel(), minlength=n_classes)
    majority = int(np.argmax(counts))
    y_eval = np.asarray(y_eval, dtype=np.int64).ravel()
    return majority, (float(np.mean(y_eval == majority)) if y_eval.size else 0.0)


def majority_is_high(share, n_classes):
    """Whether always answering the majority scores high enough to be the baseline to beat.

    The rule: its ``share`` is at least halfway from an even share ``1/k`` to every row,
    ``share >= (1/k + 1) / 2``: 75% for two classes, 62.5% for four, 55% for ten. A balanced
    table's majority (share near ``1/k``) is not worth showing; a 95% class is.
    """
    if n_classes < 2:
        return False
    return share >= (1.0 / n_classes + 1.0) / 2


def confusion_matrix(y_true, y_pred, n_classes):
    """Counts of (true, predicted) pairs.

    Parameters
    ----------
    y_true, y_pred : array-like (n,) int in ``0..n_classes-1``
    n_classes : int

    Returns
    -------
    ndarray (n_classes, n_classes) int64
        ``C[i, j]`` = number of rows of true class ``i`` predicted as ``j`` (rows true, columns
        predicted); the diagonal holds the correct predictions.
    """
    y_true = np.asarray(y_true, dtype=np.int64).ravel()
    y_pred = np.asarray(y_pred, dtype=np.int64).ravel()
    if y_true.shape != y_pred.shape:
        raise ValueError(f"y_true and y_pred differ in shape: {y_true.shape} vs {y_pred.shape}")
    for name, y in (("y_true", y_true), ("y_pred", y_pred)):
        if y.size and (y.min() < 0 or y.max() >= n_classes):
            raise ValueError(f"{name} must hold indices in 0..{n_classes - 1}")
    # each (i, j) pair becomes the flat index i * k + j of the k x k matrix
    counts = np.bincount(y_true * n_classes + y_pred, minlength=n_classes * n_classes)
    return counts.reshape(n_classes, n_classes)


def _pair(y_true, y_pred):
    y_true = np.asarray(y_true, dtype=np.float64).ravel()
    y_pred = np.asarray(y_pred, dtype=np.float64).ravel()
    if y_true.shape != y_pred.shape:
        raise ValueError(f"y_true and y_pred differ in shape: {y_true.shape} vs {y_pred.shape}")
    return y_true, y_pred


def r2(y_true, y_pred):
    """Coefficient of determination ``1 - SS_res / SS_tot`` (float64, arrays flattened).

    Can be negative (worse than predicting the mean of ``y_true``).  When ``y_true`` is
    constant ``SS_tot = 0``: 1.0 for a perfect prediction, else 0.0 (scikit-learn's choice).
    ``nan`` for empty input.
    """
    y_true, y_pred = _pair(y_true, y_pred)
    if y_true.size == 0:
        return float("nan")
    ss_res = float(np.sum((y_true - y_pred) ** 2))
    ss_tot = float(np.sum((y_true - y_true.mean()) ** 2))
    if ss_tot == 0.0:
        return 1.0 if ss_res == 0.0 else 0.0
    return 1.0 - ss_res / ss_tot


def mae(y_true, y_pred):
    """Mean absolute error, a float in the units of ``y`` (``nan`` for empty input)."""
    y_true, y_pred = _pair(y_true, y_pred)
    return float(np.mean(np.abs(y_true - y_pred))) if y_true.size else float("nan")


def rmse(y_true, y_pred):
    """Root mean squared error, a float in the units of ``y`` (``nan`` for empty input)."""
    y_true, y_pred = _pair(y_true, y_pred)
    return float(np.sqrt(np.mean((y_true - y_pred) ** 2))) if y_true.size else float("nan")
