"""Train/validation split that keeps each class's share of the data.

Each class is shuffled on its own and about ``fraction`` of it goes to validation. When
``fraction > 0``, every class with at least two samples puts at least one in validation and
keeps at least one for training; a class with a single sample stays in training.
"""
from __future__ import annotations

import numpy as np


def stratified_split(y, fraction, rng) -> tuple[np.ndarray, np.ndarray]:
    """Indices (train_idx, val_idx), each sorted int64, for labels y (n,) of any type.

    ``rng`` is a ``numpy.random.Generator``; the same seed gives the same split.
    """
    y = np.asarray(y)
    if y.ndim != 1:
        raise ValueError(f"y must be 1-D, got shape {y.shape}")
    fraction = float(fraction)
    if not 0.0 <= fraction < 1.0:
        raise ValueError(f"validation fraction must be in [0, 1), got {fraction}")
    if fraction == 0.0 or y.size == 0:
        return np.arange(y.size, dtype=np.int64), np.empty(0, dtype=np.int64)
    _, codes = np.unique(y, return_inverse=True)
    val_parts = []
    for c in range(codes.max() + 1):
        members = np.flatnonzero(codes == c)
        n = members.size
        if n < 2:
            continue
        n_val = min(max(1, int(round(fraction * n))), n - 1)
        val_parts.append(rng.permutation(members)[:n_val])
    val_idx = np.sort(np.concatenate(val_parts)) if val_parts else np.empty(0, dtype=np.int64)
    mask = np.ones(y.size, dtype=bool)
    mask[val_idx] = False
    return np.flatnonzero(mask).astype(np.int64), val_idx.astype(np.int64)
