"""The users table: accounts that may sign in (name, password hash, admin or not)."""
import sqlite3

from webapp.db import get_db, now


def get(user_id):
    return get_db().execute("SELECT * FROM users WHERE id = ?", (user_id,)).fetchone()


def by_name(name):
    return get_db().execute("SELECT * FROM users WHERE name = ?", (name,)).fetchone()


def rows():
    return get_db().execute("SELECT * FROM users ORDER BY id").fetchall()


def count():
    return get_db().execute("SELECT count(*) FROM users").fetchone()[0]


def first_admin():
    """The oldest admin account, or None."""
    return get_db().execute("SELECT * FROM users WHERE is_admin = 1 ORDER BY id LIMIT 1").fetchone()


def insert(name, password_hash, is_admin):
    """A new account; returns its id, or None when the name is taken."""
    db = get_db()
    try:
        cursor = db.execute("INSERT INTO users (name, password_hash, is_admin, created_at)"
                            " VALUES (?, ?, ?, ?)", (name, password_hash, int(is_admin), now()))
    except sqlite3.IntegrityError:
        db.rollback()
        return None
    db.commit()
    return cursor.lastrowid


def set_password_hash(user_id, password_hash):
    get_db().execute("UPDATE users SET password_hash = ? WHERE id = ?", (password_hash, user_id))
    get_db().commit()


def delete(user_id):
    """Remove the account (its sessions and tokens go with it: ON DELETE CASCADE)."""
    get_db().execute("DELETE FROM users WHERE id = ?", (user_id,))
    get_db().commit()
