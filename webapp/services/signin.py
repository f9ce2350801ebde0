"""Signing in and out: passwords checked under the throttle, server-side sessions, API tokens.

A browser's Flask session cookie carries only ``sid``, a random id whose SHA-256 is a row of
the sessions table (``webapp.stores.sessions``): signing in makes a new one (the old session,
if any, ends), signing out deletes it on the server. Scripts send a personal API token
instead (``Authorization: Bearer nd_...``), made and revoked on the account page.
"""
import math
import secrets

from flask import current_app

from webapp.errors import ApiError, NotFound
from webapp.services import accounts
from webapp.stores import api_tokens, sessions

TOKEN_PREFIX = "nd_"
MAX_TOKEN_LABEL = 100


class TooManyAttempts(ApiError):
    """429: failed sign-ins from this account or address must wait ``retry_after`` seconds."""
    status = 429

    def __init__(self, retry_after):
        seconds = max(1, math.ceil(retry_after))
        super().__init__(f"too many failed sign-ins: try again in {seconds} s")
        self.retry_after = seconds


def throttle():
    return current_app.extensions["sign_in_throttle"]


def sign_in(name, password, address):
    """The :class:`~webapp.viewer.Viewer` of a right name and password; 401 otherwise, 429
    while failures from this name or address must wait (the password is not even checked)."""
    accounts.check_password(password)
    keys = ("name:" + accounts.clean_name(name), f"address:{address}")
    wait = throttle().wait_for(keys)
    if wait > 0:
        raise TooManyAttempts(wait)
    viewer = accounts.authenticate(name, password)
    if viewer is None:
        throttle().failed(keys)
        raise ApiError("wrong name or password", 401)
    throttle().succeeded(keys)
    return viewer


def start_session(user_id):
    """A new server-side session for ``user_id``; returns its id (for the cookie)."""
    session_id = secrets.token_urlsafe(32)
    sessions.delete_expired()
    sessions.insert(session_id, user_id, current_app.config["SESSION_LIFETIME"])
    return session_id


def end_session(session_id):
    if session_id:
        sessions.delete(session_id)


def session_user(session_id):
    return accounts.user_viewer(sessions.user_id(session_id)) if session_id else None


def token_user(token):
    """The viewer of a live API token, or None."""
    return accounts.user_viewer(api_tokens.user_id(token))


# --- personal API tokens -----------------------------------------------------------------------

def describe_token(row):
    return {"id": row["id"], "label": row["label"], "created_at": row["created_at"],
            "last_used_at": row["last_used_at"], "revoked": row["revoked_at"] is not None}


def create_token(viewer, label):
    """A new token for ``viewer``; the secret is in the answer only this once."""
    if not isinstance(label, str) or not label.strip():
        label = "API token"
    label = label.strip()[:MAX_TOKEN_LABEL]
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token_id = api_tokens.insert(viewer.id, label, token)
    return {"id": token_id, "label": label, "token": token}


def list_tokens(viewer):
    return [describe_token(row) for row in api_tokens.rows_of(viewer.id)]


def revoke_token(viewer, token_id):
    if not api_tokens.exists_for(token_id, viewer.id):
        raise NotFound(f"token {token_id} not found")
    api_tokens.revoke(token_id, viewer.id)
    return {"revoked": token_id}
