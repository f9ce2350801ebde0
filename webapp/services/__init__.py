"""Services: the work behind the API views (datasets, runs, training jobs, reports).

They read and write the database through the stores (``webapp.stores``, one per table) inside
an app context (worker threads push one), find files through ``current_app.config``, and raise
``webapp.errors.ApiError`` subclasses for anything the client should hear about.
"""
import json
import math
import os
import shutil
import threading
from collections import OrderedDict
from pathlib import Path

from flask import current_app

from webapp.errors import BadRequest, InsufficientStorage


class LRUCache:
    """A small thread-safe least-recently-used cache (models and dataset arrays)."""

    def __init__(self, size):
        self.size = size
        self._items = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key):
        with self._lock:
            if key not in self._items:
                return None
            self._items.move_to_end(key)
            return self._items[key]

    def put(self, key, value):
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)

    def discard(self, key):
        with self._lock:
            self._items.pop(key, None)

    def __repr__(self):
        return f"LRUCache(size={self.size}, keys={list(self._items)})"


def loads(text, default=None):
    return default if text is None else json.loads(text)


def storage_error(exc, what):
    """Turn an OSError while writing into the error the client sees."""
    if getattr(exc, "errno", None) in (28, 122):  # ENOSPC, EDQUOT
        return InsufficientStorage(f"the server is out of disk space: {what} was not stored")
    return InsufficientStorage(f"could not store {what}: {exc.strerror or exc}")


def remove_quietly(path):
    try:
        os.remove(path)
    except OSError:
        pass


def finite_number(value, field):
    """A JSON number that is finite (bools are not numbers here)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise BadRequest(f"{field} must be a number")
    value = float(value)
    if not math.isfinite(value):
        raise BadRequest(f"{field} must be a finite number")
    return value


def prediction_folder(run_id):
    """Where a run's scored files live: ``DATA_DIR/predictions/run-<id>`` (removed with it)."""
    return Path(current_app.config["DATA_DIR"]) / "predictions" / f"run-{int(run_id)}"


def run_snapshots(run_id):
    """The folder of a run's per-epoch snapshots, ``DATA_DIR/models/<id>-epochs`` (removed
    with the run)."""
    return Path(current_app.config["DATA_DIR"]) / "models" / f"{int(run_id)}-epochs"


def remove_folder_quietly(path):
    shutil.rmtree(path, ignore_errors=True)
