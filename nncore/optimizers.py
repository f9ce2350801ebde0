"""Optimisers: update a list of parameter arrays in place from their gradients.

Separate from the network as in scikit-learn (``update(params, grads)``), keyed by the names the
UI sends.  ``params`` and ``grads`` are parallel lists (``Network.params()`` and the gradients of
``Network.cost_and_gradients``); the first call fixes their shapes, and state (velocities,
moments) lives in the optimiser.  Each step works in preallocated buffers: the optimiser is
called once per mini-batch and its cost counts against the matrix products of the batch.  A
caller that no longer needs the gradients (``train``) passes ``grads_are_scratch=True`` and the
step works in the gradient arrays themselves: one parameter-sized buffer less to stream through
the cache on every batch (SGD's step then takes ~35 instead of ~55 us for 100k parameters).

* ``gd``: plain gradient descent ``W -= lr * g``; ``train`` feeds it the full batch.
* ``sgd``: the same rule on shuffled mini-batches.
* ``momentum``: classical momentum ``v = mu v - lr g; W += v`` (mu = 0.9).
* ``adam``: Kingma & Ba (2015) with bias correction (beta1 = 0.9, beta2 = 0.999, eps = 1e-8).

``DEFAULT_LEARNING_RATES`` holds rates that work for the sigmoid 400-25-10 digits network with
inputs scaled to about [0, 1]: full-batch descent needs a large step, Adam a small one.
"""

import math

import numpy as np

__all__ = ["Optimizer", "GradientDescent", "SGD", "Momentum", "Adam", "OPTIMIZERS",
           "DEFAULT_LEARNING_RATES", "make_optimizer"]

DEFAULT_LEARNING_RATES = {"gd": 1.0, "sgd": 0.1, "momentum": 0.05, "adam": 0.001}


class Optimizer:
    """Base class: ``update(params, grads)`` changes ``params`` in place."""

    name = ""

    def __init__(self, learning_rate=None):
        if learning_rate is None:
            learning_rate = DEFAULT_LEARNING_RATES[self.name]
        learning_rate = float(learning_rate)
        if not (learning_rate > 0 and math.isfinite(learning_rate)):
            raise ValueError(f"learning_rate must be a positive number, got {learning_rate}")
        self.learning_rate = learning_rate
        self.steps = 0
        self._scratch = None

    def _buffers(self, params, count):
        """``count`` lists of zeroed arrays shaped like ``params`` (allocated on first use)."""
        return [[np.zeros_like(p) for p in params] for _ in range(count)]

    def update(self, params, grads, *, grads_are_scratch=False):
        """Apply one step to ``params`` (list of ndarray) given ``grads`` (same shapes).

        With ``grads_are_scratch=True`` the gradients are overwritten (used as work space).
        """
        if grads_are_scratch:
            scratch = grads
        else:
            if self._scratch is None:
                self._scratch = [np.empty_like(p) for p in params]
            scratch = self._scratch
        self.steps += 1
        self._step(params, grads, scratch)

    def _step(self, params, grads, scratch):
        """One step; ``scratch`` holds work arrays shaped like ``params`` (may be ``grads``)."""
        raise NotImplementedError

    def __repr__(self):
        return f"{type(self).__name__}(learning_rate={self.learning_rate:g})"


class GradientDescent(Optimizer):
    """``W -= lr * g`` for every parameter."""

    name = "gd"

    def _step(self, params, grads, scratch):
        lr = self.learning_rate
        for p, g, tmp in zip(params, grads, scratch):
            p -= np.multiply(g, lr, out=tmp)


class SGD(GradientDescent):
    """Mini-batch stochastic gradient descent (the batches come from ``train``)."""

    name = "sgd"


class Momentum(Optimizer):
    """Classical momentum: ``v = mu * v - lr * g``, ``W += v``."""

    name = "momentum"

    def __init__(self, learning_rate=None, mu=0.9):
        super().__init__(learning_rate)
        self.mu = float(mu)
        self._velocity = None

    def _step(self, params, grads, scratch):
        if self._velocity is None:
            (self._velocity,) = self._buffers(params, 1)
        lr, mu = self.learning_rate, self.mu
        for p, g, v, tmp in zip(params, grads, self._velocity, scratch):
            v *= mu
            v -= np.multiply(g, lr, out=tmp)
            p += v


class Adam(Optimizer):
    """Adam with bias-corrected first and second moments.

    The textbook step is ``W -= lr * m_hat / (sqrt(v_hat) + eps)`` with
    ``m = b1 m + (1 - b1) g``, ``v = b2 v + (1 - b2) g**2``, ``m_hat = m / (1 - b1**t)``,
    ``v_hat = v / (1 - b2**t)``.  To save passes over the arrays we keep ``M = m / (1 - b1)`` and
    ``V = v / (1 - b2)``, so ``M = b1 M + g`` and ``V = b2 V + g**2`` need no scaling of ``g``, and
    fold every scalar into one step size and one epsilon::

        s = sqrt((1 - b2) / (1 - b2**t))
        W -= [lr (1 - b1) / (1 - b1**t) / s] * M / (sqrt(V) + eps / s)

    which is the textbook step exactly (up to rounding).
    """

    name = "adam"

    def __init__(self, learning_rate=None, beta1=0.9, beta2=0.999, eps=1e-8):
        super().__init__(learning_rate)
        self.beta1, self.beta2, self.eps = float(beta1), float(beta2), float(eps)
        self._moments = None

    def _step(self, params, grads, scratch):
        if self._moments is None:
            self._moments = self._buffers(params, 2)
        b1, b2, t = self.beta1, self.beta2, self.steps
        s = math.sqrt((1.0 - b2) / (1.0 - b2 ** t))
        step = self.learning_rate * (1.0 - b1) / (1.0 - b1 ** t) / s
        eps = self.eps / s
        for p, g, M, V, tmp in zip(params, grads, *self._moments, scratch):
            M *= b1
            M += g                             # g is not read after this line: tmp may be g
            V *= b2
            V += np.multiply(g, g, out=tmp)
            np.sqrt(V, out=tmp)
            tmp += eps
            np.divide(M, tmp, out=tmp)
            tmp *= step
            p -= tmp


OPTIMIZERS = {"gd": GradientDescent, "sgd": SGD, "momentum": Momentum, "adam": Adam}


def make_optimizer(name, learning_rate=None):
    """Build the optimiser called ``name``.

    Parameters
    ----------
    name : str
        A key of ``OPTIMIZERS``: ``"gd"``, ``"sgd"``, ``"momentum"``, ``"adam"``.
    learning_rate : float, optional
        ``None`` uses ``DEFAULT_LEARNING_RATES[name]``.

    Raises
    ------
    ValueError
        For an unknown name (the message lists the valid ones) or a non-positive rate.
    """
    if name not in OPTIMIZERS:
        raise ValueError(f"unknown optimizer {name!r}; valid optimizers: {', '.join(OPTIMIZERS)}")
    return OPTIMIZERS[name](learning_rate)
