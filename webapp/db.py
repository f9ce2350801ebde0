"""SQLite access: one connection per request (kept on ``g``), separate ones for worker threads.

Worker threads push an app context, so :func:`get_db` gives them their own connection too;
it is closed when that context ends.
"""
import sqlite3
from datetime import datetime, timezone
from pathlib import Path

from flask import current_app, g

BUSY_TIMEOUT_MS = 5000


def connect(path):
    """Open a connection with WAL journaling, a busy timeout and foreign keys on."""
    conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000)
    conn.row_factory = sqlite3.Row
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    conn.execute("PRAGMA foreign_keys = ON")
    return conn


def database_path(app=None):
    app = app or current_app
    return str(Path(app.config["DATA_DIR"]) / "app.db")


def get_db():
    if "db" not in g:
        g.db = connect(database_path())
    return g.db


def close_db(exc=None):
    db = g.pop("db", None)
    if db is not None:
        db.close()


def init_db(app):
    """Create the tables if needed and switch the file to WAL (a persistent setting)."""
    conn = connect(database_path(app))
    try:
        conn.execute("PRAGMA journal_mode = WAL")
        conn.executescript((Path(__file__).parent / "schema.sql").read_text())
        conn.commit()
    finally:
        conn.close()


def now():
    """UTC timestamp as ISO 8601 text, e.g. ``2024-05-01T12:00:00Z``."""
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def init_app(app):
    app.teardown_appcontext(close_db)
    init_db(app)
