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

from nncore.data.images import from_images, to_images


def _affine_sources(grid, h, w, params):
    """Source coordinates (n, h*w) ``y, x`` that each output pixel samples from.

    ``grid`` is the output pixels' ``(y, x)`` (2, h*w). Each picture is mapped by
    ``A = R(angle) @ Shear @ diag(scale_x, scale_y)`` about the field's centre, then moved by
    ``shift``; sampling needs the inverse map, output -> source.
    """
    angle, shear, scale_x, scale_y, shift_y, shift_x = params
    cos, sin = np.cos(angle), np.sin(angle)
    # A = [[a, b], [c, d]] acting on (x, y); the shear slants x by y (italic writing).
    a = cos * scale_x
    b = (cos * shear - sin) * scale_y
    c = sin * scale_x
    d = (sin * shear + cos) * scale_y
    det = a * d - b * c
    cy, cx = (h - 1) / 2.0, (w - 1) / 2.0
    oy = grid[0][None, :] - (cy + shift_y)[:, None]              # (n, h*w) relative to centre
    ox = grid[1][None, :] - (cx + shift_x)[:, None]
    # Inverse of [[a, b], [c, d]] is [[d, -b], [-c, a]] / det.
    sx = (d / det)[:, None] * ox - (b / det)[:, None] * oy + cx
    sy = (a / det)[:, None] * oy - (c / det)[:, None] * ox + cy
    return sy, sx


def _bilinear(images, sy, sx):
    """Sample pictures (n, h, w) at (n, m) coordinates; outside the picture is blank (0)."""
    n, h, w = images.shape
    padded = np.zeros((n, h + 2, w + 2), dtype=images.dtype)
    padded[:, 1:-1, 1:-1] = images
    flat = padded.ravel()
    # Shift by the one-pixel pad and clamp so that far-away samples read the blank border.
    sy = np.clip(sy + 1.0, 0.0, h + 0.999)
    sx = np.clip(sx + 1.0, 0.0, w + 0.999)
    y0 = sy.astype(np.intp)                                      # floor: sy >= 0
    x0 = sx.astype(np.intp)
    fy = (sy - y0).astype(images.dtype)
    fx = (sx - x0).astype(images.dtype)
    stride = w + 2
    i00 = y0 * stride + x0 + (np.arange(n) * (h + 2) * stride)[:, None]
    top = flat[i00] * (1 - fx) + flat[i00 + 1] * fx
    bottom = flat[i00 + stride] * (1 - fx) + flat[i00 + stride + 1] * fx
    return top * (1 - fy) + bottom * fy


def _neighbourhood(images, op):
    """3x3 grey-level dilation (op=np.maximum) or erosion (np.minimum) of (n, h, w).

    Separable: the 3x3 window is a 3-row window of 3-column windows.
    """
    p = np.pad(images, ((0, 0), (1, 1), (1, 1)))
    rows = op(op(p[:, :-2], p[:, 1:-1]), p[:, 2:])                  # (n, h, w + 2)
    return op(op(rows[:, :, :-2], rows[:, :, 1:-1]), rows[:, :, 2:])


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


def _affine_params(rng, n, s, rotation, shear, scale, aspect, shift):
    """Random affine maps of ``n`` pictures at strength ``s``: ``angle`` (radians), ``shear``,
    ``scale_x``, ``scale_y``, ``shift_y``, ``shift_x``, each (n,) float32 (as
    ``_affine_sources`` takes them); the ranges are ``make_augmenter``'s."""
    size = 1.0 + rng.uniform(-scale, scale, n) * s
    stretch = np.exp(rng.uniform(-aspect, aspect, n) * s)
    params = (np.deg2rad(rng.uniform(-rotation, rotation, n) * s),
              rng.uniform(-shear, shear, n) * s,
              size * stretch, size / stretch,
              rng.uniform(-shift, shift, n) * s,
              rng.uniform(-shift, shift, n) * s)
    return [v.astype(np.float32) for v in params]


def _change_pen_width(images, pen):
    """Pictures (n, h, w) with wider (``pen`` > 0) or thinner pens: a blend with the 3x3
    dilation or erosion of weight ``|pen|`` (n, 1, 1)."""
    wider = _neighbourhood(images, np.maximum)
    thinner = _neighbourhood(images, np.minimum)
    return np.where(pen > 0, images + pen * (wider - images), images - pen * (thinner - images))


def make_augmenter(geometry, strength=1.0, *, rotation=7.0, shift=1.2, scale=0.09,
                   shear=0.12, aspect=0.0, thickness=0.35, elastic=0.0, elastic_sigma=4.0):
    """Build ``augment(X_batch, rng) -> X_batch`` for scaled image rows.

    Parameters
    ----------
    geometry : ImageGeometry
        Picture layout of the rows (``height``, ``width``, ``order``).
    strength : float
        Multiplies every range below; 0 returns the batch unchanged.

    The default ranges are the ones that read drawn digits best, narrower than the ranges
    usual for MNIST (bench/bench_drawn_digits.py; figures in bench/README.md).
    rotation, shift, scale, shear : float
        Largest rotation (degrees, uniform in ``±rotation``), shift along each axis (pixels),
        size change (uniform in ``1 ± scale``) and horizontal shear (x moves by ``shear * y``).
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
    grid = np.indices((h, w), dtype=np.float32).reshape(2, -1)

    def augment(X, rng):
        X = np.asarray(X)
        if s == 0 or len(X) == 0:
            return X.copy()
        dtype = X.dtype if np.issubdtype(X.dtype, np.floating) else np.float32
        images = to_images(X, geometry).astype(dtype)
        n = len(images)
        params = _affine_params(rng, n, s, rotation, shear, scale, aspect, shift)
        pen = (rng.uniform(-thickness, thickness, n) * s / 2).astype(dtype)[:, None, None]
        if thickness > 0:
            images = _change_pen_width(images, pen)
        sy, sx = _affine_sources(grid, h, w, params)
        if elastic > 0:
            fy, fx = _smooth_fields(rng, n, h, w, elastic_sigma) * (elastic * s)
            sy, sx = sy + fy.reshape(n, -1), sx + fx.reshape(n, -1)
        out = _bilinear(images, sy, sx).reshape(n, h, w)
        return from_images(out, geometry).astype(dtype, copy=False)

    return augment
