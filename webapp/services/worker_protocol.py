"""The server's side of the worker protocol, whoever trains a run: claim, progress, model, end,
leases.

The functions carry the names of the relay's ``Server`` interface (``webapp.jobs.servers``):
the server's own workers reach them through its ``LocalServer``, remote workers over HTTP
through ``webapp.api.worker``. Either way the server stays the only writer of its
database and data folder: a worker gets a run's spec and dataset from here and gives back
epochs, the model file and the outcome.

A remote worker's run is held on a lease: every progress write renews it, and a run whose
worker was not heard from for ``WORKER_LEASE_SECONDS`` is marked 'interrupted' (it can be
restarted) by :func:`interrupt_stale`, which the server calls every second or so.
"""
import os
import shutil
import time
import zipfile
from pathlib import Path

from flask import current_app

from nncore.model import Model
from webapp.errors import BadRequest, Conflict, NotFound
from webapp.services import (auto_runs, datasets, loads, remove_quietly, run_snapshots,
                             storage_error)
from webapp.stores import runs as run_store

ENDINGS = ("failed", "cancelled", "interrupted")
COPY_CHUNK = 1024 * 1024


def _data_dir():
    return Path(current_app.config["DATA_DIR"])


def model_path(run_id):
    """Where a run's model waits between its upload (or the embedded child writing it) and the
    run's completion."""
    return _data_dir() / "tmp" / f"model-{int(run_id)}.npz"


def snapshot_folder(run_id):
    """Where the server's own training process keeps the run's model after each epoch: beside
    the run's model, ``models/<id>-epochs/`` (``nncore.snapshots``; deleted with the run)."""
    return run_snapshots(run_id)


def _not_yours(run_id, worker):
    row = run_store.get(run_id)
    if row is None:
        return NotFound(f"run {run_id} not found")
    return Conflict(f"run {run_id} is not being trained by worker {worker} "
                    f"(status: {row['status']})")


def dataset_version(path):
    """Changes whenever the file is rewritten (rows added are renamed over the old file)."""
    stat = os.stat(path)
    return f"{stat.st_ino:x}-{stat.st_size:x}-{stat.st_mtime_ns:x}"


def claim(run_id, worker):
    """Give ``run_id`` to ``worker`` if it is still queued; returns what training needs.

    Returns
    -------
    dict
        ``{"run_id", "config", "dataset": {"id", "name", "image", "version"}}``.
    """
    if not run_store.claim(run_id, worker):
        row = run_store.get(run_id)
        if row is None:
            raise NotFound(f"run {run_id} not found")
        raise Conflict(f"run {run_id} is not waiting to be trained (status: {row['status']})")
    row = run_store.get(run_id)
    dataset = datasets.get_row(row["dataset_id"])
    return {"run_id": run_id, "config": loads(row["config"]),
            "dataset": {"id": dataset["id"], "name": dataset["name"],
                        "image": loads(dataset["image"]),
                        "version": dataset_version(_data_dir() / dataset["path"])}}


def dataset_file(dataset_id):
    """(path, version) of a dataset's arrays, for a worker to download."""
    path = _data_dir() / datasets.get_row(dataset_id)["path"]
    if not path.is_file():
        raise Conflict(f"the files of dataset {dataset_id} are missing")
    return path, dataset_version(path)


def _history_columns(value, what):
    if not isinstance(value, dict) or not all(isinstance(value.get(key, []), list)
                                              for key in run_store.HISTORY_KEYS):
        raise BadRequest(f"{what} must be an object of lists keyed "
                         f"{', '.join(run_store.HISTORY_KEYS)}")
    return {key: value.get(key, []) for key in run_store.HISTORY_KEYS}


def report_progress(run_id, worker, start, columns, progress):
    """A worker's news (also its heartbeat): history from index ``start`` on, and progress.

    Returns
    -------
    dict
        ``{"stop": bool, "have": n}``: stop when the run was cancelled; ``have``, how many
        history entries the server holds (the worker sends from there next time).
    """
    if isinstance(start, bool) or not isinstance(start, int) or start < 0:
        raise BadRequest("start must be a whole number of at least 0")
    if progress is not None and not isinstance(progress, dict):
        raise BadRequest("progress must be an object")
    written = run_store.record_progress(run_id, worker, start,
                                        _history_columns(columns, "history"), progress)
    if written is None:
        raise _not_yours(run_id, worker)
    status, have = written
    return {"stop": status != "running", "have": have}


def store_model(run_id, worker, stream, length=None):
    """Save an uploaded model (``stream``: the request body) where the run's end will take it.

    The file must load as a model (never unpickled); a damaged one is refused with 400.
    """
    row = run_store.get(run_id)
    if row is None or row["status"] != "running" or row["worker"] != worker:
        raise _not_yours(run_id, worker)
    path = model_path(run_id)
    part = path.with_suffix(".part")
    try:
        with open(part, "wb") as f:
            shutil.copyfileobj(stream, f, COPY_CHUNK)
    except OSError as exc:
        remove_quietly(part)
        raise storage_error(exc, "the model") from exc
    if length is not None and part.stat().st_size != length:
        remove_quietly(part)
        raise BadRequest("the model upload was cut short")
    try:
        if not zipfile.is_zipfile(part):       # checked first: numpy leaves a bad zip open
            raise ValueError("the file is not an .npz archive")
        Model.load(part)
    except (OSError, ValueError, KeyError) as exc:
        remove_quietly(part)
        raise BadRequest(f"the uploaded model is not a model saved by nncore ({exc})") from exc
    os.replace(part, path)
    return {"stored": path.stat().st_size}


def complete(run_id, worker, history, summary):
    """End a run as 'completed' with the model already at :func:`model_path`."""
    history = _history_columns(history, "history")
    if not isinstance(summary, dict):
        raise BadRequest("result must be an object")
    config = auto_runs.ended_config(summary)        # an auto run ends with the kept settings
    source = model_path(run_id)
    if not source.is_file():
        raise Conflict(f"run {run_id}: upload the model before completing the run")
    relative = f"models/{int(run_id)}.npz"
    target = _data_dir() / relative
    try:
        os.replace(source, target)
    except OSError as exc:
        remove_quietly(source)
        end(run_id, worker, "failed", storage_error(exc, "the model").message, history)
        return {"status": "failed"}
    if not run_store.finish(run_id, worker, "completed", history=history, result=summary,
                            model_path=relative, config=config):
        # cancelled or deleted meanwhile: no model is left behind without its run
        remove_quietly(target)
        row = run_store.get(run_id)
        return {"status": None if row is None else row["status"]}
    return {"status": "completed"}


def end(run_id, worker, status, error=None, history=None):
    """End a run that did not complete: ``status`` one of failed, cancelled, interrupted."""
    if status not in ENDINGS:
        raise BadRequest(f"status must be one of: completed, {', '.join(ENDINGS)}")
    if error is not None and not isinstance(error, str):
        raise BadRequest("error must be text")
    if history is not None:
        history = _history_columns(history, "history")
    run_store.finish(run_id, worker, status, error=error, history=history)
    remove_quietly(model_path(run_id))
    row = run_store.get(run_id)
    return {"status": None if row is None else row["status"]}


def interrupt_stale(lease_seconds, heard_since):
    """Mark 'interrupted' the remote runs whose worker was silent for ``lease_seconds``."""
    ids = run_store.interrupt_stale(time.time() - lease_seconds, heard_since)
    for run_id in ids:
        remove_quietly(model_path(run_id))
    return ids
