"""The share_links table: revocable read-only links to one run that need no account.

The link carries a random token; only its SHA-256 is stored.
"""
from webapp.db import get_db, now
from webapp.stores.sessions import digest


def insert(run_id, token):
    cursor = get_db().execute("INSERT INTO share_links (run_id, token_hash, created_at)"
                              " VALUES (?, ?, ?)", (run_id, digest(token), now()))
    get_db().commit()
    return cursor.lastrowid


def run_id(token):
    """The run a live (not revoked) link shows, or None."""
    row = get_db().execute("SELECT run_id FROM share_links WHERE token_hash = ?"
                           " AND revoked_at IS NULL", (digest(token),)).fetchone()
    return None if row is None else row["run_id"]


def get(link_id):
    return get_db().execute("SELECT * FROM share_links WHERE id = ?", (link_id,)).fetchone()


def rows_of(run_id_):
    return get_db().execute("SELECT id, run_id, created_at, revoked_at FROM share_links"
                            " WHERE run_id = ? ORDER BY id DESC", (run_id_,)).fetchall()


def revoke(link_id):
    cursor = get_db().execute("UPDATE share_links SET revoked_at = ? WHERE id = ?"
                              " AND revoked_at IS NULL", (now(), link_id))
    get_db().commit()
    return cursor.rowcount > 0
