"""From a dataset and settings to a trained model: the one entry point the CLI and the web app use.

``fit`` reads as its stages, top to bottom, each a function of this module:

1. ``check_for_dataset`` (``config.py``) refuses settings this kind of data cannot take;
2. ``split_rows``: a seeded train/validation split, stratified by class;
3. ``scale_rows``: a ``Scaler`` fitted on the training rows only, applied to both sides;
4. ``training_extras`` (``digits/extras.py``): what pictures add (synthetic and real pen
   digits as extra training rows, the augmenter, the drawing profile); nothing for tables;
5. ``build_network``: ``[n_features, *hidden_layers, n_classes]``, conv blocks first if asked;
6. ``train_network``: the epoch loop (``nn/training.py``) with the settings' optimiser;
7. ``FIGURES[task]`` and ``run_result``: the model and the figures a person wants afterwards.

A task other than classification (regression) adds one entry to ``FIGURES`` and splits
without stratifying; the other stages do not change. Five independent random streams are
drawn from the one seed (``RANDOM_STREAMS``: split, initial weights, batches and augmentation,
synthetic digits, pen digits), so changing, say, the architecture does not change which rows
are held out, nor asking for more synthetic digits which pen digits are drawn.
"""
from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from nncore.config import TrainConfig, check_for_dataset
from nncore.data.scaling import Scaler
from nncore.data.splits import stratified_split
from nncore.digits.extras import training_extras
from nncore.model import Model
from nncore.nn.convnet import ConvNetwork
from nncore.nn.metrics import accuracy, confusion_matrix
from nncore.nn.network import Network
from nncore.nn.training import train

#: the random streams spawned from ``config.seed``, in spawn order (the order fixes the numbers)
RANDOM_STREAMS = ("split", "init", "train", "synthetic", "pen")


@dataclass
class Rows:
    """The rows a run trains and validates on, scaled as the network sees them.

    ``train_idx`` / ``val_idx``: the dataset's row indices on each side. ``X_train`` (n, d),
    ``y_train`` (n,): the dataset's own training rows first (``n_own`` of them), then any extra
    rows; ``X_val`` / ``y_val``: None without a validation set.
    """

    train_idx: np.ndarray
    val_idx: np.ndarray
    X_train: np.ndarray
    y_train: np.ndarray
    X_val: np.ndarray | None
    y_val: np.ndarray | None

    @property
    def n_own(self) -> int:
        return len(self.train_idx)


def fit(dataset, config: TrainConfig | None = None, callback=None, phase=None, pen_strokes=None):
    """Train a model on ``dataset`` with ``config``; returns ``(model, result)``.

    ``dataset``: a ``Dataset``, rows ``X`` (n, d) as in the file, labels ``y`` (n,) as class
    indices; ``config``: the settings (the defaults when omitted); ``callback(record)`` after
    each epoch (see ``nncore.nn.training.train``), returning ``False`` stops training
    ("cancelled"); ``phase(text)`` before a preparation step that takes seconds (drawing the
    synthetic digits); ``pen_strokes``: the real pen digits that join the training rows (the
    built-in ``data/pen_strokes.npz`` when omitted; a benchmark passes a subset to keep the
    writers it tests on out of training). ``result``: see ``run_result``.
    """
    config = config or TrainConfig()
    check_for_dataset(config, {"image": dataset.image, "classes": dataset.classes})
    rngs = random_streams(config.seed)
    train_idx, val_idx = split_rows(dataset, config, rngs["split"])
    scaler, rows = scale_rows(dataset, train_idx, val_idx)
    extras = training_extras(dataset, config, train_idx, scaler, rngs["synthetic"], rngs["pen"],
                             phase=phase, pen_strokes=pen_strokes)
    rows = add_training_rows(rows, extras.X, extras.y)
    network = build_network(dataset, config, rngs["init"])
    history, seconds = train_network(network, config, rows, extras.augment, rngs["train"],
                                     callback)
    model = Model(network, dataset.classes, scaler, image=dataset.image, profile=extras.profile,
                  config=config.to_dict(), encoding=dataset.encoding)
    figures = FIGURES[task_of(config)](network, rows, len(dataset.classes))
    return model, run_result(config, history, seconds, extras, rows, figures)


def random_streams(seed) -> dict:
    """``{name: numpy.random.Generator}`` for each of ``RANDOM_STREAMS``, independent children
    of ``numpy.random.SeedSequence(seed)``."""
    children = np.random.SeedSequence(seed).spawn(len(RANDOM_STREAMS))
    return {name: np.random.default_rng(child) for name, child in zip(RANDOM_STREAMS, children)}


def split_rows(dataset, config: TrainConfig, rng, stratify=True):
    """Row indices ``(train_idx, val_idx)``: ``config.validation_split`` of the rows held out.

    Stratified (each class keeps its share on both sides, ``data/splits.py``) for classes,
    which need at least two; ``stratify=False`` (numeric targets) shuffles all rows as one
    stratum.
    """
    if not stratify:
        return stratified_split(np.zeros(len(dataset.y)), config.validation_split, rng)
    if len(dataset.classes) < 2:
        raise ValueError("training needs at least two classes")
    return stratified_split(dataset.y, config.validation_split, rng)


def scale_rows(dataset, train_idx, val_idx) -> tuple[Scaler, Rows]:
    """A ``Scaler`` fitted on the training rows only (pictures keep one range for every pixel),
    and both sides of the split through it."""
    scaler = Scaler().fit(dataset.X[train_idx], image=dataset.image)
    X_train, y_train = scaler.transform(dataset.X[train_idx]), dataset.y[train_idx]
    has_val = len(val_idx) > 0
    X_val = scaler.transform(dataset.X[val_idx]) if has_val else None
    y_val = dataset.y[val_idx] if has_val else None
    return scaler, Rows(train_idx, val_idx, X_train, y_train, X_val, y_val)


def add_training_rows(rows: Rows, X, y) -> Rows:
    """``rows`` with extra scaled training rows ``X`` (m, d), labels ``y`` (m,) after the
    dataset's own (none when ``X`` is None); validation is untouched."""
    if X is None:
        return rows
    return Rows(rows.train_idx, rows.val_idx, np.vstack([rows.X_train, X]),
                np.concatenate([rows.y_train, y]), rows.X_val, rows.y_val)


def build_network(dataset, config: TrainConfig, rng):
    """The network the settings describe for this dataset: fully connected, or convolutional
    blocks first when ``config.conv_filters`` is set (``check_for_dataset`` has made sure the
    rows are pictures then)."""
    if config.conv_filters:
        return ConvNetwork(dataset.image, len(dataset.classes), conv_filters=config.conv_filters,
                           hidden_layers=config.hidden_layers, kernel=config.conv_kernel,
                           padding="same", activation=config.activation, output=config.output,
                           init=config.init, rng=rng)
    sizes = [dataset.n_features, *config.hidden_layers, len(dataset.classes)]
    return Network(sizes, activation=config.activation, output=config.output, init=config.init,
                   rng=rng)


def train_network(network, config: TrainConfig, rows: Rows, augment, rng, callback):
    """Train ``network`` in place on ``rows`` as ``config`` says; ``(history, seconds)``.

    Early stopping (``config.patience``) needs the validation rows, so it is off without them.
    """
    started = time.perf_counter()
    history = train(network, rows.X_train, rows.y_train, optimizer=config.optimizer,
                    learning_rate=config.effective_learning_rate, epochs=config.epochs,
                    batch_size=config.batch_size, l2=config.l2, rng=rng, X_val=rows.X_val,
                    y_val=rows.y_val,
                    patience=config.patience if rows.X_val is not None else None,
                    callback=callback, augment=augment, schedule=config.lr_schedule,
                    average_last=config.average_last)
    return history, time.perf_counter() - started


def task_of(config: TrainConfig) -> str:
    """The kind of answer the network gives, the key of its figures in ``FIGURES``: every
    output of ``nn/outputs.py`` answers with a class today."""
    return "classification"


def classification_figures(network, rows: Rows, n_classes) -> dict:
    """Accuracy on both sides, the validation predictions and the confusion matrix.

    About the dataset's own rows only (extra training rows are left out). ``val_predictions``
    are class indices in the order of ``rows.val_idx``; ``confusion_matrix`` (k, k) counts the
    validation rows, or the training rows when there is no validation set.
    """
    X_train, y_train = rows.X_train[:rows.n_own], rows.y_train[:rows.n_own]
    train_pred = network.predict(X_train)
    val_pred = network.predict(rows.X_val) if rows.X_val is not None else None
    cm = (confusion_matrix(rows.y_val, val_pred, n_classes) if val_pred is not None
          else confusion_matrix(y_train, train_pred, n_classes))
    return {
        "train_accuracy": float(accuracy(y_train, train_pred)),
        "val_accuracy": float(accuracy(rows.y_val, val_pred)) if val_pred is not None else None,
        "val_predictions": [int(p) for p in val_pred] if val_pred is not None else [],
        "confusion_matrix": np.asarray(cm).astype(int).tolist(),
    }


#: the figures stage of each task (``task_of``): ``figures(network, rows, n_classes) -> dict``
FIGURES = {"classification": classification_figures}


def run_result(config: TrainConfig, history, seconds, extras, rows: Rows, figures) -> dict:
    """The JSON-ready result of a run: the task's ``figures`` and what every run reports.

    ``history`` (columnar lists), ``final_cost``, ``epochs`` (run), ``learning_rate``,
    ``synthetic_digits`` / ``pen_digits`` (extra training rows of each kind), ``seconds``,
    ``stopped``, ``best_epoch``, ``val_indices`` (row indices into the dataset); for
    classification ``train_accuracy``, ``val_accuracy`` (None without a validation set),
    ``val_predictions`` and ``confusion_matrix`` (``classification_figures``).
    """
    return {
        "history": history,
        "final_cost": history["cost"][-1] if history["cost"] else None,
        "epochs": len(history["epoch"]),
        "learning_rate": config.effective_learning_rate,
        "synthetic_digits": extras.synthetic_digits,
        "pen_digits": extras.pen_digits,
        "seconds": seconds,
        "stopped": history.get("stopped"),
        "best_epoch": history.get("best_epoch"),
        "val_indices": [int(i) for i in rows.val_idx],
        **figures,
    }
