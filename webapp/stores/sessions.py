"""The sessions table: signed-in browsers. The cookie carries a random id; only its SHA-256
is stored, and deleting the row ends the session whoever holds a copy of the cookie."""
import hashlib
import time

from webapp.db import get_db, now


def digest(secret):
    return hashlib.sha256(secret.encode()).hexdigest()


def insert(session_id, user_id, lifetime_seconds):
    get_db().execute("INSERT INTO sessions (id_hash, user_id, created_at, expires_at)"
                     " VALUES (?, ?, ?, ?)",
                     (digest(session_id), user_id, now(), time.time() + lifetime_seconds))
    get_db().commit()


def user_id(session_id):
    """The account of a live session, or None (unknown, signed out or expired)."""
    row = get_db().execute("SELECT user_id FROM sessions WHERE id_hash = ? AND expires_at > ?",
                           (digest(session_id), time.time())).fetchone()
    return None if row is None else row["user_id"]


def delete(session_id):
    get_db().execute("DELETE FROM sessions WHERE id_hash = ?", (digest(session_id),))
    get_db().commit()


def delete_for_user(user_id):
    """End every session of an account (its password changed)."""
    get_db().execute("DELETE FROM sessions WHERE user_id = ?", (user_id,))
    get_db().commit()


def delete_expired():
    get_db().execute("DELETE FROM sessions WHERE expires_at <= ?", (time.time(),))
    get_db().commit()
