"""Training in the background: a bounded pool of worker threads.

Each run gets a ``threading.Event``; the training callback returns False once it is set, so a
cancelled run stops after its current epoch. Every epoch the callback appends the record to the
run's columnar history in the database (at most every ``HISTORY_WRITE_INTERVAL`` seconds, and
always at the end) with the progress and an estimate of the time left.
"""
import json
import logging
import math
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
        self.executor = ThreadPoolExecutor(max_workers=app.config["MAX_WORKERS"],
                                           thread_name_prefix="training")
        self._events = {}
        self._lock = threading.Lock()
        self._stopping = False

    def __repr__(self):
        return f"JobManager(max_workers={self.app.config['MAX_WORKERS']}, active={len(self._events)})"

    def submit(self, run_id):
        with self._lock:
            self._events[run_id] = threading.Event()
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
        """Stop every training (they end as 'interrupted') and the worker threads."""
        self._stopping = True
        with self._lock:
            for event in self._events.values():
                event.set()
        self.executor.shutdown(wait=wait, cancel_futures=True)

    # --- the worker --------------------------------------------------------------------------

    def _run(self, run_id):
        with self.app.app_context():
            try:
                self._train(run_id)
            except Exception as exc:  # never let a run take the worker down, nor stay "running"
                log.exception("training run %s failed", run_id)
                try:
                    self._finish(run_id, "failed",
                                 f"training failed unexpectedly ({type(exc).__name__}: {exc})")
                except Exception:
                    log.exception("could not record the failure of run %s", run_id)
            finally:
                with self._lock:
                    self._events.pop(run_id, None)

    def _finish(self, run_id, status, error=None, **columns):
        """Record how a run ended, unless it already ended (cancelled or deleted meanwhile)."""
        db = get_db()
        sets = "".join(f", {name} = ?" for name in columns)
        db.execute(
            f"UPDATE runs SET status = ?, error = ?, finished_at = ?{sets}"
            " WHERE id = ? AND status = 'running'",
            (status, error, now(), *columns.values(), run_id),
        )
        db.commit()

    def _train(self, run_id):
        from nncore.config import TrainConfig
        from nncore.fit import fit
        from nncore.training import TrainingDiverged
        from webapp.services import datasets, reports

        db = get_db()
        event = self._events[run_id]
        started = time.monotonic()
        claimed = db.execute(
            "UPDATE runs SET status = 'running', started_at = ? WHERE id = ? AND status = 'queued'",
            (now(), run_id),
        ).rowcount
        db.commit()
        if not claimed:  # cancelled or deleted while queued
            return
        row = db.execute("SELECT * FROM runs WHERE id = ?", (run_id,)).fetchone()

        history = empty_history()
        interval = self.app.config["HISTORY_WRITE_INTERVAL"]
        last_write = [0.0]

        def write_progress(record, force=False):
            if not force and time.monotonic() - last_write[0] < interval:
                return
            last_write[0] = time.monotonic()
            epoch, epochs = record.get("epoch", 0), record.get("epochs")
            elapsed = time.monotonic() - started
            eta = elapsed / epoch * (epochs - epoch) if epoch and epochs else None
            progress = {"epoch": epoch, "epochs": epochs,
                        "eta_seconds": None if eta is None else round(eta, 1)}
            db.execute("UPDATE runs SET history = ?, progress = ? WHERE id = ?",
                       (dumps(history), dumps(progress), run_id))
            db.commit()

        last_record = {}

        def callback(record):
            for key in HISTORY_KEYS:
                history[key].append(_json_number(record.get(key)))
            last_record.clear()
            last_record.update(record)
            write_progress(record)
            return not event.is_set()

        try:
            config = TrainConfig.from_dict(json.loads(row["config"]))
            dataset = datasets.load(row["dataset_id"])
            model, result = fit(dataset, config, callback)
        except TrainingDiverged as exc:
            self._finish(run_id, "failed", str(exc), history=dumps(history))
            return
        except ValueError as exc:
            self._finish(run_id, "failed", f"training failed: {exc}", history=dumps(history))
            return
        if last_record:
            write_progress(last_record, force=True)
        if event.is_set():
            status = "interrupted" if self._stopping else "cancelled"
            self._finish(run_id, status, INTERRUPTED_MESSAGE if self._stopping else None,
                         history=dumps(history))
            return

        relative = f"models/{run_id}.npz"
        path = Path(self.app.config["DATA_DIR"]) / relative
        try:
            model.save(path)  # writes a temporary file, then renames it into place
        except OSError as exc:
            self._finish(run_id, "failed", storage_error(exc, "the model").message,
                         history=dumps(history))
            return
        summary = reports.result_summary(model, dataset, result)
        if result.get("history"):
            history = {key: [_json_number(v) for v in result["history"].get(key, history[key])]
                       for key in HISTORY_KEYS}
        self._finish(run_id, "completed", None, history=dumps(history), result=dumps(summary),
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
