"""SQLite access: one connection per app context (kept on ``g``), transactions on it, and the
schema's migrations. The SQL on the tables themselves lives in ``webapp.stores``.

Request threads and the training threads inside the server each push an app context, so
:func:`get_db` gives each its own connection; it is closed when that context ends.

The schema is the numbered scripts in ``webapp/migrations/`` (``0001_initial.sql``, ...).
``PRAGMA user_version`` records the last one applied; :func:`migrate` applies the missing
ones at start-up, all in one transaction. A database made before migrations existed has
user_version 0 and the tables of ``0001`` already (its ``IF NOT EXISTS`` makes it a no-op).
"""
import re
import sqlite3
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

from flask import current_app, g

BUSY_TIMEOUT_MS = 5000
MIGRATIONS_DIR = Path(__file__).parent / "migrations"
MIGRATION_NAME = re.compile(r"(\d{4})_[a-z0-9_]+\.sql")


class SchemaTooNew(RuntimeError):
    """The database was upgraded by a newer release than this code."""


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


@contextmanager
def transaction():
    """Commit the block's writes on this context's connection together, or none of them.

    Whatever the block raises (an error, a refusal, an interrupt), its writes are rolled back
    and the exception goes on.
    """
    db = get_db()
    try:
        yield
        db.commit()
    except BaseException:
        db.rollback()
        raise


def close_db(exc=None):
    db = g.pop("db", None)
    if db is not None:
        db.close()


def migrations():
    """The schema's steps in order: ``[(number, file name, SQL text), ...]``."""
    steps = []
    for path in sorted(MIGRATIONS_DIR.iterdir()):
        match = MIGRATION_NAME.fullmatch(path.name)
        if match:
            steps.append((int(match.group(1)), path.name, path.read_text()))
    numbers = [number for number, _, _ in steps]
    # Numbers only grow; a gap is allowed (branches take their numbers before they merge),
    # and each step runs once, when the database's version is below its number.
    assert numbers == sorted(set(numbers)) and numbers[:1] == [1], \
        f"migrations must be numbered from 1, increasing: {numbers}"
    return steps


def _statements(script):
    """Split a migration script into statements (``executescript`` would commit first)."""
    statements, current = [], ""
    for line in script.splitlines(keepends=True):
        current += line
        if sqlite3.complete_statement(current):
            statements.append(current.strip())
            current = ""
    leftover = [line for line in current.splitlines() if not line.strip().startswith("--")]
    if "".join(leftover).strip():
        raise ValueError(f"unterminated SQL statement in a migration: {current.strip()[:60]}")
    return statements


def migrate(conn):
    """Apply the migrations the database lacks, in one transaction; returns its new version.

    ``BEGIN IMMEDIATE`` takes the write lock before reading the version, so two processes
    starting on the same folder cannot both apply a step.
    """
    steps = migrations()
    latest = steps[-1][0]
    conn.isolation_level = None
    conn.execute("BEGIN IMMEDIATE")
    try:
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        if version > latest:
            raise SchemaTooNew(f"the database is at schema version {version}, newer than this "
                               f"release knows ({latest}): run the newer release")
        for number, _, script in (step for step in steps if step[0] > version):
            for statement in _statements(script):
                conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {number}")
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return max(version, latest)


def init_db(app):
    """Switch the file to WAL (a persistent setting) and bring its schema up to date."""
    conn = connect(database_path(app))
    try:
        conn.execute("PRAGMA journal_mode = WAL")
        migrate(conn)
    finally:
        conn.close()


def now():
    """UTC timestamp as ISO 8601 text, e.g. ``2024-05-01T12:00:00Z``."""
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def init_app(app):
    app.teardown_appcontext(close_db)
    init_db(app)
