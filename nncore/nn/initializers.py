"""Weight initialisation schemes, keyed by the names the UI sends.

``INITIALIZERS[name](fan_in, fan_out, rng) -> (W, b)`` with ``W`` (fan_in, fan_out) and ``b``
(fan_out,), both float64 (the network casts them to its dtype, so a float32 and a float64 network
built from the same seed hold the same numbers up to rounding).

* ``"ng"``: Andrew Ng's ex4 ``randInitializeWeights``: weights *and* biases uniform in
  ``[-eps, eps]`` with ``eps = sqrt(6) / sqrt(fan_in + fan_out)`` (0.1188 for 400-25, Ng's 0.12).
* ``"xavier"``: Glorot & Bengio (2010), normal with variance ``2 / (fan_in + fan_out)``, zero biases.
* ``"he"``: He et al. (2015), normal with variance ``2 / fan_in``, zero biases.
* ``"auto"`` (``resolve_init``): ``he`` for relu, ``xavier`` for tanh, ``ng`` for sigmoid; each
  keeps the variance of its activation's signal roughly constant across layers, and ``ng`` keeps
  the sigmoid network of Ng's course reproducible as taught.

Everything random comes from the ``rng`` passed in (``np.random.default_rng(seed)``), drawn in a
fixed order, so the same seed gives bit-identical weights.
"""

import numpy as np

__all__ = ["INITIALIZERS", "AUTO_INIT", "get_initializer", "resolve_init"]


def ng_uniform(fan_in, fan_out, rng):
    """Ng's symmetric uniform init of weights and biases (see module docstring)."""
    eps = np.sqrt(6.0) / np.sqrt(fan_in + fan_out)
    W = rng.uniform(-eps, eps, size=(fan_in, fan_out))
    b = rng.uniform(-eps, eps, size=fan_out)
    return W, b


def xavier_normal(fan_in, fan_out, rng):
    """Glorot normal: ``W ~ N(0, 2 / (fan_in + fan_out))``, ``b = 0``."""
    W = rng.standard_normal((fan_in, fan_out)) * np.sqrt(2.0 / (fan_in + fan_out))
    return W, np.zeros(fan_out)


def he_normal(fan_in, fan_out, rng):
    """He normal: ``W ~ N(0, 2 / fan_in)``, ``b = 0``."""
    W = rng.standard_normal((fan_in, fan_out)) * np.sqrt(2.0 / fan_in)
    return W, np.zeros(fan_out)


INITIALIZERS = {"ng": ng_uniform, "xavier": xavier_normal, "he": he_normal}
AUTO_INIT = {"relu": "he", "tanh": "xavier", "sigmoid": "ng"}


def resolve_init(init, activation):
    """Name of the concrete scheme for ``init`` (``"auto"`` picks by hidden ``activation``).

    Raises
    ------
    ValueError
        If ``init`` is neither ``"auto"`` nor a key of ``INITIALIZERS``.
    """
    if init == "auto":
        return AUTO_INIT.get(activation, "ng")
    get_initializer(init)
    return init


def get_initializer(name):
    """Look up an initialiser; unknown names raise ``ValueError`` listing the valid ones."""
    if name not in INITIALIZERS:
        valid = ", ".join(sorted(INITIALIZERS) + ["auto"])
        raise ValueError(f"unknown init {name!r}; valid initializers: {valid}")
    return INITIALIZERS[name]
