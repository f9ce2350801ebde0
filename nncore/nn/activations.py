"""Hidden-layer activation functions and their derivatives.

Two registries keyed by the names the UI sends (``"sigmoid"``, ``"tanh"``, ``"relu"``):

* ``ACTIVATIONS[name](z, out=None) -> a`` maps pre-activations to activations;
* ``DERIVATIVES[name](a, out=None) -> da/dz`` gives the derivative *expressed in the activation*
  ``a`` (what back-propagation has at hand): ``a(1-a)`` for sigmoid, ``1-a**2`` for tanh,
  ``[a > 0]`` for relu.

Both accept ``out=`` so the training loop can work in preallocated buffers (``out=z`` is allowed,
the update is then in place).  Output layers (sigmoid / softmax with their costs) live in
``outputs.py``.  The sigmoid is written as ``(1 + tanh(z/2)) / 2``: mathematically identical to
``1 / (1 + exp(-z))`` but it never overflows, so ``z = -1e4`` gives ``0`` without a warning.
"""

import numpy as np

__all__ = ["ACTIVATIONS", "DERIVATIVES", "get_activation", "sigmoid", "tanh", "relu"]


def sigmoid(z, out=None):
    """Logistic function ``1 / (1 + exp(-z))``, overflow-free.

    Parameters
    ----------
    z : ndarray, any shape
    out : ndarray, optional
        Where to write the result (may be ``z`` itself).

    Returns
    -------
    ndarray, same shape and dtype as ``z``, values in ``[0, 1]``.
    """
    out = np.multiply(z, 0.5, out=out)
    np.tanh(out, out=out)
    out *= 0.5
    out += 0.5
    return out


def tanh(z, out=None):
    """Hyperbolic tangent, values in ``[-1, 1]``."""
    return np.tanh(z, out=out)


def relu(z, out=None):
    """Rectified linear unit ``max(z, 0)``."""
    return np.maximum(z, 0, out=out)


def sigmoid_derivative(a, out=None):
    """``da/dz = a (1 - a)`` for ``a = sigmoid(z)``."""
    out = np.subtract(1, a, out=out)
    out *= a
    return out


def tanh_derivative(a, out=None):
    """``da/dz = 1 - a**2`` for ``a = tanh(z)``."""
    out = np.multiply(a, a, out=out)
    np.subtract(1, out, out=out)
    return out


def relu_derivative(a, out=None):
    """``da/dz = 1 where a > 0 else 0`` (the kink at ``z = 0`` is given slope 0)."""
    if out is None:
        out = np.empty_like(a)
    return np.greater(a, 0, out=out)


ACTIVATIONS = {"sigmoid": sigmoid, "tanh": tanh, "relu": relu}
DERIVATIVES = {"sigmoid": sigmoid_derivative, "tanh": tanh_derivative, "relu": relu_derivative}


def get_activation(name):
    """Look up an activation and its derivative by name.

    Parameters
    ----------
    name : str
        One of ``ACTIVATIONS`` (``"sigmoid"``, ``"tanh"``, ``"relu"``).

    Returns
    -------
    (f, df) : tuple of callables
        ``f(z, out=None) -> a`` and ``df(a, out=None) -> da/dz``.

    Raises
    ------
    ValueError
        If ``name`` is unknown; the message lists the valid names.
    """
    if name not in ACTIVATIONS:
        raise ValueError(
            f"unknown activation {name!r}; valid activations: {', '.join(sorted(ACTIVATIONS))}"
        )
    return ACTIVATIONS[name], DERIVATIVES[name]
