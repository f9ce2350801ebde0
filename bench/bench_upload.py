"""Benchmark: the 60,000-row MNIST CSV uploaded to the real server, against pandas.read_csv.

Scope: the issue-13 figures. The CSV (``label`` first, then ``pixel0..pixel783``, 110 MB) is
made with pandas from ``../shared/data/mnist.npz`` in a temporary folder. In the same run:

* ``pandas s``: ``pandas.read_csv`` of the file in this process (the fastest of ``--repeats``);
* ``upload+parse s``: ``POST /api/datasets`` (streamed from the file, multipart, with
  ``label_column=label``) to a
  ``python -m webapp`` subprocess until its 201 answer: sending, parsing and storing the
  dataset (the fastest of ``--repeats``; each upload is a new dataset). Target: at most 3x
  pandas;
* ``peak MB above idle``: the server's resident memory (``/proc/<pid>/status``, sampled every
  10 ms) at its highest while it receives and parses, less its resident memory just before.
  Target: at most 1024 MB.

With ``--train`` it then starts the default run on the uploaded dataset (``POST /api/runs``
with only ``dataset_id``) and reports its wall time from that request to completion, its
validation accuracy, and the time-left estimate's error: for each epoch from the third on, the
estimate when first seen (polling every 0.5 s) against the time the run really took from then
(targets: 180 s, 98%, 25%).

Usage::

    .venv/bin/python bench/bench_upload.py [--repeats 3] [--train] [--json]
"""
import argparse
import json
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import HOST, ROOT, Server, api, free_port, post_file  # noqa: E402

MNIST = ROOT.parent / "shared" / "data" / "mnist.npz"


def make_csv(folder, mnist=MNIST):
    import pandas as pd

    f = np.load(mnist)
    pixels = f["x_train"].reshape(len(f["x_train"]), -1)
    frame = pd.DataFrame(pixels, columns=[f"pixel{i}" for i in range(pixels.shape[1])])
    frame.insert(0, "label", f["y_train"])
    path = Path(folder) / "mnist_train.csv"
    frame.to_csv(path, index=False)
    return path


def time_pandas(path):
    import pandas as pd

    started = time.perf_counter()
    pd.read_csv(path)
    return time.perf_counter() - started


def resident_mb(pid, field="VmRSS"):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    raise RuntimeError(f"no {field} for process {pid}")


class PeakSampler(threading.Thread):
    """The largest resident size of process ``pid`` while running."""

    def __init__(self, pid):
        super().__init__(daemon=True)
        self.pid, self.peak, self.done = pid, 0.0, threading.Event()

    def run(self):
        while not self.done.is_set():
            self.peak = max(self.peak, resident_mb(self.pid))
            time.sleep(0.01)

    def stop(self):
        self.done.set()
        self.join()
        return self.peak


def upload(port, path):
    """POST the file as multipart with ``label_column=label``; (seconds, status, JSON body)."""
    return post_file(port, "/api/datasets", path, {"label_column": "label"})


def default_run(port, dataset_id, timeout=900):
    """Start the default run and poll it; its figures."""
    started = time.monotonic()
    run_id = api(port, "POST", "/api/runs", {"dataset_id": dataset_id})["id"]
    seen = []                                     # (time, epoch, eta_seconds)
    while True:
        run = api(port, "GET", f"/api/runs/{run_id}")
        now = time.monotonic()
        progress = run.get("progress") or {}
        if progress.get("eta_seconds") is not None:
            seen.append((now, progress.get("epoch", 0), progress["eta_seconds"]))
        if run["status"] in ("completed", "failed", "cancelled", "interrupted"):
            break
        if now - started > timeout:
            raise RuntimeError(f"run {run_id} did not finish within {timeout} s")
        time.sleep(0.5)
    if run["status"] != "completed":
        raise RuntimeError(f"run {run_id} ended {run['status']}: {run.get('error')}")
    ended = time.monotonic()
    # Each estimate is judged when it is first seen (it is made once an epoch ends, and
    # stays until the next one does).
    first = {}
    for t, epoch, eta in seen:
        first.setdefault(epoch, (t, eta))
    errors = [abs(eta - (ended - t)) / (ended - t) for epoch, (t, eta) in first.items()
              if epoch >= 3 and ended > t]
    at_three = next(((eta, ended - t) for t, epoch, eta in seen if epoch >= 3), (None, None))
    config = run["config"]
    return {
        "run_id": run_id,
        "seconds": round(ended - started, 1),
        "val_accuracy": run["result"]["val_accuracy"],
        "epochs": config["epochs"], "hidden_layers": config["hidden_layers"],
        "batch_size": config["batch_size"], "synthetic_digits": config["synthetic_digits"],
        "eta_at_epoch_3": at_three[0],
        "remaining_at_epoch_3": None if at_three[1] is None else round(at_three[1], 1),
        "eta_error_at_epoch_3": None if at_three[0] is None
        else round(abs(at_three[0] - at_three[1]) / at_three[1], 3),
        "eta_max_error_from_epoch_3": round(max(errors), 3) if errors else None,
        # (epoch, estimated s left, s it really took from then), one per poll
        "eta_trace": [(epoch, eta, round(ended - t, 1)) for t, epoch, eta in seen],
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--train", action="store_true", help="also time the default run")
    parser.add_argument("--json", action="store_true", help="print one JSON object last")
    parser.add_argument("--mnist", type=Path, default=MNIST, help=f"default: {MNIST}")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="bench-upload-") as folder:
        path = make_csv(folder, args.mnist)
        size_mb = path.stat().st_size / 2 ** 20
        data_dir = Path(folder) / "data"
        data_dir.mkdir()
        server = Server(data_dir, free_port(), workers=1)
        try:
            server.wait_ready()
            pid = server.process.pid
            pandas_s, upload_s, peaks, summary = [], [], [], None
            for _ in range(args.repeats):
                pandas_s.append(time_pandas(path))
                time.sleep(1.0)                   # let the server's memory settle
                idle = resident_mb(pid)
                sampler = PeakSampler(pid)
                sampler.start()
                seconds, status, body = upload(server.port, path)
                peaks.append(sampler.stop() - idle)
                if status != 201:
                    raise RuntimeError(f"upload answered {status}: {body}")
                upload_s.append(seconds)
                summary = body
            result = {
                "file_mb": round(size_mb, 1),
                "rows": summary["n_samples"], "features": summary["n_features"],
                "pandas_s": round(min(pandas_s), 2),
                "upload_parse_s": round(min(upload_s), 2),
                "ratio": round(min(upload_s) / min(pandas_s), 2),
                "peak_mb_above_idle": round(max(peaks)),
            }
            print(f"MNIST CSV {result['file_mb']} MB, {result['rows']:,} rows x "
                  f"{result['features']} features")
            print(f"pandas.read_csv        {result['pandas_s']:7.2f} s")
            print(f"upload + parse (201)   {result['upload_parse_s']:7.2f} s   "
                  f"ratio {result['ratio']:.2f} (target <= 3)")
            print(f"server peak above idle {result['peak_mb_above_idle']:7d} MB "
                  "(target <= 1024)")
            if args.train:
                run = default_run(server.port, summary["id"])
                result["default_run"] = run
                print(f"default run: {run['hidden_layers']} x {run['epochs']} epochs, batch "
                      f"{run['batch_size']}: {run['seconds']} s (target <= 180), validation "
                      f"accuracy {run['val_accuracy']:.4f} (target >= 0.98)")
                print(f"time left at epoch 3: estimated {run['eta_at_epoch_3']} s, took "
                      f"{run['remaining_at_epoch_3']} s: error {run['eta_error_at_epoch_3']} "
                      f"(worst of the epochs from 3 on: {run['eta_max_error_from_epoch_3']}; target 0.25)")
        finally:
            server.stop()
    if args.json:
        print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
