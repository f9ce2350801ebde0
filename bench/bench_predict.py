"""Benchmark: scoring the 10,000-row MNIST test CSV, against pandas.read_csv plus onnxruntime.

Scope: the issue-22 figure. In a temporary folder, from ``../shared/data/mnist.npz``: a
training CSV of ``--train-rows`` rows and the test CSV (10,000 rows, ``label`` first, then
``pixel0..pixel783``: Kaggle's layout). A small network (``--hidden`` units, one epoch) is
trained on the first through ``fitting.fit``, so that the model reads its columns by name as
the app's models do. In the same run, the fastest of ``--repeats`` of:

* ``score_file s``: ``nncore.scoring.score_file`` of the test CSV to a scored CSV (the input's
  columns, the prediction, a probability per class, the error column);
* ``pandas+onnx s``: ``pandas.read_csv`` of the test CSV, then the exported ONNX model
  (``nncore.onnx_export``) on its pixel columns with onnxruntime (no output file).

The ratio of the two is the figure; the target is at most 2x. The scored file's predictions
are checked against onnxruntime's before anything is printed.

Usage::

    .venv/bin/python bench/bench_predict.py [--repeats 3] [--train-rows 5000] [--json]
"""
import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import onnxruntime as ort
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from nncore.config import TrainConfig  # noqa: E402
from nncore.data.loaders import load_dataset  # noqa: E402
from nncore.fitting import fit  # noqa: E402
from nncore.onnx_export import to_onnx  # noqa: E402
from nncore.scoring import score_file  # noqa: E402

MNIST = Path(__file__).resolve().parents[2] / "shared" / "data" / "mnist.npz"


def write_csv(path, images, labels):
    """Kaggle's layout: ``label``, then ``pixel0..pixel783`` row by row."""
    frame = pd.DataFrame(images.reshape(len(images), -1),
                         columns=[f"pixel{i}" for i in range(images[0].size)])
    frame.insert(0, "label", labels)
    frame.to_csv(path, index=False)
    return path


def best_of(repeats, run):
    times, result = [], None
    for _ in range(repeats):
        started = time.perf_counter()
        result = run()
        times.append(time.perf_counter() - started)
    return min(times), result


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--train-rows", type=int, default=5000)
    parser.add_argument("--hidden", type=int, default=64)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    data = np.load(MNIST)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        train = write_csv(tmp / "train.csv", data["x_train"][:args.train_rows],
                          data["y_train"][:args.train_rows])
        test = write_csv(tmp / "mnist_test.csv", data["x_test"], data["y_test"])
        config = TrainConfig(hidden_layers=[args.hidden], epochs=1, augment=False,
                             synthetic_digits=0, pen_digits=0, average_last=0.0)
        model, _ = fit(load_dataset(train), config)
        session = ort.InferenceSession(to_onnx(model), providers=["CPUExecutionProvider"])
        pixels = [f"pixel{i}" for i in range(model.n_features)]

        def baseline():
            frame = pd.read_csv(test)
            return session.run(["class_name"], {
                "pixels": frame[pixels].to_numpy(dtype=np.float32)})[0]

        scored = tmp / "scored.csv"
        ours_s, summary = best_of(args.repeats, lambda: score_file(model, test, scored))
        base_s, names = best_of(args.repeats, baseline)
        predicted = pd.read_csv(scored, usecols=["predicted_label"], dtype=str)
        agree = float(np.mean(predicted["predicted_label"].to_numpy() == names))
    result = {"rows": summary["rows"], "score_file_s": round(ours_s, 3),
              "pandas_onnx_s": round(base_s, 3), "ratio": round(ours_s / base_s, 2),
              "accuracy": round(summary["metrics"]["accuracy"], 4), "agreement": agree}
    if args.json:
        print(json.dumps(result))
    else:
        print(f"{result['rows']} rows: score_file {ours_s:.2f} s, pandas.read_csv + "
              f"onnxruntime {base_s:.2f} s, ratio {result['ratio']:.2f}x (target <= 2x); "
              f"predictions agree on {agree:.2%} of rows, accuracy {result['accuracy']:.2%}")
    return 0 if agree == 1.0 else 1


if __name__ == "__main__":
    sys.exit(main())
