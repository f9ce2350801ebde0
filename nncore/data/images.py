"""Feature rows that are really pictures: their shape, pixel order and value range.

A dataset of digit images stores each picture as one row of ``height * width`` numbers. Two
things are not written in the file and have to be guessed from the numbers:

* **pixel order** - ``"C"`` (row-major, one image row after the other, as MNIST does) or
  ``"F"`` (column-major, one image column after the other, as Andrew Ng's ``ex4`` data does,
  because it was written from MATLAB). Read in the wrong order a digit comes out transposed
  (mirrored on its diagonal). Handwritten digits are taller than wide, so the reading whose
  average ink bounding box is taller than wide is the upright one.
* **value range** - ``0..1``, ``0..16`` (the UCI 8x8 digits) or ``0..255`` (bytes). Ng's data
  was resampled with a cubic kernel and overshoots to about ``-0.13 .. 1.1``; such data is
  given the nominal range ``0..1`` rather than the observed one, so that the blank background
  (exactly 0) still maps to 0 after scaling and pixel values keep their meaning. Display code
  clips to ``vmin..vmax``.

Only square images (``d = n * n`` with ``n >= 8``) are recognised; anything else is treated as
plain features. Not here: drawing digits (``drawing.py``) and augmentation (``augment.py``).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

ORDERS = ("C", "F")

# Nominal pixel ranges, tried in this order; (vmin, vmax, lowest allowed, highest allowed).
# The slack on 0..1 admits resampling overshoot such as Ng's -0.13..1.1.
_RANGES = (
    (0.0, 1.0, -0.5, 1.5),
    (0.0, 16.0, 0.0, 16.0),
    (0.0, 255.0, 0.0, 255.0),
)

_MIN_SIDE = 8
_ORIENTATION_SAMPLE = 500  # rows looked at to decide the pixel order


@dataclass
class ImageGeometry:
    """How one feature row maps to an upright ``height x width`` picture.

    ``order`` is numpy's flattening order of the upright picture: ``"C"`` row-major, ``"F"``
    column-major. ``vmin``/``vmax`` are the values of blank paper and full ink.
    """

    height: int
    width: int
    order: str = "C"
    vmin: float = 0.0
    vmax: float = 1.0

    def __post_init__(self):
        self.height, self.width = int(self.height), int(self.width)
        self.vmin, self.vmax = float(self.vmin), float(self.vmax)
        if self.height < 1 or self.width < 1:
            raise ValueError(f"image size must be positive, got {self.height}x{self.width}")
        if self.order not in ORDERS:
            raise ValueError(f"image order must be one of {', '.join(ORDERS)}, got {self.order!r}")
        if not (math.isfinite(self.vmin) and math.isfinite(self.vmax)) or self.vmax <= self.vmin:
            raise ValueError(f"image value range needs vmin < vmax, got {self.vmin}..{self.vmax}")

    @property
    def n_features(self) -> int:
        return self.height * self.width

    def to_dict(self) -> dict:
        return {"height": self.height, "width": self.width, "order": self.order,
                "vmin": self.vmin, "vmax": self.vmax}

    @classmethod
    def from_dict(cls, d: dict) -> ImageGeometry:
        missing = [k for k in ("height", "width") if k not in d]
        if missing:
            raise ValueError(f"image geometry is missing {', '.join(missing)}")
        return cls(height=d["height"], width=d["width"], order=d.get("order", "C"),
                   vmin=d.get("vmin", 0.0), vmax=d.get("vmax", 1.0))


def detect_image_geometry(X) -> ImageGeometry | None:
    """Guess whether the rows of ``X`` (n, d) are square pictures, and how to read them.

    Returns None unless ``d = side * side`` with ``side >= 8`` and every value lies in one of
    the pixel ranges 0..1 (with resampling slack), 0..16 or 0..255.
    """
    X = np.asarray(X)
    if X.ndim != 2 or X.shape[0] == 0:
        return None
    side = math.isqrt(X.shape[1])
    if side < _MIN_SIDE or side * side != X.shape[1]:
        return None
    if not np.issubdtype(X.dtype, np.number):
        return None
    lo, hi = float(X.min()), float(X.max())
    if not (math.isfinite(lo) and math.isfinite(hi)):
        return None
    for vmin, vmax, lowest, highest in _RANGES:
        if lo >= lowest and hi <= highest:
            break
    else:
        return None
    order = _upright_order(X[:_ORIENTATION_SAMPLE], side, vmin, vmax)
    return ImageGeometry(side, side, order, vmin, vmax)


def _upright_order(X, side, vmin, vmax) -> str:
    """"C" if the row-major reading is taller than wide on average, else "F"."""
    ink = X.reshape(-1, side, side) > vmin + 0.5 * (vmax - vmin)   # (n, row, col) in C reading
    rows_inked, cols_inked = ink.any(axis=2), ink.any(axis=1)        # (n, side) each
    has_ink = rows_inked.any(axis=1)
    if not has_ink.any():
        return "C"
    height = _extent(rows_inked[has_ink]).mean()
    width = _extent(cols_inked[has_ink]).mean()
    # Reading in "F" order transposes the picture, swapping height and width.
    return "F" if width > height else "C"


def _extent(inked):
    """Length of the span from first to last True in each row of ``inked`` (n, side)."""
    side = inked.shape[1]
    first = inked.argmax(axis=1)
    last = side - 1 - inked[:, ::-1].argmax(axis=1)
    return last - first + 1


def to_images(X, geom: ImageGeometry) -> np.ndarray:
    """Feature rows (n, d) -> upright pictures (n, height, width); one row (d,) -> (height, width)."""
    X = np.asarray(X)
    single = X.ndim == 1
    X2 = X.reshape(1, -1) if single else X
    if X2.ndim != 2 or X2.shape[1] != geom.n_features:
        raise ValueError(f"expected rows of {geom.n_features} features for "
                         f"{geom.height}x{geom.width} images, got shape {X.shape}")
    n = X2.shape[0]
    if geom.order == "C":
        images = X2.reshape(n, geom.height, geom.width)
    else:
        # Column-major: feature index = row + col * height, so a C reshape gives (col, row).
        images = X2.reshape(n, geom.width, geom.height).transpose(0, 2, 1)
    return images[0] if single else images


def from_images(images, geom: ImageGeometry) -> np.ndarray:
    """Upright pictures (n, height, width) -> feature rows (n, d) in the dataset's order.

    One picture (height, width) gives one row (d,). Inverse of ``to_images``.
    """
    images = np.asarray(images)
    single = images.ndim == 2
    imgs = images[None] if single else images
    if imgs.ndim != 3 or imgs.shape[1:] != (geom.height, geom.width):
        raise ValueError(f"expected {geom.height}x{geom.width} images, got shape {images.shape}")
    if geom.order == "F":
        imgs = imgs.transpose(0, 2, 1)
    rows = np.ascontiguousarray(imgs).reshape(imgs.shape[0], -1)
    return rows[0] if single else rows
