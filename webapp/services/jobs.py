"""Training in the background: a bounded pool of worker processes (or threads).

Training is CPU-bound Python between numpy calls; in a thread it holds the GIL often enough to
make predictions and pages wait (the load test measured a prediction p99 of about 200 ms with
four trainings in threads). So by default each run trains in its own process, started by a
``forkserver`` that has numpy and nncore imported already (start-up costs a fork, not an
import), at a lower CPU priority (``TRAINING_NICE``) so the request threads come first. A
bounded thread pool (``MAX_WORKERS``) waits on those processes, which is what queues runs.
``TRAINING_PROCESSES = False`` trains in the worker threads themselves (tests that patch nncore).

Each run gets a cancel ``Event`` (shared with its process); the training callback returns False
once it is set, so a cancelled run stops after its current epoch. Every epoch the callback
appends the record to the run's columnar history in the database (at most every
``HISTORY_WRITE_INTERVAL`` seconds, and always at the end) with the progress and an estimate of
the time left. The process writes to SQLite itself (WAL lets it and the server write in turn).
A training process whose server died (its parent changed) stops without writing anything more:
the next start-up marks the run 'interrupted'.
"""
import json
import logging
import math
import multiprocessing
import os
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

from webapp.db import get_db, now
from webapp.services import dumps, remove_quietly, storage_error

log = logging.getLogger(__name__)

HISTORY_KEYS = ("epoch", "cost", "val_cost", "train_accuracy", "val_accuracy", "seconds")
INTERRUPTED_MESSAGE = "the server stopped during training"
LOST_MESSAGE = "the training process ended unexpectedly (exit status {})"
# The config a training process needs (it builds a bare Flask app from it).
WORKER_CONFIG_KEYS = ("DATA_DIR", "HISTORY_WRITE_INTERVAL", "TRAINING_NICE")
# Imported once by the fork server, so that every training process starts ready.
PRELOAD = ["webapp.services.jobs", "webapp.services.datasets", "webapp.services.reports",
           "nncore.fitting", "nncore.model"]

BLAS_THREAD_VARIABLES = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")

_context = None
_context_lock = threading.Lock()


def process_context():
    """The multiprocessing context for training: forkserver (preloaded) where available."""
    global _context
    with _context_lock:
        if _context is None:
            # One BLAS thread per training process: several trainings already fill the cores,
            # and idle BLAS threads spin. Read by numpy when the fork server imports it (the
            # server's own numpy was initialised before, so it keeps its threads).
            for name in BLAS_THREAD_VARIABLES:
                os.environ.setdefault(name, "1")
            if "forkserver" in multiprocessing.get_all_start_methods():
                _context = multiprocessing.get_context("forkserver")
                _context.set_forkserver_preload(PRELOAD)
            else:
                _context = multiprocessing.get_context("spawn")
        return _context


class ServerGone(Exception):
    """Raised inside a training process whose server has died."""


def empty_history():
    return {key: [] for key in HISTORY_KEYS}


def _json_number(value):
    """Floats as JSON allows them: NaN and infinities become null."""
    if value is None or isinstance(value, (int, np.integer)):
        return None if value is None else int(value)
    value = float(value)
    return value if math.isfinite(value) else None


class JobManager:
    """Runs trainings for one app; ``submit(run_id)`` queues a run already stored as 'queued'."""

    def __init__(self, app):
        self.app = app
        self.use_processes = bool(app.config.get("TRAINING_PROCESSES", True))
        self.executor = ThreadPoolExecutor(max_workers=app.config["MAX_WORKERS"],
                                           thread_name_prefix="training")
        context = process_context() if self.use_processes else None
        self._new_event = context.Event if context else threading.Event
        # (read end, write end): the server keeps the write end open as long as it lives.
        self._lifeline = context.Pipe(duplex=False) if context else None
        self._stopping = self._new_event()
        self._events = {}
        self._processes = {}
        self._lock = threading.Lock()

    def __repr__(self):
        mode = "processes" if self.use_processes else "threads"
        return (f"JobManager(max_workers={self.app.config['MAX_WORKERS']}, {mode}, "
                f"active={len(self._events)})")

    def submit(self, run_id):
        with self._lock:
            self._events[run_id] = self._new_event()
        self.executor.submit(self._run, run_id)

    def cancel(self, run_id):
        """Ask an active run to stop; False when this process is not training it."""
        with self._lock:
            event = self._events.get(run_id)
        if event is None:
            return False
        event.set()
        return True

    def is_active(self, run_id):
        with self._lock:
            return run_id in self._events

    def shutdown(self, wait=True):
        """Stop every training (they end as 'interrupted') and the workers."""
        self._stopping.set()
        with self._lock:
            for event in self._events.values():
                event.set()
        self.executor.shutdown(wait=wait, cancel_futures=True)
        if wait and self._lifeline is not None:
            for end in self._lifeline:
                end.close()
            self._lifeline = None

    # --- the worker --------------------------------------------------------------------------

    def _run(self, run_id):
        try:
            with self._lock:
                event = self._events[run_id]
            if self._stopping.is_set():
                return
            if self.use_processes:
                self._run_in_process(run_id, event)
            else:
                with self.app.app_context():
                    train_run(run_id, event, self._stopping)
        finally:
            with self._lock:
                self._events.pop(run_id, None)

    def _run_in_process(self, run_id, event):
        config = {key: self.app.config.get(key) for key in WORKER_CONFIG_KEYS}
        lifeline = self._lifeline
        if lifeline is None:   # shut down meanwhile
            return
        process = process_context().Process(
            target=training_process, args=(config, run_id, event, self._stopping,
                                           lifeline[0]),
            name=f"training-run-{run_id}", daemon=True)
        process.start()
        process.join()
        if process.exitcode != 0:  # killed, or crashed before it could record anything
            log.error("the training process of run %s exited with %s", run_id, process.exitcode)
            with self.app.app_context():
                status = "interrupted" if self._stopping.is_set() else "failed"
                message = INTERRUPTED_MESSAGE if self._stopping.is_set() \
                    else LOST_MESSAGE.format(process.exitcode)
                finish(run_id, status, message)


def training_process(config, run_id, event, stopping, lifeline):
    """Entry point of a training process: a bare Flask app (for get_db / current_app).

    ``lifeline`` is the read end of a pipe whose write end only the server holds: when the
    server dies (even by SIGKILL) the pipe reads EOF and the training stops at its next epoch
    without writing anything (the parent pid does not tell: under forkserver it is the fork
    server, which outlives the server while children hold it).
    """
    from flask import Flask

    from webapp.db import close_db

    def server_alive():
        if lifeline.poll():
            raise ServerGone()

    try:
        os.nice(int(config.get("TRAINING_NICE") or 0))
    except OSError:
        pass
    app = Flask("webapp.training")
    app.config.update(config)
    app.teardown_appcontext(close_db)
    with app.app_context():
        try:
            train_run(run_id, event, stopping, check_server=server_alive)
        except ServerGone:
            log.warning("the server stopped: training run %s abandoned", run_id)


def finish(run_id, status, error=None, **columns):
    """Record how a run ended, unless it already ended (cancelled or deleted meanwhile)."""
    db = get_db()
    sets = "".join(f", {name} = ?" for name in columns)
    db.execute(
        f"UPDATE runs SET status = ?, error = ?, finished_at = ?{sets}"
        " WHERE id = ? AND status = 'running'",
        (status, error, now(), *columns.values(), run_id),
    )
    db.commit()


def train_run(run_id, event, stopping, check_server=lambda: None):
    """Train one run (inside an app context); never raises for a failed training."""
    try:
        _train(run_id, event, stopping, check_server)
    except ServerGone:
        raise
    except Exception as exc:  # never let a run take the worker down, nor stay "running"
        log.exception("training run %s failed", run_id)
        try:
            finish(run_id, "failed", f"training failed unexpectedly ({type(exc).__name__}: {exc})")
        except Exception:
            log.exception("could not record the failure of run %s", run_id)


def _train(run_id, event, stopping, check_server):
    from flask import current_app

    from nncore.config import TrainConfig
    from nncore.fitting import fit
    from nncore.nn.training import TrainingDiverged
    from webapp.services import datasets, reports

    db = get_db()
    started = time.monotonic()
    check_server()
    claimed = db.execute(
        "UPDATE runs SET status = 'running', started_at = ? WHERE id = ? AND status = 'queued'",
        (now(), run_id),
    ).rowcount
    db.commit()
    if not claimed:  # cancelled or deleted while queued
        return
    row = db.execute("SELECT * FROM runs WHERE id = ?", (run_id,)).fetchone()

    history = empty_history()
    interval = current_app.config["HISTORY_WRITE_INTERVAL"]
    last_write = [0.0]

    def write_progress(record, force=False, phase=None):
        if not force and time.monotonic() - last_write[0] < interval:
            return
        check_server()
        last_write[0] = time.monotonic()
        epoch, epochs = record.get("epoch", 0), record.get("epochs")
        # The training's own clock: loading the data and drawing synthetic digits before
        # the first epoch would otherwise be spread over every epoch still to come. After the
        # last epoch, predicting every row and storing the model take about 0.4 of an epoch.
        elapsed = record.get("seconds") or (time.monotonic() - started)
        eta = elapsed / epoch * (epochs - epoch + 0.4) if epoch and epochs else None
        progress = {"epoch": epoch, "epochs": epochs,
                    "eta_seconds": None if eta is None else round(eta, 1)}
        if phase:                              # a preparation step before the first epoch
            progress["phase"] = phase
        db.execute("UPDATE runs SET history = ?, progress = ? WHERE id = ?",
                   (dumps(history), dumps(progress), run_id))
        db.commit()

    last_record = {}

    def callback(record):
        check_server()
        for key in HISTORY_KEYS:
            history[key].append(_json_number(record.get(key)))
        last_record.clear()
        last_record.update(record)
        write_progress(record)
        return not event.is_set()

    try:
        config = TrainConfig.from_dict(json.loads(row["config"]))
        dataset = datasets.load(row["dataset_id"])
        model, result = fit(dataset, config, callback, phase=lambda text: write_progress(
            {"epoch": 0, "epochs": config.epochs}, force=True, phase=text))
    except TrainingDiverged as exc:
        finish(run_id, "failed", str(exc), history=dumps(history))
        return
    except ValueError as exc:
        finish(run_id, "failed", f"training failed: {exc}", history=dumps(history))
        return
    if last_record:
        write_progress(last_record, force=True)
    if event.is_set():
        status = "interrupted" if stopping.is_set() else "cancelled"
        finish(run_id, status, INTERRUPTED_MESSAGE if stopping.is_set() else None,
               history=dumps(history))
        return

    check_server()
    relative = f"models/{run_id}.npz"
    path = Path(current_app.config["DATA_DIR"]) / relative
    try:
        model.save(path)  # writes a temporary file, then renames it into place
    except OSError as exc:
        finish(run_id, "failed", storage_error(exc, "the model").message, history=dumps(history))
        return
    summary = reports.result_summary(model, dataset, result)
    if result.get("history"):
        history = {key: [_json_number(v) for v in result["history"].get(key, history[key])]
                   for key in HISTORY_KEYS}
    check_server()
    finish(run_id, "completed", None, history=dumps(history), result=dumps(summary),
           model_path=relative)
    # A run deleted while it trained leaves no model behind.
    if db.execute("SELECT 1 FROM runs WHERE id = ?", (run_id,)).fetchone() is None:
        remove_quietly(path)


def mark_interrupted(db):
    """On start-up: runs a previous process left 'running' or 'queued' can never finish."""
    db.execute(
        "UPDATE runs SET status = 'interrupted', error = ?, finished_at = ?"
        " WHERE status IN ('running', 'queued')",
        (INTERRUPTED_MESSAGE, now()),
    )
    db.commit()
