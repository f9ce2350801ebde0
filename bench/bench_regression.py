"""The product's default regression run against scikit-learn on real tables whose label is a number.

For every table of the set (``--tables dev``: ``../shared/data/regression``; ``--tables
selection``: the regression tables ``bench/selection_tables.py`` wrote; see
``table_bench.py``) and every seed, one shuffled 80/20 split (rows with a blank label dropped
first); every learner sees the same 80% and is scored by R² on the same 20%:

* the product: ``frames.from_frame`` on the training rows (the task, column kinds, fill values
  and vocabularies read there only), ``defaults.default_settings`` for the run (``--settings``
  on top), ``fit`` (which holds out a fifth of those rows for early stopping), the test rows
  read through the model's encoding as a prediction request would be,
  ``Model.predict_values`` in the label's units;
* ``MLPRegressor(max_iter=500)`` after median / most-frequent imputing, one-hot encoding and
  standard scaling (``table_bench.sklearn_preprocessing``), inside
  ``TransformedTargetRegressor(transformer=StandardScaler())``;
* ``HistGradientBoostingRegressor`` with the text columns as native categories (the 255 most
  frequent of a column, its limit; the rest read as blanks) and blanks as they are.

Prints, per table, each learner's mean test R² and seconds per fit, the product's gap to the
better peer and to the MLP, and the means. One BLAS thread (``--threads``) as in
``bench_tables.py``.

    .venv/bin/python bench/bench_regression.py [--tables dev|selection|DIR] [--seeds N]
        [--only boston.csv] [--settings '{"l2": 0.1}'] [--product-only] [--log FILE]
"""
from __future__ import annotations

import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from table_bench import (SHARED, boosting_frames, compare, sklearn_preprocessing,  # noqa: E402
                         table_parser, typed, with_threads)

from nncore.config import TrainConfig  # noqa: E402
from nncore.data.frames import from_frame  # noqa: E402
from nncore.defaults import default_settings  # noqa: E402
from nncore.fitting import fit  # noqa: E402
from nncore.nn.metrics import r2  # noqa: E402

TABLES = SHARED / "regression"


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

    X_train, X_test = boosting_frames(train, test, label)
    model = HistGradientBoostingRegressor(categorical_features="from_dtype", random_state=seed)
    model.fit(X_train, numbers(train[label]))
    return model.predict(X_test)


#: the learners compared, the product first
LEARNERS = {"product": product_predictions, "mlp": mlp_predictions,
            "hgb": boosting_predictions}


def numbers(column) -> np.ndarray:
    return pd.to_numeric(column.str.strip()).to_numpy(dtype=np.float64)


def shuffled_split(raw, label, seed):
    from sklearn.model_selection import train_test_split

    return train_test_split(raw, test_size=0.2, random_state=seed, shuffle=True)


def r2_score(test, label, predicted):
    return r2(numbers(test[label]), predicted)


def main(argv=None):
    args = table_parser(__doc__.splitlines()[0], TABLES).parse_args(argv)
    return with_threads(args, lambda a: compare(a, "regression", LEARNERS, shuffled_split,
                                                r2_score, "R²"))


if __name__ == "__main__":
    main()
