"""The run a dataset gets when a request leaves settings out: the rules that adapt
``TrainConfig``'s defaults to the data.

Scope: from a dataset's summary (``Dataset.summary()``: ``n_samples``, ``n_features``,
``classes``, ``image``) to a dict of settings and a one-line reason; a request's own settings
go on top (``with_defaults``). Five kinds of data, five rules: pictures keep ``TrainConfig``'s
defaults, pictures of the ten digits take ``drawing_pad_defaults``, large picture sets
``large_image_defaults``, tables (and pictures too small for the drawing-pad steps)
``table_defaults``, tables whose label is a number ``regression_defaults``. The measurements
behind each number are in bench/README.md, "Figures behind the defaults".

The drawing-pad extras (synthetic and real pen digits among the training rows) belong to the
network the app chooses for pictures of the ten digits, which is asked to read digits drawn on
the pad by writers it never saw; they cost accuracy on the dataset's own rows. A request that
chooses the network itself (``chose_network``: any of ``NETWORK_SETTINGS`` other than the
dataset's default run, as with the tutorials' 25 sigmoid units, sigmoid outputs and L2 1) is
judged on its own rows, so the extras it leaves on auto are off and it trains as many epochs
as a picture run without them (``own_network_defaults``, applied by ``with_defaults``); it
may still ask for them. Augmentation is not one of them: it shifts the dataset's own pictures, and
on the tutorials' network it raises validation accuracy by 2-4 points while training accuracy
stays above 95% (bench/README.md, "The tutorials' network on tutorial workbooks"), so it stays
on auto for every picture network. ``extras_reason`` says which rule applied, for the run page
and the command line.
"""
from __future__ import annotations

import math
from types import SimpleNamespace

from nncore.config import TrainConfig
from nncore.digits.extras import wanted_extras
from nncore.digits.pen_digits import is_digit_classes

#: image datasets from this many rows get ``large_image_defaults``
LARGE_IMAGE_ROWS = 20_000

#: updates (mini-batch steps) a table's default run aims at: enough for a small table to
#: converge (150 rows in batches of 64 for 60 epochs made 120), cut short by early stopping
TABLE_STEPS = 4000
#: row passes (rows x epochs) a table's default run may take, so a large table stays quick
TABLE_ROW_PASSES = 1_500_000
#: row passes a table's run may take at least (epochs grow with the table's rows as this
#: over the rows): early stopping ends it sooner when the validation cost stops falling
TABLE_MIN_ROW_PASSES = 4_000_000
#: regression tables under this many rows train again on every row after early stopping
#: (``refit``; measured: it helps numbers, not classes)
REGRESSION_REFIT_ROWS = 10_000
#: other L2 strengths a regression table under ``REGRESSION_L2_CHOICE_ROWS`` rows trains with
#: on the same split, the best validation R² kept (``fitting.train_candidates``; measured:
#: bench/README.md, "L2 chosen on the validation rows"); above it the penalty's ``1/n`` has
#: faded and the choice measured nothing, while a second training would cost seconds
REGRESSION_L2_CHOICES = [10.0]
REGRESSION_L2_CHOICE_ROWS = 5_000
#: how a classification table's numbers are scaled (``TrainConfig.scaling``; regression
#: tables keep the standard scaling their target transform was measured with)
TABLE_SCALING = "robust"
#: epochs without a lower validation cost before a table's run stops (the best weights kept)
TABLE_PATIENCE = 25
#: relu units in a table's one hidden layer
TABLE_WIDTH = 256
#: L2 strength of a table's run: the penalty is ``TABLE_L2 / (2 n) * sum W**2``
TABLE_L2 = 1.0
#: pictures narrower or shorter than this many pixels train like tables (see default_settings)
SMALL_PICTURE_SIDE = 16
#: the settings that make the network and its cost: a run that differs from the dataset's
#: default run in any of them has a network the user chose (``chose_network``)
NETWORK_SETTINGS = ("hidden_layers", "activation", "output", "l2", "conv_filters")
#: each drawing-pad extra with the value that switches it off
PAD_EXTRAS_OFF = {"synthetic_digits": 0, "pen_digits": 0}


def default_settings(summary) -> tuple[dict, str]:
    """The settings a run takes when the request leaves them out, and why, in one line.

    The one place that adapts the defaults to a dataset: pictures keep ``TrainConfig``'s,
    pictures of the ten digits take ``drawing_pad_defaults``, large picture sets
    ``large_image_defaults``, tables ``table_defaults``. ``summary`` is
    ``Dataset.summary()``; a request's own settings go on top of the returned dict.

    Pictures under ``SMALL_PICTURE_SIDE`` pixels a side train like tables: the drawing-pad
    steps work in pixels (shifts up to 1.2 px, a 3x3 pen-width blend, synthetic pen strokes),
    sized on 20x20 and 28x28 digits; under 16 px one pixel is over a sixteenth of the picture,
    so they redraw the digit instead of moving it (UCI's 8x8 digits do better as a table:
    bench/README.md).
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
    if summary.get("task") == "regression":
        return regression_defaults(summary)
    return table_defaults(summary)


def with_defaults(summary, requested: dict) -> dict:
    """A request's settings on top of the dataset's defaults (``default_settings``).

    A request that asks for weight averaging (``average_last``) and says nothing of
    ``patience`` drops the defaults' early stopping: it keeps the best epoch's weights, which
    would silently replace the averaged ones asked for. On pictures, a request that chooses
    the network itself (``chose_network``) gets the drawing-pad extras it leaves out or on
    auto (None) switched off (``PAD_EXTRAS_OFF``: synthetic and real pen digits); those it
    sets stay as set, and augmentation stays as asked or auto.
    """
    defaults = dict(default_settings(summary)[0])
    if requested.get("average_last") and "patience" not in requested:
        defaults.pop("patience", None)
    settings = {**defaults, **requested}
    if summary.get("image") is not None and chose_network(summary, settings):
        settings.update({name: value for name, value in own_network_defaults(summary).items()
                         if requested.get(name) is None})
    return settings


def own_network_defaults(summary) -> dict:
    """What a network of the user's own (``chose_network``) gets in place of the dataset's
    default run where that run is shaped for the drawing pad: no pen digits
    (``PAD_EXTRAS_OFF``) and, on pictures of the ten digits, ``TrainConfig``'s epochs: the
    drawing-pad run's 30 epochs make as many updates as 60 because its pen digits triple the
    rows, so without them a run needs the 60 (the tutorials' network reached 94.4-95.8%
    training accuracy in 30 epochs, bench/README.md). A request's own values go on top."""
    settings = dict(PAD_EXTRAS_OFF)
    if drawing_pad_defaults(summary):
        settings["epochs"] = TrainConfig().epochs
    return settings


def network_of(settings: dict):
    """The ``NETWORK_SETTINGS`` of ``settings`` as ``TrainConfig`` reads them (``"25"`` and
    ``[25]`` alike; left out: ``TrainConfig``'s default), or None when one is not valid (the
    request is refused later, by ``TrainConfig.from_dict``, with the field's message)."""
    try:
        config = TrainConfig.from_dict({name: settings.get(name) for name in NETWORK_SETTINGS})
    except (ValueError, TypeError):
        return None
    return tuple((name, getattr(config, name)) for name in NETWORK_SETTINGS)


def chose_network(summary, settings: dict) -> bool:
    """Whether ``settings`` train a network other than the dataset's default run's: another
    value of any of ``NETWORK_SETTINGS`` (hidden layers, activation, output, L2, conv
    blocks). Settings that are not valid count as the default's."""
    own = network_of(settings)
    return own is not None and own != network_of(default_settings(summary)[0])


def extras_reason(summary, settings: dict) -> str | None:
    """"Extras for the drawing pad: on (...)/off, because ...; augmentation: on/off" for a run
    of ``settings`` (the full settings a run stores) on a dataset of ``summary``; None for
    data that is not pictures or settings that are not valid. What is on is
    ``digits.extras.wanted_extras``' answer; why is ``_extras_why``'s."""
    image = summary.get("image")
    if image is None:
        return None
    try:
        config = TrainConfig.from_dict(settings)
    except (ValueError, TypeError):
        return None
    kinds = wanted_extras(SimpleNamespace(image=image, classes=summary.get("classes") or []),
                          config)
    pad = [kind for kind in kinds if kind != "augmentation"]
    state = f"on ({', '.join(pad)})" if pad else "off"
    augmentation = "on" if "augmentation" in kinds else "off"
    return (f"Extras for the drawing pad: {state}, {_extras_why(summary, settings, bool(pad))}; "
            f"augmentation: {augmentation}")


def _extras_why(summary, settings, on) -> str:
    """Why the drawing-pad extras are ``on`` or off for a run of ``settings`` on pictures."""
    image = summary["image"]
    if min(image["height"], image["width"]) < SMALL_PICTURE_SIDE:
        return "because pictures this small train like a table"
    if not is_digit_classes(summary.get("classes") or []):
        return "because they are drawn only for the classes 0-9, and these classes are others"
    if chose_network(summary, settings):
        return ("as asked for a network of your own" if on else
                "because you chose the network yourself: it is judged on your own rows, and "
                "pen digits drawn for the pad cost accuracy there (ask for them with "
                "synthetic_digits or pen_digits)")
    if on:
        return ("because this is the network the app chose for pictures of digits, to read "
                "digits drawn on the pad by writers it never saw")
    return "as asked"


def large_image_defaults(summary) -> dict:
    """Settings that replace ``TrainConfig``'s defaults for a large image dataset.

    The defaults were sized for the 5,000-digit sample (60 epochs, 4,000 synthetic pen
    digits): on the 60,000-digit MNIST CSV they would train for a quarter of an hour. With that
    many real rows, 12 epochs of batches of 128 reach the plateau, and the synthetic digits add
    little; augmentation stays (measured on MNIST: bench/README.md).

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
    sample's rows, so 30 epochs make as many updates as 60 did without them. 256 relu units
    read drawn digits as well as 512 at half the cost, and both kinds of pen digits earn their
    place (writer-disjoint cross-validation, ``bench/bench_drawn_digits.py``: bench/README.md).

    ``summary`` as in ``Dataset.summary()``; ``{}`` for other datasets.
    """
    if summary.get("image") is None or not is_digit_classes(summary.get("classes") or []):
        return {}
    return {"hidden_layers": [256], "epochs": 30}


def table_defaults(summary) -> tuple[dict, str]:
    """Defaults for a table of ``n_samples`` rows, ``n_features`` features, k classes.

    * One layer of ``TABLE_WIDTH`` (256) relu units whatever the table's shape: with early
      stopping and weight decay a wide layer costs small tables nothing, while layers sized
      from the input (32 units for 8 features) underfit.
    * L2 = ``TABLE_L2`` (1): a Gaussian prior on the weights whose weight against the data
      falls as 1/n, so it holds a wide layer back on 300 rows and fades on 10,000 (0.01 left
      the wide layer free to overfit).
    * Batches of 32 (64 from 10,000 rows); epochs from a budget of ``TABLE_STEPS`` updates
      or ``TABLE_MIN_ROW_PASSES`` row passes, whichever is more (at least 20, at most 1,000):
      the work grows with the table, so a 54,000-row table is no longer cut off at 20 epochs
      while still improving (scikit-learn's MLP allows 500); early stopping ends it sooner.
    * Early stopping on the validation cost after ``TABLE_PATIENCE`` epochs without a new
      best keeps the best weights (hence no weight averaging); no picture steps.
    * ``TABLE_SCALING`` (robust): the numbers centred on their median, divided by their
      interquartile range and smoothly clipped at 3 (``data/scaling.py``; RealMLP's
      preprocessing, Holzmüller et al. 2024), so a few huge incomes no longer crowd the other
      rows into one value. Pictures that train like tables keep their pixel range.

    The measurements behind the width and the L2 (21 tables), and behind the epochs, the refit
    and the scaling (the selection set of ``bench/selection_tables.py``) are in
    bench/README.md.
    """
    n = int(summary.get("n_samples") or 0)
    d = int(summary.get("n_features") or 1)
    k = len(summary.get("classes") or ()) or 2
    # pictures keep one range for every pixel (Scaler.fit ignores robust scaling for them)
    scaling = "standard" if summary.get("image") else TABLE_SCALING
    settings, how = table_run(n, TABLE_WIDTH, TABLE_L2, TABLE_STEPS, TABLE_PATIENCE,
                              scaling=scaling)
    return settings, f"{n:,} rows, {d} features, {k} classes: {how}"


def regression_defaults(summary) -> tuple[dict, str]:
    """Defaults for a table whose label is a number to predict (``summary["task"]``).

    The table rule (``table_run``) with the same constants: 256 relu units, L2 1, epochs
    growing with the rows, early stopping on the validation cost; ``TABLE_SCALING`` (robust,
    with the smooth clip) as for classes: with standard scaling a house of a lot area never
    seen in training drove the log-price network far outside the prices it knew (ames:
    1.9 million predicted for a 184,000 house, R² 0.56 over seeds 0-2; 0.89 with the clip;
    the selection set's 11 tables 0.471 on average against 0.43x, the dev tables level:
    bench/README.md). Under ``REGRESSION_REFIT_ROWS`` rows, a refit
    (``fitting.refit_network``): once early stopping has chosen the epochs, a new network
    trains that long on every row, the validation fifth included (on Hitters' 210 training
    rows that fifth is 42 rows the model would not learn from; the refit took its R² from
    0.535 to 0.574 against scikit-learn's MLP's 0.575). Above 10,000 rows the fifth matters
    less and the refit would double the time; on classes it measured no gain. Measured again for numbers on the dev
    tables and 9 other real tables: L2 0.1 and a longer run did worse, and layers of 32, 64
    and 128 units moved the means by -0.01 to +0.015, not in order of width (split noise);
    bench/README.md, "How the regression defaults were chosen". Under
    ``REGRESSION_L2_CHOICE_ROWS`` rows the run also trains with L2 10
    (``REGRESSION_L2_CHOICES``) and keeps the better validation R²
    (``fitting.train_candidates``): no fixed strength suited every table (on the
    selection set Sacramento's 932 houses and 113 features went 0.594 / 0.622 / 0.655 for
    L2 1 / 3 / 10, while the dev table concrete went 0.894 / 0.881 / 0.848), and the
    choice took the selection mean from 0.471 to 0.487 with the dev mean unchanged (0.811
    -> 0.813); it costs one more training. The
    reason line says what the network learns: the label standardised, or its
    log standardised when the label is positive and strongly skewed (``data/targets.py``;
    ``fit`` decides again on the training rows).
    """
    n = int(summary.get("n_samples") or 0)
    d = int(summary.get("n_features") or 1)
    scaling = "standard" if summary.get("image") else TABLE_SCALING
    settings, how = table_run(n, TABLE_WIDTH, TABLE_L2, TABLE_STEPS, TABLE_PATIENCE,
                              scaling=scaling, refit_rows=REGRESSION_REFIT_ROWS,
                              l2_choices=REGRESSION_L2_CHOICES
                              if n < REGRESSION_L2_CHOICE_ROWS else ())
    columns = summary.get("columns") or [{}]
    label = columns[0].get("name") or "the label"
    target = summary.get("target") or {}
    learns = f"log({label}), standardised" if target.get("log") else f"{label} standardised"
    return settings, (f"{n:,} rows, {d} features, a number to predict: learns {learns}; "
                      f"{how}")


def table_run(n, width, l2, steps, patience, scaling="standard", refit_rows=0, l2_choices=()):
    """The settings of a table's run of ``n`` rows, and how they read in the reason line.

    One hidden layer of ``width`` relu units with L2 ``l2``; batches of 32 (64 from 10,000
    rows); epochs from a budget of ``steps`` updates or ``TABLE_MIN_ROW_PASSES`` row passes
    on the 80% that trains, whichever is more, at least 20, at most the larger of
    ``TABLE_ROW_PASSES`` and ``TABLE_MIN_ROW_PASSES`` row passes and 1,000 epochs; early
    stopping ``patience`` epochs after the best validation cost, keeping its weights; no
    picture steps; ``scaling`` (a key of ``data.scaling.SCALINGS``) and ``refit`` under
    ``refit_rows`` rows, both said in the reason line; there too, ``l2_choices``: other L2
    strengths trained on the same split, the best by validation score kept.
    """
    n_train = max(1, round(0.8 * n))
    batch = 32 if n < 10_000 else 64
    steps_per_epoch = max(1, math.ceil(n_train / batch))
    epochs = max(math.ceil(steps / steps_per_epoch), TABLE_MIN_ROW_PASSES // n_train)
    epochs = int(max(1, min(max(epochs, 20), max(TABLE_ROW_PASSES, TABLE_MIN_ROW_PASSES)
                            // n_train, 1000)))
    settings = {"hidden_layers": [width], "batch_size": batch, "epochs": epochs,
                "l2": l2, "patience": patience, "average_last": 0.0,
                "augment": False, "synthetic_digits": 0}
    if scaling != "standard":
        settings["scaling"] = scaling
    strengths = f"L2 {l2:g}"
    if n < refit_rows:
        settings["refit"] = True
        if l2_choices:
            settings["l2_choices"] = list(l2_choices)
            strengths = (f"L2 {' or '.join(f'{v:g}' for v in [l2, *l2_choices])} (each "
                         "trained, the better on the validation rows kept)")
    how = (f"{width} relu units, {strengths}, up to {epochs} epochs of batches of {batch} "
           f"(~{epochs * steps_per_epoch:,} updates), stopping {patience} epochs after "
           "the best validation cost and keeping its weights")
    if settings.get("scaling") == "robust":
        how = "numbers scaled by median and quartiles with a smooth clip at 3; " + how
    if settings.get("refit"):
        how += (f"; under {refit_rows:,} rows, then trained again on all rows "
                "(validation ones too) for that many epochs")
    return settings, how
