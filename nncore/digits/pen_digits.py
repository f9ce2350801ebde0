"""Synthetic pen-drawn digits in the writing styles a 5,000-digit MNIST sample hardly contains.

MNIST was written by American census staff and students. People elsewhere write some digits
differently, and a network trained only on MNIST misreads those styles however well it scores
on MNIST's own test digits (measured with ``bench/bench_drawn_digits.py`` on a network
trained on all 60,000 MNIST digits: bench/README.md, "Figures behind the defaults").
The common allographs missing from MNIST are well known: the 1 with a flag (and often a foot),
the 7 with a bar across its stem, the 9 whose tail curls back to the left, the open 4 drawn as
two strokes, the flat-topped 3.

``synthetic_digits`` draws such digits as pen strokes, from a small set of templates per digit
(the usual American shapes as well, so that no style is tied to a class by its pen alone), each
time with a random slant, rotation, width, smooth wobble and imprecise pen lifts, and renders
them through the same path as the drawing canvas (``drawing.features_from_strokes``), so they
look like what a person draws on the pad. ``fit`` adds them to the training rows of a dataset
whose classes are the ten digits (``TrainConfig.synthetic_digits``); validation rows stay the
dataset's own.

Templates are polylines in a unit box, x to the right and y down (screen convention).
"""
from __future__ import annotations

import numpy as np

from nncore.digits.drawing import features_from_strokes, fit_to_pad
from nncore.digits.strokes import vary

__all__ = ["TEMPLATES", "DIGITS", "draw_digit", "synthetic_digits", "drawn_rows",
           "is_digit_classes"]

DIGITS = [str(d) for d in range(10)]
CANVAS = 280            # rendered on a canvas like the drawing pad's, with its default pen
PEN = 18.0
FILL = 0.75


# --------------------------------------------------------------------------- primitives

def _arc(cx, cy, rx, ry, start, stop, n=18):
    """Points on an ellipse from angle ``start`` to ``stop`` (degrees; 0 = right, 90 = down)."""
    t = np.deg2rad(np.linspace(start, stop, n))
    return np.column_stack([cx + rx * np.cos(t), cy + ry * np.sin(t)])


def _bezier(*controls, n=14):
    """A Bezier curve through its first and last control points (de Casteljau)."""
    p = np.asarray(controls, dtype=np.float64)
    t = np.linspace(0.0, 1.0, n)[:, None, None]
    pts = np.broadcast_to(p, (n, *p.shape)).copy()
    while pts.shape[1] > 1:
        pts = (1 - t) * pts[:, :-1] + t * pts[:, 1:]
    return pts[:, 0]


def _line(*points):
    return np.asarray(points, dtype=np.float64)


def _join(*parts):
    """One stroke made of consecutive parts (a repeated joint point is dropped)."""
    out = [parts[0]]
    for part in parts[1:]:
        out.append(part[1:] if np.allclose(part[0], out[-1][-1]) else part)
    return np.vstack(out)


def _u(rng, lo, hi):
    return float(rng.uniform(lo, hi))


# --------------------------------------------------------------------------- templates
# Each template takes a random generator (for its own proportions) and returns strokes.

def _zero(rng):
    start = _u(rng, -120, -60)
    return [_arc(0.5, 0.5, _u(rng, 0.3, 0.42), 0.5, start, start - 360 - _u(rng, 0, 25), 28)]


def _one_plain(rng):
    return [_line((0.5, 0.0), (0.5 + _u(rng, -0.05, 0.05), 1.0))]


def _one_flag(rng):
    top = (0.55, 0.0)
    flag = (_u(rng, 0.05, 0.35), _u(rng, 0.12, 0.4))      # short and steep to long and flat
    return [_line(flag, top, (0.55 + _u(rng, -0.04, 0.04), 1.0))]


def _one_flag_foot(rng):
    strokes = _one_flag(rng)
    half = _u(rng, 0.15, 0.4)                  # a wide foot makes a squat digit once scaled
    strokes.append(_line((0.55 - half, 1.0), (0.55 + half, 1.0)))
    return strokes


def _two(rng):
    top = _arc(0.5, 0.28, 0.36, 0.28, 200, 355, 14)
    end_x = _u(rng, 0.85, 1.0)
    return [_join(top, _bezier(top[-1], (0.85, 0.55), (0.3, 0.8), (0.08, 1.0)),
                  _line((0.08, 1.0), (end_x, 0.98)))]


def _two_loop(rng):
    top = _arc(0.5, 0.28, 0.36, 0.28, 200, 355, 14)
    down = _bezier(top[-1], (0.8, 0.6), (0.3, 0.8), (0.2, 0.98))
    loop = _arc(0.2, 0.9, 0.08, 0.08, 90, 450, 12)          # a small loop where it turns
    return [_join(top, down, loop, _line(tuple(loop[-1]), (_u(rng, 0.85, 1.0), 0.97)))]


def _three(rng):
    upper = _arc(0.45, 0.26, 0.38, 0.26, -160, 90, 18)
    lower = _arc(0.45, 0.74, 0.42, 0.26, -90, 150, 18)
    return [_join(upper, lower)]


def _three_flat(rng):
    lower = _arc(0.45, 0.72, 0.42, 0.28, -90, 150, 18)
    return [_join(_line((0.1, 0.0), (0.85, 0.0), (0.45, 0.44)), lower)]


def _four_closed(rng):
    bar = _u(rng, 0.55, 0.7)
    stem = _u(rng, 0.6, 0.75)
    return [_line((stem, 0.0), (0.05, bar), (0.95, bar)), _line((stem, 0.15), (stem, 1.0))]


def _four_open(rng):
    bar = _u(rng, 0.5, 0.65)
    stem = _u(rng, 0.65, 0.8)
    return [_line((0.15, 0.0), (0.1, bar), (0.95, bar)),
            _line((stem, _u(rng, 0.0, 0.2)), (stem, 1.0))]


def _four_hooked(rng):
    # the "4" written in one stroke that comes back up: a shape close to a u with a long leg
    bar = _u(rng, 0.5, 0.65)
    return [_join(_line((0.2, 0.0), (0.12, bar)), _line((0.12, bar), (0.8, bar))),
            _line((0.72, 0.05), (0.75, 1.0))]


def _four_round(rng):
    # the left stroke turns into the bar with a round corner, the stem starts high
    bar = _u(rng, 0.55, 0.7)
    stem = _u(rng, 0.65, 0.8)
    return [_bezier((0.2, 0.0), (0.05, bar + 0.1), (0.3, bar + 0.05), (0.95, bar - 0.05)),
            _line((stem, _u(rng, 0.0, 0.1)), (stem + 0.03, 1.0))]


def _four_low_stem(rng):
    # a tall left stroke turning into the bar, and a stem that starts only a little above it
    bar = _u(rng, 0.5, 0.65)
    stem = _u(rng, 0.6, 0.75)
    return [_bezier((0.25, 0.0), (0.1, bar), (0.2, bar + 0.05), (0.9, bar - 0.05), n=12),
            _line((stem, bar - _u(rng, 0.1, 0.3)), (stem + _u(rng, -0.03, 0.05), 1.0))]


def _four_cursive(rng):
    # a short left stroke that curves into the bar (a "u" with a long right leg); the stem
    # is drawn from the top, through the bar, to the bottom
    top = _u(rng, 0.15, 0.5)
    bar = _u(rng, 0.55, 0.8)
    stem = _u(rng, 0.55, 0.8)
    return [_bezier((0.2, top), (0.12, bar + 0.08), (0.35, bar + 0.05),
                    (stem + _u(rng, -0.02, 0.12), bar - 0.03), n=12),
            _line((stem, 0.0), (stem + _u(rng, -0.03, 0.05), 1.0))]


def _four_short_stem(rng):
    # a full-height left stroke turning into a low bar, and a short stem crossing it near the
    # bottom (next to a 6, the open side is what tells them apart)
    bar = _u(rng, 0.6, 0.8)
    stem = _u(rng, 0.55, 0.75)
    return [_bezier((0.25, 0.0), (0.1, bar), (0.2, bar + 0.05),
                    (stem + _u(rng, 0.05, 0.25), bar - 0.03), n=12),
            _line((stem, bar - _u(rng, 0.1, 0.3)), (stem + _u(rng, -0.03, 0.05), 1.0))]


def _five(rng):
    bowl = _arc(0.45, 0.7, 0.42, 0.3, -140, 150, 18)
    return [_join(_line((0.25, 0.0), (0.2, 0.45)), _line((0.2, 0.45), tuple(bowl[0])), bowl),
            _line((0.25, 0.0), (_u(rng, 0.75, 0.95), 0.0))]


def _five_one_stroke(rng):
    bowl = _arc(0.45, 0.7, 0.42, 0.3, -140, 150, 18)
    return [_join(_line((0.9, 0.0), (0.25, 0.0), (0.2, 0.45), tuple(bowl[0])), bowl)]


def _six(rng):
    loop = _arc(0.5, 0.72, 0.36, 0.28, 180, 540, 22)
    stem = _bezier((_u(rng, 0.65, 0.85), 0.0), (0.25, 0.15), (0.12, 0.5), tuple(loop[0]))
    return [_join(stem, loop)]


def _seven(rng):
    return [_line((0.05, _u(rng, 0.0, 0.08)), (0.95, 0.0), (_u(rng, 0.3, 0.5), 1.0))]


def _seven_bar(rng):
    foot = _u(rng, 0.3, 0.5)
    y = _u(rng, 0.4, 0.65)                     # the bar crosses the stem about half-way down
    x = 0.95 + (foot - 0.95) * y
    return [_line((0.05, 0.0), (0.95, 0.0), (foot, 1.0)),
            _line((x - _u(rng, 0.2, 0.35), y), (x + _u(rng, 0.15, 0.35), y))]


def _seven_bar_curved(rng):
    # a crossed 7 whose stem bows out to the right before it comes down (common in Europe;
    # without the bar MNIST-trained networks read it as a 2)
    left = _u(rng, 0.05, 0.25)
    bow = _u(rng, 0.0, 0.15)
    foot = _u(rng, 0.4, 0.6)
    curl = _u(rng, 0.0, 0.15)                  # the stem's end may turn back to the left
    stem = _bezier((0.95, 0.0), (0.95 + bow, 0.3), (foot + 0.15 + curl, 0.75),
                   (foot - curl, 1.0), n=16)
    y = _u(rng, 0.45, 0.8)
    x = stem[int(np.argmin(np.abs(stem[:, 1] - y))), 0]
    return [_join(_line((left, _u(rng, 0.0, 0.08)), (0.95, 0.0)), stem),
            _line((x - _u(rng, 0.15, 0.35), y), (x + _u(rng, 0.1, 0.3), y))]


def _seven_hook(rng):
    return [_line((0.05, 0.2), (0.08, 0.0), (0.95, 0.02), (_u(rng, 0.3, 0.5), 1.0))]


def _eight(rng):
    t = np.linspace(0, 2 * np.pi, 40)
    w = _u(rng, 0.3, 0.4)
    return [np.column_stack([0.5 - w * np.sin(t) * np.cos(t) * 2, 0.5 - 0.5 * np.cos(t)])]


def _eight_two_loops(rng):
    return [_arc(0.5, 0.26, 0.3, 0.26, 0, 360, 22), _arc(0.5, 0.74, 0.37, 0.26, -90, 270, 22)]


def _nine(rng):
    loop = _arc(0.45, 0.3, 0.35, 0.3, 0, -360, 22)
    return [_join(loop, _line(tuple(loop[-1]), (_u(rng, 0.7, 0.85), 1.0)))]


def _nine_curled(rng):
    loop = _arc(0.45, 0.3, 0.35, 0.3, 0, -360, 22)
    tail = _bezier(tuple(loop[-1]), (0.85, 0.75), (0.7, 1.0), (_u(rng, 0.1, 0.35), 0.95))
    return [_join(loop, tail)]


def _nine_hooked(rng):
    # a small loop up right and a tail that sweeps far back to the left (like a 3 with a
    # closed top): common in European and Middle-Eastern hands
    r = _u(rng, 0.15, 0.28)
    loop = _arc(0.95 - r, r, r, r, 0, -360, 22)
    tail = _bezier(tuple(loop[-1]), (0.95, 0.85), (0.7, 1.0), (0.0, _u(rng, 0.85, 1.0)))
    return [_join(loop, tail)]


def _nine_sharp(rng):
    # the tail drops straight down from the loop, then turns sharply back to the left
    r = _u(rng, 0.15, 0.28)
    loop = _arc(0.95 - r, r, r, r, 0, -360, 22)
    corner = (_u(rng, 0.85, 0.95), _u(rng, 0.8, 0.9))
    tail = _join(_line(tuple(loop[-1]), corner),
                 _bezier(corner, (corner[0] - 0.05, 1.0), (0.4, 1.0), (0.0, _u(rng, 0.85, 1.0))))
    return [_join(loop, tail)]


def _nine_bowl(rng):
    # a small closed loop at the top, then a bowl that bulges right like a 3's lower half and
    # sweeps back to the left
    r = _u(rng, 0.13, 0.22)
    cx = _u(rng, 0.35, 0.6)
    loop = _arc(cx, r + 0.02, r * _u(rng, 1.0, 1.3), r, 0, -360, 22)
    tail = _bezier(tuple(loop[-1]), (cx + r + _u(rng, 0.25, 0.4), 0.55), (0.8, 1.0),
                   (_u(rng, 0.0, 0.2), _u(rng, 0.8, 0.95)))
    return [_join(loop, tail)]


#: digit -> its templates with their shares (the first is the usual American shape)
TEMPLATES = {
    "0": [(_zero, 1)],
    "1": [(_one_plain, 2), (_one_flag, 3), (_one_flag_foot, 1)],
    "2": [(_two, 1), (_two_loop, 1)],
    "3": [(_three, 2), (_three_flat, 1)],
    "4": [(_four_closed, 1), (_four_open, 1), (_four_hooked, 1), (_four_round, 1),
          (_four_low_stem, 2), (_four_cursive, 3), (_four_short_stem, 2)],
    "5": [(_five, 1), (_five_one_stroke, 1)],
    "6": [(_six, 1)],
    "7": [(_seven, 2), (_seven_bar, 2), (_seven_hook, 1), (_seven_bar_curved, 2)],
    "8": [(_eight, 1), (_eight_two_loops, 1)],
    "9": [(_nine, 1), (_nine_curled, 1), (_nine_hooked, 2), (_nine_sharp, 1), (_nine_bowl, 2)],
}


def draw_digit(digit, rng, template=None):
    """Strokes of one synthetic ``digit`` (str) on a ``CANVAS`` px pad, y down."""
    options = TEMPLATES[str(digit)]
    if template is None:
        shares = np.array([w for _, w in options], dtype=np.float64)
        template = int(rng.choice(len(options), p=shares / shares.sum()))
    make = options[template][0]
    return fit_to_pad(vary(make(rng), rng), CANVAS, FILL)


def is_digit_classes(classes) -> bool:
    """Whether a dataset's classes are exactly the ten digits (any order)."""
    return sorted(str(c) for c in classes) == DIGITS


def synthetic_digits(n, classes, geometry, profile, rng):
    """``n`` synthetic pen digits, spread evenly over the ten digits, as feature rows of a
    dataset with their labels (see ``drawn_rows``)."""
    digits = [DIGITS[k % 10] for k in range(int(n))]
    return drawn_rows(((draw_digit(d, rng), d) for d in digits), classes, geometry, profile)


def drawn_rows(drawings, classes, geometry, profile):
    """Drawings on a ``CANVAS`` px pad as feature rows of a dataset, with their labels.

    Parameters
    ----------
    drawings : iterable of (strokes, digit)
        Strokes in pad pixels (y down) and the digit (str) they show.
    classes : list of str
        The dataset's class names (the ten digits, any order): labels index into it.
    geometry : ImageGeometry
        The dataset's picture layout and value range: rows come out like its own rows.
    profile : dict or None
        The dataset's drawing profile (``drawing.measure_profile``).

    Returns
    -------
    X : ndarray (m, height * width) float64, in the dataset's value range and pixel order (a
        drawing with no ink is left out)
    y : ndarray (m,) int64, indices into ``classes``
    """
    if not is_digit_classes(classes):
        raise ValueError("synthetic and pen digits need a dataset whose classes are the "
                         "digits 0-9")
    index = {str(c): i for i, c in enumerate(classes)}
    rows, labels = [], []
    for strokes, digit in drawings:
        row = features_from_strokes(strokes, CANVAS, CANVAS, PEN, geometry, profile)
        if row is not None:
            rows.append(row)
            labels.append(index[digit])
    X = np.array(rows, dtype=np.float64).reshape(len(rows), geometry.height * geometry.width)
    return X, np.array(labels, dtype=np.int64)
