"""Feature scaling that travels with a model: ``x_scaled = (x - offset) / scale`` per feature,
then optionally a smooth clip.

Images keep their meaning as pictures: every pixel is mapped with the same ``(x - vmin) /
(vmax - vmin)``, so blank paper is 0 and full ink is 1. Other data is standardised per feature
(mean 0, standard deviation 1); a constant feature gets scale 1 instead of a division by zero.
The fitted numbers are saved inside the model so that predictions see the training scaling.

Robust scaling with a smooth clip (``fit(..., robust=True)``, tables only). A column of
incomes or amounts has a few huge values: standardised, they pull the mean and inflate the
standard deviation, so most rows crowd near one value while the outliers sit at 10 or 50 and
dominate the first layer's products. Following RealMLP (Holzmüller et al., 2024, "Better by
default: strong pre-tuned MLPs and boosted trees on tabular data"), such columns are centred
on the median and divided by the interquartile range over 1.349 (the standard deviation of a
normal column; where the quartiles coincide, as in a rare one-hot column, the standard
deviation is used), and the result goes through the smooth clip
``x / sqrt(1 + (x / c)**2)`` with ``c = CLIP`` (3): the identity near 0 (slope 1 at 0,
0.95 at 1), monotone, bounded by ``c``. It keeps the order of the values and is differentiable,
so the network still tells 5 from 50 apart but no longer sees 50 as fifty times 1.
"""
from __future__ import annotations

import numpy as np

from nncore.data.images import ImageGeometry

#: rows scaled at once by ``Scaler.transform``: its float64 temporaries (8 bytes a cell,
#: 1.6 MB for 784 pixels) stay in the CPU's cache, which makes it 2-3 times faster than blocks
#: of 4,096 rows, most of all for the column-major arrays pandas gives
BLOCK_ROWS = 256
#: the bound of the smooth clip of robust scaling: ``x / sqrt(1 + (x / CLIP)**2)``
CLIP = 3.0
#: the interquartile range of a standard normal column (so robust scales read like stds)
NORMAL_IQR = 1.3489795


#: how a table's features are scaled (``TrainConfig.scaling``): ``Scaler.fit``'s ``robust``
SCALINGS = {"standard": False, "robust": True}


def smooth_clip(x, c):
    """``x / sqrt(1 + (x / c)**2)`` elementwise: ~x near 0, bounded by ``c``, monotone."""
    return x / np.sqrt(1.0 + (x / c) ** 2)


class Scaler:
    """Per-feature affine scaling; ``offset`` and ``scale`` are (d,) float64 once fitted;
    ``clip``: the smooth clip's bound after them, None for none."""

    def __init__(self, offset=None, scale=None, clip=None):
        self.offset = None if offset is None else np.asarray(offset, dtype=np.float64).ravel()
        self.scale = None if scale is None else np.asarray(scale, dtype=np.float64).ravel()
        self.clip = None if clip is None else float(clip)
        if self.clip is not None and not (np.isfinite(self.clip) and self.clip > 0):
            raise ValueError("clip must be a positive number")
        if (self.offset is None) != (self.scale is None):
            raise ValueError("give both offset and scale, or neither")
        if self.offset is not None:
            if self.offset.shape != self.scale.shape:
                raise ValueError(f"offset has {self.offset.size} values, scale {self.scale.size}")
            if not np.all(np.isfinite(self.scale)) or np.any(self.scale == 0):
                raise ValueError("scale values must be finite and non-zero")

    @property
    def fitted(self) -> bool:
        return self.offset is not None

    def fit(self, X, image: ImageGeometry | None = None, robust: bool = False) -> Scaler:
        """Learn offset/scale from training rows X (n, d), any numeric dtype; returns self.

        ``robust`` (ignored for pictures): median and interquartile range, then the smooth
        clip (see the module's docstring)."""
        X = np.asarray(X)
        if X.ndim != 2 or X.shape[0] == 0:
            raise ValueError(f"fit needs a non-empty 2-D array, got shape {X.shape}")
        d = X.shape[1]
        if image is not None:
            self.offset = np.full(d, image.vmin)
            self.scale = np.full(d, image.vmax - image.vmin)
            self.clip = None
        elif robust:
            self._fit_robust(np.asarray(X, dtype=np.float64))
        else:
            # in float64 whatever X's dtype (uint8 pixels, float32 numbers), as if converted
            self.offset = X.mean(axis=0, dtype=np.float64)
            std = X.std(axis=0, dtype=np.float64)
            self.scale = np.where(std > 1e-12 * np.maximum(1.0, np.abs(self.offset)), std, 1.0)
            self.clip = None
        return self

    def _fit_robust(self, X):
        """Median, interquartile range / ``NORMAL_IQR`` (the std where it is 0, 1 where that
        is 0 too), and the smooth clip at ``CLIP``."""
        q25, median, q75 = np.percentile(X, [25, 50, 75], axis=0)
        tiny = 1e-12 * np.maximum(1.0, np.abs(median))
        spread = (q75 - q25) / NORMAL_IQR
        std = X.std(axis=0)
        self.offset = median
        self.scale = np.where(spread > tiny, spread, np.where(std > tiny, std, 1.0))
        self.clip = CLIP

    def _check(self, X):
        if not self.fitted:
            raise ValueError("the scaler is not fitted yet: call fit(X) first")
        X = np.asarray(X)
        if X.shape[-1] != self.offset.size:
            raise ValueError(f"expected {self.offset.size} features, got {X.shape[-1]}")
        return X

    def transform(self, X, dtype=np.float32) -> np.ndarray:
        """Scaled copy of X (n, d) or one row (d,), in ``dtype`` (float32 by default)."""
        X = self._check(X)
        if self.clip is not None:
            return smooth_clip((X - self.offset) / self.scale, self.clip).astype(dtype, copy=False)
        if X.ndim < 2 or len(X) <= BLOCK_ROWS:
            return ((X - self.offset) / self.scale).astype(dtype, copy=False)
        # The arithmetic is float64 whatever X's dtype; a block of rows at a time, so that
        # 60,000 uint8 pictures need no 376 MB float64 temporary on the way to float32 (and
        # the temporaries stay in cache).
        out = np.empty(X.shape, dtype=dtype)
        for start in range(0, len(X), BLOCK_ROWS):
            rows = slice(start, start + BLOCK_ROWS)
            out[rows] = (X[rows] - self.offset) / self.scale
        return out

    def inverse_transform(self, X, dtype=np.float64) -> np.ndarray:
        X = np.asarray(self._check(X), dtype=np.float64)
        if self.clip is not None:      # the clip's inverse: x / sqrt(1 - (x / c)**2), |x| < c
            X = X / np.sqrt(np.maximum(1.0 - (X / self.clip) ** 2, 1e-300))
        return (X * self.scale + self.offset).astype(dtype, copy=False)

    def fit_transform(self, X, image=None, dtype=np.float32) -> np.ndarray:
        return self.fit(X, image).transform(X, dtype)

    def to_dict(self) -> dict:
        """JSON-ready: {"offset": [...], "scale": [...]} (None when not fitted), and
        ``"clip"`` when the scaler clips."""
        if not self.fitted:
            return {"offset": None, "scale": None}
        out = {"offset": self.offset.tolist(), "scale": self.scale.tolist()}
        if self.clip is not None:
            out["clip"] = self.clip
        return out

    @classmethod
    def from_dict(cls, d: dict) -> Scaler:
        return cls(offset=d.get("offset"), scale=d.get("scale"), clip=d.get("clip"))

    def __repr__(self):
        if not self.fitted:
            return "Scaler(unfitted)"
        return f"Scaler(n_features={self.offset.size})"
