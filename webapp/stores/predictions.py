"""The predictions table: every SQL statement on it.

A prediction goes ``running`` -> ``completed`` | ``failed``. Each function is one transaction
and commits it. The writes of a scoring in progress return how many rows they changed: 0 means
the prediction is gone (its run was deleted), which tells the scoring to stop.
"""
from webapp.db import get_db, now
from webapp.stores import dumps


def _commit(cursor):
    get_db().commit()
    return cursor.rowcount


def insert(run_id, file_name):
    """A new 'running' prediction of ``run_id``; its id."""
    cursor = get_db().execute(
        "INSERT INTO predictions (run_id, status, file_name, created_at)"
        " VALUES (?, 'running', ?, ?)", (run_id, file_name, now()))
    _commit(cursor)
    return cursor.lastrowid


def get(prediction_id):
    """The prediction's row, or None."""
    return get_db().execute("SELECT * FROM predictions WHERE id = ?",
                            (prediction_id,)).fetchone()


def for_run(run_id):
    """The run's predictions, newest first."""
    return get_db().execute("SELECT * FROM predictions WHERE run_id = ? ORDER BY id DESC",
                            (run_id,)).fetchall()


def set_path(prediction_id, path):
    return _commit(get_db().execute("UPDATE predictions SET path = ? WHERE id = ?",
                                    (path, prediction_id)))


def set_rows(prediction_id, rows):
    """Rows scored so far; 0 when the prediction is gone or no longer running."""
    return _commit(get_db().execute(
        "UPDATE predictions SET rows = ? WHERE id = ? AND status = 'running'",
        (rows, prediction_id)))


def complete(prediction_id, summary):
    return _commit(get_db().execute(
        "UPDATE predictions SET status = 'completed', rows = ?, summary = ?, finished_at = ?"
        " WHERE id = ? AND status = 'running'",
        (summary["rows"], dumps(summary), now(), prediction_id)))


def fail(prediction_id, message, status):
    return _commit(get_db().execute(
        "UPDATE predictions SET status = 'failed', error = ?, error_status = ?, finished_at = ?"
        " WHERE id = ? AND status = 'running'", (message, status, now(), prediction_id)))


def fail_running(message):
    """Every 'running' prediction -> 'failed' (start-up: the scorings died with the previous
    process)."""
    return _commit(get_db().execute(
        "UPDATE predictions SET status = 'failed', error = ?, error_status = 503,"
        " finished_at = ? WHERE status = 'running'", (message, now())))
