"""Real pen digits as training rows: people's own strokes, drawn through the drawing pad's path.

The synthetic templates (``pen_digits.py``) cover styles a 5,000-digit MNIST sample hardly
holds, but they are one person's idea of each style. ``data/pen_strokes.npz`` holds 7,494 digits
that 30 people wrote with a pen on a tablet (UCI pen digits, built by
``scripts/build_pen_strokes.py``): trajectories, as the drawing pad captures them. Each one is
varied a little (``strokes.vary``: width, slant, rotation, smooth wobble, pen lifts, and a
faster pen that leaves fewer points), fitted to a pad of ``CANVAS`` px as a person fills it,
and turned into a feature row by ``drawing.features_from_strokes``, exactly as a drawing on
the run page is. (That path redraws every drawing with the dataset's own pen width, so the
pen width varies later, in the per-batch augmentation of ``augment.py``.) So the network sees real strokes of many hands in the very form
in which it will be asked to read them.

``PenStrokes.without_writers`` keeps whole writers out, so that a benchmark can test on writers
the network never saw (``bench/bench_drawn_digits.py``).
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from nncore.digits.drawing import fit_to_pad
from nncore.digits.pen_digits import CANVAS, FILL, drawn_rows
from nncore.digits.strokes import vary

__all__ = ["PEN_STROKES_PATH", "PenStrokes", "load_pen_strokes", "pen_digit_rows"]

PEN_STROKES_PATH = Path(__file__).resolve().parents[2] / "data" / "pen_strokes.npz"

#: how much a real digit is varied: less than a template, since the writer's hand already varies
REAL_VARIATION = {"width": (0.85, 1.15), "slant": (-0.15, 0.15), "angle": 6.0, "wobble": 0.02,
                  "lift": 0.01}


@dataclass(frozen=True)
class PenStrokes:
    """Pen digits: ``strokes[i]`` is a list of (m, 2) float arrays (x right, y down),
    ``labels[i]`` the digit (str), ``writers[i]`` who wrote it."""

    strokes: tuple
    labels: np.ndarray
    writers: np.ndarray

    def __len__(self):
        return len(self.labels)

    def without_writers(self, names) -> "PenStrokes":
        """The digits of every writer not in ``names``."""
        keep = ~np.isin(self.writers, list(names))
        return self._take(np.flatnonzero(keep))

    def of_writers(self, names) -> "PenStrokes":
        """The digits of the writers in ``names``."""
        return self._take(np.flatnonzero(np.isin(self.writers, list(names))))

    def _take(self, index):
        return PenStrokes(tuple(self.strokes[i] for i in index), self.labels[index],
                          self.writers[index])


def load_pen_strokes(path=PEN_STROKES_PATH) -> PenStrokes:
    """The pen digits of ``data/pen_strokes.npz`` (or a file built the same way)."""
    with np.load(path, allow_pickle=False) as f:
        points = f["points"].astype(np.float64)
        stroke_ends, sample_ends = f["stroke_ends"], f["sample_ends"]
        labels, owner = f["labels"], f["writers"]
        names = json.loads(str(f["meta"]))["writers"]
    strokes = np.split(points, stroke_ends[:-1])
    samples = tuple(strokes[a:b] for a, b in zip(np.r_[0, sample_ends[:-1]], sample_ends))
    return PenStrokes(samples, np.array([str(int(v)) for v in labels], dtype=object),
                      np.array([names[int(i)] for i in owner], dtype=object))


def _drop_points(stroke, rng):
    """A faster pen: each inner point kept with probability 0.6-1 (the ends always)."""
    if len(stroke) <= 3:
        return stroke
    keep = rng.random(len(stroke)) < rng.uniform(0.6, 1.0)
    keep[[0, -1]] = True
    return stroke[keep]


def _unit_box(strokes):
    """Strokes moved and scaled so that their longer side spans 0..1, centred on (0.5, 0.5)."""
    pts = np.vstack(strokes)
    lo, hi = pts.min(axis=0), pts.max(axis=0)
    scale = 1.0 / max(float((hi - lo).max()), 1e-9)
    centre = (lo + hi) / 2
    return [(s - centre) * scale + 0.5 for s in strokes]


def pen_digit_rows(pen: PenStrokes, n, classes, geometry, profile, rng):
    """``n`` renderings of the pen digits, cycling through them in a random order, each varied
    and fitted to the pad, as feature rows of a dataset with their labels (the parameters and
    results of ``pen_digits.drawn_rows``; ``n = len(pen)`` draws each digit once)."""
    if not len(pen) or n <= 0:
        return drawn_rows([], classes, geometry, profile)
    order = np.concatenate([rng.permutation(len(pen)) for _ in range(-(-n // len(pen)))])[:n]
    drawings = ((_varied(pen.strokes[i], rng), pen.labels[i]) for i in order)
    return drawn_rows(drawings, classes, geometry, profile)


def _varied(strokes, rng):
    """A person's version of a real pen digit, on the pad."""
    strokes = [_drop_points(s, rng) for s in strokes]
    return fit_to_pad(vary(_unit_box(strokes), rng, **REAL_VARIATION), CANVAS, FILL)
