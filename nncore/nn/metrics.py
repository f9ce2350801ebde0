"""Classification metrics on integer class indices (``0..k-1``).

Only what training reports and the run pages show: accuracy and the confusion matrix.
"""

import numpy as np

__all__ = ["accuracy", "confusion_matrix"]


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
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    if y_true.shape != y_pred.shape:
        raise ValueError(f"y_true and y_pred differ in shape: {y_true.shape} vs {y_pred.shape}")
    if y_true.size == 0:
        return 0.0
    return float(np.count_nonzero(y_true == y_pred)) / y_true.size


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
