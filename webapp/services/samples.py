"""A dataset's rows as pictures for the page: a few samples per class, upright, 0..1 ink.

The user's own drawings in a derived dataset are shown after the samples; ``overrides`` lets
the page preview another pixel order or value range before saving it.
"""
from __future__ import annotations


import numpy as np

from nncore.data.images import ImageGeometry, to_images
from webapp.errors import BadRequest, Conflict

from webapp.services.dataset_edits import image_geometry
from webapp.services.datasets import get_summary, load


MAX_PER_CLASS = 64


MAX_ADDED_SHOWN = 64          # the user's own drawings shown on a derived dataset's page


def unit_pixels(X, geometry):
    """Rows of raw features -> upright images scaled to 0..1 (ink high), flattened row-major.

    ``geometry`` is an ``ImageGeometry``: vmin is blank paper, vmax full ink.
    """
    images = to_images(np.asarray(X, dtype=np.float64), geometry)
    # a range narrower than a float's resolution (vmax - vmin ~ 1e-320) overflows to ±inf:
    # ink or paper after clipping, like any value outside the range
    with np.errstate(over="ignore"):
        pixels = np.clip((images - geometry.vmin) / (geometry.vmax - geometry.vmin), 0.0, 1.0)
    return [np.round(p.ravel(), 3).tolist() for p in pixels]


def samples_of(dataset_id, per_class=8, overrides=None):
    """Up to ``per_class`` samples of each class as 0..1 upright pixels."""
    if isinstance(per_class, bool) or not isinstance(per_class, int) \
            or not 1 <= per_class <= MAX_PER_CLASS:
        raise BadRequest(f"per_class must be a whole number from 1 to {MAX_PER_CLASS}")
    summary = get_summary(dataset_id)
    if summary["image"] is None:
        raise Conflict("this dataset is not a set of images")
    geometry = ImageGeometry.from_dict(image_geometry(summary["image"], overrides or {}))
    dataset = load(dataset_id)
    indices = []
    for k in range(len(dataset.classes)):
        indices.extend(np.flatnonzero(dataset.y == k)[:per_class].tolist())
    # Rows added to a parent's (corrections) come last in the file: show the newest of them.
    n_added = min(summary["added_samples"], MAX_ADDED_SHOWN, dataset.n_samples)
    added = list(range(dataset.n_samples - n_added, dataset.n_samples))
    pixels = unit_pixels(dataset.X[indices + added], geometry) if indices or added else []

    def described(rows, images):
        return [{"index": i, "label": dataset.classes[dataset.y[i]], "pixels": p}
                for i, p in zip(rows, images)]

    return {
        "height": geometry.height,
        "width": geometry.width,
        "samples": described(indices, pixels[:len(indices)]),
        "added": described(added, pixels[len(indices):]),
    }
