"""How well does the DEFAULT model read digits that people draw on the product's canvas?

Trains with the default settings (``TrainConfig()``) on the built-in 5,000-digit sample, then
draws every digit of ``../shared/data/pendigits_dev.json`` (real pen trajectories from 30
writers) on a ``CANVAS_SIZE`` x ``CANVAS_SIZE`` canvas with the canvas's default pen
(``LINE_WIDTH`` px, what the frontend sets), the way a person fills the pad: the longest side
of the digit takes ``FILL`` of the canvas, aspect ratio kept, centred. Each drawing goes
through ``nncore.digits.drawing.features_from_strokes`` with the model's image geometry and drawing
profile, exactly as the web canvas's predictions do, and the share read right is reported per
digit and overall, with the most frequent confusions and the training time.

    python bench/bench_drawn_digits.py [--json] [--limit N] [--config '{"epochs": 60}']

Skips (exit 0, with a message) when the pen-digit file is absent. The digits are a dev set:
other writers' digits are kept aside for an independent check, so do not tune to this one.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from nncore.config import TrainConfig  # noqa: E402
from nncore.digits.drawing import features_from_strokes, fit_to_pad  # noqa: E402
from nncore.fitting import fit  # noqa: E402
from nncore.data.loaders import load_sample  # noqa: E402

DATA = ROOT.parent / "shared" / "data" / "pendigits_dev.json"
CANVAS_SIZE = 280      # the drawing pad is 280 x 280 px
LINE_WIDTH = 18        # the pad's default pen width, px (set by the frontend)
FILL = 0.75            # a person's digit spans about 3/4 of the pad, with a margin around it
TABLET_TOP = 500       # pen-digit y grows upward in a ~500 unit box: screen y = 500 - y


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


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DATA, help="pen-digit JSON file")
    parser.add_argument("--limit", type=int, default=None, help="use every k-th digit so that "
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
    config = TrainConfig.from_dict(json.loads(args.config))

    dataset = load_sample()
    started = time.perf_counter()
    model, result = fit(dataset, config)
    train_seconds = time.perf_counter() - started

    started = time.perf_counter()
    truth, predicted = evaluate(model, samples)
    read_seconds = time.perf_counter() - started
    report = summarise(truth, predicted, model.classes)
    report.update({
        "n_digits": len(samples), "train_seconds": round(train_seconds, 1),
        "read_ms_per_digit": round(1000 * read_seconds / max(len(samples), 1), 2),
        "val_accuracy": result["val_accuracy"], "epochs": result["epochs"],
        "config": config.to_dict(), "canvas": {"size": CANVAS_SIZE, "line_width": LINE_WIDTH},
    })

    print(f"Drawn digits read right: {report['accuracy']:.1%} of {len(samples)} "
          f"({CANVAS_SIZE}x{CANVAS_SIZE} canvas, pen {LINE_WIDTH} px)")
    for c, share in report["per_class"].items():
        print(f"  digit {c}: {share:6.1%}")
    print("Most frequent confusions (true -> read as):")
    for pair in report["top_confusions"]:
        print(f"  {pair['true']} -> {pair['predicted']}: {pair['count']}")
    print(f"Training: {train_seconds:.1f} s, {result['epochs']} epochs, validation accuracy "
          f"{result['val_accuracy']:.1%}; reading: {report['read_ms_per_digit']} ms per digit")
    print(f"Settings: {json.dumps(config.to_dict())}")
    if args.json:
        print(json.dumps(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
