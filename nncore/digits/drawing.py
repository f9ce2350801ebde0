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

Not here: how the browser captures strokes, augmentation of training images (``augment.py``).
"""
from __future__ import annotations

import numpy as np

from nncore.data.images import from_images, to_images

WORK_SCALE = 4            # working pixels per output pixel (area anti-aliasing factor)
INK_THRESHOLD = 0.05      # a pixel (0..1) above this counts as ink for bounding boxes
_MAX_PAIRS = 1 << 21      # pixels x segments evaluated at once when rendering (memory cap)

# MNIST's conventions, as measure_profile finds them on its 60,000 training digits (28x28);
# used, scaled to the field, when no profile was measured.
_MNIST_FIELD = 28.0
_MNIST_BOX = 20.0
_MNIST_THICKNESS = 2.4
_MNIST_CENTRE = 14.5      # centre of mass, continuous units (pixel index 14)
_FRINGE = 1.0             # anti-aliasing adds about half a pixel of faint ink on each side


# --------------------------------------------------------------------------- rendering

def _segments(strokes, scale=1.0) -> np.ndarray:
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
    segs = _segments(strokes, scale)
    r = 0.5 * line_width * scale
    if len(segs) == 0 or r <= 0 or h == 0 or w == 0:
        return image
    # Only pixels within reach of the pen are evaluated.
    x_lo = int(max(np.floor(min(segs[:, 0].min(), segs[:, 2].min()) - r - 1), 0))
    x_hi = int(min(np.ceil(max(segs[:, 0].max(), segs[:, 2].max()) + r + 1), w))
    y_lo = int(max(np.floor(min(segs[:, 1].min(), segs[:, 3].min()) - r - 1), 0))
    y_hi = int(min(np.ceil(max(segs[:, 1].max(), segs[:, 3].max()) + r + 1), h))
    if x_lo >= x_hi or y_lo >= y_hi:
        return image
    # float32 pairs: a working pixel is ~1/100 of the picture, far above float32's rounding
    py, px = np.mgrid[y_lo:y_hi, x_lo:x_hi].astype(np.float32)
    px = px.ravel() + np.float32(0.5)                      # pixel centres
    py = py.ravel() + np.float32(0.5)
    d2 = np.full(px.shape, np.inf, dtype=np.float32)
    step = max(1, _MAX_PAIRS // px.size)
    for k in range(0, len(segs), step):
        x0, y0, x1, y1 = (c[None, :] for c in segs[k:k + step].astype(np.float32).T)  # (1, m)
        ux, uy = x1 - x0, y1 - y0
        # Projection parameter of each pixel centre onto each segment, clamped to its ends.
        length2 = np.maximum(ux * ux + uy * uy, 1e-12)
        t = ((px[:, None] - x0) * ux + (py[:, None] - y0) * uy) / length2
        t = np.clip(t, 0.0, 1.0)
        dx = px[:, None] - (x0 + t * ux)
        dy = py[:, None] - (y0 + t * uy)
        d2 = np.minimum(d2, (dx * dx + dy * dy).min(axis=1))
    image[y_lo:y_hi, x_lo:x_hi] = _coverage(np.sqrt(d2), r).reshape(y_hi - y_lo, x_hi - x_lo)
    return image


# --------------------------------------------------------------------------- measuring

def _thickness(images) -> np.ndarray:
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


def _boxes(images, threshold=INK_THRESHOLD):
    """Ink boxes (n, 4) ``top, left, bottom, right`` (continuous units) and a has-ink mask (n,)."""
    ink = np.asarray(images) > threshold
    rows, cols = ink.any(axis=2), ink.any(axis=1)
    has_ink = rows.any(axis=1)
    top = rows.argmax(axis=1)
    bottom = rows.shape[1] - rows[:, ::-1].argmax(axis=1)
    left = cols.argmax(axis=1)
    right = cols.shape[1] - cols[:, ::-1].argmax(axis=1)
    return np.stack([top, left, bottom, right], axis=1).astype(np.float64), has_ink


def _centres_of_mass(images) -> np.ndarray:
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
    boxes, has_ink = _boxes(imgs)
    if not has_ink.any():
        raise ValueError("no picture has any ink to measure")
    imgs, boxes = imgs[has_ink], boxes[has_ink]
    longest = np.maximum(boxes[:, 2] - boxes[:, 0], boxes[:, 3] - boxes[:, 1])
    box_center = np.stack([boxes[:, 0] + boxes[:, 2], boxes[:, 1] + boxes[:, 3]], axis=1) / 2
    com = _centres_of_mass(imgs)
    spread_box = box_center.std(axis=0).sum()
    spread_com = com.std(axis=0).sum()
    return {
        "height": int(imgs.shape[1]),
        "width": int(imgs.shape[2]),
        "box": float(np.median(longest)),
        "box_center": [float(v) for v in np.median(box_center, axis=0)],
        "center_of_mass": [float(v) for v in np.median(com, axis=0)],
        "thickness": float(np.median(_thickness(imgs))),
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
        top, left, bottom, right = _boxes(work[None])[0][0]
        here = np.array([(top + bottom) / 2, (left + right) / 2])
        target = np.array(profile["box_center"], dtype=np.float64)
    else:
        here = _centres_of_mass(work[None])[0]
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
    segs = _segments(strokes)
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
    boxes, has_ink = _boxes(img[None])
    if not has_ink[0]:
        return None
    top, left, bottom, right = boxes[0].astype(int)
    img = img[top:bottom, left:right]
    profile = profile or default_profile(geometry)
    box, pen = _target_size(geometry, profile)
    own_pen = float(_thickness(img[None])[0])
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
