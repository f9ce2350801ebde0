"""The training loop: epochs of (shuffled mini-batch) updates, history, callback, early stopping.

``train`` drives a network (``Network``, ``ConvNetwork``: anything with the members of the
``trainable.Trainable`` protocol) with an optimiser from ``optimizers.py`` and returns its
history as JSON-ready lists (one entry per epoch) instead of printing; progress goes to an
optional ``callback`` that may cancel by returning ``False``.  Splitting, scaling and class
names are the caller's business (``fitting.py``); labels here are integer indices, or for
regression (``task="regression"``, a ``"linear"`` output) the scaled target numbers; what the
two tasks measure differently lives in ``tasks.py``.

``train`` reads as its three stages: ``_TrainingRun(...)`` checks the settings and allocates
the buffers, ``train_epoch`` / ``stops_after`` run the epochs, ``finish`` returns the history.
The plain maths of the same loop, without buffers or pre-scaled gradients, is
``nncore/reference.py``; tests/nncore/test_reference.py checks that the two agree.

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

Schedules
---------
``"constant"`` keeps the optimiser's rate; ``"cosine"`` uses ``lr * (1 + cos(pi * (e - 1) / E))
/ 2`` in epoch ``e`` of ``E``: full at the start, near zero at the end, so the last epochs
settle instead of jumping around.

Weight averaging
----------------
``average_last`` is the share of the final epochs whose end-of-epoch weights are averaged into
the returned network, ``round(average_last * epochs)`` epochs (at least one when the share is
above 0).  With a constant learning rate the weights keep moving around a good region from
batch to batch; their mean lies nearer its centre and generalises better, like an ensemble of
those networks at the cost of one (stochastic weight averaging, Izmailov et al. 2018).  Only
when every epoch runs: a cancelled run keeps its last weights, early stopping its best ones.
The per-epoch history is of the weights as trained; ``averaged_epochs`` says which were averaged.

Divergence
----------
Divergence raises ``TrainingDiverged``: a non-finite cost (checked every batch), or an epoch's
cross-entropy above twice both chance level (``log k`` for softmax, ``k log 2`` for sigmoid
outputs, what a network that knows nothing scores; for regression half the targets'
variance, what predicting their mean scores) and the untrained network's first cost.
Bounded activations rarely overflow: a learning rate far too high instead drives the units into
saturation, where confident wrong answers cost far more than guessing.  Floating-point
warnings are silenced inside the loop because divergence is detected from the cost instead.
"""

import math
import time

import numpy as np

from nncore.nn.batches import BatchGatherer
from nncore.nn.optimizers import Optimizer, make_optimizer
from nncore.nn.tasks import get_task, smoothed_targets
from nncore.nn.trainable import Trainable

__all__ = ["SCHEDULES", "TrainingDiverged", "train"]


class TrainingDiverged(ValueError):
    """The cost became NaN/inf or exploded: the learning rate is most likely too high."""


#: learning-rate schedules: ``factor(epoch, epochs)`` multiplies the optimiser's rate in that
#: epoch (epochs count from 1)
SCHEDULES = {
    "constant": lambda epoch, epochs: 1.0,
    "cosine": lambda epoch, epochs: 0.5 * (1.0 + math.cos(math.pi * (epoch - 1) / epochs)),
}


def train(network: Trainable, X, y, *, optimizer="adam", learning_rate=None, epochs=30,
          batch_size=None, l2=0.0, rng, X_val=None, y_val=None, patience=None, callback=None,
          augment=None, schedule="constant", average_last=0.0, task="classification",
          label_smoothing=0.0):
    """Train ``network`` in place and return its history.

    Parameters
    ----------
    network : Trainable
        ``Network`` or ``ConvNetwork``: anything with the members of ``trainable.Trainable``.
    X, y : array-like (n, layer_sizes[0]); (n,) int, or (n,) / (n, k) float for regression
        Training rows (cast once to the network's dtype); class indices ``0..k-1``, or the
        (scaled) numbers a linear output learns.
    optimizer : str or Optimizer
        A key of ``OPTIMIZERS`` or a ready optimiser instance; ``learning_rate`` (float,
        optional) its rate, ``None`` for the optimiser's default.
    epochs, batch_size : int
        Passes over the training set; rows per update (``None``, or optimizer ``"gd"``: all).
    l2 : float
        L2 strength; the penalty is ``l2 / (2 n) * sum W**2`` with ``n = len(X)`` at every batch size.
    rng : numpy.random.Generator
        Shuffles the batches each epoch and is handed to ``augment``.
    X_val, y_val, patience : array-like, array-like, int, optional
        Validation rows and labels, evaluated after every epoch; early stopping after
        ``patience`` epochs without a lower ``val_cost``, keeping the best epoch's weights.
    callback, augment : callable, optional
        ``callback(record)`` after each epoch (``record``: the epoch's row of the history, and
        ``epochs``), returning ``False`` cancels; ``augment(X_batch, rng) -> X_batch`` per batch.
    schedule, average_last : str, float
        A key of ``SCHEDULES``; the share (0 to 1, 0: off) of the final epochs whose weights are
        averaged into the returned network (see "Schedules" and "Weight averaging" above).
    task : str or task object
        ``"classification"`` (``y`` class indices) or ``"regression"`` (``y`` numbers, a
        ``"linear"`` output), or an object of ``tasks.py`` such as
        ``Regression(inverse=...)`` that measures the figures in the label's units.
    label_smoothing : float
        epsilon in [0, 0.5): classes learned from ``tasks.smoothed_targets`` (validation: one-hot).

    Returns
    -------
    dict
        ``epoch, cost, val_cost, train_accuracy, val_accuracy, seconds``: lists with one Python
        number per epoch (val lists hold ``None`` without validation); ``stopped``: ``None``,
        ``"cancelled"`` or ``"early_stopping"``; ``best_epoch``: epoch of the lowest ``val_cost``
        (the weights kept when ``patience`` is set), else the last epoch; ``averaged_epochs``:
        ``[first, last]`` epochs whose weights were averaged, or ``None``.  Regression adds
        ``train_r2, val_r2, train_mae, val_mae, train_rmse, val_rmse`` (see ``tasks.py``); its
        accuracy lists hold ``None``.

    Raises ``TrainingDiverged`` when the cost becomes NaN/inf or explodes (learning rate too
    high); ``ValueError`` for inconsistent shapes, labels or settings.
    """
    run = _TrainingRun(network, X, y, optimizer=optimizer, learning_rate=learning_rate,
                       epochs=epochs, batch_size=batch_size, l2=l2, rng=rng, X_val=X_val,
                       y_val=y_val, patience=patience, augment=augment, schedule=schedule,
                       average_last=average_last, task=task, label_smoothing=label_smoothing)
    with BatchGatherer(run.X, run.batch_size) as batches:
        for epoch in range(1, run.epochs + 1):
            record = run.train_epoch(batches, epoch)
            if run.stops_after(record, callback):
                break
    return run.finish()


class _TrainingRun:
    """One call of ``train``: set up by ``__init__``, one epoch per ``train_epoch``, ``finish``.

    ``__init__`` checks the settings and data and allocates every buffer the epochs reuse;
    ``train_epoch`` runs an epoch's updates and measurements and appends them to ``history``;
    ``stops_after`` keeps the best and averaged weights and decides whether to go on;
    ``finish`` puts the weights to keep into the network and returns ``history``.
    The network is used only through ``trainable.Trainable``.
    """

    def __init__(self, network: Trainable, X, y, *, optimizer, learning_rate, epochs, batch_size,
                 l2, rng, X_val, y_val, patience, augment, schedule, average_last, task,
                 label_smoothing=0.0):
        self._take_settings(optimizer, learning_rate, epochs, l2, rng, schedule, average_last)
        self._take_data(network, X, y, X_val, y_val, patience, batch_size, task)
        if label_smoothing:
            self.eye = smoothed_targets(network, self.eye, label_smoothing, self.task)
        self.network, self.augment = network, augment
        self._allocate()
        self._start_tracking()

    def _take_settings(self, optimizer, learning_rate, epochs, l2, rng, schedule, average_last):
        """Check the settings that do not depend on the data, and keep them."""
        if not isinstance(rng, np.random.Generator):
            rng = np.random.default_rng(rng)
        opt = optimizer if isinstance(optimizer, Optimizer) else make_optimizer(optimizer,
                                                                                learning_rate)
        epochs = int(epochs)
        if epochs < 1:
            raise ValueError(f"epochs must be at least 1, got {epochs}")
        if schedule not in SCHEDULES:
            raise ValueError(f"unknown learning-rate schedule {schedule!r}; valid schedules: "
                             f"{', '.join(SCHEDULES)}")
        average_last = float(average_last)
        if not 0.0 <= average_last <= 1.0:
            raise ValueError(f"average_last must be between 0 and 1, got {average_last:g}")
        self.n_averaged = max(1, round(average_last * epochs)) if average_last > 0 else 0
        self.first_averaged = epochs - self.n_averaged + 1
        l2 = float(l2)
        if not (l2 >= 0 and math.isfinite(l2)):
            raise ValueError(f"l2 must be a non-negative number, got {l2}")
        self.opt, self.rng, self.epochs, self.l2 = opt, rng, epochs, l2
        self.rate_factor = SCHEDULES[schedule]

    def _take_data(self, network, X, y, X_val, y_val, patience, batch_size, task):
        """Check the rows, labels and the settings that depend on them (early stopping needs
        validation rows; a batch holds at most every row), and keep them."""
        X = np.ascontiguousarray(network.as_input(X))
        n = X.shape[0]
        if n == 0:
            raise ValueError("no training rows")
        # targets by row index into a table (tasks.py): class labels into the one-hot rows,
        # or 0..n-1 into the regression targets
        self.task = task = get_task(task)
        y, eye = task.targets(network, y, n, "y")
        eye_val = None
        has_val = X_val is not None
        if has_val:
            X_val = network.as_input(X_val)
            if y_val is None:
                raise ValueError("X_val given without y_val")
            y_val, eye_val = task.targets(network, y_val, X_val.shape[0], "y_val")
            has_val = X_val.shape[0] > 0
        if patience is not None:
            patience = int(patience)
            if patience < 1:
                raise ValueError(f"patience must be at least 1, got {patience}")
            if not has_val:
                raise ValueError("patience (early stopping) needs a validation set: X_val, y_val")
        if batch_size is None or self.opt.name == "gd":
            batch_size = n
        batch_size = int(batch_size)
        if batch_size < 1:
            raise ValueError(f"batch_size must be a positive integer, got {batch_size}")
        batch_size = min(batch_size, n)
        self.X, self.y, self.n, self.batch_size = X, y, n, batch_size
        self.full_batch = batch_size == n
        self.X_val, self.y_val, self.has_val, self.patience = X_val, y_val, has_val, patience
        self.eye, self.eye_val = eye, (eye_val if has_val else None)

    def _allocate(self):
        """The buffers that every epoch reuses."""
        network, n, y, eye = self.network, self.n, self.y, self.eye
        k = network.layer_sizes[-1]
        # all parameters live in one flat array (and the gradients in another, laid out alike),
        # so the optimiser updates everything with a few whole-array operations per batch
        self.flat = network.pack()
        flat_grad = np.empty_like(self.flat)
        self.params, self.grads = network.params(), network.unflatten(flat_grad)
        self.flat_list, self.flat_grad_list = [self.flat], [flat_grad]
        self.work = network.workspace(self.batch_size)
        # the epoch's targets and output probabilities, rows in the order they are trained on:
        # the batch loop slices them (no per-batch gathering of labels), and one argmax per
        # epoch gives the training accuracy (shuffled epochs refill Y_epoch in their own order)
        self.Y_epoch = eye[y] if self.full_batch else np.empty((n, eye.shape[1]), eye.dtype)
        self.P_epoch = np.empty((n, k), network.dtype)
        self.Y_val = self.eye_val[self.y_val] if self.has_val else None
        self.chance = self.task.chance_cost(network, eye)
        self.initial_cost = None

    def _start_tracking(self):
        """What the epochs keep track of: the history (the task's figures on both sides: the
        accuracy for classes), the best and averaged weights, the clock."""
        self.figures = [f"{part}_{f}" for f in self.task.figures for part in ("train", "val")]
        self.history = {"epoch": [], "cost": [], "val_cost": [], **{f: [] for f in self.figures},
                        "seconds": [], "stopped": None, "best_epoch": 0, "averaged_epochs": None}
        self.best_val, self.best_params, self.waited = math.inf, None, 0
        self.weight_sum = None                 # float64 running sum of the averaged epochs
        self.start = time.perf_counter()
        self.base_rate = self.opt.learning_rate

    def diverged(self, epoch, what, value):
        """The ``TrainingDiverged`` to raise: ``what`` reached ``value`` in ``epoch``."""
        return TrainingDiverged(
            f"training diverged in epoch {epoch}: {what} {value:.4g}. The learning rate "
            f"({self.opt.learning_rate:g} for {self.opt.name}) is most likely too high; try one "
            f"10 times smaller.")

    def train_epoch(self, batches, epoch):
        """Epoch ``epoch`` (from 1): its updates, then its figures, appended to ``history``.

        Returns the epoch's record (the dict the callback gets).
        """
        self.opt.learning_rate = self.base_rate * self.rate_factor(epoch, self.epochs)
        with np.errstate(all="ignore"):
            cost, train_scores = self._updates(batches, epoch)
            val_cost, val_scores = None, dict.fromkeys(self.task.figures)
            if self.has_val:
                val_cost, val_scores = self._validation(epoch)
        record = {"epoch": epoch, "cost": float(cost), "val_cost": val_cost,
                  **{f"train_{f}": v for f, v in train_scores.items()},
                  **{f"val_{f}": v for f, v in val_scores.items()},
                  "seconds": time.perf_counter() - self.start, "epochs": self.epochs}
        for key in ("epoch", "cost", "val_cost", *self.figures, "seconds"):
            self.history[key].append(record[key])
        return record

    def _updates(self, batches, epoch):
        """One pass of updates over the batches; returns the epoch's mean cost and scores."""
        network, opt, rng, augment = self.network, self.opt, self.rng, self.augment
        l2, n, y, d = self.l2, self.n, self.y, self.X.shape[1]
        Y_epoch, P_epoch, work, grads = self.Y_epoch, self.P_epoch, self.work, self.grads
        flat_list, flat_grad_list = self.flat_list, self.flat_grad_list
        initial_cost = self.initial_cost       # locals: the loop below runs once per batch
        total_cost = total_data_cost = 0.0
        if self.full_batch:
            order, y_epoch = None, y
        else:
            order = rng.permutation(n)
            y_epoch = y[order]
            np.take(self.eye, y_epoch, axis=0, out=Y_epoch, mode="clip")
        for lo, hi, Xb in batches.epoch(order):     # Xb: the rows X[order[lo:hi]]
            if augment is not None:
                Xb = np.ascontiguousarray(augment(Xb, rng), dtype=network.dtype)
                if Xb.shape != (hi - lo, d):
                    raise ValueError(f"augment returned shape {Xb.shape}, "
                                     f"expected {(hi - lo, d)}")
            scale = opt.gradient_scale()      # folded into back-propagation for free
            data_cost, penalty = network.backprop(Xb, Y_epoch[lo:hi], l2, n, work, grads,
                                                  P_out=P_epoch[lo:hi], scale=scale)
            if not math.isfinite(data_cost + penalty):
                raise self.diverged(epoch, "the cost became", data_cost + penalty)
            if initial_cost is None:
                initial_cost = self.initial_cost = data_cost
            opt.update(flat_list, flat_grad_list, grads_are_scratch=True, scale=scale)
            total_cost += (data_cost + penalty) * (hi - lo)
            total_data_cost += data_cost * (hi - lo)
        cost, data_cost = total_cost / n, total_data_cost / n
        scores = self.task.scores(network, P_epoch, y_epoch, self.eye)
        if data_cost > 2 * max(self.chance, initial_cost):
            raise self.diverged(epoch, f"the {self.task.cost_name} rose to", data_cost)
        return cost, scores

    def _validation(self, epoch):
        """Cost (with the training set's L2 term) and the task's scores on the validation rows."""
        network = self.network
        P_val = network.predict_proba(self.X_val)
        val_cost = network.output_layer.cost(P_val, self.Y_val) + network.penalty(self.l2, self.n)
        if not math.isfinite(val_cost):
            raise self.diverged(epoch, "the validation cost became", val_cost)
        return val_cost, self.task.scores(network, P_val, self.y_val, self.eye_val)

    def stops_after(self, record, callback):
        """Keep track of the best and averaged weights; whether training ends after ``record``."""
        epoch, history = record["epoch"], self.history
        if self.has_val:
            if record["val_cost"] < self.best_val:
                self.best_val, self.waited = record["val_cost"], 0
                history["best_epoch"] = epoch
                if self.patience is not None:
                    self.best_params = [p.copy() for p in self.params]
            else:
                self.waited += 1
        else:
            history["best_epoch"] = epoch
        if self.n_averaged and epoch >= self.first_averaged and self.patience is None:
            if self.weight_sum is None:
                self.weight_sum = self.flat.astype(np.float64)
            else:
                self.weight_sum += self.flat
        if callback is not None and callback(dict(record)) is False:
            history["stopped"] = "cancelled"
            return True
        if self.patience is not None and self.waited >= self.patience:
            history["stopped"] = "early_stopping"
            return True
        return False

    def finish(self):
        """Restore the optimiser's rate, put the weights to keep in place; return ``history``."""
        self.opt.learning_rate = self.base_rate
        if self.weight_sum is not None and self.history["stopped"] is None:
            self.flat[...] = self.weight_sum / self.n_averaged   # every parameter views flat
            self.history["averaged_epochs"] = [self.first_averaged, self.epochs]
        if self.best_params is not None:       # early stopping keeps the best epoch's weights
            for p, best in zip(self.params, self.best_params):
                p[...] = best
        return self.history
