"""The numbers a regression network learns: the target standardised, after a log when skewed.

A network with a linear output learns best when its target is of order 1: the initial weights
produce outputs of that size, and half the squared error then starts near 0.5 whatever the
label's units (dollars or millions of dollars).  So the target is standardised::

    t = (g(y) - mean) / std          mean, std of g(y) on the training rows
    y = g^-1(t * std + mean)         the inverse: predictions back in the label's units

with ``g`` the identity, or the natural log when the target is positive and strongly skewed
(prices, incomes, salaries: a long right tail).  Squared error on such a target is dominated by
the few largest values, and the network spends itself on them; on the log scale an error is a
ratio (10% too high costs the same on a cheap and on a dear house), and the tail becomes a
nearly symmetric bell.

The principle (``wants_log``): take the log when every value is > 0, the sample skewness of
``y`` is above 1 (a common threshold for "highly skewed"), and the skewness of ``log y`` is
smaller in absolute value (the log does make the target more symmetric; for a target that is
skewed to the left it would not).  Skewness is the Fisher-Pearson ``g1 = m3 / m2**1.5`` with
the central moments ``m2``, ``m3`` of the sample.

A ``TargetTransform`` is fitted on the training rows only and saved with the model as JSON
(``to_dict`` / ``from_dict``); every number shown to the user goes through ``inverse``.
"""
from __future__ import annotations

import math

import numpy as np

__all__ = ["MAX_LOG", "TargetTransform", "skewness", "wants_log"]

#: skewness above which a positive target is considered for the log
SKEW_THRESHOLD = 1.0
#: ``exp`` overflows float64 above ~709.78: inverse clips the log-scale prediction there
MAX_LOG = math.log(np.finfo(np.float64).max)


def skewness(values) -> float:
    """Sample skewness ``g1 = m3 / m2**1.5`` of ``values`` (flattened); 0.0 when constant."""
    v = np.asarray(values, dtype=np.float64).ravel()
    if v.size == 0:
        return 0.0
    d = v - v.mean()
    m2 = float(np.mean(d * d))
    if m2 == 0.0:
        return 0.0
    return float(np.mean(d * d * d)) / m2 ** 1.5


def wants_log(values) -> bool:
    """Whether the log should be learned instead of ``values`` (see the module docstring)."""
    v = np.asarray(values, dtype=np.float64).ravel()
    if v.size < 3 or not np.all(v > 0):
        return False
    skew = skewness(v)
    return skew > SKEW_THRESHOLD and abs(skewness(np.log(v))) < abs(skew)


class TargetTransform:
    """``t = (g(y) - mean) / std`` with ``g`` = log when ``log`` else the identity.

    Parameters
    ----------
    log : bool
    mean, std : float
        Of ``g(y)`` on the training rows; ``std`` must be positive and finite.
    """

    def __init__(self, log=False, mean=0.0, std=1.0):
        self.log, self.mean, self.std = bool(log), float(mean), float(std)
        if not (math.isfinite(self.mean) and math.isfinite(self.std) and self.std > 0):
            raise ValueError(f"target transform needs a finite mean and a positive std, got "
                             f"mean={self.mean!r}, std={self.std!r}")

    @classmethod
    def fit(cls, y, log="auto") -> TargetTransform:
        """Fitted on training targets ``y`` (n,); ``log``: ``"auto"`` (``wants_log``) or a bool.

        A constant ``y`` gets ``std = 1`` (nothing to divide).  ``ValueError`` for an empty or
        non-finite ``y``, or ``log=True`` with a value <= 0.
        """
        y = np.asarray(y, dtype=np.float64).ravel()
        if y.size == 0 or not np.all(np.isfinite(y)):
            raise ValueError("the target must hold at least one finite number, and only those")
        log = wants_log(y) if isinstance(log, str) and log == "auto" else bool(log)
        if log and not np.all(y > 0):
            raise ValueError("a log target needs every value above 0")
        g = np.log(y) if log else y
        std = float(g.std())
        return cls(log, float(g.mean()), std if std > 0 else 1.0)

    def transform(self, y) -> np.ndarray:
        """Label units -> the network's numbers, float64, same shape as ``y``."""
        y = np.asarray(y, dtype=np.float64)
        return ((np.log(y) if self.log else y) - self.mean) / self.std

    def inverse(self, t) -> np.ndarray:
        """The network's numbers -> label units, float64, same shape as ``t``."""
        g = np.asarray(t, dtype=np.float64) * self.std + self.mean
        return np.exp(np.minimum(g, MAX_LOG)) if self.log else g

    @property
    def reason(self) -> str:
        """One line for the user: what the network learns."""
        if self.log:
            return ("the network learns the log of the label, standardised: the label is "
                    "positive and strongly skewed (skewness above 1, less so after the log)")
        return "the network learns the label standardised (mean 0, standard deviation 1)"

    def to_dict(self) -> dict:
        return {"log": self.log, "mean": self.mean, "std": self.std}

    @classmethod
    def from_dict(cls, data: dict) -> TargetTransform:
        try:
            return cls(bool(data["log"]), float(data["mean"]), float(data["std"]))
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"not a target transform: {exc}") from None

    def __repr__(self):
        return f"TargetTransform(log={self.log}, mean={self.mean:.6g}, std={self.std:.6g})"
