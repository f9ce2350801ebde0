"""Load test over loopback: predictions and pages stay fast while four trainings run.

    .venv/bin/python bench/load_test.py [--seconds 60] [--rate 50] [--json]

Starts the real server (``python -m webapp``, waitress) on a free 127.0.0.1 port with a
temporary data dir, waits for /api/health, trains a tiny model to predict with, then starts
four trainings at once (the built-in sample, hidden [64], 15 epochs, seeds 1-4, augment off)
while sending ``--rate`` prediction requests per second (alternating a feature row and a
drawing) and loading a page (/ and /runs/<id>, alternately) every second, for ``--seconds``.
Afterwards each of the four configurations is trained again alone, and its history must be
identical to the one trained under load.

Reports errors, p50/p99/max latency of predictions (all, and while trainings were running) and
of page loads, and the training comparison; exits 1 when a target is missed: no errors,
prediction p99 under 50 ms while training, page p99 under 1 s, identical histories.
Bounded: every request has a timeout, the whole run a deadline; only loopback is used.

    .venv/bin/python bench/load_test.py --queue [--workers 4] [--runs 16]

The same load on the Redis queue: a throw-away redis-server, the server with ``--workers 0``
and ``--workers`` remote worker processes (each in an empty temporary folder), ``--runs``
trainings (seeds 1..N) queued at once. Adds the throughput (runs per minute, from queueing
the first to the end of the last) and each run's traffic with the server (the workers' logs:
bytes sent and received per run; a worker's first run includes the dataset download). The
histories are not retrained alone (the test suite compares remote and embedded training).
"""
import argparse
import json
import os
import secrets
import statistics
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from common import ROOT, RedisServer, Server, Worker, api, free_port, request, wait_runs
TRAINING = {"hidden_layers": [64], "epochs": 15, "batch_size": 64, "augment": False}
SEEDS = (1, 2, 3, 4)
TARGETS = {"prediction_p99_ms": 50.0, "page_p99_ms": 1000.0}


def drawing(k):
    """A pen stroke like the canvas sends: a vertical bar, shifted a little each time."""
    x = 120 + (k % 40)
    return {"strokes": [[[x, 40 + 10 * i] for i in range(21)]], "width": 280, "height": 280,
            "line_width": 18}


class Recorder:
    def __init__(self):
        self.lock = threading.Lock()
        self.samples = {"prediction": [], "page": []}   # (start time, seconds, ok)
        self.errors = []

    def timed(self, kind, port, method, path, body=None):
        start = time.monotonic()
        try:
            status, data = request(port, method, path, body)
            ok = status == 200
            error = None if ok else f"{method} {path} -> {status}: {data[:120]!r}"
        except Exception as exc:  # a timeout or a dropped connection is an error to report
            ok, error = False, f"{method} {path} -> {type(exc).__name__}: {exc}"
        elapsed = time.monotonic() - start
        with self.lock:
            self.samples[kind].append((start, elapsed, ok))
            if error:
                self.errors.append(error)


def percentiles(values):
    if not values:
        return {"n": 0, "p50_ms": None, "p99_ms": None, "max_ms": None}
    ms = np.asarray(values) * 1000
    return {"n": len(ms), "p50_ms": round(float(np.percentile(ms, 50)), 1),
            "p99_ms": round(float(np.percentile(ms, 99)), 1), "max_ms": round(float(ms.max()), 1)}


def run_load(port, seconds, rate, predict_run, feature_rows, page_run, training_window):
    """Open-loop load: ``rate`` predictions/s on a schedule, one page load per second."""
    recorder = Recorder()
    pool = ThreadPoolExecutor(max_workers=16)
    start = time.monotonic()
    n = int(seconds * rate)
    pages = ["/", f"/runs/{page_run}"]
    next_page = 0
    for k in range(n):
        due = start + k / rate
        delay = due - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        if k % 2 == 0:
            body = {"features": feature_rows[k % len(feature_rows)]}
        else:
            body = drawing(k)
        pool.submit(recorder.timed, "prediction", port, "POST",
                    f"/api/runs/{predict_run}/predict", body)
        if time.monotonic() - start >= next_page:
            pool.submit(recorder.timed, "page", port, "GET", pages[int(next_page) % 2])
            next_page += 1
    pool.shutdown(wait=True)
    return recorder


def summarise(recorder, window):
    during = [e for s, e, ok in recorder.samples["prediction"] if window[0] <= s <= window[1]]
    return {
        "predictions": percentiles([e for _, e, _ in recorder.samples["prediction"]]),
        "predictions_while_training": percentiles(during),
        "pages": percentiles([e for _, e, _ in recorder.samples["page"]]),
        "errors": len(recorder.errors),
        "first_errors": recorder.errors[:5],
    }


def start(args, data_dir):
    """The server, and in --queue mode Redis and the workers first; returns (port, parts).

    ``parts``: what to stop afterwards, the server first (it then stops asking the queue).
    """
    port = free_port()
    if not args.queue:
        server = Server(data_dir, port)
        server.wait_ready()
        return port, [server]
    token = secrets.token_hex(16)
    redis = RedisServer(data_dir)
    server = Server(data_dir, port, workers=0, extra_args=["--queue", redis.url],
                    extra_env={"WORKER_TOKEN": token})
    server.wait_ready()
    workers = [Worker(redis.url, port, token) for _ in range(args.workers)]
    for worker in workers:
        worker.wait_ready()
    return port, [server, *workers, redis]


def traffic(workers, run_ids):
    """Per-run bytes between the workers and the server, from the workers' logs."""
    runs = [t for w in workers for t in w.traffic() if t[0] in run_ids]
    if not runs:
        return {}
    sent, received = [t[2] for t in runs], [t[3] for t in runs]
    return {"runs": len(runs), "sent_median_bytes": int(statistics.median(sent)),
            "received_median_bytes": int(statistics.median(received)),
            "received_max_bytes": max(received), "sent_max_bytes": max(sent)}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--rate", type=float, default=50.0, help="prediction requests per second")
    parser.add_argument("--trainings", type=int, default=len(SEEDS), choices=range(len(SEEDS) + 1),
                        help="trainings at once (0: a baseline without training)")
    parser.add_argument("--skip-alone", action="store_true",
                        help="do not retrain each configuration alone to compare histories")
    parser.add_argument("--json", action="store_true", help="print one JSON object at the end")
    parser.add_argument("--queue", action="store_true",
                        help="train on a Redis queue with remote workers (needs redis-server)")
    parser.add_argument("--workers", type=int, default=4, help="remote workers (--queue)")
    parser.add_argument("--runs", type=int, default=16, help="trainings queued (--queue)")
    args = parser.parse_args(argv)
    if args.queue:
        args.skip_alone = True

    with np.load(ROOT / "data" / "digits_sample.npz", allow_pickle=False) as f:
        feature_rows = [row.astype(float).tolist() for row in f["X"][:50]]

    with tempfile.TemporaryDirectory(prefix="load-test-") as data_dir:
        port, parts = start(args, data_dir)
        try:
            sample = api(port, "GET", "/api/datasets")["datasets"][0]["id"]
            tiny = api(port, "POST", "/api/runs", {"dataset_id": sample, "hidden_layers": [16],
                                                   "epochs": 2, "augment": False, "seed": 0})
            wait_runs(port, [tiny["id"]], 120)

            # Four trainings at once, under load; the window closes when the last one ends.
            seeds = range(1, args.runs + 1) if args.queue else SEEDS[:args.trainings]
            window = [time.monotonic(), None]
            loaded = [api(port, "POST", "/api/runs", {"dataset_id": sample, **TRAINING,
                                                      "seed": seed})["id"] for seed in seeds]
            done = {}

            def watch():
                done.update(wait_runs(port, loaded, args.seconds + 600))
                window[1] = time.monotonic()

            watcher = threading.Thread(target=watch, daemon=True)
            watcher.start()
            recorder = run_load(port, args.seconds, args.rate, tiny["id"], feature_rows,
                                loaded[0] if loaded else tiny["id"], window)
            watcher.join(timeout=args.seconds + 600)
            training_seconds = (window[1] or time.monotonic()) - window[0]
            report = summarise(recorder, (window[0], window[1] or time.monotonic()))
            report["training_seconds_4_at_once"] = round(training_seconds, 1)
            report["load_covered_training"] = window[1] is not None and \
                window[1] - window[0] <= args.seconds
            if not loaded:   # baseline: "while training" is the whole load
                report["predictions_while_training"] = report["predictions"]
            report["trainings"] = {str(i): done.get(i, {}).get("status") for i in loaded}
            if args.queue:
                report["queue"] = {
                    "workers": args.workers, "runs": len(loaded),
                    "runs_per_minute": round(len(loaded) / training_seconds * 60, 1),
                    "traffic_per_run": traffic(parts[1:-1], set(loaded))}

            # The same configurations alone, one after the other: identical histories?
            comparison = []
            if not args.skip_alone:
                for seed, run_id in zip(seeds, loaded):
                    alone = api(port, "POST", "/api/runs", {"dataset_id": sample, **TRAINING,
                                                            "seed": seed})["id"]
                    a = wait_runs(port, [alone], 600)[alone]
                    b = done.get(run_id, {})
                    same = a["history"]["cost"] == b.get("history", {}).get("cost") and \
                        a["history"]["val_accuracy"] == b.get("history", {}).get("val_accuracy")
                    comparison.append({"seed": seed, "identical": same,
                                       "final_cost_loaded": (b.get("result") or {}).get("final_cost"),
                                       "final_cost_alone": (a.get("result") or {}).get("final_cost")})
            report["alone_vs_loaded"] = comparison
        finally:
            for part in parts:
                part.stop()

    during = report["predictions_while_training"]
    report["targets"] = TARGETS
    report["passed"] = bool(
        report["errors"] == 0
        and during["n"] > 0 and during["p99_ms"] < TARGETS["prediction_p99_ms"]
        and report["pages"]["n"] > 0 and report["pages"]["p99_ms"] < TARGETS["page_p99_ms"]
        and all(c["identical"] for c in comparison)
        and all(s == "completed" for s in report["trainings"].values()))
    report["settings"] = {"seconds": args.seconds, "rate": args.rate, "training": TRAINING,
                          "seeds": list(seeds), "cpus": os.cpu_count(), "queue": args.queue,
                          "load_average": [round(x, 2) for x in os.getloadavg()]}
    print_table(report)
    if args.json:
        print(json.dumps(report))
    return 0 if report["passed"] else 1


def print_table(report):
    rows = [("predictions (all)", report["predictions"]),
            ("predictions while training", report["predictions_while_training"]),
            ("page loads", report["pages"])]
    print(f"{'':30} {'n':>6} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8}")
    for name, p in rows:
        print(f"{name:30} {p['n']:>6} {p['p50_ms']!s:>8} {p['p99_ms']!s:>8} {p['max_ms']!s:>8}")
    print(f"errors: {report['errors']}  {report['first_errors'] or ''}")
    print(f"{len(report['trainings'])} trainings at once took "
          f"{report['training_seconds_4_at_once']} s; statuses {report['trainings']}")
    if "queue" in report:
        queue = report["queue"]
        print(f"queue: {queue['workers']} remote workers, {queue['runs_per_minute']} runs per "
              f"minute; traffic per run {queue['traffic_per_run']}")
    for c in report["alone_vs_loaded"]:
        print(f"seed {c['seed']}: final cost under load {c['final_cost_loaded']}, alone "
              f"{c['final_cost_alone']} -> {'identical' if c['identical'] else 'DIFFERENT'}")
    print("PASSED" if report["passed"] else "FAILED", "(targets: 0 errors, prediction p99 < "
          f"{TARGETS['prediction_p99_ms']:g} ms while training, page p99 < "
          f"{TARGETS['page_p99_ms']:g} ms, identical histories)")


if __name__ == "__main__":
    sys.exit(main())
