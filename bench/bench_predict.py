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

``--app`` measures the same through the web app instead, as a user meets it: a server
(``python -m webapp``, its own temporary data folder) is given the training CSV and trains the
same small network; then, the fastest of ``--repeats``, ``POST /api/runs/<id>/predictions``
with the test CSV (streamed as a browser sends it), polling ``GET /api/predictions/<id>``
every ``POLL_SECONDS`` (20 ms: at most that much of the figure is the poll's wait) until it
has completed, and downloading the scored CSV. The baseline runs the model the server exports
(``GET /api/runs/<id>/onnx``).

Usage::

    .venv/bin/python bench/bench_predict.py [--app] [--repeats 3] [--train-rows 5000] [--json]
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
sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import Server, api, free_port, post_file, request, wait_runs  # noqa: E402
from nncore.config import TrainConfig  # noqa: E402
from nncore.data.loaders import load_dataset  # noqa: E402
from nncore.fitting import fit  # noqa: E402
from nncore.onnx_export import to_onnx  # noqa: E402
from nncore.scoring import score_file  # noqa: E402

MNIST = Path(__file__).resolve().parents[2] / "shared" / "data" / "mnist.npz"
POLL_SECONDS = 0.02


def write_csv(path, images, labels):
    """Kaggle's layout: ``label``, then ``pixel0..pixel783`` row by row."""
    frame = pd.DataFrame(images.reshape(len(images), -1),
                         columns=[f"pixel{i}" for i in range(images[0].size)])
    frame.insert(0, "label", labels)
    frame.to_csv(path, index=False)
    return path


def mnist_files(folder, train_rows):
    """``(train CSV, test CSV)`` in ``folder``: the first ``train_rows`` training digits, and
    the 10,000 test digits."""
    data = np.load(MNIST)
    return (write_csv(folder / "train.csv", data["x_train"][:train_rows],
                      data["y_train"][:train_rows]),
            write_csv(folder / "mnist_test.csv", data["x_test"], data["y_test"]))


def best_of(repeats, run):
    times, result = [], None
    for _ in range(repeats):
        started = time.perf_counter()
        result = run()
        times.append(time.perf_counter() - started)
    return min(times), result


def app_scoring(folder, train, test, hidden, repeats):
    """Train on ``train`` and score ``test`` through a real server; ``(seconds, scored CSV
    bytes, ONNX bytes)``, the seconds the fastest of ``repeats`` scorings."""
    data_dir = folder / "server-data"
    data_dir.mkdir()
    server = Server(data_dir, free_port(), workers=1)
    try:
        server.wait_ready()
        _, status, dataset = post_file(server.port, "/api/datasets", train,
                                       {"label_column": "label"})
        assert status == 201, dataset
        run = api(server.port, "POST", "/api/runs", {
            "dataset_id": dataset["id"], "hidden_layers": [hidden], "epochs": 1,
            "augment": False, "synthetic_digits": 0, "pen_digits": 0, "average_last": 0.0})
        ended = wait_runs(server.port, [run["id"]], 600)[run["id"]]
        assert ended["status"] == "completed", ended

        def score():
            _, status, started = post_file(server.port, f"/api/runs/{run['id']}/predictions",
                                           test)
            assert status == 202, started
            while (job := api(server.port, "GET", f"/api/predictions/{started['id']}"))[
                    "status"] == "running":
                time.sleep(POLL_SECONDS)
            assert job["status"] == "completed", job
            return request(server.port, "GET", f"/api/predictions/{started['id']}/file",
                           timeout=120)[1]

        seconds, scored = best_of(repeats, score)
        onnx_bytes = request(server.port, "GET", f"/api/runs/{run['id']}/onnx")[1]
        return seconds, scored, onnx_bytes
    finally:
        server.stop()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--train-rows", type=int, default=5000)
    parser.add_argument("--hidden", type=int, default=64)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--app", action="store_true",
                        help="score through a real server (upload, poll, download)")
    args = parser.parse_args(argv)
    if args.app:
        return main_app(args)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        train, test = mnist_files(tmp, args.train_rows)
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
    return report(args, result, f"{result['rows']} rows: score_file {ours_s:.2f} s")


def report(args, result, ours):
    """Print ``result`` (JSON with ``--json``); exit status 0 when every prediction agrees."""
    if args.json:
        print(json.dumps(result))
    else:
        print(f"{ours}, pandas.read_csv + onnxruntime {result['pandas_onnx_s']:.2f} s, ratio "
              f"{result['ratio']:.2f}x (target <= 2x); predictions agree on "
              f"{result['agreement']:.2%} of rows")
    return 0 if result["agreement"] == 1.0 else 1


def main_app(args):
    """``--app``: the scoring through the web app against pandas + onnxruntime."""
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        train, test = mnist_files(tmp, args.train_rows)
        app_s, scored, onnx_bytes = app_scoring(tmp, train, test, args.hidden, args.repeats)
        session = ort.InferenceSession(onnx_bytes, providers=["CPUExecutionProvider"])
        pixels = [f"pixel{i}" for i in range(784)]
        base_s, names = best_of(args.repeats, lambda: session.run(["class_name"], {
            "pixels": pd.read_csv(test)[pixels].to_numpy(dtype=np.float32)})[0])
        (tmp / "scored.csv").write_bytes(scored)
        predicted = pd.read_csv(tmp / "scored.csv", usecols=["predicted_label"], dtype=str)
        agree = float(np.mean(predicted["predicted_label"].to_numpy() == names))
    result = {"rows": len(predicted), "app_s": round(app_s, 3), "pandas_onnx_s": round(base_s, 3),
              "ratio": round(app_s / base_s, 2), "agreement": agree}
    return report(args, result, f"{result['rows']} rows through the app (upload, score, "
                                f"download) {app_s:.2f} s")


if __name__ == "__main__":
    sys.exit(main())
