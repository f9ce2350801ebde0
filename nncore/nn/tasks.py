"""What the training loop measures for each task: classes or numbers to predict.

``training.train`` gathers each batch's targets from a table by row index: row ``c`` of a
classifier's table is the target of class ``c`` (one-hot), so its "indices" are the class
labels; a regression's table is the target matrix itself and its indices are ``0..n-1``.  The
loop is the same for both; a task object says what differs:

* ``targets(network, y, n_rows, name)`` -> ``(index, table)``, with ``table[index]`` the
  (n, k) target rows; ``ValueError`` for labels or numbers that do not fit;
* ``chance_cost(network, table)``: the cost of a network that has learned nothing (the
  divergence check compares against it): ``log k`` for softmax, ``k log 2`` for sigmoid
  outputs, half the targets' variance (summed over output units) for a linear output, what
  always predicting the mean costs;
* ``scores(network, P, index, table)`` -> ``{figure: value}`` for the history, measured on
  outputs ``P`` (n, k): classification ``accuracy``; regression ``r2``, ``mae`` and
  ``rmse`` in the label's units (``inverse`` maps the network's numbers back to them) with
  ``accuracy`` None.

``TASKS`` holds the default objects by the names the UI sends; ``get_task`` also takes a ready
object, e.g. ``Regression(inverse=transform.inverse)``.
"""

import math

import numpy as np

from nncore.nn.metrics import mae, r2, rmse

__all__ = ["Classification", "Regression", "TASKS", "get_task", "smoothed_targets"]


class Classification:
    """Class indices as labels; the history's figure is the accuracy."""

    name = "classification"
    figures = ("accuracy",)
    cost_name = "cross-entropy"

    def targets(self, network, y, n_rows, name):
        y = np.asarray(y)
        n_classes = network.n_classes
        if y.ndim != 1 or y.shape[0] != n_rows:
            raise ValueError(f"{name} must be a 1-d array of {n_rows} class indices, "
                             f"got shape {y.shape}")
        if y.size and not np.issubdtype(y.dtype, np.integer):
            if not np.all(np.equal(np.mod(y, 1), 0)):
                raise ValueError(f"{name} must hold integer class indices")
        y = y.astype(np.intp)
        if y.size and (y.min() < 0 or y.max() >= n_classes):
            raise ValueError(f"{name} must hold class indices in 0..{n_classes - 1}")
        return y, network.target_table()

    def chance_cost(self, network, table):
        """Cross-entropy of a network that outputs 'no idea' (uniform / 0.5) for every row."""
        k = network.layer_sizes[-1]
        return math.log(k) if network.output_layer.name == "softmax" else k * math.log(2.0)

    def scores(self, network, P, index, table):
        hits = np.count_nonzero(network.classes_from_proba(P) == index)
        return {"accuracy": int(hits) / len(index)}

    def __repr__(self):
        return "Classification()"


class Regression:
    """Numbers as targets, (n,) or (n, k); the history's figures are R², MAE and RMSE.

    Parameters
    ----------
    inverse : callable, optional
        ``inverse(values)`` maps the network's numbers (n,) or (n, k) to the label's units
        (e.g. ``TargetTransform.inverse``); the figures are measured there.  ``None``: the
        network's own units.
    """

    name = "regression"
    figures = ("accuracy", "r2", "mae", "rmse")
    cost_name = "squared error"

    def __init__(self, inverse=None):
        self.inverse = inverse

    def targets(self, network, y, n_rows, name):
        if network.output_layer.task != "regression":
            raise ValueError(f"regression needs output='linear', not {network.output_layer.name!r}")
        Y = np.asarray(y, dtype=np.float64)
        if Y.ndim == 0 or Y.shape[0] != n_rows:
            raise ValueError(f"{name} must hold {n_rows} target numbers, got shape {Y.shape}")
        if not np.all(np.isfinite(Y)):
            raise ValueError(f"{name} must hold finite numbers (found NaN or infinity)")
        return np.arange(n_rows), network.targets(Y)

    def chance_cost(self, network, table):
        """Half the squared error of always predicting the targets' mean: half their variance."""
        return 0.5 * float(np.var(table, axis=0, dtype=np.float64).sum()) if len(table) else 0.0

    def scores(self, network, P, index, table):
        true, predicted = table[index], P
        if true.shape[1] == 1:
            true, predicted = true[:, 0], predicted[:, 0]
        if self.inverse is not None:
            true, predicted = self.inverse(true), self.inverse(predicted)
        return {"accuracy": None, "r2": r2(true, predicted), "mae": mae(true, predicted),
                "rmse": rmse(true, predicted)}

    def __repr__(self):
        return f"Regression(inverse={self.inverse!r})"


TASKS = {"classification": Classification(), "regression": Regression()}


def smoothed_targets(network, table, epsilon, task):
    """Label smoothing (Szegedy et al., 2016, "Rethinking the Inception architecture"; one of
    RealMLP's defaults, Holzmüller et al., 2024): the target rows ``(1 - epsilon) t + epsilon /
    k``, k the classes a softmax chooses among (2 for each yes/no sigmoid unit).

    The cross-entropy against them is the plain one plus ``epsilon`` times a pull of every
    output towards 1/k, so a network stops pushing its logits apart once a row is learned:
    confident mistakes cost less and the probabilities stay calibrated. With a softmax (or
    sigmoid) output and cross-entropy the output delta is still ``P - target``: only the
    table changes, back-propagation does not.
    """
    epsilon = float(epsilon)
    if not 0.0 <= epsilon < 0.5:
        raise ValueError(f"label_smoothing must be at least 0 and below 0.5, got {epsilon:g}")
    if get_task(task).name != "classification":
        raise ValueError("label smoothing is for classes: a number to predict has no classes "
                         "to smooth")
    k = table.shape[1] if network.output_layer.name == "softmax" else 2
    return ((1.0 - epsilon) * table + epsilon / k).astype(table.dtype)


def get_task(task):
    """A task object: one of ``TASKS`` by name, or ``task`` itself when it is one already."""
    if isinstance(task, (Classification, Regression)):
        return task
    if task not in TASKS:
        raise ValueError(f"unknown task {task!r}; valid tasks: {', '.join(TASKS)}")
    return TASKS[task]
