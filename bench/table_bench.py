"""What bench_tables.py and bench_regression.py share: the table sets, the two peers
(scikit-learn's MLP pipeline and HistGradientBoosting), a cache of the peers' scores, and the
comparison loop that prints the product's difference to the better peer.

Table sets (``--tables``):

* ``dev``: the task's folder in ``../shared/data`` (``tables`` or ``regression``; its
  ``manifest.json`` maps each file to its label);
* ``selection``: the tables written by ``bench/selection_tables.py`` to
  ``~/.cache/nncore-selection`` (a manifest list of ``{"file", "label", "task"}``; the task's
  tables only);
* any other value: a folder with a ``manifest.json`` of either form.

The peers' scores depend only on the table, the split seed and scikit-learn, so they are
cached per (set, table, rows, seed, learner) in ``~/.cache/nncore-selection/peers.json``;
``--product-only`` trains the product alone and takes the peers from the cache (nan when
absent). ``--log FILE`` appends one JSON line per run: the settings, the set and the means.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from nncore import defaults  # noqa: E402
from nncore.data.columns import BLANK_TOKENS  # noqa: E402

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"
SELECTION = Path.home() / ".cache" / "nncore-selection"
PEER_CACHE = SELECTION / "peers.json"
#: categories a column keeps for HistGradientBoosting (its limit): the rarer read as blanks
MAX_CATEGORIES = 255


def table_parser(description, dev_folder):
    """The options every table benchmark takes."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--seeds", type=int, default=None,
                        help="splits (seeds 0..n-1); default 5 for dev, 3 for selection")
    parser.add_argument("--tables", default="dev", help="dev, selection or a folder")
    parser.add_argument("--only", default="")
    parser.add_argument("--max-rows", type=int, default=0,
                        help="skip tables with more labelled rows (0: none skipped)")
    parser.add_argument("--threads", type=int, default=1, help="BLAS threads (0: BLAS's default)")
    parser.add_argument("--settings", type=json.loads, default={},
                        help="settings on top of the product's defaults (JSON)")
    parser.add_argument("--product-only", action="store_true",
                        help="train the product alone; the peers' scores from the cache")
    parser.add_argument("--log", type=Path, default=None, help="append the means as JSON here")
    parser.add_argument("--constants", type=json.loads, default={},
                        help="nncore.defaults constants to override, e.g. "
                             "'{\"TABLE_ROW_PASSES\": 4000000}' (how the defaults were chosen)")
    parser.set_defaults(dev_folder=dev_folder)
    return parser


def with_threads(args, compare):
    """``compare(args)`` with at most ``args.threads`` BLAS threads (0: BLAS's default)."""
    from threadpoolctl import threadpool_limits

    if args.threads:
        with threadpool_limits(args.threads):
            return compare(args)
    return compare(args)


def read_raw(path):
    """The file as text cells (the product reads the text itself; pandas' guesses aside)."""
    return pd.read_csv(path, dtype=object, keep_default_na=False)


def table_folder(args) -> Path:
    return {"dev": args.dev_folder, "selection": SELECTION}.get(args.tables, Path(args.tables))


def labelled_tables(args, task):
    """``(file name, label column, rows with a label)`` of each of the set's ``task`` tables
    (only those named by ``args.only``, none over ``args.max_rows`` rows)."""
    folder = table_folder(args)
    manifest = json.loads((folder / "manifest.json").read_text())
    if isinstance(manifest, dict):
        manifest = [{"file": f, "label": label, "task": task} for f, label in manifest.items()]
    only = {n for n in args.only.split(",") if n}
    for entry in manifest:
        name, label = entry["file"], entry["label"]
        if entry.get("task", task) != task or (only and name not in only):
            continue
        raw = read_raw(folder / name)
        raw = raw[~raw[label].str.strip().str.lower().isin(BLANK_TOKENS)]
        if args.max_rows and len(raw) > args.max_rows:
            continue
        yield name, label, raw


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


def boosting_frames(train, test, label):
    """Both sides' feature columns for HistGradientBoosting: numbers as they are (blanks NaN),
    text as native categories (the ``MAX_CATEGORIES`` most frequent in training; the rest
    and unseen values read as blanks)."""
    X_train, X_test = typed(train, label), typed(test, label)
    for column in X_train.columns:
        if not pd.api.types.is_numeric_dtype(X_train[column]):
            counts = X_train[column].value_counts()
            kinds = pd.CategoricalDtype(sorted(counts.index[:MAX_CATEGORIES]))
            X_train[column] = X_train[column].where(X_train[column].isin(kinds.categories))
            X_test[column] = X_test[column].astype(object).where(
                X_test[column].isin(kinds.categories))
            X_train[column], X_test[column] = (X_train[column].astype(kinds),
                                               X_test[column].astype(kinds))
        elif not pd.api.types.is_numeric_dtype(X_test[column]):
            X_test[column] = pd.to_numeric(X_test[column], errors="coerce")
    return X_train, X_test


def peer_cache():
    try:
        return json.loads(PEER_CACHE.read_text())
    except (OSError, ValueError):
        return {}


def save_peer_cache(key, value):
    """Add one entry to the cache file, read again just before (several benchmarks may run
    at once), written through a temporary file and a rename."""
    PEER_CACHE.parent.mkdir(parents=True, exist_ok=True)
    cache = {**peer_cache(), key: value}
    tmp = PEER_CACHE.with_suffix(f".{os.getpid()}.tmp")
    tmp.write_text(json.dumps(cache, indent=0, sort_keys=True))
    os.replace(tmp, PEER_CACHE)


def table_scores(args, name, raw, label, learners, split, score):
    """``{learner: ([score], [seconds], [CPU seconds])}``, one per seed's split of ``raw``
    (CPU seconds: the process's, one BLAS thread: the time the fit needs on a free core).

    ``learners``: ``{name: predict(train, test, label, seed, settings)}``, ``"product"`` first;
    ``split(raw, label, seed) -> (train, test)``; ``score(test, label, predicted)``. The
    peers' scores come from the cache when it has them (always with ``--product-only``).
    """
    cache = peer_cache()
    out = {learner: ([], [], []) for learner in learners}
    for seed in range(args.seeds):
        train, test = split(raw, label, seed)
        for learner, predict in learners.items():
            key = f"{args.tables}|{name}|{len(raw)}|{seed}|{learner}"
            if learner != "product" and (key in cache or args.product_only):
                got = cache.get(key, [np.nan, np.nan, np.nan])
            else:
                started, cpu = time.perf_counter(), time.process_time()
                predicted = predict(train, test, label, seed, args.settings)
                got = [float(score(test, label, predicted)), time.perf_counter() - started,
                       time.process_time() - cpu]
                if learner != "product":
                    save_peer_cache(key, got)
            for part, value in zip(out[learner], got):
                part.append(value)
    return out


def compare(args, task, learners, split, score, unit):
    """Print the comparison for ``args`` and return the means; ``unit``: the score's name."""
    if args.seeds is None:
        args.seeds = 3 if args.tables == "selection" else 5
    for constant, value in args.constants.items():
        if not hasattr(defaults, constant):
            raise SystemExit(f"nncore.defaults has no constant {constant}")
        setattr(defaults, constant, value)
    print(f"{args.tables} set, {task}, seeds 0-{args.seeds - 1}, settings {args.settings or '-'}"
          f", constants {args.constants or '-'}"
          f"; {unit} on the test 20%; gap = product - max(mlp, hgb)")
    print(f"{'table':<32}{'rows':>7}{'product':>9}{'mlp':>8}{'hgb':>8}{'gap':>8}{'vs mlp':>8}"
          f"{'s/fit':>7}{'cpu s':>7}{'mlp s':>7}{'hgb s':>7}")
    rows = []
    for name, label, raw in labelled_tables(args, task):
        s = table_scores(args, name, raw, label, learners, split, score)
        m = {k: float(np.mean(v[0])) for k, v in s.items()}
        t = {k: float(np.mean(v[1])) for k, v in s.items()}
        gap = m["product"] - max(m["mlp"], m["hgb"])
        cpu = float(np.mean(s["product"][2]))
        rows.append((name, m["product"], m["mlp"], m["hgb"], gap, max(s["product"][2])))
        print(f"{name:<32}{len(raw):>7}{m['product']:>9.3f}{m['mlp']:>8.3f}{m['hgb']:>8.3f}"
              f"{gap:>+8.3f}{m['product'] - m['mlp']:>+8.3f}{t['product']:>7.1f}{cpu:>7.1f}"
              f"{t['mlp']:>7.1f}{t['hgb']:>7.1f}", flush=True)
    if not rows:
        return None
    mean = np.mean([r[1:5] for r in rows], axis=0)
    worst = min(rows, key=lambda r: r[4])
    slowest = max(rows, key=lambda r: r[5])
    print(f"{'mean':<32}{'':>7}{mean[0]:>9.3f}{mean[1]:>8.3f}{mean[2]:>8.3f}{mean[3]:>+8.3f}"
          f"{mean[0] - mean[1]:>+8.3f}")
    print(f"mean gap to the better peer per table {mean[3]:+.3f}; to max(mean mlp, mean hgb) "
          f"{mean[0] - max(mean[1], mean[2]):+.3f}; worst {worst[0]} {worst[4]:+.3f}; "
          f"most CPU in one product fit {slowest[5]:.1f} s ({slowest[0]})")
    summary = {"set": args.tables, "task": task, "settings": args.settings,
               "constants": args.constants, "seeds": args.seeds,
               "tables": len(rows), "product": mean[0], "mlp": mean[1], "hgb": mean[2],
               "gap": mean[3], "worst": [worst[0], worst[4]],
               "per_table": {r[0]: round(r[4], 4) for r in rows}}
    if args.log:
        with open(args.log, "a") as f:
            f.write(json.dumps(summary) + "\n")
    return summary
