"""Optimisers: update a list of parameter arrays in place from their gradients.

Separate from the network as in scikit-learn (``update(params, grads)``), keyed by the names the
UI sends.  ``params`` and ``grads`` are parallel lists (``Network.params()`` and the gradients of
``Network.cost_and_gradients``); the first call fixes their shapes, and state (velocities,
moments) lives in the optimiser.  Each step works in preallocated buffers: the optimiser is
called once per mini-batch and its cost counts against the matrix products of the batch.  A
caller that no longer needs the gradients (``train``) passes ``grads_are_scratch=True`` and the
step works in the gradient arrays themselves: one parameter-sized buffer less to stream through
the cache on every batch (SGD's step then takes ~35 instead of ~55 us for 100k parameters).

Pre-scaled gradients.  Back-propagation already multiplies the output error by ``1/n``; any
other constant folded into that multiplication scales every gradient for free.  An optimiser
names the factor it would like (``gradient_scale()``) and ``update(..., scale=s)`` accepts
gradients multiplied by any ``s``, so the step stays correct whatever the caller does.  With the
preferred factor a whole pass over the parameters disappears: SGD asks for its learning rate and
its step becomes ``W -= g``; Adam asks for ``beta1**-j`` (below).

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

    def gradient_scale(self):
        """The factor this optimiser would like folded into the next step's gradients.

        Passing gradients multiplied by it (and ``scale=`` the same number to ``update``) saves
        a pass over the parameters; 1.0 means no preference.
        """
        return 1.0

    def update(self, params, grads, *, grads_are_scratch=False, scale=1.0):
        """Apply one step to ``params`` (list of ndarray) given ``grads`` (same shapes).

        With ``grads_are_scratch=True`` the gradients are overwritten (used as work space).
        ``scale``: the gradients passed are ``scale`` times the true gradients (a positive
        number, usually ``gradient_scale()``); the step is the same for every ``scale``, up to
        rounding.
        """
        if grads_are_scratch:
            scratch = grads
        else:
            if self._scratch is None:
                self._scratch = [np.empty_like(p) for p in params]
            scratch = self._scratch
        self.steps += 1
        self._step(params, grads, scratch, float(scale))

    def _step(self, params, grads, scratch, scale):
        """One step; ``scratch`` holds work arrays shaped like ``params`` (may be ``grads``)."""
        raise NotImplementedError

    def __repr__(self):
        return f"{type(self).__name__}(learning_rate={self.learning_rate:g})"


class GradientDescent(Optimizer):
    """``W -= lr * g`` for every parameter; with gradients pre-scaled by ``lr``, ``W -= g``."""

    name = "gd"

    def gradient_scale(self):
        return self.learning_rate

    def _step(self, params, grads, scratch, scale):
        factor = self.learning_rate / scale
        for p, g, tmp in zip(params, grads, scratch):
            p -= g if factor == 1.0 else np.multiply(g, factor, out=tmp)


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

    def gradient_scale(self):
        return self.learning_rate

    def _step(self, params, grads, scratch, scale):
        if self._velocity is None:
            (self._velocity,) = self._buffers(params, 1)
        factor, mu = self.learning_rate / scale, self.mu
        for p, g, v, tmp in zip(params, grads, self._velocity, scratch):
            v *= mu
            v -= g if factor == 1.0 else np.multiply(g, factor, out=tmp)
            p += v


class Adam(Optimizer):
    """Adam with bias-corrected first and second moments.

    The textbook step is ``W -= lr * m_hat / (sqrt(v_hat) + eps)`` with
    ``m = b1 m + (1 - b1) g``, ``v = b2 v + (1 - b2) g**2``, ``m_hat = m / (1 - b1**t)``,
    ``v_hat = v / (1 - b2**t)``.  To save passes over the arrays the moments are stored without
    their constant factors and without their decay since the last rescaling (step ``t0``,
    ``j = t - t0``)::

        A = m / ((1 - b1) b1**j)        A += g * b1**-j         (one pass if g comes
        B = v / ((1 - b2) b2**j)        B += g**2 * b2**-j       pre-scaled by b1**-j)

    so no pass decays them; every ``RESCALE_EVERY`` steps they are converted back
    (``A *= b1**j``, ``B *= b2**j``, ``j = 0``), which keeps ``b1**-j`` far from overflow
    (0.9**-64 is ~850).  With ``M = b1**j A`` and ``V = b2**j B`` every scalar folds into one
    step size and one epsilon::

        s = sqrt((1 - b2) / (1 - b2**t) * b2**j)
        W -= [lr (1 - b1) / (1 - b1**t) * b1**j / s] * A / (sqrt(B) + eps / s)

    which is the textbook step exactly (up to rounding): 9 passes over the parameters per step
    with pre-scaled gradients, 10 without.
    """

    name = "adam"
    RESCALE_EVERY = 64

    def __init__(self, learning_rate=None, beta1=0.9, beta2=0.999, eps=1e-8):
        super().__init__(learning_rate)
        self.beta1, self.beta2, self.eps = float(beta1), float(beta2), float(eps)
        self._moments = None
        self._j = 0                           # steps since the moments were last rescaled

    def _next_j(self):
        return 1 if self._j >= self.RESCALE_EVERY else self._j + 1

    def gradient_scale(self):
        return self.beta1 ** -self._next_j()

    def _step(self, params, grads, scratch, scale):
        if self._moments is None:
            self._moments = self._buffers(params, 2)
        b1, b2, t = self.beta1, self.beta2, self.steps
        j = self._next_j()
        if j < self._j:                        # rescaling: fold the decay back in, A = M, B = V
            for A, B in zip(*self._moments):
                A *= b1 ** self._j
                B *= b2 ** self._j
        self._j = j
        a_factor = b1 ** -j / scale            # h = a_factor * g_passed = b1**-j * g_true
        b_factor = b1 ** (2 * j) / b2 ** j     # so h**2 * b_factor = b2**-j * g_true**2
        s = math.sqrt((1.0 - b2) / (1.0 - b2 ** t) * b2 ** j)
        step = self.learning_rate * (1.0 - b1) / (1.0 - b1 ** t) * b1 ** j / s
        eps = self.eps / s
        for p, g, A, B, tmp in zip(params, grads, *self._moments, scratch):
            h = g if a_factor == 1.0 else np.multiply(g, a_factor, out=tmp)
            A += h
            np.multiply(h, h, out=tmp)         # g is not read after this line: tmp may be g
            tmp *= b_factor
            B += tmp
            np.sqrt(B, out=tmp)
            tmp += eps
            np.divide(A, tmp, out=tmp)
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
