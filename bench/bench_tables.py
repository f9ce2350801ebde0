"""The product's default run against scikit-learn's MLPClassifier on real tables.

For every table in ``../shared/data/tables`` (``manifest.json`` names each label column) and
every seed, one stratified 80/20 split; both learners see the same 80% and are scored on the
same 20%:

* the product: ``frames.from_frame`` on the training rows (column classification, fill values
  and vocabularies learnt there only), ``defaults.default_settings`` for the run, ``fit`` (which
  holds out a fifth of those rows for early stopping), the test rows read through the model's
  encoding exactly as a prediction request would be;
* scikit-learn: median / most-frequent imputing, one-hot encoding of the text columns, standard
  scaling, ``MLPClassifier(max_iter=500)``.

Prints, per table, both mean test accuracies, the difference and the seconds per fit.

Both sides run with one BLAS thread (``--threads``), as the app's training processes do
(``webapp/jobs/process.py``): on this shared 2-core machine, BLAS's default of a thread per
core made a 1,797-row fit of 256 units take 88 s instead of 0.8 s while other jobs ran, its
idle threads spinning on the small products.

    .venv/bin/python bench/bench_tables.py [--seeds 5] [--tables DIR] [--only iris.csv,...]
                                           [--threads 1]
"""
from __future__ import annotations

import argparse
import json
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from nncore.config import TrainConfig  # noqa: E402
from nncore.data.columns import BLANK_TOKENS  # noqa: E402
from nncore.data.dataset import class_name  # noqa: E402
from nncore.data.frames import from_frame  # noqa: E402
from nncore.defaults import default_settings  # noqa: E402
from nncore.fitting import fit  # noqa: E402

TABLES = Path(__file__).resolve().parents[2] / "shared" / "data" / "tables"


def read_raw(path):
    """The file as text cells (the product reads the text itself; pandas' guesses aside)."""
    return pd.read_csv(path, dtype=object, keep_default_na=False)


def product_accuracy(train, test, label, seed):
    dataset = from_frame(train, label, "bench")
    settings, _ = default_settings(dataset.summary())
    model, _ = fit(dataset, TrainConfig.from_dict({**settings, "seed": seed}))
    if model.encoding is not None:
        X_test = model.encode_frame(test.drop(columns=[label]))
    else:
        X_test = test.drop(columns=[label]).to_numpy(dtype=np.float64)
    truth = test[label].map(class_name).to_numpy()
    return float(np.mean(model.predict(X_test) == truth))


def typed(frame, label):
    """The feature columns of text cells as pandas would type them: blanks NaN, a column
    of numbers numeric, the rest text."""
    frame = frame.drop(columns=[label])
    frame = frame.mask(frame.apply(lambda c: c.str.strip().str.lower().isin(BLANK_TOKENS)))
    return frame.apply(lambda c: pd.to_numeric(c)
                       if pd.to_numeric(c.dropna(), errors="coerce").notna().all() else c)


def sklearn_preprocessing(X_train):
    """scikit-learn's usual table preparation for ``X_train``'s columns: median imputing and
    standard scaling of the numbers, most-frequent imputing and one-hot encoding of the text."""
    from sklearn.compose import ColumnTransformer
    from sklearn.impute import SimpleImputer
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    numeric = [c for c in X_train.columns if pd.api.types.is_numeric_dtype(X_train[c])]
    text = [c for c in X_train.columns if c not in numeric]
    return ColumnTransformer([
        ("num", make_pipeline(SimpleImputer(strategy="median"), StandardScaler()), numeric),
        ("cat", make_pipeline(SimpleImputer(strategy="most_frequent"),
                              OneHotEncoder(handle_unknown="ignore")), text),
    ])


def sklearn_accuracy(train, test, label, seed):
    from sklearn.neural_network import MLPClassifier
    from sklearn.pipeline import make_pipeline

    X_train, X_test = typed(train, label), typed(test, label)
    model = make_pipeline(sklearn_preprocessing(X_train),
                          MLPClassifier(max_iter=500, random_state=seed))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.fit(X_train, train[label].map(class_name))
    return float(np.mean(model.predict(X_test) == test[label].map(class_name).to_numpy()))


def table_parser(description, tables):
    """The options every table benchmark takes: seeds, a folder of tables, some of them, and
    BLAS threads."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--tables", type=Path, default=tables)
    parser.add_argument("--only", default="")
    parser.add_argument("--threads", type=int, default=1, help="BLAS threads (0: BLAS's default)")
    return parser


def with_threads(args, compare):
    """``compare(args)`` with at most ``args.threads`` BLAS threads (0: BLAS's default)."""
    from threadpoolctl import threadpool_limits

    if args.threads:
        with threadpool_limits(args.threads):
            return compare(args)
    return compare(args)


def main(argv=None):
    args = table_parser(__doc__.splitlines()[0], TABLES).parse_args(argv)
    return with_threads(args, compare)


def labelled_tables(args):
    """``(file name, label column, rows with a label)`` of each table in ``args.tables``'s
    manifest (only those named by ``args.only``, when it names any)."""
    manifest = json.loads((args.tables / "manifest.json").read_text())
    only = {n for n in args.only.split(",") if n}
    for name, label in manifest.items():
        if only and name not in only:
            continue
        raw = read_raw(args.tables / name)
        yield name, label, raw[~raw[label].str.strip().str.lower().isin(BLANK_TOKENS)]


def compare(args):
    """The comparison table for ``args`` (tables, seeds, only)."""
    from sklearn.model_selection import train_test_split

    print(f"{'table':<20}{'product':>9}{'sklearn':>9}{'diff':>8}{'s/fit':>8}{'sk s/fit':>9}")
    rows = []
    for name, label, raw in labelled_tables(args):
        ours, theirs, t_ours, t_theirs = [], [], [], []
        for seed in range(args.seeds):
            train, test = train_test_split(raw, test_size=0.2, random_state=seed,
                                           stratify=raw[label])
            started = time.perf_counter()
            ours.append(product_accuracy(train, test, label, seed))
            t_ours.append(time.perf_counter() - started)
            started = time.perf_counter()
            theirs.append(sklearn_accuracy(train, test, label, seed))
            t_theirs.append(time.perf_counter() - started)
        a, b = np.mean(ours), np.mean(theirs)
        rows.append((name, a, b))
        print(f"{name:<20}{a:>9.3f}{b:>9.3f}{a - b:>+8.3f}{np.mean(t_ours):>8.1f}"
              f"{np.mean(t_theirs):>9.1f}", flush=True)
    if rows:
        print(f"{'mean':<20}{np.mean([r[1] for r in rows]):>9.3f}"
              f"{np.mean([r[2] for r in rows]):>9.3f}"
              f"{np.mean([r[1] - r[2] for r in rows]):>+8.3f}")


if __name__ == "__main__":
    main()
