"""Signing in and out from scripts and the browser: ``/api/session``; personal API tokens:
``/api/tokens``.

``POST /api/session {"name", "password"}`` -> 200 ``{"name", "is_admin"}`` and a new session
cookie (401 wrong, 429 with Retry-After while slowed down); ``DELETE /api/session`` -> 200
``{"signed_in": false}``, the session ended on the server; ``GET /api/session`` -> who is
signed in (``{"signed_in", "name", "is_admin", "sign_in_required"}``).
"""
from flask import Blueprint, g, request

from webapp.access import begin_session, end_session, sign_in_required
from webapp.api import json_body
from webapp.errors import ApiError
from webapp.services import signin

bp = Blueprint("session", __name__)


def describe(viewer):
    signed_in = viewer is not None and viewer.name is not None
    return {"signed_in": signed_in, "name": viewer.name if signed_in else None,
            "is_admin": bool(signed_in and viewer.is_admin),
            "sign_in_required": sign_in_required()}


@bp.get("/session")
def show():
    return describe(g.viewer)


@bp.post("/session")
def create():
    body = json_body()
    viewer = signin.sign_in(body.get("name"), body.get("password"), request.remote_addr)
    begin_session(viewer)
    return describe(viewer)


@bp.delete("/session")
def delete():
    end_session()
    return describe(None)


def signed_in_viewer():
    """The request's account; 401 for a request with none (tokens belong to accounts)."""
    if g.viewer.name is None:
        raise ApiError("sign in first: API tokens belong to an account", 401)
    return g.viewer


@bp.get("/tokens")
def tokens():
    return {"tokens": signin.list_tokens(signed_in_viewer())}


@bp.post("/tokens")
def create_token():
    return signin.create_token(signed_in_viewer(), json_body().get("label")), 201


@bp.delete("/tokens/<int:token_id>")
def revoke_token(token_id):
    return signin.revoke_token(signed_in_viewer(), token_id)
