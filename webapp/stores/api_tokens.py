"""The api_tokens table: personal tokens for scripts (``Authorization: Bearer ...``).

Only the SHA-256 of a token is stored (a token is 32 random bytes, so a fast hash is enough:
there is nothing to guess); revoking keeps the row with ``revoked_at`` set.
"""
from webapp.db import get_db, now
from webapp.stores.sessions import digest


def insert(user_id, label, token):
    cursor = get_db().execute("INSERT INTO api_tokens (user_id, label, token_hash, created_at)"
                              " VALUES (?, ?, ?, ?)", (user_id, label, digest(token), now()))
    get_db().commit()
    return cursor.lastrowid


def user_id(token):
    """The account of a live (not revoked) token, or None; notes when it was last used."""
    db = get_db()
    row = db.execute("SELECT id, user_id FROM api_tokens WHERE token_hash = ?"
                     " AND revoked_at IS NULL", (digest(token),)).fetchone()
    if row is None:
        return None
    db.execute("UPDATE api_tokens SET last_used_at = ? WHERE id = ?", (now(), row["id"]))
    db.commit()
    return row["user_id"]


def rows_of(user_id):
    """The account's tokens, newest first (revoked ones too)."""
    return get_db().execute("SELECT id, label, created_at, last_used_at, revoked_at"
                            " FROM api_tokens WHERE user_id = ? ORDER BY id DESC",
                            (user_id,)).fetchall()


def revoke(token_id, user_id):
    """Revoke one of the account's tokens; True when it was live."""
    cursor = get_db().execute("UPDATE api_tokens SET revoked_at = ? WHERE id = ? AND user_id = ?"
                              " AND revoked_at IS NULL", (now(), token_id, user_id))
    get_db().commit()
    return cursor.rowcount > 0


def exists_for(token_id, user_id):
    return get_db().execute("SELECT 1 FROM api_tokens WHERE id = ? AND user_id = ?",
                            (token_id, user_id)).fetchone() is not None
