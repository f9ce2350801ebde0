"""Ink on a grid: pen strokes rendered with area anti-aliasing, and what a set of digit pictures
says about how its digits were drawn (ink box, centre of mass, pen thickness).

``render_strokes`` draws polylines as round-capped pens of a given width: a pixel's value is the
share of it the pen covers. ``measure_profile`` summarises a dataset's digits so that
``drawing`` can bring a new drawing to the same conventions; ``default_profile`` is MNIST's.

Coordinates: a pixel ``(i, j)`` covers ``[j, j + 1) x [i, i + 1)``; centres of mass and box
centres are in these continuous units, ``(y, x)``.
"""
from __future__ import annotations

import numpy as np

INK_THRESHOLD = 0.05      # a pixel (0..1) above this counts as ink for bounding boxes
_MAX_PAIRS = 1 << 21      # pixel-piece pairs evaluated at once when rendering (memory cap)
# MNIST's conventions, as measure_profile finds them on its 60,000 training digits (28x28);
# used, scaled to the field, when no profile was measured.
_MNIST_FIELD = 28.0
_MNIST_BOX = 20.0
_MNIST_THICKNESS = 2.4
_MNIST_CENTRE = 14.5      # centre of mass, continuous units (pixel index 14)


# --------------------------------------------------------------------------- rendering

def segments(strokes, scale=1.0) -> np.ndarray:
    """Strokes -> (m, 4) float64 segments ``x0, y0, x1, y1``; a one-point stroke is a dot."""
    segs = []
    for stroke in strokes:
        p = np.asarray(stroke, dtype=np.float64).reshape(-1, 2) * scale
        if len(p) == 0:
            continue
        if len(p) == 1:
            p = np.vstack([p, p])
        segs.append(np.hstack([p[:-1], p[1:]]))
    return np.vstack(segs) if segs else np.zeros((0, 4))


def _coverage(d, r):
    """Share of a unit pixel covered by a pen of radius r whose centre line is d away.

    The exact 1-D box-filter coverage of a band ``[-r, r]`` by a pixel ``[d - 1/2, d + 1/2]``;
    it also gives pens narrower than a pixel their partial ink.
    """
    return np.clip(np.minimum(d + r, 0.5) - np.maximum(d - r, -0.5), 0.0, 1.0)


def _pieces(segs, piece):
    """Segments (m, 4) cut into pieces at most ``piece`` long: their ends ``a``, ``b`` (p, 2)
    float32. The pen around a segment is the union of the pens around its pieces."""
    d = segs[:, 2:] - segs[:, :2]
    count = np.maximum(1, np.ceil(np.hypot(d[:, 0], d[:, 1]) / piece)).astype(np.intp)
    owner = np.repeat(np.arange(len(segs)), count)
    k = np.arange(len(owner)) - np.repeat(np.cumsum(count) - count, count)
    a = (segs[owner, :2] + (k / count[owner])[:, None] * d[owner]).astype(np.float32)
    b = (segs[owner, :2] + ((k + 1) / count[owner])[:, None] * d[owner]).astype(np.float32)
    return a, b


def render_strokes(strokes, width, height, line_width, scale=1.0) -> np.ndarray:
    """Draw polylines as an anti-aliased canvas would, with round caps and joins.

    Parameters
    ----------
    strokes : sequence of sequences of ``[x, y]``
        Pen trajectories in canvas pixels, y down. A stroke with one point is a dot.
    width, height : int
        Canvas size in pixels.
    line_width : float
        Pen width in canvas pixels.
    scale : float
        Output pixels per canvas pixel (0.5 renders a 280x280 canvas at 140x140).

    Returns
    -------
    ndarray, shape (round(height * scale), round(width * scale)), float32
        Ink coverage 0..1 (1 = ink).
    """
    h, w = int(round(height * scale)), int(round(width * scale))
    image = np.zeros((h, w), dtype=np.float32)
    segs = segments(strokes, scale)
    r = 0.5 * line_width * scale
    if len(segs) == 0 or r <= 0 or h == 0 or w == 0:
        return image
    # Each pixel's distance to the nearest segment decides its ink. Only pixels within r + 1 of
    # a segment can get any, so each short piece of a segment is measured against its own small
    # square window of pixels: about a tenth of the pairs that all pixels of the drawing's box
    # against all segments would make.
    piece = max(2.0 * r, 2.0)
    a, b = _pieces(segs, piece)
    reach = r + 1.0
    side = int(np.ceil(piece + 2 * reach)) + 1
    corner = np.floor(np.minimum(a, b) - reach).astype(np.intp)      # window's x, y
    offsets = np.arange(side)
    d2 = np.full(h * w, np.inf, dtype=np.float32)
    step = max(1, _MAX_PAIRS // (side * side))
    # float32 pairs: a working pixel is ~1/100 of the picture, far above float32's rounding
    for s in range(0, len(a), step):
        gx = corner[s:s + step, 0, None] + offsets[None, :]          # (p, side) pixel columns
        gy = corner[s:s + step, 1, None] + offsets[None, :]
        px = (gx + 0.5).astype(np.float32)[:, None, :]               # pixel centres
        py = (gy + 0.5).astype(np.float32)[:, :, None]
        x0, y0 = a[s:s + step, 0, None, None], a[s:s + step, 1, None, None]
        ux = b[s:s + step, 0, None, None] - x0
        uy = b[s:s + step, 1, None, None] - y0
        # Projection parameter of each pixel centre onto its piece, clamped to the piece's ends.
        t = ((px - x0) * ux + (py - y0) * uy) / np.maximum(ux * ux + uy * uy, 1e-12)
        t = np.clip(t, 0.0, 1.0)
        dx, dy = px - (x0 + t * ux), py - (y0 + t * uy)
        inside = ((gx >= 0) & (gx < w))[:, None, :] & ((gy >= 0) & (gy < h))[:, :, None]
        where = gy[:, :, None] * w + gx[:, None, :]
        np.minimum.at(d2, where[inside], (dx * dx + dy * dy)[inside])
    near = np.isfinite(d2)
    image.ravel()[near] = _coverage(np.sqrt(d2[near]), r)
    return image


# --------------------------------------------------------------------------- measuring

def pen_thickness(images) -> np.ndarray:
    """Pen width of each picture (n, h, w) as ``2 * ink area / ink perimeter``.

    For a band of width t and length L the ink area is ``t L`` and the summed grey-level
    gradient along both edges is ``2 L`` (each edge rises by 1), so the ratio is t. It needs
    no binarisation or skeleton, and anti-aliasing does not change it.
    """
    imgs = np.pad(np.asarray(images, dtype=np.float64), ((0, 0), (1, 1), (1, 1)))
    gy = np.diff(imgs, axis=1)[:, :, :-1]
    gx = np.diff(imgs, axis=2)[:, :-1, :]
    perimeter = np.sqrt(gx * gx + gy * gy).sum(axis=(1, 2))
    return 2.0 * imgs.sum(axis=(1, 2)) / np.maximum(perimeter, 1e-12)


def ink_boxes(images, threshold=INK_THRESHOLD):
    """Ink boxes (n, 4) ``top, left, bottom, right`` (continuous units) and a has-ink mask (n,)."""
    ink = np.asarray(images) > threshold
    rows, cols = ink.any(axis=2), ink.any(axis=1)
    has_ink = rows.any(axis=1)
    top = rows.argmax(axis=1)
    bottom = rows.shape[1] - rows[:, ::-1].argmax(axis=1)
    left = cols.argmax(axis=1)
    right = cols.shape[1] - cols[:, ::-1].argmax(axis=1)
    return np.stack([top, left, bottom, right], axis=1).astype(np.float64), has_ink


def centres_of_mass(images) -> np.ndarray:
    """Centres of mass (n, 2) ``y, x`` of pictures (n, h, w); pixel i's centre is i + 0.5."""
    imgs = np.asarray(images, dtype=np.float64)
    mass = np.maximum(imgs.sum(axis=(1, 2)), 1e-12)
    ys = np.arange(imgs.shape[1]) + 0.5
    xs = np.arange(imgs.shape[2]) + 0.5
    return np.stack([imgs.sum(axis=2) @ ys / mass, imgs.sum(axis=1) @ xs / mass], axis=1)


def measure_profile(images) -> dict:
    """Measure how a dataset's digits are drawn and placed.

    Parameters
    ----------
    images : ndarray, shape (n, h, w)
        Upright pictures, 0..1, ink high (e.g. scaled rows through ``images.to_images``).

    Returns
    -------
    dict
        JSON-ready medians over the pictures with ink: ``height``, ``width`` (the field),
        ``box`` (longest side of the ink box, px), ``box_center`` ``[y, x]``,
        ``center_of_mass`` ``[y, x]``, ``thickness`` (pen width, px), ``ink_value`` (the
        strongest pixel), ``centering`` (``"mass"`` or ``"box"``: which of the two centres
        varies less, i.e. how the dataset was centred) and ``n_images``.
    """
    imgs = np.asarray(images, dtype=np.float64)
    if imgs.ndim != 3:
        raise ValueError(f"expected pictures of shape (n, h, w), got {imgs.shape}")
    boxes, has_ink = ink_boxes(imgs)
    if not has_ink.any():
        raise ValueError("no picture has any ink to measure")
    imgs, boxes = imgs[has_ink], boxes[has_ink]
    longest = np.maximum(boxes[:, 2] - boxes[:, 0], boxes[:, 3] - boxes[:, 1])
    box_center = np.stack([boxes[:, 0] + boxes[:, 2], boxes[:, 1] + boxes[:, 3]], axis=1) / 2
    com = centres_of_mass(imgs)
    spread_box = box_center.std(axis=0).sum()
    spread_com = com.std(axis=0).sum()
    return {
        "height": int(imgs.shape[1]),
        "width": int(imgs.shape[2]),
        "box": float(np.median(longest)),
        "box_center": [float(v) for v in np.median(box_center, axis=0)],
        "center_of_mass": [float(v) for v in np.median(com, axis=0)],
        "thickness": float(np.median(pen_thickness(imgs))),
        "ink_value": float(np.median(imgs.max(axis=(1, 2)))),
        "centering": "mass" if spread_com <= spread_box else "box",
        "n_images": int(len(imgs)),
    }


def default_profile(geometry) -> dict:
    """MNIST's conventions scaled to ``geometry``'s field, for when nothing was measured."""
    f = min(geometry.height, geometry.width) / _MNIST_FIELD
    centre = [geometry.height * _MNIST_CENTRE / _MNIST_FIELD,
              geometry.width * _MNIST_CENTRE / _MNIST_FIELD]
    return {"height": geometry.height, "width": geometry.width, "box": _MNIST_BOX * f,
            "box_center": centre, "center_of_mass": centre, "thickness": _MNIST_THICKNESS * f,
            "ink_value": 1.0, "centering": "mass", "n_images": 0}
