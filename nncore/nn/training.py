"""The training loop: epochs of (shuffled mini-batch) updates, history, callback, early stopping.

``train`` drives a ``Network`` with an optimiser from ``optimizers.py`` and returns its history as
JSON-ready lists (one entry per epoch) instead of printing; progress goes to an optional
``callback`` that may cancel by returning ``False``.  Splitting, scaling and class names are the
caller's business (``fit.py``); labels here are integer indices.

Per-epoch figures
-----------------
* ``cost`` is the regularised cost ``J`` averaged over the epoch's batches, each measured just
  before its update (for full-batch training this is exactly ``J`` at the epoch's start).  It
  costs nothing extra; a separate pass over the training set would add half an epoch of work.
* ``train_accuracy`` is measured the same way, on the batches as they were trained on (after
  ``augment``).
* ``val_cost`` / ``val_accuracy`` are measured on ``X_val`` after the epoch, with the same L2
  term as ``cost`` (penalty divided by the training-set size) so the two curves are comparable.
* ``seconds`` is the wall-clock time since ``train`` started, at the end of the epoch.

Divergence raises ``TrainingDiverged``: a non-finite cost (checked every batch), or an epoch's
cross-entropy above twice both chance level (``log k`` for softmax, ``k log 2`` for sigmoid
outputs, what a network that knows nothing scores) and the untrained network's first cost.
Bounded activations rarely overflow: a learning rate far too high instead drives the units into
saturation, where confident wrong answers cost far more than guessing.  Floating-point warnings are silenced inside the loop because divergence is
detected from the cost instead.
"""

import math
import time

import numpy as np

from nncore.nn.batches import BatchGatherer
from nncore.nn.optimizers import Optimizer, make_optimizer

__all__ = ["SCHEDULES", "TrainingDiverged", "train"]


class TrainingDiverged(ValueError):
    """The cost became NaN/inf or exploded: the learning rate is most likely too high."""


#: learning-rate schedules: ``factor(epoch, epochs)`` multiplies the optimiser's rate in that
#: epoch (epochs count from 1)
SCHEDULES = {
    "constant": lambda epoch, epochs: 1.0,
    "cosine": lambda epoch, epochs: 0.5 * (1.0 + math.cos(math.pi * (epoch - 1) / epochs)),
}


def _labels(y, n_rows, n_classes, name):
    y = np.asarray(y)
    if y.ndim != 1 or y.shape[0] != n_rows:
        raise ValueError(f"{name} must be a 1-d array of {n_rows} class indices, got shape {y.shape}")
    if y.size and not np.issubdtype(y.dtype, np.integer):
        if not np.all(np.equal(np.mod(y, 1), 0)):
            raise ValueError(f"{name} must hold integer class indices")
    y = y.astype(np.intp)
    if y.size and (y.min() < 0 or y.max() >= n_classes):
        raise ValueError(f"{name} must hold class indices in 0..{n_classes - 1}")
    return y


def _chance_cost(network):
    """Cross-entropy of a network that outputs 'no idea' (uniform / 0.5) for every row."""
    k = network.layer_sizes[-1]
    return math.log(k) if network.output == "softmax" else k * math.log(2.0)


def train(network, X, y, *, optimizer="adam", learning_rate=None, epochs=30, batch_size=None,
          l2=0.0, rng, X_val=None, y_val=None, patience=None, callback=None, augment=None,
          schedule="constant", average_last=0.0):
    """Train ``network`` in place and return its history.

    Parameters
    ----------
    network : Network
    X : array-like (n, layer_sizes[0])
        Training rows (cast once to the network's dtype).
    y : array-like (n,) int
        Class indices ``0..k-1``.
    optimizer : str or Optimizer
        A key of ``OPTIMIZERS`` or a ready optimiser instance.
    learning_rate : float, optional
        ``None`` uses the optimiser's default rate.
    epochs : int
        Passes over the training set.
    batch_size : int, optional
        Rows per update; ``None`` (or optimizer ``"gd"``) trains on the full batch.
    l2 : float
        L2 strength; the penalty is ``l2 / (2 n) * sum W**2`` with ``n = len(X)`` at every batch size.
    rng : numpy.random.Generator
        Shuffles the batches each epoch and is handed to ``augment``.
    X_val, y_val : array-like, optional
        Validation rows and labels, evaluated after every epoch.
    patience : int, optional
        Early stopping: stop after ``patience`` epochs without a lower ``val_cost`` and keep the
        weights of the best epoch (needs a validation set).
    callback : callable, optional
        ``callback(record)`` after each epoch, ``record`` a dict with ``epoch, cost, val_cost,
        train_accuracy, val_accuracy, seconds, epochs``; returning ``False`` cancels training.
    augment : callable, optional
        ``augment(X_batch, rng) -> X_batch`` applied to each training batch before its update.
    schedule : str
        Learning rate over the epochs, a key of ``SCHEDULES``: ``"constant"``, or ``"cosine"``
        (``lr * (1 + cos(pi * (e - 1) / E)) / 2`` in epoch ``e`` of ``E``: full at the start,
        near zero at the end, so the last epochs settle instead of jumping around).
    average_last : float
        Weight averaging: the share (0 to 1) of the final epochs whose end-of-epoch weights are
        averaged into the returned network, ``round(average_last * epochs)`` epochs (at least
        one when the share is above 0; 0 turns it off).  With a constant learning rate the
        weights keep moving around a good region from batch to batch; their mean lies nearer
        its centre and generalises better, like an ensemble of those networks at the cost of
        one (stochastic weight averaging, Izmailov et al. 2018).  Only when every epoch runs:
        a cancelled run keeps its last weights, early stopping its best ones.  The per-epoch
        history is of the weights as trained; ``averaged_epochs`` says which were averaged.

    Returns
    -------
    dict
        ``epoch, cost, val_cost, train_accuracy, val_accuracy, seconds``: lists with one Python
        number per epoch (val lists hold ``None`` without validation); ``stopped``: ``None``,
        ``"cancelled"`` or ``"early_stopping"``; ``best_epoch``: epoch of the lowest ``val_cost``
        (the weights kept when ``patience`` is set), else the last epoch; ``averaged_epochs``:
        ``[first, last]`` epochs whose weights were averaged, or ``None``.

    Raises
    ------
    TrainingDiverged
        If the cost becomes NaN/inf or explodes (learning rate too high).
    ValueError
        For inconsistent shapes, labels or settings.
    """
    if not isinstance(rng, np.random.Generator):
        rng = np.random.default_rng(rng)
    opt = optimizer if isinstance(optimizer, Optimizer) else make_optimizer(optimizer, learning_rate)
    epochs = int(epochs)
    if epochs < 1:
        raise ValueError(f"epochs must be at least 1, got {epochs}")
    if schedule not in SCHEDULES:
        raise ValueError(f"unknown learning-rate schedule {schedule!r}; valid schedules: "
                         f"{', '.join(SCHEDULES)}")
    rate_factor = SCHEDULES[schedule]
    average_last = float(average_last)
    if not 0.0 <= average_last <= 1.0:
        raise ValueError(f"average_last must be between 0 and 1, got {average_last:g}")
    n_averaged = max(1, round(average_last * epochs)) if average_last > 0 else 0
    first_averaged = epochs - n_averaged + 1
    l2 = float(l2)
    if not (l2 >= 0 and math.isfinite(l2)):
        raise ValueError(f"l2 must be a non-negative number, got {l2}")

    X = np.ascontiguousarray(network._as_input(X))
    n, k = X.shape[0], network.layer_sizes[-1]
    n_classes = network.n_classes
    if n == 0:
        raise ValueError("no training rows")
    y = _labels(y, n, n_classes, "y")
    has_val = X_val is not None
    if has_val:
        X_val = network._as_input(X_val)
        if y_val is None:
            raise ValueError("X_val given without y_val")
        y_val = _labels(y_val, X_val.shape[0], n_classes, "y_val")
        has_val = X_val.shape[0] > 0
    if patience is not None:
        patience = int(patience)
        if patience < 1:
            raise ValueError(f"patience must be at least 1, got {patience}")
        if not has_val:
            raise ValueError("patience (early stopping) needs a validation set: X_val, y_val")

    if batch_size is None or opt.name == "gd":
        batch_size = n
    batch_size = int(batch_size)
    if batch_size < 1:
        raise ValueError(f"batch_size must be a positive integer, got {batch_size}")
    batch_size = min(batch_size, n)
    full_batch = batch_size == n

    eye = network.target_table()               # row c is the target of class c (one-hot)
    # all parameters live in one flat array (and the gradients in another, laid out alike), so
    # the optimiser updates everything with a few whole-array operations per batch
    flat = network.pack()
    flat_grad = np.empty_like(flat)
    params, grads = network.params(), network.unflatten(flat_grad)
    flat_list, flat_grad_list = [flat], [flat_grad]
    work = network.workspace(batch_size)
    # the epoch's targets and output probabilities, rows in the order they are trained on: the
    # batch loop slices them (no per-batch gathering of labels), and one argmax per epoch
    # gives the training accuracy (shuffled epochs refill Y_epoch in their own order)
    Y_epoch = eye[y] if full_batch else np.empty((n, eye.shape[1]), eye.dtype)
    P_epoch = np.empty((n, k), network.dtype)
    Y_val = eye[y_val] if has_val else None
    output = network._out
    chance = _chance_cost(network)
    initial_cost = None

    def diverged(epoch, what, value):
        return TrainingDiverged(
            f"training diverged in epoch {epoch}: {what} {value:.4g}. The learning rate "
            f"({opt.learning_rate:g} for {opt.name}) is most likely too high; try one 10 times "
            f"smaller.")

    history = {"epoch": [], "cost": [], "val_cost": [], "train_accuracy": [], "val_accuracy": [],
               "seconds": [], "stopped": None, "best_epoch": 0, "averaged_epochs": None}
    best_val, best_params, waited = math.inf, None, 0
    weight_sum = None                          # float64 running sum of the averaged epochs
    start = time.perf_counter()
    base_rate = opt.learning_rate
    with BatchGatherer(X, batch_size) as batches:
        for epoch in range(1, epochs + 1):
            opt.learning_rate = base_rate * rate_factor(epoch, epochs)
            total_cost = total_data_cost = 0.0
            with np.errstate(all="ignore"):
                if full_batch:
                    order, y_epoch = None, y
                else:
                    order = rng.permutation(n)
                    y_epoch = y[order]
                    np.take(eye, y_epoch, axis=0, out=Y_epoch, mode="clip")
                for lo, hi, Xb in batches.epoch(order):     # Xb: the rows X[order[lo:hi]]
                    if augment is not None:
                        Xb = np.ascontiguousarray(augment(Xb, rng), dtype=network.dtype)
                        if Xb.shape != (hi - lo, X.shape[1]):
                            raise ValueError(f"augment returned shape {Xb.shape}, "
                                             f"expected {(hi - lo, X.shape[1])}")
                    scale = opt.gradient_scale()      # folded into back-propagation for free
                    data_cost, penalty = network._backprop(Xb, Y_epoch[lo:hi], l2, n, work, grads,
                                                           P_out=P_epoch[lo:hi], scale=scale)
                    if not math.isfinite(data_cost + penalty):
                        raise diverged(epoch, "the cost became", data_cost + penalty)
                    if initial_cost is None:
                        initial_cost = data_cost
                    opt.update(flat_list, flat_grad_list, grads_are_scratch=True, scale=scale)
                    total_cost += (data_cost + penalty) * (hi - lo)
                    total_data_cost += data_cost * (hi - lo)
                cost, data_cost = total_cost / n, total_data_cost / n
                correct = np.count_nonzero(network.classes_from_proba(P_epoch) == y_epoch)
                if data_cost > 2 * max(chance, initial_cost):
                    raise diverged(epoch, f"the cross-entropy rose to", data_cost)
                val_cost = val_accuracy = None
                if has_val:
                    P_val = network.predict_proba(X_val)
                    val_cost = output.cost(P_val, Y_val) + network.penalty(l2, n)
                    if not math.isfinite(val_cost):
                        raise diverged(epoch, "the validation cost became", val_cost)
                    hits = np.count_nonzero(network.classes_from_proba(P_val) == y_val)
                    val_accuracy = int(hits) / len(y_val)

            record = {"epoch": epoch, "cost": float(cost), "val_cost": val_cost,
                      "train_accuracy": int(correct) / n, "val_accuracy": val_accuracy,
                      "seconds": time.perf_counter() - start, "epochs": epochs}
            for key in ("epoch", "cost", "val_cost", "train_accuracy", "val_accuracy", "seconds"):
                history[key].append(record[key])

            if has_val:
                if val_cost < best_val:
                    best_val, waited = val_cost, 0
                    history["best_epoch"] = epoch
                    if patience is not None:
                        best_params = [p.copy() for p in params]
                else:
                    waited += 1
            else:
                history["best_epoch"] = epoch
            if n_averaged and epoch >= first_averaged and patience is None:
                if weight_sum is None:
                    weight_sum = flat.astype(np.float64)
                else:
                    weight_sum += flat
            if callback is not None and callback(dict(record)) is False:
                history["stopped"] = "cancelled"
                break
            if patience is not None and waited >= patience:
                history["stopped"] = "early_stopping"
                break

    opt.learning_rate = base_rate
    if weight_sum is not None and history["stopped"] is None:
        flat[...] = weight_sum / n_averaged    # every parameter array is a view into flat
        history["averaged_epochs"] = [first_averaged, epochs]
    if best_params is not None:                # early stopping keeps the best epoch's weights
        for p, best in zip(params, best_params):
            p[...] = best
    return history
