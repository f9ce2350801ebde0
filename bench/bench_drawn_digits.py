"""How well does the DEFAULT model read digits drawn on the canvas by writers it never saw?

The default model learns from the built-in 5,000-digit sample plus the real pen digits of
``data/pen_strokes.npz`` (30 writers, the same ones as ``../shared/data/pendigits_dev.json``).
Testing it on those writers would test it on its own training data, so the benchmark
cross-validates by writer: the 30 writers fall in ``--folds`` folds (5 folds of 6, a fixed
shuffle); for each fold the default model is trained with the pen digits of the *other*
writers only, and reads the digits of the fold's writers. Every digit is thus read by a model
that never saw its writer. Per seed (``--seeds``, default 0-2) it reports the share read
right overall and per digit, the worst digit, and the most frequent confusions; then the
mean over seeds and each digit's lowest share over the seeds.

Each test digit is drawn on a ``CANVAS_SIZE`` x ``CANVAS_SIZE`` canvas with the canvas's default
pen (``LINE_WIDTH`` px, what the frontend sets) the way a person fills the pad: the longest
side takes ``FILL`` of the canvas, aspect ratio kept, centred. It goes through
``nncore.digits.drawing.features_from_strokes`` with the model's geometry and profile, as the
web canvas's predictions do. Trainings run in ``--jobs`` processes with one BLAS thread each,
as the web app runs them, so the seconds per fit are what a user waits for (minus the page).

    python bench/bench_drawn_digits.py [--seeds 0,1,2] [--folds 5] [--jobs 2] [--limit N]
                                       [--config '{"epochs": 40}'] [--json]

``--folds 1`` trains once with all 30 writers and reads them (optimistic: the old figure).
Skips (exit 0, with a message) when the pen-digit file is absent. Other writers' digits are
kept aside for an independent check: choose settings on these folds, never on those.
"""
from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from nncore.config import TrainConfig  # noqa: E402
from nncore.digits.drawing import features_from_strokes, fit_to_pad  # noqa: E402
from nncore.digits.pen_strokes import load_pen_strokes  # noqa: E402
from nncore.defaults import with_defaults  # noqa: E402
from nncore.fitting import fit  # noqa: E402
from nncore.data.loaders import load_sample  # noqa: E402

DATA = ROOT.parent / "shared" / "data" / "pendigits_dev.json"
CANVAS_SIZE = 280      # the drawing pad is 280 x 280 px
LINE_WIDTH = 18        # the pad's default pen width, px (set by the frontend)
FILL = 0.75            # a person's digit spans about 3/4 of the pad, with a margin around it
TABLET_TOP = 500       # pen-digit y grows upward in a ~500 unit box: screen y = 500 - y
FOLD_SHUFFLE_SEED = 0  # which writers share a fold: fixed, so every setting sees the same folds


def to_canvas(strokes, size=CANVAS_SIZE, fill=FILL):
    """Tablet strokes (y up) -> canvas strokes (px, y down), scaled and centred on the pad."""
    strokes = [np.asarray(s, dtype=np.float64).reshape(-1, 2) for s in strokes if len(s)]
    strokes = [np.column_stack([s[:, 0], TABLET_TOP - s[:, 1]]) for s in strokes]
    return [s.tolist() for s in fit_to_pad(strokes, size, fill)]


def evaluate(model, samples):
    """Predicted and true labels (str) of the drawn samples; None predictions for blank ones."""
    rows, truth = [], []
    for sample in samples:
        rows.append(features_from_strokes(to_canvas(sample["strokes"]), CANVAS_SIZE, CANVAS_SIZE,
                                          LINE_WIDTH, model.image, model.profile))
        truth.append(str(sample["label"]))
    inked = [i for i, r in enumerate(rows) if r is not None]
    predicted = np.full(len(rows), None, dtype=object)
    if inked:
        predicted[inked] = model.predict(np.array([rows[i] for i in inked]))
    return np.array(truth, dtype=object), predicted


def summarise(truth, predicted, classes):
    """Share read right per class and overall, and the most frequent confusions."""
    right = truth == predicted
    per_class = {c: float(right[truth == c].mean()) for c in classes if (truth == c).any()}
    pairs = {}
    for t, p in zip(truth[~right], predicted[~right]):
        pairs[(t, p)] = pairs.get((t, p), 0) + 1
    top = sorted(pairs.items(), key=lambda kv: -kv[1])[:8]
    return {"accuracy": float(right.mean()), "per_class": per_class,
            "worst_class": min(per_class, key=per_class.get) if per_class else None,
            "top_confusions": [{"true": t, "predicted": p, "count": n} for (t, p), n in top]}


def writer_folds(writers, k, seed=FOLD_SHUFFLE_SEED):
    """The writers (sorted by name, then shuffled with a fixed seed) in ``k`` folds."""
    names = sorted(set(writers), key=lambda w: (len(w), w))
    order = np.random.default_rng(seed).permutation(len(names))
    return [sorted(names[i] for i in part) for part in np.array_split(order, k)]


def _one_fit(task):
    """Train on the sample plus the pen digits of every writer not tested; read the tested."""
    config, held_out, samples = task
    pen = load_pen_strokes()
    if held_out:
        pen = pen.without_writers(held_out)
    started = time.perf_counter()
    model, result = fit(load_sample(), config, pen_strokes=pen)
    seconds = time.perf_counter() - started
    truth, predicted = evaluate(model, samples)
    return {"truth": truth.tolist(), "predicted": predicted.tolist(), "seconds": seconds,
            "val_accuracy": result["val_accuracy"], "epochs": result["epochs"]}


def _tasks(samples, seeds, folds, overrides):
    """(seed, (config, held-out writers, their samples)) per seed and fold; the config is the
    web app's default run on the sample (``with_defaults``: ``overrides`` on top)."""
    config = with_defaults(load_sample().summary(), overrides)
    if folds <= 1:
        return [(seed, (TrainConfig.from_dict({**config, "seed": seed}), [], samples))
                for seed in seeds]
    out = []
    for seed in seeds:
        for fold in writer_folds([s["writer"] for s in samples], folds):
            tested = [s for s in samples if s["writer"] in fold]
            out.append((seed, (TrainConfig.from_dict({**config, "seed": seed}), fold, tested)))
    return out


def _print_report(title, report):
    worst = report["worst_class"]
    print(f"{title}: {report['accuracy']:.1%} of {report['n_digits']} read right, worst digit "
          f"{worst} ({report['per_class'][worst]:.1%}); {report['seconds_per_fit']:.1f} s per fit")
    print("  per digit: " + "  ".join(f"{c}: {v:.1%}" for c, v in report["per_class"].items()))
    print("  confusions (true -> read as): " + ", ".join(
        f"{p['true']}->{p['predicted']} {p['count']}" for p in report["top_confusions"]))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DATA, help="pen-digit JSON file")
    parser.add_argument("--seeds", default="0,1,2", help="comma-separated training seeds")
    parser.add_argument("--folds", type=int, default=5, help="writer folds (1: no folds)")
    parser.add_argument("--jobs", type=int, default=2, help="trainings at once")
    parser.add_argument("--limit", type=int, default=None, help="read every k-th digit so that "
                        "about N are read (quicker, noisier)")
    parser.add_argument("--config", default="{}", help="JSON overrides of TrainConfig defaults")
    parser.add_argument("--json", action="store_true", help="print one JSON object last")
    args = parser.parse_args(argv)

    if not args.data.exists():
        print(f"skipped: {args.data} not found (it lives in ../shared/data)")
        return 0
    samples = json.loads(args.data.read_text())["samples"]
    if args.limit:
        samples = samples[::max(1, len(samples) // args.limit)]
    overrides = json.loads(args.config)
    TrainConfig.from_dict(overrides)                       # refuse a typo before hours of work
    seeds = [int(s) for s in args.seeds.split(",") if s.strip()]
    tasks = _tasks(samples, seeds, args.folds, overrides)

    for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[name] = "1"                             # read by numpy in the workers
    started = time.perf_counter()
    with multiprocessing.get_context("spawn").Pool(max(1, args.jobs)) as pool:
        outcomes = pool.map(_one_fit, [task for _, task in tasks])
    wall = time.perf_counter() - started

    reports = {}
    for seed in seeds:
        mine = [o for (s, _), o in zip(tasks, outcomes) if s == seed]
        truth = np.array(sum((o["truth"] for o in mine), []), dtype=object)
        predicted = np.array(sum((o["predicted"] for o in mine), []), dtype=object)
        report = summarise(truth, predicted, [str(d) for d in range(10)])
        report.update({"n_digits": len(truth), "fits": len(mine),
                       "seconds_per_fit": float(np.mean([o["seconds"] for o in mine])),
                       "val_accuracy": float(np.mean([o["val_accuracy"] for o in mine])),
                       "epochs": mine[0]["epochs"]})
        reports[seed] = report
        _print_report(f"seed {seed}", report)
    overall = float(np.mean([r["accuracy"] for r in reports.values()]))
    lowest = {c: min(r["per_class"][c] for r in reports.values())
              for c in reports[seeds[0]]["per_class"]}
    worst = min(lowest, key=lowest.get)
    how = (f"writer-disjoint, {args.folds} folds" if args.folds > 1
           else "trained on these writers (optimistic)")
    print(f"Mean over seeds {','.join(map(str, seeds))} ({how}): {overall:.1%}; lowest digit "
          f"over seeds: {worst} at {lowest[worst]:.1%}; {wall:.0f} s in all, {args.jobs} jobs")
    print(f"Settings: {json.dumps(tasks[0][1][0].to_dict())}")
    if args.json:
        print(json.dumps({"mean_accuracy": overall, "lowest_per_class": lowest,
                          "folds": args.folds, "seeds": seeds, "config": overrides,
                          "per_seed": {str(k): v for k, v in reports.items()}}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
