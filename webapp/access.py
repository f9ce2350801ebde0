"""Who may use the server: sign-in required or not, and who each request acts for.

This is the one place that decides. :func:`identify` runs before every request (except the
worker API, which has its own ``WORKER_TOKEN``): it finds the account from an API token
(``Authorization: Bearer ...``) or the session cookie and sets the request's viewer
(``webapp.viewer``). When sign-in is required and there is none, the JSON API answers 401
``{"error": ...}`` and pages redirect to the sign-in page; only the endpoints in
:data:`OPEN_ENDPOINTS` (sign-in, first-start setup, share links, health, static files) are
open. When sign-in is off (a server on loopback, or ``--no-auth``) an anonymous request acts
as the local user, who sees everything.

What a viewer may see is applied where rows are read (the stores, through
``webapp.viewer.visible_sql``), so every route that takes an id answers 404 for another
account's dataset or run, exactly as for an id that does not exist.
"""
import secrets

from flask import current_app, g, has_request_context, redirect, request, session, url_for
from flask.sessions import SecureCookieSessionInterface

from webapp.errors import error_response
from webapp.services import accounts, signin
from webapp.services.throttle import SignInThrottle
from webapp.viewer import Viewer, set_viewer

#: Nobody signed in: sees only what nobody owns (the built-in sample).
ANONYMOUS = Viewer(id=None, name=None, is_admin=False)

OPEN_ENDPOINTS = {
    "static", "health.health", "session.show", "session.create", "session.delete",
    "account.sign_in", "account.sign_in_form", "account.sign_out", "account.setup",
    "account.setup_form", "account.shared_run", "shares.shared_run",
    "shares.shared_history_csv",
}


class SessionInterface(SecureCookieSessionInterface):
    """Flask's signed cookie, Secure when the request came over https or the server is told
    it sits behind a TLS proxy (``BEHIND_TLS_PROXY``)."""

    def get_cookie_secure(self, app):
        return bool(app.config["SESSION_COOKIE_SECURE"] or app.config["BEHIND_TLS_PROXY"]
                    or (has_request_context() and request.is_secure))


def sign_in_required():
    return bool(current_app.config["AUTH_REQUIRED"])


def _bearer_token():
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" else None


def identify():
    """Set the request's viewer; refuse a request that needs an account and has none."""
    if request.blueprint == "worker" or request.path.startswith("/api/worker/"):
        return None      # the worker API checks its own token (a path it lacks is its 404)
    token = _bearer_token()
    if token is not None:
        viewer = signin.token_user(token)
        if viewer is None:
            return error_response(401, "the API token is not valid (revoked or mistyped)")
    else:
        viewer = signin.session_user(session.get("sid"))
    if viewer is None and not sign_in_required():
        viewer = accounts.local_viewer()
    set_viewer(viewer or ANONYMOUS)
    if viewer is not None or request.endpoint in OPEN_ENDPOINTS:
        return None
    if request.path.startswith("/api/"):
        return error_response(401, "sign in first: this server needs an account "
                                   "(POST /api/session, or an API token)")
    return redirect(url_for("account.sign_in", next=request.full_path.rstrip("?")))


def begin_session(viewer):
    """Replace the browser's session by a new one for ``viewer`` (a new id at every sign-in,
    so a session id planted before sign-in is worth nothing after)."""
    signin.end_session(session.get("sid"))
    session.clear()
    session["sid"] = signin.start_session(viewer.id)
    session.permanent = True


def end_session():
    """Sign out: the session ends on the server, and the cookie is emptied."""
    signin.end_session(session.get("sid"))
    session.clear()


def signed_in_name():
    """For the page header: the signed-in account's name, or None."""
    viewer = g.get("viewer")
    return None if viewer is None else viewer.name


def start_setup(app):
    """On first start on a network address with no account: a one-time setup token."""
    with app.app_context():
        if not accounts.has_accounts():
            app.config["SETUP_TOKEN"] = secrets.token_urlsafe(24)
    return app.config["SETUP_TOKEN"]


def init_app(app):
    app.session_interface = SessionInterface()
    app.config["PERMANENT_SESSION_LIFETIME"] = app.config["SESSION_LIFETIME"]
    app.extensions["sign_in_throttle"] = SignInThrottle(
        app.config["SIGN_IN_FREE_FAILURES"], app.config["SIGN_IN_BASE_DELAY"],
        app.config["SIGN_IN_MAX_DELAY"])
    app.before_request(identify)
    app.context_processor(lambda: {"signed_in_name": signed_in_name(),
                                   "sign_in_required": sign_in_required()})
