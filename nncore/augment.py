"""Random small distortions of digit pictures, so a network learns more than 5,000 poses.

People draw digits a little rotated, slanted, off-centre, larger or smaller and with pens of
different widths. ``make_augmenter`` returns a function that applies such changes afresh to
every training batch: one random affine map per picture (rotation, shear, scaling, shift),
applied by bilinear sampling for the whole batch at once, and a pen-width change by blending
each picture with its 3x3 grey-level dilation (wider) or erosion (thinner).

It works on scaled rows (0..1, ink high, blank paper 0) in the dataset's pixel order, as the
training loop sees them. Not here: how drawings are brought to the dataset's style
(``drawing.py``).
"""
from __future__ import annotations

import numpy as np

from nncore.images import from_images, to_images


def _affine_sources(n, h, w, params):
    """Source coordinates (n, h*w) ``y, x`` that each output pixel samples from.

    Each picture is mapped by ``A = R(angle) @ Shear @ diag(scale)`` about the field's centre,
    then moved by ``shift``; sampling needs the inverse map, output -> source.
    """
    angle, shear, scale_x, scale_y, shift_y, shift_x = params
    cos, sin = np.cos(angle), np.sin(angle)
    # A = R @ [[1, shear], [0, 1]] @ diag(scale_x, scale_y) acting on (x, y); the shear
    # slants x by y (italic writing).
    a = cos * scale_x
    b = (cos * shear - sin) * scale_y
    c = sin * scale_x
    d = (sin * shear + cos) * scale_y
    det = a * d - b * c
    cy, cx = (h - 1) / 2.0, (w - 1) / 2.0
    ys, xs = np.mgrid[0:h, 0:w]
    oy = ys.ravel()[None, :] - cy - shift_y[:, None]            # (n, h*w) output relative to centre
    ox = xs.ravel()[None, :] - cx - shift_x[:, None]
    # Inverse of [[a, b], [c, d]] is [[d, -b], [-c, a]] / det.
    sx = (d[:, None] * ox - b[:, None] * oy) / det[:, None] + cx
    sy = (-c[:, None] * ox + a[:, None] * oy) / det[:, None] + cy
    return sy, sx


def _bilinear(images, sy, sx):
    """Sample pictures (n, h, w) at (n, m) coordinates; outside the picture is blank (0)."""
    n, h, w = images.shape
    padded = np.zeros((n, h + 2, w + 2), dtype=images.dtype)
    padded[:, 1:-1, 1:-1] = images
    flat = padded.reshape(n, -1)
    # Shift by the one-pixel pad and clamp so that far-away samples read the blank border.
    sy = np.clip(sy + 1.0, 0.0, h + 1.0)
    sx = np.clip(sx + 1.0, 0.0, w + 1.0)
    y0 = np.minimum(np.floor(sy).astype(np.intp), h)
    x0 = np.minimum(np.floor(sx).astype(np.intp), w)
    fy = (sy - y0).astype(images.dtype)
    fx = (sx - x0).astype(images.dtype)
    stride = w + 2
    i00 = y0 * stride + x0

    def at(idx):
        return np.take_along_axis(flat, idx, axis=1)

    top = at(i00) * (1 - fx) + at(i00 + 1) * fx
    bottom = at(i00 + stride) * (1 - fx) + at(i00 + stride + 1) * fx
    return top * (1 - fy) + bottom * fy


def _neighbourhood(images, op):
    """3x3 grey-level dilation (op=np.maximum) or erosion (np.minimum) of (n, h, w)."""
    p = np.pad(images, ((0, 0), (1, 1), (1, 1)))
    h, w = images.shape[1:]
    out = images
    for dy in range(3):
        for dx in range(3):
            out = op(out, p[:, dy:dy + h, dx:dx + w])
    return out


def _smooth_fields(rng, n, h, w, sigma):
    """Random smooth displacement fields (2, n, h, w) with unit RMS over the batch.

    White noise blurred by a Gaussian of width ``sigma`` pixels (separable: ``G_h @ U @ G_w``),
    as in Simard et al.'s elastic distortions of handwritten digits.
    """
    def gauss(m):
        d = np.arange(m)[:, None] - np.arange(m)[None, :]
        g = np.exp(-0.5 * (d / sigma) ** 2)
        return g / g.sum(axis=1, keepdims=True)

    noise = rng.uniform(-1.0, 1.0, (2, n, h, w))
    fields = gauss(h) @ noise @ gauss(w).T
    return fields / max(float(np.sqrt(np.mean(fields ** 2))), 1e-12)


def make_augmenter(geometry, strength=1.0, *, rotation=7.0, shift=1.2, scale=0.09,
                   shear=0.12, aspect=0.0, thickness=0.35, elastic=0.0, elastic_sigma=4.0):
    """Build ``augment(X_batch, rng) -> X_batch`` for scaled image rows.

    Parameters
    ----------
    geometry : ImageGeometry
        Picture layout of the rows (``height``, ``width``, ``order``).
    strength : float
        Multiplies every range below; 0 returns the batch unchanged.

    The default ranges are the ones that read drawn digits best (bench/bench_drawn_digits.py,
    MLP on the 5,000-digit sample): about 60% of the usual ±12°, ±2 px, ±15% size, 0.2
    shear. Wider ranges keep helping on MNIST's own test digits but start to hurt on drawings;
    elastic distortions and aspect changes did not help drawings either.
    rotation : float
        Largest rotation, degrees (uniform in ``±rotation``).
    shift : float
        Largest shift along each axis, pixels.
    scale : float
        Size changes uniform in ``1 ± scale``.
    shear : float
        Largest horizontal shear (x moves by ``shear * y``).
    aspect : float
        Width-to-height changes: the width is multiplied and the height divided by
        ``exp(u)``, u uniform in ``±aspect`` (on top of ``scale``).
    thickness : float
        Largest pen-width change, pixels: a blend with the 3x3 grey-level dilation (wider,
        which alone adds two pixels) or erosion (thinner) with weight ``|change| / 2``.
    elastic : float
        RMS length, pixels, of a smooth random displacement of every pixel (0: none).
    elastic_sigma : float
        Smoothness of that displacement (Gaussian width, pixels).

    Returns
    -------
    callable
        ``augment(X, rng)`` with X (n, height * width) and a ``numpy.random.Generator``;
        returns a new array of the same shape and dtype.
    """
    if strength < 0:
        raise ValueError(f"augmentation strength must be >= 0, got {strength}")
    h, w = geometry.height, geometry.width
    s = float(strength)

    def augment(X, rng):
        X = np.asarray(X)
        if s == 0 or len(X) == 0:
            return X.copy()
        dtype = X.dtype if np.issubdtype(X.dtype, np.floating) else np.float32
        images = to_images(X, geometry).astype(dtype)
        n = len(images)
        size = 1.0 + rng.uniform(-scale, scale, n) * s
        stretch = np.exp(rng.uniform(-aspect, aspect, n) * s)
        params = (np.deg2rad(rng.uniform(-rotation, rotation, n) * s),
                  rng.uniform(-shear, shear, n) * s,
                  size * stretch, size / stretch,
                  rng.uniform(-shift, shift, n) * s,
                  rng.uniform(-shift, shift, n) * s)
        pen = (rng.uniform(-thickness, thickness, n) * s / 2).astype(dtype)[:, None, None]
        if thickness > 0:
            wider = _neighbourhood(images, np.maximum)
            thinner = _neighbourhood(images, np.minimum)
            images = np.where(pen > 0, images + pen * (wider - images),
                              images - pen * (thinner - images))
        sy, sx = _affine_sources(n, h, w, params)
        if elastic > 0:
            fy, fx = _smooth_fields(rng, n, h, w, elastic_sigma) * (elastic * s)
            sy, sx = sy + fy.reshape(n, -1), sx + fx.reshape(n, -1)
        out = _bilinear(images, sy, sx).reshape(n, h, w)
        return from_images(out, geometry).astype(dtype, copy=False)

    return augment
