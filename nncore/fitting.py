"""From a dataset and settings to a trained model: the one entry point the CLI and the web app use.

``fit`` reads as its stages, top to bottom, each a function of this module:

1. ``check_for_dataset`` (``config.py``) refuses settings this kind of data cannot take;
2. ``split_rows``: a seeded train/validation split, stratified by class;
3. ``scale_rows``: a ``Scaler`` fitted on the training rows only, applied to both sides;
4. ``TARGETS[task]``: what the network's outputs stand for (``Target``): classes through the
   settings' output, or a number through a ``"linear"`` output learning the label as a
   ``TargetTransform`` fitted on the training rows (standardised, after a log when skewed);
5. ``training_extras`` (``digits/extras.py``): what pictures add (synthetic and real pen
   digits as extra training rows, the augmenter, the drawing profile); nothing for tables;
6. ``train_candidates``: for the settings' L2 and each of ``l2_choices`` (a small table of
   numbers tries 10 beside 1), ``train_first``: ``build_network`` (``[n_features,
   *hidden_layers, n_outputs]``, conv blocks first if asked), ``train_network`` (the epoch
   loop of ``nn/training.py``) and ``FIGURES[task]`` (``figures.py``: what a person wants
   afterwards, of the network that never saw the validation rows);
7. ``choose_l2`` (``figures.py``): the candidate with the best validation score;
8. ``refit_network`` (``config.refit``): a new network trained on the training and the
   validation rows together for the epochs early stopping chose; it becomes the model;
9. ``run_result``: the model and the figures.

The task is the dataset's (``Dataset.task``). Regression is one entry in ``TARGETS`` and one
in ``FIGURES``, and splits without stratifying; the other stages do not change. Its output
follows the task: a regression network always has a ``"linear"`` output (the settings'
``output`` names a classifier's and is ignored; the result says ``"output": "linear"``). Five independent random streams are
drawn from the one seed (``RANDOM_STREAMS``: split, initial weights, batches and augmentation,
synthetic digits, pen digits, the refit), so changing, say, the architecture does not change which rows
are held out, nor asking for more synthetic digits which pen digits are drawn.
"""
from __future__ import annotations

import copy
import time
from dataclasses import dataclass, replace

import numpy as np

from nncore.config import TrainConfig, check_for_dataset
from nncore.data.scaling import SCALINGS, Scaler
from nncore.data.splits import stratified_split
from nncore.data.targets import TargetTransform
from nncore.digits.extras import training_extras
from nncore.importance import model_importance
from nncore.model import Model
from nncore.nn.convnet import ConvNetwork
from nncore.figures import FIGURES, Trained, choose_l2
from nncore.nn.network import Network
from nncore.nn.tasks import Regression
from nncore.nn.training import TrainingDiverged, train

#: the random streams spawned from ``config.seed``, in spawn order (the order fixes the numbers)
RANDOM_STREAMS = ("split", "init", "train", "synthetic", "pen", "refit")


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


@dataclass
class Target:
    """What the network's outputs stand for, by task.

    ``task``: ``"classification"`` or ``"regression"`` (``Dataset.task``); ``output``: the
    output layer (``nn/outputs.py``); ``n_outputs``: its units (the classes, or 1 number);
    ``transform``: regression's ``TargetTransform`` (label units <-> what the network learns),
    None for classes; ``training_task``: what ``train`` measures (``nn/tasks.py``).
    """

    task: str
    output: str
    n_outputs: int
    transform: TargetTransform | None = None

    @property
    def training_task(self):
        if self.transform is None:
            return self.task
        return Regression(inverse=self.transform.inverse)


def fit(dataset, config: TrainConfig | None = None, callback=None, phase=None, pen_strokes=None,
        snapshots=None):
    """Train a model on ``dataset`` with ``config``; returns ``(model, result)``.

    ``dataset``: a ``Dataset``, rows ``X`` (n, d) as in the file, labels ``y`` (n,) as class
    indices; ``config``: the settings (the defaults when omitted); ``callback(record)`` after
    each epoch (see ``nncore.nn.training.train``), returning ``False`` stops training
    ("cancelled"); ``phase(text)`` before a preparation step that takes seconds (drawing the
    synthetic digits); ``pen_strokes``: the real pen digits that join the training rows (the
    built-in ``data/pen_strokes.npz`` when omitted; a benchmark passes a subset to keep the
    writers it tests on out of training); ``snapshots``: a ``nncore.snapshots.Snapshots`` that
    keeps the model after epoch 0 and each epoch (it changes nothing of the training).
    ``result``: see ``run_result``.
    """
    config = config or TrainConfig()
    check_for_dataset(config, {"image": dataset.image, "classes": dataset.classes})
    rngs = random_streams(config.seed)
    train_idx, val_idx = split_rows(dataset, config, rngs["split"],
                                    stratify=dataset.task == "classification")
    scaler, rows = scale_rows(dataset, train_idx, val_idx, robust=SCALINGS[config.scaling])
    target, rows = TARGETS[dataset.task](dataset, config, rows)
    extras = training_extras(dataset, config, train_idx, scaler, rngs["synthetic"], rngs["pen"],
                             phase=phase, pen_strokes=pen_strokes)
    rows = add_training_rows(rows, extras.X, extras.y)
    trained = train_candidates(dataset, config, rows, extras, scaler, target, rngs, callback,
                               phase, snapshots)
    chosen, seconds = choose_l2(trained)
    model, history, figures = chosen.model, chosen.history, chosen.figures
    config = replace(config, l2=chosen.l2)
    if snapshots is not None and chosen is not trained[0]:     # its final weights alone
        snapshots.start(model, len(rows.y_train), config.effective_learning_rate,
                        epoch=history.get("best_epoch") or len(history["epoch"]))
    if refits(config, history, rows):
        if phase is not None:
            phase(f"training again on all {len(rows.X_train) + len(rows.X_val):,} rows for "
                  f"{history['best_epoch']} epochs")
        # the validation figures are the first network's, which never saw those rows; so
        # is the importance, measured on them before the refit trains on them
        figures["importance"] = _first_importance(model, dataset, rows.val_idx, config.seed)
        network, more = refit_network(dataset, config, rows, target, history["best_epoch"],
                                      rngs["refit"])
        seconds += more
        figures["refit_epochs"] = history["best_epoch"]
        model = model_of(network, dataset, config, scaler, extras, target)
    return model, run_result(config, history, seconds, extras, rows, figures)


def l2_candidates(config: TrainConfig, rows: Rows) -> list[float]:
    """The L2 strengths the run trains: ``config.l2``, then each other of ``config.l2_choices``
    when there are validation rows to choose by."""
    if rows.X_val is None:
        return [config.l2]
    return [config.l2, *dict.fromkeys(v for v in config.l2_choices if v != config.l2)]


def train_candidates(dataset, config: TrainConfig, rows: Rows, extras, scaler, target: Target,
                     rngs, callback, phase, snapshots) -> list[Trained]:
    """``train_first`` for each of ``l2_candidates``, in order: the live chart and the
    snapshots follow the first (the settings' own L2), every one reports its epochs to
    ``callback`` (so a cancel stops any of them, and no candidate starts after one); a
    later candidate that diverges is left out (the first's ``TrainingDiverged`` ends the run
    as without choices)."""
    trained, strengths = [], l2_candidates(config, rows)
    for i, l2 in enumerate(strengths):
        if phase is not None and len(strengths) > 1:
            phase(f"training with L2 {l2:g} ({i + 1} of {len(strengths)}; the better "
                  "on the validation rows is kept)")
        try:
            trained.append(train_first(dataset, replace(config, l2=l2), rows, extras, scaler,
                                       target, rngs, callback, None if trained else snapshots))
        except TrainingDiverged:
            if not trained:
                raise
        if trained[-1].history.get("stopped") == "cancelled":
            break
    return trained


def train_first(dataset, config: TrainConfig, rows: Rows, extras, scaler, target: Target, rngs,
                callback, snapshots) -> Trained:
    """One network trained on the training rows as ``config`` says and measured on the
    validation rows.

    Every candidate of ``choose_l2`` starts from the same initial weights and sees the
    batches in the same order (copies of the ``"init"`` and ``"train"`` streams), so they
    differ in their L2 strength alone; with one candidate the run is as without choices.
    """
    network = build_network(dataset, config, copy.deepcopy(rngs["init"]), target)
    # the model holds the network, which trains in place: snapshots save it as it goes
    model = model_of(network, dataset, config, scaler, extras, target)
    if snapshots is not None:
        snapshots.start(model, len(rows.y_train), config.effective_learning_rate)
        callback = snapshots.wrap(callback, model)
    history, seconds = train_network(network, config, rows, extras.augment,
                                     copy.deepcopy(rngs["train"]), callback, target.training_task)
    return Trained(config.l2, model, history, seconds,
                   FIGURES[target.task](network, rows, dataset, target))


def _first_importance(model, dataset, val_idx, seed):
    """Permutation importance (``nncore.importance``) of the network before a refit, on the
    validation rows, seeded as the run page's is; None where it does not apply."""
    try:
        return model_importance(model, dataset, val_idx, np.random.default_rng(seed))
    except ValueError:
        return None


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


def scale_rows(dataset, train_idx, val_idx, robust=False) -> tuple[Scaler, Rows]:
    """A ``Scaler`` fitted on the training rows only (pictures keep one range for every pixel;
    ``robust``: median, interquartile range and a smooth clip for other rows), and both sides
    of the split through it."""
    scaler = Scaler().fit(dataset.X[train_idx], image=dataset.image, robust=robust)
    X_train, y_train = scaler.transform(dataset.X[train_idx]), dataset.y[train_idx]
    has_val = len(val_idx) > 0
    X_val = scaler.transform(dataset.X[val_idx]) if has_val else None
    y_val = dataset.y[val_idx] if has_val else None
    return scaler, Rows(train_idx, val_idx, X_train, y_train, X_val, y_val)


def class_target(dataset, config: TrainConfig, rows: Rows) -> tuple[Target, Rows]:
    """Classes: one output unit per class through the settings' output; labels as they are."""
    return Target("classification", config.output, len(dataset.classes)), rows


def number_target(dataset, config: TrainConfig, rows: Rows) -> tuple[Target, Rows]:
    """A number: one ``"linear"`` unit learning ``TargetTransform.fit`` of the training rows'
    labels (standardised, after a log when the label is positive and strongly skewed); the
    rows' labels become what the network learns, on both sides of the split."""
    transform = TargetTransform.fit(rows.y_train, log="auto")
    y_val = transform.transform(rows.y_val) if rows.y_val is not None else None
    return (Target("regression", "linear", 1, transform),
            Rows(rows.train_idx, rows.val_idx, rows.X_train, transform.transform(rows.y_train),
                 rows.X_val, y_val))


#: the target stage of each task (``Dataset.task``): ``(dataset, config, rows) -> (Target, rows)``
TARGETS = {"classification": class_target, "regression": number_target}


def add_training_rows(rows: Rows, X, y) -> Rows:
    """``rows`` with extra scaled training rows ``X`` (m, d), labels ``y`` (m,) after the
    dataset's own (none when ``X`` is None); validation is untouched."""
    if X is None:
        return rows
    return Rows(rows.train_idx, rows.val_idx, np.vstack([rows.X_train, X]),
                np.concatenate([rows.y_train, y]), rows.X_val, rows.y_val)


def build_network(dataset, config: TrainConfig, rng, target: Target):
    """The network the settings describe for this dataset, ending in ``target``'s output layer
    of ``target.n_outputs`` units: fully connected, or convolutional blocks first when
    ``config.conv_filters`` is set (``check_for_dataset`` has made sure the rows are pictures
    then)."""
    if config.conv_filters:
        return ConvNetwork(dataset.image, target.n_outputs, conv_filters=config.conv_filters,
                           hidden_layers=config.hidden_layers, kernel=config.conv_kernel,
                           padding="same", activation=config.activation, output=target.output,
                           init=config.init, rng=rng)
    sizes = [dataset.n_features, *config.hidden_layers, target.n_outputs]
    return Network(sizes, activation=config.activation, output=target.output, init=config.init,
                   rng=rng)


def train_network(network, config: TrainConfig, rows: Rows, augment, rng, callback,
                  task="classification"):
    """Train ``network`` in place on ``rows`` as ``config`` says; ``(history, seconds)``.

    ``task``: what the history measures (``Target.training_task``). Early stopping
    (``config.patience``) needs the validation rows, so it is off without them.
    """
    started = time.perf_counter()
    history = train(network, rows.X_train, rows.y_train, optimizer=config.optimizer,
                    learning_rate=config.effective_learning_rate, epochs=config.epochs,
                    batch_size=config.batch_size, l2=config.l2, rng=rng, X_val=rows.X_val,
                    y_val=rows.y_val,
                    patience=config.patience if rows.X_val is not None else None,
                    callback=callback, augment=augment, schedule=config.lr_schedule,
                    average_last=config.average_last, task=task,
                    label_smoothing=config.label_smoothing if config.output != "linear" else 0.0)
    return history, time.perf_counter() - started


def model_of(network, dataset, config: TrainConfig, scaler, extras, target: Target) -> Model:
    """The model file's contents: the network with what reads a row into it (the scaler, the
    encoding, the drawing profile) and what turns its outputs back into the user's units."""
    return Model(network, dataset.classes, scaler, image=dataset.image, profile=extras.profile,
                 config=config.to_dict(), encoding=dataset.encoding, target=target.transform)


def refits(config: TrainConfig, history, rows: Rows) -> bool:
    """Whether the run trains again on every row: asked for (``config.refit``), with
    validation rows that chose an epoch, and the first run not cancelled."""
    return (config.refit and rows.X_val is not None and history.get("best_epoch", 0) > 0
            and history.get("stopped") != "cancelled")


def refit_network(dataset, config: TrainConfig, rows: Rows, target: Target, epochs, rng):
    """A new network trained on the training and validation rows together for ``epochs``
    (the best epoch early stopping found); ``(network, seconds)``.

    Early stopping needs rows the network does not learn from, and on a small table those
    are a fifth of what it could learn from (168 of Hitters' 210 training rows). Once the
    validation rows have chosen how long to train, they can join the others: the usual
    practice after model selection by a held-out split ("refit" in scikit-learn's searches;
    Hastie, Tibshirani & Friedman, *The Elements of Statistical Learning*, 7.10). The new
    network starts from its own initial weights (the ``"refit"`` stream), trains with the same
    settings and the same number of epochs (every row seen that many times; the L2 penalty's
    ``1/n`` follows the larger ``n``), without validation. The run's figures stay those of
    the first network, measured on rows it never saw.
    """
    network = build_network(dataset, config, rng, target)
    both = Rows(rows.train_idx, rows.val_idx, np.vstack([rows.X_train, rows.X_val]),
                np.concatenate([rows.y_train, rows.y_val]), None, None)
    history, seconds = train_network(network, replace(config, epochs=int(epochs)), both, None,
                                     rng, None, target.training_task)
    return network, seconds


def run_result(config: TrainConfig, history, seconds, extras, rows: Rows, figures) -> dict:
    """The JSON-ready result of a run: the task's ``figures`` and what every run reports.

    ``history`` (columnar lists), ``final_cost``, ``epochs`` (run), ``learning_rate``,
    ``synthetic_digits`` / ``pen_digits`` (extra training rows of each kind), ``seconds``,
    ``stopped``, ``best_epoch``, ``val_indices`` (row indices into the dataset), ``task``; for
    classification ``train_accuracy``, ``val_accuracy``, ``val_balanced_accuracy`` (None
    without a validation set),
    ``val_predictions`` and ``confusion_matrix`` (``classification_figures``); for regression
    ``train_r2``, ``val_r2``, ``train_mae``, ``val_mae``, ``train_rmse``, ``val_rmse``,
    ``baseline``, ``val_predictions`` and ``target_transform`` (``regression_figures``).
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
