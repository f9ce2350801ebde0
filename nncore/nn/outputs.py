"""Output layers paired with their cost functions.

One small object per name in ``OUTPUTS`` (the names the UI sends):

* ``"sigmoid"``: independent logistic units with Andrew Ng's cross-entropy (ex4), summed over
  the ``k`` classes and averaged over the ``n`` rows::

      J = -1/n * sum_i sum_k [ y log p + (1 - y) log(1 - p) ]

* ``"softmax"``: a probability distribution over the classes with categorical cross-entropy::

      J = -1/n * sum_i sum_k y log p

* ``"linear"``: the identity, ``P = Z``, for numbers to predict (regression), with half the mean
  squared error::

      J = 1/(2n) * sum_i sum_k (p - y)**2

All three pairs have the same output error ``dJ/dz = (P - Y) / n``: each cost is the canonical
one for its link function (the negative log-likelihood of a Bernoulli, categorical or Gaussian
target), whose derivative through the output function cancels to ``p - y``.  That is why
``delta`` returns ``P - Y`` and the network divides by ``n``.

Probabilities are clipped to ``[eps, 1 - eps]`` (``eps`` the machine epsilon of their dtype) before
``log``, and softmax subtracts the row maximum first, so huge ``|z|`` never warns or overflows.
Regularisation is not here: it belongs to the network (see ``Network.cost``).
"""

import functools
import math

import numpy as np

from nncore.nn.activations import sigmoid

__all__ = ["Output", "SigmoidOutput", "SoftmaxOutput", "LinearOutput", "OUTPUTS", "CLASS_OUTPUTS",
           "get_output",
           "one_hot"]


@functools.lru_cache(maxsize=None)
def _ones(k, dtype):
    """A read-only vector of ``k`` ones (cached: the training loop asks on every batch)."""
    ones = np.ones(k, dtype)
    ones.flags.writeable = False
    return ones


@functools.lru_cache(maxsize=None)
def _eps(dtype):
    return float(np.finfo(dtype).eps)


def _clipped(P):
    eps = float(np.finfo(P.dtype).eps) if P.dtype.kind == "f" else 1e-15
    return np.clip(P, eps, 1.0 - eps)


class Output:
    """Interface of an output layer with its cost; see the subclasses.

    ``task`` says what the outputs mean: ``"classification"`` (probabilities of classes) or
    ``"regression"`` (the predicted numbers themselves).
    """

    name = ""
    task = "classification"

    def activate(self, Z, out=None):
        """Pre-activations ``Z`` (n, k) -> probabilities ``P`` (n, k)."""
        raise NotImplementedError

    def cost(self, P, Y):
        """Mean cost over rows, a Python float.

        Parameters
        ----------
        P : ndarray (n, k)
            Output probabilities (the predicted values for ``"linear"``).
        Y : ndarray (n, k)
            One-hot targets (soft targets in ``[0, 1]`` work too); the target values for
            ``"linear"``.
        """
        return float(self.total_cost(P, Y)) / P.shape[0]

    def total_cost(self, P, Y):
        """Cost summed over rows as a numpy scalar of ``P``'s dtype (keeps extended precision)."""
        raise NotImplementedError

    def activate_and_cost(self, Z, Y, out, scratch):
        """``P = activate(Z)`` written to ``out`` and the mean cost ``cost(P, Y)``, a float.

        The training loop's fused step: an output may save passes here.  ``out`` and
        ``scratch`` are buffers shaped like ``Z`` that do not overlap it (``Z`` stays intact).
        Call it under ``np.errstate(all="ignore")`` as ``train`` does: a fast path may overflow
        before it notices and falls back.
        """
        return self.cost(self.activate(Z, out=out), Y)

    def delta(self, P, Y, out=None):
        """Output error ``P - Y`` (n, k): ``n`` times the gradient of the cost w.r.t. ``Z``."""
        return np.subtract(P, Y, out=out)

    def __repr__(self):
        return f"{type(self).__name__}()"


class SigmoidOutput(Output):
    """Logistic output units with Ng's cross-entropy summed over classes."""

    name = "sigmoid"

    def activate(self, Z, out=None):
        return sigmoid(Z, out=out)

    def total_cost(self, P, Y):
        P = _clipped(P)
        # y log p + (1 - y) log(1 - p), summed over classes and rows
        return -(np.vdot(Y, np.log(P)) + np.vdot(1 - Y, np.log1p(-P)))


class SoftmaxOutput(Output):
    """Softmax output with categorical cross-entropy."""

    name = "softmax"

    def activate(self, Z, out=None):
        # softmax is invariant to a per-row shift; subtracting the row max keeps exp <= 1.
        # The row max costs more than the rest on small batches, so it is skipped when every |z|
        # is below half the log of the dtype's largest number: exp then neither overflows (even
        # summed over the row) nor underflows to zero.
        limit = 0.5 * math.log(float(np.finfo(Z.dtype).max))
        if Z.size and max(Z.max(), -Z.min()) < limit:
            out = np.exp(Z, out=out)
        else:
            out = np.subtract(Z, Z.max(axis=1, keepdims=True), out=out)
            np.exp(out, out=out)
        return self._normalise(out)

    @staticmethod
    def _normalise(E):
        """Divide each row of ``E`` by its sum, in place.

        The row sums are the matrix-vector product ``E @ ones``: on rows of ~10 classes BLAS
        does it several times faster than ``E.sum(axis=1)``.
        """
        E /= np.dot(E, _ones(E.shape[1], E.dtype))[:, None]
        return E

    def activate_and_cost(self, Z, Y, out, scratch):
        """Softmax and cross-entropy in the fewest passes; falls back to ``activate`` if needed.

        The fast path skips the range check of ``activate`` (two reductions) and takes
        ``exp(Z)`` directly.  It can only go wrong when a row overflows (some ``z > ~88`` in
        float32: ``inf / inf``) or underflows entirely (every ``z < ~-103``: ``0 / 0``); both
        leave a NaN in ``P``, which makes the cost NaN (``0 * NaN`` is NaN in the dot product).
        Then ``P`` is recomputed from the untouched ``Z`` with the row maximum subtracted.

        The cost is ``-sum Y log(max(P, eps)) / n``: ``P <= 1`` already, so the upper clip of
        ``cost`` would only change a row's term by ``eps`` (rounding) and is skipped.
        """
        P = self._normalise(np.exp(Z, out=out))
        eps = _eps(P.dtype)
        log_P = np.log(np.maximum(P, eps, out=scratch), out=scratch)
        total = -float(np.vdot(Y, log_P))
        if not math.isfinite(total):               # overflow / underflow: redo it safely
            return self.cost(self.activate(Z, out=out), Y)
        return total / P.shape[0]

    def total_cost(self, P, Y):
        return -np.vdot(Y, np.log(_clipped(P)))


class LinearOutput(Output):
    """Identity output with half the mean squared error: regression on (scaled) numbers."""

    name = "linear"
    task = "regression"

    def activate(self, Z, out=None):
        if out is None or out is Z:
            return Z
        np.copyto(out, Z)
        return out

    def total_cost(self, P, Y):
        D = P - Y
        return 0.5 * np.vdot(D, D)

    def activate_and_cost(self, Z, Y, out, scratch):
        """``P = Z`` copied to ``out``; the residual goes to ``scratch`` (no allocation)."""
        P = self.activate(Z, out=out)
        D = np.subtract(P, Y, out=scratch)
        return 0.5 * float(np.vdot(D, D)) / P.shape[0]


OUTPUTS = {"sigmoid": SigmoidOutput(), "softmax": SoftmaxOutput(), "linear": LinearOutput()}
#: the outputs a classifier may have (``"linear"`` predicts numbers, not classes)
CLASS_OUTPUTS = {name: o for name, o in OUTPUTS.items() if o.task == "classification"}


def get_output(name):
    """Look up an output layer by name (``"sigmoid"``, ``"softmax"`` or ``"linear"``).

    Raises
    ------
    ValueError
        If ``name`` is unknown; the message lists the valid names.
    """
    if name not in OUTPUTS:
        raise ValueError(f"unknown output {name!r}; valid outputs: {', '.join(sorted(OUTPUTS))}")
    return OUTPUTS[name]


def one_hot(y, n_classes, dtype=np.float32):
    """Integer labels (n,) in ``0..n_classes-1`` -> one-hot matrix (n, n_classes)."""
    y = np.asarray(y)
    if y.size and (y.min() < 0 or y.max() >= n_classes):
        raise ValueError(f"labels must be integers in 0..{n_classes - 1}")
    return np.eye(n_classes, dtype=dtype)[y]
