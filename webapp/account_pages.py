"""The pages around accounts: sign in, sign out, the account page (API tokens), the one-time
setup of the first admin, and a run shown read-only through a share link.

Sign-in and setup are plain HTML forms (they work without scripts, and password managers
recognise them); the account page manages tokens through the JSON API (static/js/account.js).
"""
import hmac

from flask import (
    Blueprint, current_app, g, redirect, render_template, request, url_for,
)

from webapp.access import begin_session, end_session
from webapp.errors import ApiError, NotFound
from webapp.services import accounts, datasets, ownership, runs, sharing, signin
from webapp.viewer import SYSTEM, acting_as

bp = Blueprint("account", __name__)

#: the sign-in and setup forms are a name and passwords: anything larger is refused unread
MAX_FORM_BYTES = 16 * 1024


def safe_next(target):
    """Where to go after signing in: a path on this server, else the home page."""
    if isinstance(target, str) and target.startswith("/") and not target.startswith("//") \
            and "\\" not in target:
        return target
    return url_for("pages.home")


@bp.get("/sign-in")
def sign_in():
    return render_template("sign_in.html", next=safe_next(request.args.get("next")),
                           error=None, name="")


@bp.post("/sign-in")
def sign_in_form():
    too_large = (request.content_length or 0) > MAX_FORM_BYTES
    form = {} if too_large else request.form
    try:
        if too_large:
            raise ApiError("the form is too large", 413)
        viewer = signin.sign_in(form.get("name", ""), form.get("password", ""),
                                request.remote_addr)
    except ApiError as exc:
        response = current_app.make_response((render_template(
            "sign_in.html", next=safe_next(form.get("next")), error=exc.message,
            name=form.get("name", "")[:64]), exc.status))
        if getattr(exc, "retry_after", None) is not None:
            response.headers["Retry-After"] = str(exc.retry_after)
        return response
    begin_session(viewer)
    return redirect(safe_next(form.get("next")))


@bp.post("/sign-out")
def sign_out():
    end_session()
    return redirect(url_for("account.sign_in"))


@bp.get("/account")
def account_page():
    if g.viewer.name is None:
        return redirect(url_for("account.sign_in", next=url_for("account.account_page")))
    return render_template("account.html", active="account", page_data={"urls": {
        "tokens": url_for("session.tokens"),
        "token": url_for("session.revoke_token", token_id=987654321).replace("987654321", "{id}"),
    }})


def _setup_token_matches(token):
    expected = current_app.config["SETUP_TOKEN"]
    if expected and accounts.has_accounts():     # someone has set the server up meanwhile
        current_app.config["SETUP_TOKEN"] = expected = None
    return bool(expected) and isinstance(token, str) and hmac.compare_digest(
        token.encode(), expected.encode())


@bp.get("/setup")
def setup():
    token = request.args.get("token", "")
    if not _setup_token_matches(token):
        return render_template("404.html", message="This setup link is not valid (it works "
                               "once, on the server's first start)."), 404
    return render_template("setup.html", token=token, error=None, name="")


@bp.post("/setup")
def setup_form():
    if (request.content_length or 0) > MAX_FORM_BYTES:
        return render_template("404.html", message="The form is too large."), 413
    form = request.form
    if not _setup_token_matches(form.get("token")):
        return render_template("404.html", message="This setup link is not valid (it works "
                               "once, on the server's first start)."), 404
    try:
        if form.get("password", "") != form.get("again", ""):
            raise ApiError("the two passwords differ")
        viewer = accounts.add_user(form.get("name", ""), form.get("password", ""),
                                   is_admin=True, adopt=ownership.adopt_unowned)
    except ApiError as exc:
        return render_template("setup.html", token=form.get("token"), error=exc.message,
                               name=form.get("name", "")[:64]), exc.status
    current_app.config["SETUP_TOKEN"] = None
    begin_session(viewer)
    return redirect(url_for("pages.home"))


@bp.get("/shared/<token>")
def shared_run(token):
    try:
        run_id = sharing.shared_run_id(token)
    except NotFound as exc:
        return render_template("404.html", message=exc.message[0].upper() + exc.message[1:]
                               + "."), 404
    with acting_as(SYSTEM):       # the link is the permission to see this one run
        run = runs.get_run(run_id)
        dataset = datasets.get_summary(run["dataset_id"])
    return render_template("shared_run.html", run=run, dataset_name=dataset["name"],
                           page_data={"urls": {
                               "run": url_for("shares.shared_run", token=token),
                               "historyCsv": url_for("shares.shared_history_csv",
                                                     token=token)}})
