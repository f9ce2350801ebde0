"""Drawings and pictures turned into feature rows that look like a dataset's own digits.

A network trained on MNIST-style digits only reads a drawing well if the drawing is shown to
it the way its training digits were made: MNIST digits were scaled (keeping their aspect
ratio) so that the longest side of the ink fills a 20 px box, anti-aliased, and moved so that
their centre of mass sits in the middle of a 28x28 field; their pen is about 2-3 px wide. This
module measures those conventions from any image dataset (``measure_profile``) and brings a
drawing to them (``features_from_strokes``, ``features_from_image``). The web canvas (the
browser sends its strokes) and the drawn-digit benchmark both go through this one path.

Pipeline for strokes (canvas pixels, y down): the pen's trajectory is scaled so that the ink
box matches the dataset's typical box, redrawn with the dataset's typical pen width (relative
to the box, so a thin or thick canvas pen does not matter), rendered ``WORK_SCALE`` times finer
than the output, moved so that its centre of mass lands where the dataset's does, averaged
down over ``WORK_SCALE x WORK_SCALE`` blocks (area anti-aliasing), mapped to the dataset's
value range and flattened in its pixel order. Pictures follow the same path after cropping,
with the pen width changed by grey-level dilation or erosion.

Coordinates: a pixel ``(i, j)`` covers ``[j, j + 1) x [i, i + 1)``; centres of mass and box
centres in a profile are in these continuous units, ``(y, x)``.

Not here: rendering strokes and measuring a dataset's profile (``ink.py``), how the browser
captures strokes, augmentation of training images (``augment.py``).
"""
from __future__ import annotations

import numpy as np

from nncore.data.images import from_images, to_images
from nncore.digits.ink import (
    centres_of_mass, default_profile, ink_boxes, pen_thickness, render_strokes, segments,
)

WORK_SCALE = 4            # working pixels per output pixel (area anti-aliasing factor)
_FRINGE = 1.0             # anti-aliasing adds about half a pixel of faint ink on each side


# --------------------------------------------------------------------------- placing

def _area_matrix(n_in, n_out, scale, offset=0.0) -> np.ndarray:
    """(n_out, n_in) weights averaging input pixels over each output pixel's footprint.

    Output pixel k covers input ``[(k - offset) / scale, (k + 1 - offset) / scale)``; each
    weight is the overlap length times ``scale``, so rows sum to 1 inside the input.
    """
    lo = (np.arange(n_out)[:, None] - offset) / scale
    hi = lo + 1.0 / scale
    src = np.arange(n_in)[None, :]
    overlap = np.clip(np.minimum(hi, src + 1) - np.maximum(lo, src), 0.0, None)
    return overlap * scale


def _place(work, geometry, profile, k=WORK_SCALE):
    """Working picture (k px per output px) -> upright output picture (h, w) 0..1, or None.

    Moves the picture by whole working pixels so that its centre of mass (or ink box centre,
    as the profile says) lands on the profile's, then averages ``k x k`` blocks.
    """
    if work.sum() <= 1e-6:
        return None
    h, w = geometry.height, geometry.width
    ph, pw = profile.get("height", h), profile.get("width", w)
    if profile.get("centering", "mass") == "box":
        top, left, bottom, right = ink_boxes(work[None])[0][0]
        here = np.array([(top + bottom) / 2, (left + right) / 2])
        target = np.array(profile["box_center"], dtype=np.float64)
    else:
        here = centres_of_mass(work[None])[0]
        target = np.array(profile["center_of_mass"], dtype=np.float64)
    target = target * [h / ph, w / pw] * k          # profile's field -> this field, working px
    dy, dx = np.round(target - here).astype(int)
    out = np.zeros((h * k, w * k), dtype=np.float64)
    # Paste work shifted by (dy, dx), clipped to the field.
    ys, yd = max(0, -dy), max(0, dy)
    xs, xd = max(0, -dx), max(0, dx)
    nh = min(work.shape[0] - ys, h * k - yd)
    nw = min(work.shape[1] - xs, w * k - xd)
    if nh <= 0 or nw <= 0:
        return None
    out[yd:yd + nh, xd:xd + nw] = work[ys:ys + nh, xs:xs + nw]
    small = out.reshape(h, k, w, k).mean(axis=(1, 3))
    return np.clip(small * profile.get("ink_value", 1.0), 0.0, 1.0)


def _to_row(picture, geometry) -> np.ndarray:
    """Upright 0..1 picture (h, w) -> feature row (h*w,) in the dataset's order and value range."""
    return from_images(geometry.vmin + (geometry.vmax - geometry.vmin) * picture, geometry)


def _target_size(geometry, profile):
    """Ink extent and pen width (output px) that a drawing must have in ``geometry``'s field.

    The measured box counts faint anti-aliased edge pixels, which add about one pixel to the
    drawn extent; so the drawn extent is one pixel less than the profile's box.
    """
    f = min(geometry.height / profile.get("height", geometry.height),
            geometry.width / profile.get("width", geometry.width))
    return profile["box"] * f - _FRINGE, profile["thickness"] * f


# --------------------------------------------------------------------------- public pipeline

def fit_to_pad(strokes, size, fill):
    """Strokes (y down) scaled so the longer side of their box takes ``fill`` of a ``size`` px
    square pad, aspect ratio kept, centred: how a person fills the drawing pad.

    Returns a list of (m, 2) float64 arrays.
    """
    strokes = [np.asarray(s, dtype=np.float64).reshape(-1, 2) for s in strokes]
    pts = np.vstack(strokes)
    lo, hi = pts.min(axis=0), pts.max(axis=0)
    scale = fill * size / max(float((hi - lo).max()), 1e-9)
    centre = (lo + hi) / 2
    return [(s - centre) * scale + size / 2 for s in strokes]


def features_from_strokes(strokes, width, height, line_width, geometry, profile=None):
    """A canvas drawing -> one feature row shaped like the dataset's digits, or None.

    Parameters
    ----------
    strokes : sequence of sequences of ``[x, y]``
        Pen trajectories in canvas pixels, y down.
    width, height : int
        Canvas size (only used to check the input; the drawing is cropped to its ink).
    line_width : float
        The canvas pen width; the drawing is redrawn with the dataset's pen width, and a
        drawing smaller than the pen (a dot) is scaled as if it were one pen width wide.
    geometry : ImageGeometry
        The dataset's picture layout (``height``, ``width``, ``order``, ``vmin``, ``vmax``).
    profile : dict, optional
        From ``measure_profile`` on the training pictures; MNIST's conventions if None.

    Returns
    -------
    ndarray, shape (height * width,) float64, or None when there is no ink.
    """
    if width <= 0 or height <= 0:
        raise ValueError(f"canvas size must be positive, got {width}x{height}")
    segs = segments(strokes)
    if len(segs) == 0 or not np.all(np.isfinite(segs)):
        return None
    profile = profile or default_profile(geometry)
    box, pen = _target_size(geometry, profile)
    pts = segs.reshape(-1, 2)
    lo, hi = pts.min(axis=0), pts.max(axis=0)
    extent = max(float((hi - lo).max()), float(line_width), 1e-6)
    # The ink box is the trajectory's box plus one pen width: scale the trajectory to box - pen.
    k = WORK_SCALE
    s = max(box - pen, 0.5) / extent * k                      # working px per canvas px
    margin = int(np.ceil(pen * k)) + 2
    size = int(np.ceil((box + pen) * k)) + 2 * margin
    centre = (lo + hi) / 2
    moved = [_thin_points((np.asarray(st, dtype=np.float64).reshape(-1, 2) - centre) * s
                          + size / 2, 0.5) for st in strokes if len(st)]
    work = render_strokes(moved, size, size, pen * k)
    picture = _place(work.astype(np.float64), geometry, profile, k)
    return None if picture is None else _to_row(picture, geometry)


def _thin_points(points, spacing):
    """Drop points (m, 2) closer than ``spacing`` to the last kept one; ends are kept.

    Pointer events can come hundreds to a stroke; points much closer than a working pixel
    change nothing in the picture but cost rendering time.
    """
    if len(points) <= 2:
        return points
    keep = [0]
    for i in range(1, len(points) - 1):
        if np.hypot(*(points[i] - points[keep[-1]])) >= spacing:
            keep.append(i)
    keep.append(len(points) - 1)
    return points[keep]


def _grey_morph(image, n, op):
    """Grey-level dilation (op=np.maximum) or erosion (np.minimum), n steps, disc-like.

    Alternating 3x3 square and plus-shaped steps approximate a disc (an octagon).
    """
    out = image
    for step in range(n):
        p = np.pad(out, 1, mode="constant")
        cross = op(op(p[1:-1, :-2], p[1:-1, 2:]), op(p[:-2, 1:-1], p[2:, 1:-1]))
        res = op(out, cross)
        if step % 2 == 0:
            diag = op(op(p[:-2, :-2], p[:-2, 2:]), op(p[2:, :-2], p[2:, 2:]))
            res = op(res, diag)
        out = res
    return out


def _change_thickness(image, delta):
    """Widen (delta > 0) or thin a 0..1 picture's pen by about ``delta`` pixels in total."""
    if abs(delta) < 0.25:
        return image
    op = np.maximum if delta > 0 else np.minimum
    steps = abs(delta) / 2.0                                    # each step moves both edges by 1
    n = int(np.floor(steps))
    lower = _grey_morph(image, n, op)
    frac = steps - n
    if frac <= 0:
        return lower
    return (1 - frac) * lower + frac * _grey_morph(lower, 1, op)


def features_from_image(image, geometry, profile=None):
    """A picture of any size and value range -> one feature row like the dataset's, or None.

    Parameters
    ----------
    image : array_like, shape (H, W)
        Upright picture, any value range; the polarity (dark ink on light paper or the
        reverse) is read from its border.
    geometry : ImageGeometry
    profile : dict, optional
        From ``measure_profile``; MNIST's conventions if None.

    Returns
    -------
    ndarray, shape (height * width,) float64, or None when the picture is blank.
    """
    img = np.asarray(image, dtype=np.float64)
    if img.ndim != 2 or img.size == 0:
        raise ValueError(f"expected one 2-D picture, got shape {img.shape}")
    lo, hi = float(img.min()), float(img.max())
    if not np.isfinite(lo) or not np.isfinite(hi) or hi - lo < 1e-9:
        return None
    img = (img - lo) / (hi - lo)
    border = np.concatenate([img[0], img[-1], img[:, 0], img[:, -1]])
    if np.median(border) > 0.5:                                 # light paper: make ink high
        img = 1.0 - img
    boxes, has_ink = ink_boxes(img[None])
    if not has_ink[0]:
        return None
    top, left, bottom, right = boxes[0].astype(int)
    img = img[top:bottom, left:right]
    profile = profile or default_profile(geometry)
    box, pen = _target_size(geometry, profile)
    own_pen = float(pen_thickness(img[None])[0])
    extent = float(max(img.shape))
    # Same rule as for strokes: the pen-free extent (extent - own pen) is scaled to box - pen.
    k = WORK_SCALE
    s = max(box - pen, 0.5) / max(extent - own_pen, own_pen, 1e-6) * k
    margin = int(np.ceil(pen * k)) + 2
    hh, ww = (int(np.ceil(n * s)) for n in img.shape)
    work = np.zeros((hh + 2 * margin, ww + 2 * margin))
    work[margin:margin + hh, margin:margin + ww] = (
        _area_matrix(img.shape[0], hh, s) @ img @ _area_matrix(img.shape[1], ww, s).T)
    work = np.clip(_change_thickness(work, (pen - own_pen * s / k) * k), 0.0, 1.0)
    picture = _place(work, geometry, profile, k)
    return None if picture is None else _to_row(picture, geometry)


def processed_pixels(row, geometry) -> list:
    """A feature row (h*w,) -> upright, row-major 0..1 pixels for display (list of h*w floats)."""
    picture = to_images(np.asarray(row, dtype=np.float64), geometry)
    picture = (picture - geometry.vmin) / (geometry.vmax - geometry.vmin)
    return np.clip(picture, 0.0, 1.0).ravel().tolist()
