"""A person's version of a drawing: random, smooth changes to pen strokes.

Two people never draw a digit alike, and one person not twice. ``vary`` changes a drawing the
way hands differ: its width against its height, its slant (italic writing), a small rotation,
a smooth wobble of the line (a sum of a few low-frequency sine modes of the position, so the
line bends without jitter) and a pen that lands a little off where it left the paper. It
serves the synthetic templates (``pen_digits.py``) and the real pen digits (``pen_strokes.py``).

Strokes are (m, 2) arrays in a unit box, x to the right and y down.
"""
from __future__ import annotations

import numpy as np

__all__ = ["vary"]


def vary(strokes, rng, width=(0.55, 1.1), slant=(-0.05, 0.35), angle=8.0, wobble=0.035,
         lift=0.015):
    """A varied copy of ``strokes`` (list of (m, 2) arrays, unit box, y down), centred on 0.

    Parameters
    ----------
    width : (low, high)
        Range of the factor on x (a narrow or wide hand).
    slant : (low, high)
        Range of the shear: x moves right by ``slant`` per unit the pen goes up.
    angle : float
        Rotation, uniform in +-``angle`` degrees.
    wobble : float
        Standard deviation of each sine mode's amplitude (unit-box units).
    lift : float
        Standard deviation of each stroke's own offset (the pen landing off).
    rng : numpy.random.Generator
    """
    w = float(rng.uniform(*width))
    sh = float(rng.uniform(*slant))
    turn = np.deg2rad(float(rng.uniform(-angle, angle)))
    cos, sin = np.cos(turn), np.sin(turn)
    amp = rng.normal(0.0, wobble, (2, 3))
    phase = rng.uniform(0, 2 * np.pi, (2, 3))
    out = []
    for s in strokes:
        x, y = np.asarray(s, dtype=np.float64).T
        modes = [np.sin(np.pi * y + phase[0, 0]), np.sin(np.pi * x + phase[0, 1]),
                 np.sin(2 * np.pi * (x + y) + phase[0, 2])]
        x = x + sum(a * m for a, m in zip(amp[0], modes))
        modes = [np.sin(np.pi * x + phase[1, 0]), np.sin(np.pi * y + phase[1, 1]),
                 np.sin(2 * np.pi * (x - y) + phase[1, 2])]
        y = y + sum(a * m for a, m in zip(amp[1], modes))
        x = (x - 0.5) * w + sh * (0.5 - y)
        y = y - 0.5
        q = np.column_stack([cos * x - sin * y, sin * x + cos * y])
        q += rng.normal(0.0, lift, 2)
        out.append(q)
    return out
