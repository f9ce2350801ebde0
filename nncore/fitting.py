"""From a dataset and settings to a trained model: the one entry point the CLI and the web app use.

Steps: a stratified, seeded train/validation split; a scaler fitted on the training rows only;
a network of sizes ``[n_features, *hidden_layers, n_classes]``; training (with image
augmentation when asked for); then the figures a person wants to see afterwards. Three
independent random streams are drawn from the one seed (split, initial weights, batches and
augmentation), so changing, say, the architecture does not change which rows are held out.
"""
from __future__ import annotations

import math
import time

import numpy as np

from nncore.config import TrainConfig
from nncore.nn.convnet import ConvNetwork
from nncore.nn.metrics import accuracy, confusion_matrix
from nncore.model import Model
from nncore.nn.network import Network
from nncore.data.scaling import Scaler
from nncore.data.splits import stratified_split
from nncore.nn.training import train


def use_augmentation(dataset, config: TrainConfig) -> bool:
    """Whether the run trains on augmented images: as asked, else on for image-like data."""
    if config.augment is not None:
        return bool(config.augment) and dataset.image is not None
    return dataset.image is not None


#: synthetic pen digits added to a digits dataset's training rows when the setting is auto
AUTO_SYNTHETIC_DIGITS = 4000


def synthetic_digit_count(dataset, config: TrainConfig) -> int:
    """How many synthetic pen digits (``pen_digits.py``) join the training rows.

    As asked; on auto, ``AUTO_SYNTHETIC_DIGITS`` for image data whose classes are the ten
    digits and that trains with augmentation (the drawing-pad use), else none.
    """
    return _drawn_digit_count(dataset, config, "synthetic_digits", "synthetic pen digits",
                              AUTO_SYNTHETIC_DIGITS)


def pen_digit_count(dataset, config: TrainConfig, pen) -> int:
    """How many renderings of real pen digits (``pen_strokes.py``) join the training rows.

    As asked; on auto, each of ``pen``'s digits once for digit pictures trained with
    augmentation (the drawing-pad use), else none; none when there are no pen digits.
    """
    have = len(pen) if pen is not None else 0
    n = _drawn_digit_count(dataset, config, "pen_digits", "pen digits", have)
    return n if have else 0


def _drawn_digit_count(dataset, config, field, what, auto):
    """``config.<field>`` if set, else ``auto`` for digit pictures trained with augmentation;
    refused (ValueError) for other data when asked for."""
    from nncore.digits.pen_digits import is_digit_classes
    asked = getattr(config, field)
    if dataset.image is None or not is_digit_classes(dataset.classes):
        if asked:
            raise ValueError(f"{field}: {what} need image data whose classes are the digits "
                             "0-9; set it to 0 for this dataset")
        return 0
    if asked is not None:
        return asked
    return auto if use_augmentation(dataset, config) else 0


def _default_pen_strokes():
    """The built-in pen digits, or None when the file is absent (a trimmed install)."""
    from nncore.digits.pen_strokes import PEN_STROKES_PATH, load_pen_strokes
    return load_pen_strokes() if PEN_STROKES_PATH.exists() else None


#: image datasets from this many rows get ``large_image_defaults``
LARGE_IMAGE_ROWS = 20_000


def large_image_defaults(summary) -> dict:
    """Settings that replace ``TrainConfig``'s defaults for a large image dataset.

    The defaults were sized for the 5,000-digit sample (60 epochs, 4,000 synthetic pen
    digits): on the 60,000-digit MNIST CSV they would train for a quarter of an hour. With that
    many real rows, 12 epochs of batches of 128 reach the plateau, and the synthetic digits add
    little; augmentation stays (measured on MNIST, 48,000 training rows, one core: 98.6%
    validation accuracy in 54 s; 98.2% in 32 s without augmentation).

    ``summary``: ``n_samples`` and ``image`` (None when the rows are not pictures), as in
    ``Dataset.summary()``. Returns ``{}`` for other datasets; a request's own settings go on top.
    """
    if summary.get("image") is None or (summary.get("n_samples") or 0) < LARGE_IMAGE_ROWS:
        return {}
    return {"epochs": 12, "batch_size": 128, "synthetic_digits": 0, "pen_digits": 0}


def drawing_pad_defaults(summary) -> dict:
    """Settings that replace ``TrainConfig``'s defaults for pictures of the ten digits.

    Such a model is asked to read digits drawn on the pad, by writers it never saw. Its
    training rows are the dataset's own, 4,000 synthetic pen digits and a rendering of each of
    the 7,494 real pen digits of ``data/pen_strokes.npz``: three times the 5,000-digit
    sample's rows, so 30 epochs make as many updates as 60 did without them. Measured by
    writer-disjoint cross-validation (``bench/bench_drawn_digits.py``, 5 folds of 6 writers,
    the tested writers' pen digits kept out of training, seed 0): 256 relu units read 98.7%
    of the drawn digits, as 512 did, at half the cost; without the templates 98.7% too, but
    the 4s fall from 97.6% to 96.8%, so they stay; without any pen digits, 90.2%.

    ``summary`` as in ``Dataset.summary()``; ``{}`` for other datasets.
    """
    from nncore.digits.pen_digits import is_digit_classes
    if summary.get("image") is None or not is_digit_classes(summary.get("classes") or []):
        return {}
    return {"hidden_layers": [256], "epochs": 30}


#: updates (mini-batch steps) a table's default run aims at: enough for a small table to
#: converge (150 rows in batches of 64 for 60 epochs made 120), cut short by early stopping
TABLE_STEPS = 4000
#: row passes (rows x epochs) a table's default run may take, so a large table stays quick
TABLE_ROW_PASSES = 1_500_000
#: epochs without a lower validation cost before a table's run stops (the best weights kept)
TABLE_PATIENCE = 25
#: relu units in a table's one hidden layer
TABLE_WIDTH = 256
#: L2 strength of a table's run: the penalty is ``TABLE_L2 / (2 n) * sum W**2``
TABLE_L2 = 1.0
#: pictures narrower or shorter than this many pixels train like tables (see default_settings)
SMALL_PICTURE_SIDE = 16


def default_settings(summary) -> tuple[dict, str]:
    """The settings a run takes when the request leaves them out, and why, in one line.

    The one place that adapts the defaults to a dataset: pictures keep ``TrainConfig``'s,
    pictures of the ten digits take ``drawing_pad_defaults``, large picture sets
    ``large_image_defaults``, tables ``table_defaults``. ``summary`` is
    ``Dataset.summary()``; a request's own settings go on top of the returned dict.

    Pictures under ``SMALL_PICTURE_SIDE`` pixels a side train like tables: the drawing-pad
    steps work in pixels (shifts up to 1.2 px, a 3x3 pen-width blend, synthetic pen strokes),
    sized on 20x20 and 28x28 digits; under 16 px one pixel is over a sixteenth of the picture,
    so they redraw the digit instead of moving it (UCI's 8x8 digits: 95.3% in 18 s with them,
    98.1% in 0.7 s as a table).
    """
    image = summary.get("image")
    if image is not None and min(image["height"], image["width"]) < SMALL_PICTURE_SIDE:
        settings, reason = table_defaults(summary)
        return settings, (f"{image['height']}x{image['width']} pictures, too small for the "
                          f"drawing-pad steps, train like a table: {reason}")
    if image is not None:
        large = large_image_defaults(summary)
        if large:
            return large, (f"{summary.get('n_samples', 0):,} pictures: {large['epochs']} epochs "
                           f"of batches of {large['batch_size']}, no synthetic or pen digits")
        pad = drawing_pad_defaults(summary)
        if pad:
            return pad, ("pictures of the digits 0-9: the drawing-pad defaults (256 relu units, "
                         "30 epochs, augmentation, synthetic and real pen digits)")
        return {}, "pictures: 512 relu units, 60 epochs with augmentation"
    return table_defaults(summary)


def with_defaults(summary, requested: dict) -> dict:
    """A request's settings on top of the dataset's defaults (``default_settings``).

    A request that asks for weight averaging (``average_last``) and says nothing of
    ``patience`` drops the defaults' early stopping: it keeps the best epoch's weights, which
    would silently replace the averaged ones asked for.
    """
    defaults = dict(default_settings(summary)[0])
    if requested.get("average_last") and "patience" not in requested:
        defaults.pop("patience", None)
    return {**defaults, **requested}


def table_defaults(summary) -> tuple[dict, str]:
    """Defaults for a table of ``n_samples`` rows, ``n_features`` features, k classes.

    * One layer of ``TABLE_WIDTH`` (256) relu units whatever the table's shape: with early
      stopping and weight decay a wide layer costs small tables nothing, while layers sized
      from the input (32 units for 8 features) underfit (measured on 21 tables, 20 splits
      each: Auto's 3 origins 76% with 32 units, 79% with 256, 80% with the L2 below).
    * L2 = ``TABLE_L2`` (1): a Gaussian prior on the weights whose weight against the data
      falls as 1/n, so it holds a wide layer back on 300 rows and fades on 10,000 (0.01 left
      the wide layer free to overfit: Carseats 74.7% against 77.5%).
    * Batches of 32 (64 from 10,000 rows); epochs from a budget of ``TABLE_STEPS`` updates,
      at most ``TABLE_ROW_PASSES`` row passes, so the run scales with the rows.
    * Early stopping on the validation cost after ``TABLE_PATIENCE`` epochs without a new
      best keeps the best weights (hence no weight averaging); no picture steps.
    """
    n = int(summary.get("n_samples") or 0)
    d = int(summary.get("n_features") or 1)
    k = len(summary.get("classes") or ()) or 2
    n_train = max(1, round(0.8 * n))
    batch = 32 if n < 10_000 else 64
    steps_per_epoch = max(1, math.ceil(n_train / batch))
    epochs = math.ceil(TABLE_STEPS / steps_per_epoch)
    epochs = int(max(1, min(max(epochs, 20), TABLE_ROW_PASSES // n_train, 1000)))
    settings = {"hidden_layers": [TABLE_WIDTH], "batch_size": batch, "epochs": epochs,
                "l2": TABLE_L2, "patience": TABLE_PATIENCE, "average_last": 0.0,
                "augment": False, "synthetic_digits": 0}
    reason = (f"{n:,} rows, {d} features, {k} classes: {TABLE_WIDTH} relu units, L2 "
              f"{TABLE_L2:g}, up to {epochs} epochs of batches of {batch} "
              f"(~{epochs * steps_per_epoch:,} updates), stopping {TABLE_PATIENCE} epochs after "
              "the best validation cost and keeping its weights")
    return settings, reason


def build_network(dataset, config: TrainConfig, rng):
    """The network the settings describe for this dataset: fully connected, or convolutional
    blocks first when ``config.conv_filters`` is set (image data only)."""
    if config.conv_filters:
        if dataset.image is None:
            raise ValueError("conv_filters: convolutional blocks need image data (rows of "
                             "square pictures); leave conv_filters empty for this dataset")
        return ConvNetwork(dataset.image, len(dataset.classes), conv_filters=config.conv_filters,
                           hidden_layers=config.hidden_layers, kernel=config.conv_kernel,
                           padding="same", activation=config.activation, output=config.output,
                           init=config.init, rng=rng)
    sizes = [dataset.n_features, *config.hidden_layers, len(dataset.classes)]
    return Network(sizes, activation=config.activation, output=config.output, init=config.init,
                   rng=rng)


def fit(dataset, config: TrainConfig | None = None, callback=None, phase=None, pen_strokes=None):
    """Train a model on ``dataset`` with ``config``.

    Parameters
    ----------
    dataset : nncore.data.dataset.Dataset
        Rows ``X`` (n, d) as in the file, labels ``y`` (n,) as class indices.
    config : TrainConfig, optional
        Settings; the defaults when omitted.
    callback : callable, optional
        Called after each epoch with the epoch record (see `nncore.nn.training.train`);
        returning ``False`` stops training (the run is then "cancelled").
    phase : callable, optional
        ``phase(text)`` before a preparation step that takes seconds (drawing the synthetic
        digits), so a progress display can say what is happening before the first epoch.
    pen_strokes : PenStrokes, optional
        The real pen digits that join the training rows (``config.pen_digits`` of them);
        the built-in ``data/pen_strokes.npz`` when omitted. A benchmark passes a subset to
        keep the writers it tests on out of training.

    Returns
    -------
    model : Model
    result : dict
        ``history`` (columnar lists), ``train_accuracy``, ``val_accuracy`` (None without a
        validation set), ``final_cost``, ``epochs`` (run), ``seconds``, ``stopped``,
        ``val_indices`` / ``val_predictions`` (row indices into the dataset and predicted
        class indices) and ``confusion_matrix`` (validation rows, or training rows when
        there is no validation set); ``synthetic_digits``: how many synthetic pen digits
        joined the training rows.
    """
    config = config or TrainConfig()
    if len(dataset.classes) < 2:
        raise ValueError("training needs at least two classes")
    seeds = np.random.SeedSequence(config.seed).spawn(5)
    split_seq, init_seq, train_seq, synth_seq, pen_seq = seeds
    train_idx, val_idx = stratified_split(dataset.y, config.validation_split,
                                          np.random.default_rng(split_seq))

    scaler = Scaler().fit(dataset.X[train_idx], image=dataset.image)
    X_train, y_train = scaler.transform(dataset.X[train_idx]), dataset.y[train_idx]
    profile = _drawing_profile(dataset, train_idx)
    n_synthetic = synthetic_digit_count(dataset, config)
    if n_synthetic:                            # training rows only: validation stays the file's
        from nncore.digits.pen_digits import synthetic_digits
        if phase is not None:
            phase(f"drawing {n_synthetic:,} synthetic pen digits")
        X_syn, y_syn = synthetic_digits(n_synthetic, dataset.classes, dataset.image, profile,
                                        np.random.default_rng(synth_seq))
        X_train = np.vstack([X_train, scaler.transform(X_syn)])
        y_train = np.concatenate([y_train, y_syn])
    wants_pen = config.pen_digits if config.pen_digits is not None \
        else use_augmentation(dataset, config)
    if pen_strokes is None and dataset.image is not None and wants_pen:
        pen_strokes = _default_pen_strokes()
    n_pen = pen_digit_count(dataset, config, pen_strokes)
    if n_pen:
        from nncore.digits.pen_strokes import pen_digit_rows
        if phase is not None:
            phase(f"drawing {n_pen:,} pen digits of {len(set(pen_strokes.writers))} writers")
        X_pen, y_pen = pen_digit_rows(pen_strokes, n_pen, dataset.classes, dataset.image,
                                      profile, np.random.default_rng(pen_seq))
        X_train = np.vstack([X_train, scaler.transform(X_pen)])
        y_train = np.concatenate([y_train, y_pen])
    X_val = scaler.transform(dataset.X[val_idx]) if len(val_idx) else None
    y_val = dataset.y[val_idx] if len(val_idx) else None

    network = build_network(dataset, config, np.random.default_rng(init_seq))
    augment = None
    if use_augmentation(dataset, config):
        from nncore.digits.augment import make_augmenter
        augment = make_augmenter(dataset.image)

    started = time.perf_counter()
    history = train(network, X_train, y_train, optimizer=config.optimizer,
                    learning_rate=config.effective_learning_rate, epochs=config.epochs,
                    batch_size=config.batch_size, l2=config.l2,
                    rng=np.random.default_rng(train_seq), X_val=X_val, y_val=y_val,
                    patience=config.patience if X_val is not None else None, callback=callback, augment=augment,
                    schedule=config.lr_schedule, average_last=config.average_last)
    seconds = time.perf_counter() - started

    n_own = len(train_idx)                     # figures are about the dataset's own rows
    X_train, y_train = X_train[:n_own], y_train[:n_own]
    train_pred = network.predict(X_train)
    val_pred = network.predict(X_val) if X_val is not None else None
    k = len(dataset.classes)
    cm = (confusion_matrix(y_val, val_pred, k) if val_pred is not None
          else confusion_matrix(y_train, train_pred, k))
    model = Model(network, dataset.classes, scaler, image=dataset.image,
                  profile=profile, config=config.to_dict(), encoding=dataset.encoding)
    result = {
        "history": history,
        "train_accuracy": float(accuracy(y_train, train_pred)),
        "val_accuracy": float(accuracy(y_val, val_pred)) if val_pred is not None else None,
        "final_cost": history["cost"][-1] if history["cost"] else None,
        "epochs": len(history["epoch"]),
        "learning_rate": config.effective_learning_rate,
        "synthetic_digits": int(n_synthetic),
        "pen_digits": int(n_pen),
        "seconds": seconds,
        "stopped": history.get("stopped"),
        "best_epoch": history.get("best_epoch"),
        "val_indices": [int(i) for i in val_idx],
        "val_predictions": [int(p) for p in val_pred] if val_pred is not None else [],
        "confusion_matrix": np.asarray(cm).astype(int).tolist(),
    }
    return model, result


def _drawing_profile(dataset, train_idx):
    """Measure how the training images draw their digits (box size, stroke), for the canvas."""
    if dataset.image is None:
        return None
    from nncore.digits.ink import measure_profile
    from nncore.data.images import to_images
    geometry = dataset.image
    images = to_images(dataset.X[train_idx], geometry)
    images = (images - geometry.vmin) / max(geometry.vmax - geometry.vmin, 1e-12)
    return measure_profile(np.clip(images, 0.0, 1.0))
