"""The runs table: every SQL statement on it, and the shape of a run's history.

A run goes ``queued`` -> ``running`` (claimed by one worker) -> ``completed`` | ``failed`` |
``cancelled`` | ``interrupted``. Only the worker that claimed a run (``worker``: "embedded"
for the server's own, "host:pid" for a remote one) may write its progress and its end; every
write it makes renews ``heartbeat_at`` (unix seconds), which is how a remote worker that
died is noticed (:func:`interrupt_stale`). Cancelling is a status change here; the worker
reads it back in the answer to its next progress write.

Reading is limited to what the viewer may see (:func:`get`, :func:`rows`: another account's
run is no row at all); the workers' and the engine's calls act as the system, which sees all.

The history is columnar JSON, ``{"epoch": [...], "cost": [...], ...}`` with the keys
:data:`HISTORY_KEYS`; a worker sends the columns from a given epoch index on, so a write that
is retried (the server restarted meanwhile) replaces rather than repeats.
"""
import json
import math
import time

import numpy as np

from webapp.db import get_db, now
from webapp.stores import dumps as _dumps
from webapp.viewer import current_viewer, visible_sql

#: a regression's figures per epoch (label units); null for a classification's epochs
REGRESSION_HISTORY_KEYS = ("train_r2", "val_r2", "train_mae", "val_mae", "train_rmse",
                           "val_rmse")
HISTORY_KEYS = ("epoch", "cost", "val_cost", "train_accuracy", "val_accuracy", "seconds",
                *REGRESSION_HISTORY_KEYS)
TERMINAL = ("completed", "failed", "cancelled", "interrupted")
EMBEDDED_WORKER = "embedded"


def empty_history():
    return {key: [] for key in HISTORY_KEYS}


def json_number(value):
    """A history value as JSON allows it: NaN and infinities become null."""
    if value is None or isinstance(value, (int, np.integer)):
        return None if value is None else int(value)
    value = float(value)
    return value if math.isfinite(value) else None


def _commit(cursor):
    get_db().commit()
    return cursor.rowcount


# --- reading -----------------------------------------------------------------------------------

def get(run_id, viewer=None):
    """The run's row, or None when there is none that ``viewer`` (default: the request's,
    see webapp/viewer.py) may see."""
    visible, params = visible_sql(viewer or current_viewer())
    return get_db().execute(f"SELECT * FROM runs WHERE id = ? AND {visible}",
                            (run_id, *params)).fetchone()


def rows(dataset_id=None, viewer=None):
    """The runs ``viewer`` may see, newest first; only those of ``dataset_id`` when given."""
    visible, params = visible_sql(viewer or current_viewer())
    if dataset_id is None:
        return get_db().execute(f"SELECT * FROM runs WHERE {visible} ORDER BY id DESC",
                                params).fetchall()
    return get_db().execute(f"SELECT * FROM runs WHERE dataset_id = ? AND {visible}"
                            " ORDER BY id DESC", (dataset_id, *params)).fetchall()


def holds_dataset(worker, dataset_id):
    """Whether ``worker`` trains (or was just told to stop) a run on ``dataset_id``."""
    return get_db().execute(
        "SELECT 1 FROM runs WHERE worker = ? AND dataset_id = ?"
        " AND status IN ('running', 'cancelled')", (worker, dataset_id)).fetchone() is not None


def queued_ids():
    rows_ = get_db().execute("SELECT id FROM runs WHERE status = 'queued' ORDER BY id")
    return [row["id"] for row in rows_.fetchall()]


def is_live(run_id, since):
    """Whether a worker holds ``run_id`` and was heard from at or after ``since`` (unix s)."""
    row = get_db().execute("SELECT 1 FROM runs WHERE id = ? AND status = 'running'"
                           " AND heartbeat_at >= ?", (run_id, since)).fetchone()
    return row is not None


# --- the life of a run -------------------------------------------------------------------------

def insert(dataset_id, config, epochs, owner_id=None):
    """Store a new run as 'queued' (``config``: the TrainConfig as a dict; ``owner_id``: the
    account it belongs to); returns its id."""
    cursor = get_db().execute(
        "INSERT INTO runs (dataset_id, status, config, history, progress, created_at, owner_id)"
        " VALUES (?, 'queued', ?, ?, ?, ?, ?)",
        (dataset_id, _dumps(config), _dumps(empty_history()),
         _dumps({"epoch": 0, "epochs": epochs, "eta_seconds": None}), now(), owner_id))
    get_db().commit()
    return cursor.lastrowid


def claim(run_id, worker):
    """'queued' -> 'running' for ``worker``; True when it now holds the run.

    Claiming again a run the same worker already holds succeeds too: a worker whose first
    claim got no answer (the server restarted) asks again.
    """
    return bool(_commit(get_db().execute(
        "UPDATE runs SET status = 'running', worker = ?, started_at = coalesce(started_at, ?),"
        " heartbeat_at = ? WHERE id = ? AND (status = 'queued'"
        " OR (status = 'running' AND worker = ?))",
        (worker, now(), time.time(), run_id, worker))))


def record_progress(run_id, worker, start, columns, progress):
    """Write the history from epoch index ``start`` on and the progress; renew the heartbeat.

    Parameters
    ----------
    columns : dict
        ``{key: [values from index start on]}`` for the keys of :data:`HISTORY_KEYS`.
    progress : dict or None
        ``{"epoch", "epochs", "eta_seconds"[, "phase"]}``.

    Returns
    -------
    (status, n_epochs) or None
        The run's status and how many history entries it now has; None when the run is gone
        or held by another worker. A 'cancelled' run still takes its worker's last epochs.
    """
    db = get_db()
    row = db.execute("SELECT status, history FROM runs WHERE id = ? AND worker IS ?",
                     (run_id, worker)).fetchone()
    if row is None or row["status"] not in ("running", "cancelled"):
        return None
    history = json.loads(row["history"]) if row["history"] else empty_history()
    have = len(history.get("epoch", []))
    if columns and start <= have:
        for key in HISTORY_KEYS:
            history[key] = history.get(key, [])[:start] + list(columns.get(key, []))
        have = len(history["epoch"])
    changed = _commit(db.execute(
        "UPDATE runs SET history = ?, progress = coalesce(?, progress), heartbeat_at = ?"
        " WHERE id = ? AND worker IS ? AND status IN ('running', 'cancelled')",
        (_dumps(history), None if progress is None else _dumps(progress), time.time(), run_id,
         worker)))
    if not changed:    # deleted or taken over between the two statements
        return None
    return row["status"], have


def finish(run_id, worker, status, error=None, history=None, result=None, model_path=None,
           config=None):
    """Record how the run ended (``status``: one of :data:`TERMINAL`); True when it did.

    Only a 'running' run held by ``worker`` changes status. When it was cancelled meanwhile,
    its final history is still kept (the status stays 'cancelled'). ``config``: the settings
    the run ended with, when they are not those it was queued with (an auto run's kept ones).
    """
    db = get_db()
    ended = _commit(db.execute(
        "UPDATE runs SET status = ?, error = ?, finished_at = ?, heartbeat_at = ?,"
        " history = coalesce(?, history), result = coalesce(?, result),"
        " model_path = coalesce(?, model_path), config = coalesce(?, config)"
        " WHERE id = ? AND worker IS ? AND status = 'running'",
        (status, error, now(), time.time(), None if history is None else _dumps(history),
         None if result is None else _dumps(result), model_path,
         None if config is None else _dumps(config), run_id, worker)))
    if not ended and history is not None:
        _commit(db.execute("UPDATE runs SET history = ? WHERE id = ? AND worker IS ?"
                           " AND status = 'cancelled'", (_dumps(history), run_id, worker)))
    return bool(ended)


def cancel(run_id):
    """'queued' or 'running' -> 'cancelled'; True when the run was still active."""
    return bool(_commit(get_db().execute(
        "UPDATE runs SET status = 'cancelled', finished_at = ?"
        " WHERE id = ? AND status IN ('queued', 'running')", (now(), run_id))))


def delete(run_id):
    _commit(get_db().execute("DELETE FROM runs WHERE id = ?", (run_id,)))


def delete_for_dataset(dataset_id):
    """Delete the dataset's runs; returns ``[(run id, model_path or None), ...]`` of them."""
    db = get_db()
    deleted = [(row["id"], row["model_path"]) for row in db.execute(
        "SELECT id, model_path FROM runs WHERE dataset_id = ?", (dataset_id,)).fetchall()]
    _commit(db.execute("DELETE FROM runs WHERE dataset_id = ?", (dataset_id,)))
    return deleted


# --- runs nobody will finish -------------------------------------------------------------------

def interrupt_all(message):
    """Every queued or running run -> 'interrupted' (start-up of the embedded engine, whose
    queue and workers died with the previous process)."""
    return _commit(get_db().execute(
        "UPDATE runs SET status = 'interrupted', error = ?, finished_at = ?"
        " WHERE status IN ('running', 'queued')", (message, now())))


def interrupt_embedded(message):
    """Running runs held by the server's own workers -> 'interrupted' (start-up with a shared
    queue: remote workers may still be training theirs, and queued runs wait in the queue)."""
    return _commit(get_db().execute(
        "UPDATE runs SET status = 'interrupted', error = ?, finished_at = ?"
        " WHERE status = 'running' AND (worker IS NULL OR worker = ?)",
        (message, now(), EMBEDDED_WORKER)))


def interrupt_stale(cutoff, heard_since):
    """Remote runs whose worker was last heard from before ``cutoff`` -> 'interrupted'.

    ``heard_since`` (unix s) counts as a heartbeat of every run: the server's own start, so
    that workers get a full lease to reach a server that was down. Returns the runs' ids.
    """
    db = get_db()
    ids = [row["id"] for row in db.execute(
        "UPDATE runs SET status = 'interrupted', finished_at = ?,"
        " error = 'the worker ' || worker || ' stopped responding during training'"
        " WHERE status = 'running' AND worker IS NOT NULL AND worker != ?"
        " AND max(coalesce(heartbeat_at, 0), ?) < ? RETURNING id",
        (now(), EMBEDDED_WORKER, heard_since, cutoff)).fetchall()]
    db.commit()
    return ids


# --- owners ------------------------------------------------------------------------------------

def reassign(from_owner, to_owner):
    """Give ``from_owner``'s runs (None: the runs nobody owns) to ``to_owner``."""
    return _commit(get_db().execute("UPDATE runs SET owner_id = ? WHERE owner_id IS ?",
                                    (to_owner, from_owner)))
