"""The product's default run against scikit-learn's MLP pipeline and HistGradientBoosting on
real tables whose label is a class.

For every table of the set (``--tables dev``: ``../shared/data/tables``; ``--tables
selection``: the tables ``bench/selection_tables.py`` wrote; see ``table_bench.py``) and every
seed, one stratified 80/20 split; every learner sees the same 80% and is scored on the same 20%:

* the product: ``frames.from_frame`` on the training rows (column classification, fill values
  and vocabularies learnt there only), ``defaults.default_settings`` for the run (``--settings``
  on top), ``fit`` (which holds out a fifth of those rows for early stopping), the test rows
  read through the model's encoding exactly as a prediction request would be;
* ``MLPClassifier(max_iter=500)`` after median / most-frequent imputing, one-hot encoding of
  the text columns and standard scaling;
* ``HistGradientBoostingClassifier`` with the text columns as native categories and blanks as
  they are (``table_bench.boosting_frames``).

Prints, per table, the mean test accuracies, the product's gap to the better of the two peers
and to the MLP, and the seconds per fit; then the means and the worst table.

Every learner runs with one BLAS thread (``--threads``), as the app's training processes do
(``webapp/jobs/process.py``): on this shared 2-core machine, BLAS's default of a thread per
core made a 1,797-row fit of 256 units take 88 s instead of 0.8 s while other jobs ran, its
idle threads spinning on the small products.

    .venv/bin/python bench/bench_tables.py [--tables dev|selection|DIR] [--seeds N]
        [--only a.csv,...] [--max-rows N] [--settings '{"l2": 3}'] [--product-only]
        [--log FILE] [--threads 1]
"""
from __future__ import annotations

import sys
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from table_bench import (SHARED, boosting_frames, compare, sklearn_preprocessing,  # noqa: E402
                         table_parser, typed, with_threads)

from nncore.config import TrainConfig  # noqa: E402
from nncore.data.dataset import class_name  # noqa: E402
from nncore.data.frames import from_frame  # noqa: E402
from nncore.defaults import default_settings  # noqa: E402
from nncore.fitting import fit  # noqa: E402

TABLES = SHARED / "tables"


def product_predictions(train, test, label, seed, extra):
    """The default run's class names for ``test`` after training on ``train``."""
    dataset = from_frame(train, label, "bench", task="classification")
    settings, _ = default_settings(dataset.summary())
    model, _ = fit(dataset, TrainConfig.from_dict({**settings, **extra, "seed": seed}))
    if model.encoding is not None:
        X_test = model.encode_frame(test.drop(columns=[label]))
    else:
        X_test = test.drop(columns=[label]).to_numpy(dtype=np.float64)
    return model.predict(X_test)


def mlp_predictions(train, test, label, seed, extra):
    from sklearn.neural_network import MLPClassifier
    from sklearn.pipeline import make_pipeline

    X_train = typed(train, label)
    model = make_pipeline(sklearn_preprocessing(X_train),
                          MLPClassifier(max_iter=500, random_state=seed))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.fit(X_train, train[label].map(class_name))
    return model.predict(typed(test, label))


def boosting_predictions(train, test, label, seed, extra):
    from sklearn.ensemble import HistGradientBoostingClassifier

    X_train, X_test = boosting_frames(train, test, label)
    model = HistGradientBoostingClassifier(categorical_features="from_dtype",
                                           random_state=seed)
    model.fit(X_train, train[label].map(class_name))
    return model.predict(X_test)


#: the learners compared, the product first
LEARNERS = {"product": product_predictions, "mlp": mlp_predictions,
            "hgb": boosting_predictions}


def stratified_split(raw, label, seed):
    from sklearn.model_selection import train_test_split

    return train_test_split(raw, test_size=0.2, random_state=seed, stratify=raw[label])


def accuracy(test, label, predicted):
    return float(np.mean(np.asarray(predicted) == test[label].map(class_name).to_numpy()))


def main(argv=None):
    args = table_parser(__doc__.splitlines()[0], TABLES).parse_args(argv)
    return with_threads(args, lambda a: compare(a, "classification", LEARNERS, stratified_split,
                                                accuracy, "accuracy"))


if __name__ == "__main__":
    main()
