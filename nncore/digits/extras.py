"""What a run on pictures gets beyond its own rows: the one door from ``fit`` into the digits.

``training_extras`` answers, once per run, everything the drawing pad's use adds to training:
synthetic pen digits (``pen_digits.py``) and renderings of real pen digits (``pen_strokes.py``)
as extra training rows, the per-batch augmenter (``augment.py``), and the drawing profile the
model keeps for the canvas (``ink.measure_profile``). For a table every answer is empty, so
``fit`` treats all data alike: it appends ``extras.X`` / ``extras.y`` to its training rows and
hands ``extras.augment`` to the training loop.

Extra rows join training only; validation stays the dataset's own rows. Each kind of extra
row draws from its own random stream, so asking for more synthetic digits does not change
which pen digits are drawn. Which of these steps earn their place, and by how much, is in
bench/README.md ("Figures behind the defaults").
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from nncore.data.images import to_images
from nncore.digits.augment import make_augmenter
from nncore.digits.ink import measure_profile
from nncore.digits.pen_digits import is_digit_classes, synthetic_digits
from nncore.digits.pen_strokes import PEN_STROKES_PATH, load_pen_strokes, pen_digit_rows

#: synthetic pen digits added to a digits dataset's training rows when the setting is auto
AUTO_SYNTHETIC_DIGITS = 4000


@dataclass
class TrainingExtras:
    """The digit-specific additions to one run (all empty for data that is not pictures).

    ``X`` (m, d) extra training rows, already scaled like the dataset's own, and ``y`` (m,)
    their class indices (both None when there are none); ``augment``: ``augment(X_batch, rng)``
    for the training loop, or None; ``profile``: how the training pictures draw their digits
    (a dict for ``Model``), or None; ``synthetic_digits`` / ``pen_digits``: how many of each
    kind of extra row there are.
    """

    X: np.ndarray | None
    y: np.ndarray | None
    augment: Callable | None = None
    profile: dict | None = None
    synthetic_digits: int = 0
    pen_digits: int = 0


def training_extras(dataset, config, train_idx, scaler, synthetic_rng, pen_rng, phase=None,
                    pen_strokes=None) -> TrainingExtras:
    """The extras of a run on ``dataset`` with ``config`` (a ``TrainConfig``).

    ``train_idx``: the dataset's training rows (the profile is measured on them); ``scaler``:
    the fitted ``Scaler`` the extra rows go through; ``synthetic_rng`` / ``pen_rng``: the
    ``numpy.random.Generator`` each kind of extra row draws from; ``phase(text)`` announces a
    step that takes seconds; ``pen_strokes``: the real pen digits to render (the built-in
    ``data/pen_strokes.npz`` when None and they are wanted).
    """
    profile = drawing_profile(dataset, train_idx)
    blocks_X, blocks_y = [], []
    n_synthetic = synthetic_digit_count(dataset, config)
    if n_synthetic:
        if phase is not None:
            phase(f"drawing {n_synthetic:,} synthetic pen digits")
        X, y = synthetic_digits(n_synthetic, dataset.classes, dataset.image, profile,
                                synthetic_rng)
        blocks_X.append(scaler.transform(X))
        blocks_y.append(y)
    pen_strokes = _pen_strokes_for(dataset, config, pen_strokes)
    n_pen = pen_digit_count(dataset, config, pen_strokes)
    if n_pen:
        if phase is not None:
            phase(f"drawing {n_pen:,} pen digits of {len(set(pen_strokes.writers))} writers")
        X, y = pen_digit_rows(pen_strokes, n_pen, dataset.classes, dataset.image, profile,
                              pen_rng)
        blocks_X.append(scaler.transform(X))
        blocks_y.append(y)
    augment = make_augmenter(dataset.image) if use_augmentation(dataset, config) else None
    return TrainingExtras(X=np.concatenate(blocks_X) if blocks_X else None,
                          y=np.concatenate(blocks_y) if blocks_y else None,
                          augment=augment, profile=profile, synthetic_digits=int(n_synthetic),
                          pen_digits=int(n_pen))


def wanted_extras(dataset, config) -> list[str]:
    """The kinds of extra a run of ``config`` adds to ``dataset`` (anything with ``image`` and
    ``classes``, a ``Dataset.summary()`` too), in words: ``"augmentation"``, ``"synthetic pen
    digits"``, ``"real pen digits"`` (assuming the built-in pen digits are installed)."""
    kinds = []
    if use_augmentation(dataset, config):
        kinds.append("augmentation")
    if synthetic_digit_count(dataset, config):
        kinds.append("synthetic pen digits")
    if _drawn_digit_count(dataset, config, "pen_digits", 1):
        kinds.append("real pen digits")
    return kinds


def use_augmentation(dataset, config) -> bool:
    """Whether the run trains on augmented images: as asked, else on for image-like data."""
    if config.augment is not None:
        return bool(config.augment) and dataset.image is not None
    return dataset.image is not None


def synthetic_digit_count(dataset, config) -> int:
    """How many synthetic pen digits (``pen_digits.py``) join the training rows.

    As asked; on auto, ``AUTO_SYNTHETIC_DIGITS`` for image data whose classes are the ten
    digits and that trains with augmentation (the drawing-pad use), else none.
    """
    return _drawn_digit_count(dataset, config, "synthetic_digits", AUTO_SYNTHETIC_DIGITS)


def pen_digit_count(dataset, config, pen) -> int:
    """How many renderings of real pen digits (``pen_strokes.py``) join the training rows.

    As asked; on auto, each of ``pen``'s digits once for digit pictures trained with
    augmentation (the drawing-pad use), else none; none when there are no pen digits.
    """
    have = len(pen) if pen is not None else 0
    n = _drawn_digit_count(dataset, config, "pen_digits", have)
    return n if have else 0


def drawing_profile(dataset, train_idx):
    """How the training images draw their digits (box size, stroke), for the canvas; None for
    data that is not pictures."""
    if dataset.image is None:
        return None
    geometry = dataset.image
    images = to_images(dataset.X[train_idx], geometry)
    images = (images - geometry.vmin) / max(geometry.vmax - geometry.vmin, 1e-12)
    return measure_profile(np.clip(images, 0.0, 1.0))


def _drawn_digit_count(dataset, config, field, auto):
    """``config.<field>`` if set, else ``auto`` for digit pictures trained with augmentation;
    none for other data (``config.check_for_dataset`` refuses a count asked for there)."""
    if dataset.image is None or not is_digit_classes(dataset.classes):
        return 0
    asked = getattr(config, field)
    if asked is not None:
        return asked
    return auto if use_augmentation(dataset, config) else 0


def _pen_strokes_for(dataset, config, pen_strokes):
    """The pen digits to render: those given, else the built-in ones when the run wants any
    (None when the file is absent, a trimmed install)."""
    wanted = config.pen_digits if config.pen_digits is not None \
        else use_augmentation(dataset, config)
    if pen_strokes is None and dataset.image is not None and wanted and PEN_STROKES_PATH.exists():
        return load_pen_strokes()
    return pen_strokes
