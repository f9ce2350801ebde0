"""Read-only share links for a run: made and revoked by those who may see the run, opened by
anyone with the link (no account needed) until revoked.

The link carries a random token (only its SHA-256 is stored); what it shows is the run as
``GET /api/runs/<id>`` describes it, with its dataset's name, and its history as CSV.
"""
import secrets

from flask import url_for

from webapp.errors import NotFound
from webapp.services import runs
from webapp.stores import share_links


def describe_link(row):
    return {"id": row["id"], "run_id": row["run_id"], "created_at": row["created_at"],
            "revoked": row["revoked_at"] is not None}


def create_link(run_id):
    """A new link to ``run_id`` (which the viewer may see, else 404); the URL is shown once."""
    runs.get_row(run_id)
    token = secrets.token_urlsafe(24)
    link_id = share_links.insert(run_id, token)
    return {**describe_link(share_links.get(link_id)),
            "url": url_for("account.shared_run", token=token, _external=True)}


def list_links(run_id):
    runs.get_row(run_id)
    return [describe_link(row) for row in share_links.rows_of(run_id)]


def revoke_link(link_id):
    row = share_links.get(link_id)
    if row is None:
        raise NotFound(f"share link {link_id} not found")
    runs.get_row(row["run_id"])          # 404 unless the viewer may see the run
    share_links.revoke(link_id)
    return describe_link(share_links.get(link_id))


def shared_run_id(token):
    """The run a live link shows; 404 for an unknown or revoked link."""
    run_id = share_links.run_id(token) if isinstance(token, str) else None
    if run_id is None:
        raise NotFound("this share link does not exist or has been revoked")
    return run_id
