"""The product's default regression run against scikit-learn on real tables whose label is a number.

For every table in ``../shared/data/regression`` (``manifest.json`` names each label column)
and every seed, one shuffled 80/20 split (rows with a blank label dropped first); every
learner sees the same 80% and is scored by R² on the same 20%:

* the product: ``frames.from_frame`` on the training rows (the task, column kinds, fill values
  and vocabularies read there only), ``defaults.default_settings`` for the run, ``fit`` (which
  holds out a fifth of those rows for early stopping), the test rows read through the model's
  encoding as a prediction request would be, ``Model.predict_values`` in the label's units;
* ``MLPRegressor(max_iter=500)`` after median / most-frequent imputing, one-hot encoding and
  standard scaling (``bench_tables.sklearn_preprocessing``), inside
  ``TransformedTargetRegressor(transformer=StandardScaler())``;
* ``HistGradientBoostingRegressor`` with the text columns as native categories (the 255 most
  frequent of a column, its limit; the rest read as blanks) and blanks as they are.

Prints, per table, each learner's mean test R² and seconds per fit, the product's difference
to the MLP, and the means. One BLAS thread (``--threads``) as in ``bench_tables.py``.

    .venv/bin/python bench/bench_regression.py [--seeds 5] [--tables DIR] [--only boston.csv]
                                               [--settings '{"l2": 0.1}'] [--product-only]
                                               [--threads 1]

``--settings`` puts settings on top of the product's defaults (how the defaults were chosen).
"""
from __future__ import annotations

import json
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_tables import (labelled_tables, sklearn_preprocessing, table_parser,  # noqa: E402
                          typed, with_threads)
from nncore.config import TrainConfig  # noqa: E402
from nncore.data.frames import from_frame  # noqa: E402
from nncore.defaults import default_settings  # noqa: E402
from nncore.fitting import fit  # noqa: E402
from nncore.nn.metrics import r2  # noqa: E402

TABLES = Path(__file__).resolve().parents[2] / "shared" / "data" / "regression"


def product_predictions(train, test, label, seed, extra):
    """The default run's predictions for ``test`` (label units) after training on ``train``."""
    dataset = from_frame(train, label, "bench")
    if dataset.task != "regression":
        raise SystemExit(f"{label}: read as {dataset.task}, not a number to predict")
    settings, _ = default_settings(dataset.summary())
    model, _ = fit(dataset, TrainConfig.from_dict({**settings, **extra, "seed": seed}))
    if model.encoding is not None:
        return model.predict_values(model.encode_frame(test.drop(columns=[label])))
    return model.predict_values(test.drop(columns=[label]).to_numpy(dtype=np.float64))


def mlp_predictions(train, test, label, seed, extra):
    from sklearn.compose import TransformedTargetRegressor
    from sklearn.neural_network import MLPRegressor
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    X_train = typed(train, label)
    model = make_pipeline(sklearn_preprocessing(X_train), TransformedTargetRegressor(
        MLPRegressor(max_iter=500, random_state=seed), transformer=StandardScaler()))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.fit(X_train, numbers(train[label]))
    return model.predict(typed(test, label))


def boosting_predictions(train, test, label, seed, extra):
    from sklearn.ensemble import HistGradientBoostingRegressor

    X_train, X_test = typed(train, label), typed(test, label)
    for column in X_train.columns:
        if not pd.api.types.is_numeric_dtype(X_train[column]):
            # native categories take at most 255 values: the rarer ones read as blanks
            counts = X_train[column].value_counts()
            kinds = pd.CategoricalDtype(sorted(counts.index[:MAX_CATEGORIES]))
            X_train[column] = X_train[column].where(X_train[column].isin(kinds.categories))
            X_test[column] = X_test[column].where(X_test[column].isin(kinds.categories))
            X_train[column], X_test[column] = (X_train[column].astype(kinds),
                                               X_test[column].astype(kinds))
    model = HistGradientBoostingRegressor(categorical_features="from_dtype", random_state=seed)
    model.fit(X_train, numbers(train[label]))
    return model.predict(X_test)


#: categories a column keeps for HistGradientBoostingRegressor (its limit)
MAX_CATEGORIES = 255

#: the learners compared, by the column names of the table
LEARNERS = {"product": product_predictions, "mlp": mlp_predictions,
            "hgb": boosting_predictions}


def numbers(column) -> np.ndarray:
    return pd.to_numeric(column.str.strip()).to_numpy(dtype=np.float64)


def main(argv=None):
    parser = table_parser(__doc__.splitlines()[0], TABLES)
    parser.add_argument("--settings", type=json.loads, default={})
    parser.add_argument("--product-only", action="store_true",
                        help="train the product alone (the others' columns read nan)")
    return with_threads(parser.parse_args(argv), compare)


def table_scores(raw, label, args):
    """``{learner: (mean R², mean seconds per fit)}`` over the seeds' 80/20 splits of ``raw``."""
    from sklearn.model_selection import train_test_split

    learners = {"product": product_predictions} if args.product_only else LEARNERS
    scores = {name: ([np.nan], [np.nan]) for name in LEARNERS}
    scores.update({name: ([], []) for name in learners})
    for seed in range(args.seeds):
        train, test = train_test_split(raw, test_size=0.2, random_state=seed, shuffle=True)
        truth = numbers(test[label])
        for name, predictions in learners.items():
            started = time.perf_counter()
            predicted = predictions(train, test, label, seed, args.settings)
            scores[name][1].append(time.perf_counter() - started)
            scores[name][0].append(r2(truth, predicted))
    return {name: (float(np.mean(a)), float(np.mean(s))) for name, (a, s) in scores.items()}


def compare(args):
    """The comparison table for ``args`` (tables, seeds, only, settings)."""
    print(f"{'table':<24}{'product':>9}{'mlp':>8}{'hgb':>8}{'diff':>8}"
          f"{'s/fit':>7}{'mlp s':>7}{'hgb s':>7}")
    rows = []
    for name, label, raw in labelled_tables(args):
        s = table_scores(raw, label, args)
        rows.append([s[n][0] for n in LEARNERS])
        print(f"{name:<24}{s['product'][0]:>9.3f}{s['mlp'][0]:>8.3f}{s['hgb'][0]:>8.3f}"
              f"{s['product'][0] - s['mlp'][0]:>+8.3f}{s['product'][1]:>7.1f}"
              f"{s['mlp'][1]:>7.1f}{s['hgb'][1]:>7.1f}", flush=True)
    if rows:
        mean = np.mean(rows, axis=0)
        print(f"{'mean':<24}{mean[0]:>9.3f}{mean[1]:>8.3f}{mean[2]:>8.3f}"
              f"{mean[0] - mean[1]:>+8.3f}")


if __name__ == "__main__":
    main()
