"""Accounts: names and passwords checked, passwords hashed, accounts added, changed, removed.

Passwords are hashed with ``werkzeug.security`` (scrypt unless ``PASSWORD_HASH_METHOD`` says
otherwise) and never stored, logged or echoed. Lengths are checked before hashing, so a 10 MB
"password" costs nothing. A sign-in by a name that does not exist still hashes once, so that
the time taken does not tell which names exist.

The first admin account adopts the work made before it existed (owner NULL, except the
built-in sample): see :func:`add_user`.
"""
import secrets
import unicodedata

from flask import current_app
from werkzeug.security import check_password_hash, generate_password_hash

from webapp.errors import BadRequest, Conflict, NotFound
from webapp.stores import api_tokens, sessions, users
from webapp.viewer import Viewer

MAX_NAME_LENGTH = 64
MIN_PASSWORD_LENGTH = 8
MAX_PASSWORD_LENGTH = 1024

_dummy_hash = {}


def clean_name(name):
    """A user name as stored: NFC, trimmed, 1..64 characters, no control characters."""
    if not isinstance(name, str):
        raise BadRequest("name must be text")
    name = unicodedata.normalize("NFC", name[:4 * MAX_NAME_LENGTH]).strip()
    if not 1 <= len(name) <= MAX_NAME_LENGTH:
        raise BadRequest(f"name must be 1 to {MAX_NAME_LENGTH} characters")
    if any(unicodedata.category(ch).startswith("C") for ch in name):
        raise BadRequest("name must not contain control characters")
    return name


def check_password(password):
    """Refuse a password outside 8..1024 characters (before any hashing)."""
    if not isinstance(password, str):
        raise BadRequest("password must be text")
    if not MIN_PASSWORD_LENGTH <= len(password) <= MAX_PASSWORD_LENGTH:
        raise BadRequest(f"password must be {MIN_PASSWORD_LENGTH} to {MAX_PASSWORD_LENGTH} "
                         "characters")
    return password


def _hash(password):
    return generate_password_hash(password, method=current_app.config["PASSWORD_HASH_METHOD"])


def viewer_of(row):
    return Viewer(id=row["id"], name=row["name"], is_admin=bool(row["is_admin"]))


def add_user(name, password, is_admin=False, adopt=None):
    """Create an account; returns its :class:`Viewer`. 409 when the name is taken.

    ``adopt(owner_id)`` is called when this is the first admin: it hands that account the
    datasets and runs made before accounts existed.
    """
    name = clean_name(name)
    check_password(password)
    first_admin = is_admin and users.first_admin() is None
    user_id = users.insert(name, _hash(password), is_admin)
    if user_id is None:
        raise Conflict(f"the name {name!r} is taken")
    if first_admin and adopt is not None:
        adopt(user_id)
    return viewer_of(users.get(user_id))


def find(name):
    """The account called ``name`` (cleaned as stored), or 404."""
    row = users.by_name(clean_name(name))
    if row is None:
        raise NotFound(f"no account is called {name!r}")
    return row


def set_password(name, password):
    """A new password; the account's sessions end (its tokens stay: revoke them separately)."""
    row = find(name)
    check_password(password)
    users.set_password_hash(row["id"], _hash(password))
    sessions.delete_for_user(row["id"])


def remove_user(name, hand_over):
    """Remove an account; ``hand_over(from_id, to_id)`` gives its work to the oldest other
    admin first (nothing is deleted). The last admin of a server with accounts stays."""
    row = find(name)
    heir = next((r for r in users.rows() if r["is_admin"] and r["id"] != row["id"]), None)
    if heir is None:
        raise Conflict(f"{row['name']!r} is the only admin: make another admin first "
                       "(users add NAME --admin)")
    hand_over(row["id"], heir["id"])
    users.delete(row["id"])
    return heir["name"]


def authenticate(name, password):
    """The :class:`Viewer` whose name and password these are, or None."""
    try:
        name = clean_name(name)
        check_password(password)
    except BadRequest:
        return None
    row = users.by_name(name)
    if row is None:
        method = current_app.config["PASSWORD_HASH_METHOD"]
        if method not in _dummy_hash:
            _dummy_hash[method] = _hash(secrets.token_hex(16))
        check_password_hash(_dummy_hash[method], password)
        return None
    if not check_password_hash(row["password_hash"], password):
        return None
    return viewer_of(row)


def user_viewer(user_id):
    row = None if user_id is None else users.get(user_id)
    return None if row is None else viewer_of(row)


def listing():
    """Every account: ``[{"id", "name", "is_admin", "created_at", "tokens"}]``."""
    return [{"id": r["id"], "name": r["name"], "is_admin": bool(r["is_admin"]),
             "created_at": r["created_at"],
             "tokens": sum(t["revoked_at"] is None for t in api_tokens.rows_of(r["id"]))}
            for r in users.rows()]


def has_accounts():
    return users.count() > 0


def local_viewer():
    """Who a request acts as when sign-in is off: the first admin (so that new work has an
    owner once accounts exist), or nobody in particular; sees everything either way."""
    admin = users.first_admin()
    if admin is None:
        return Viewer(id=None, name=None, is_admin=True)
    return Viewer(id=admin["id"], name=None, is_admin=True)
