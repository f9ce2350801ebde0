"""Share links: ``POST /api/runs/<id>/shares`` -> 201 ``{"id", "run_id", "created_at",
"revoked", "url"}``; ``GET /api/runs/<id>/shares`` -> ``{"shares": [...]}`` (no URLs: a link
is shown once); ``DELETE /api/shares/<id>`` -> the link, revoked. Anyone with a live link:
``GET /api/shared/<token>`` (the run, as GET /api/runs/<id> shows it)
and ``GET /api/shared/<token>/history.csv``.
"""
from flask import Blueprint, Response

from webapp.services import runs, sharing
from webapp.viewer import SYSTEM, acting_as

bp = Blueprint("shares", __name__)


@bp.post("/runs/<int:run_id>/shares")
def create(run_id):
    return sharing.create_link(run_id), 201


@bp.get("/runs/<int:run_id>/shares")
def index(run_id):
    return {"shares": sharing.list_links(run_id)}


@bp.delete("/shares/<int:link_id>")
def revoke(link_id):
    return sharing.revoke_link(link_id)


@bp.get("/shared/<token>")
def shared_run(token):
    run_id = sharing.shared_run_id(token)
    with acting_as(SYSTEM):           # the link is the permission to see this one run
        run = runs.get_run(run_id)
    return {**run, "worker": None}


@bp.get("/shared/<token>/history.csv")
def shared_history_csv(token):
    run_id = sharing.shared_run_id(token)
    with acting_as(SYSTEM):
        text = runs.history_csv(run_id)
    return Response(text, mimetype="text/csv", headers={
        "Content-Disposition": f"attachment; filename=run-{run_id}-history.csv"})
