"""The worker API (/api/worker/...): how remote workers claim, report and give back runs.

Every call carries ``Authorization: Bearer <WORKER_TOKEN>`` and ``X-Worker: <host:pid>``.
Without a token configured on the server the API is off (403); a wrong token gets 401 and a
line in the server's log. The views are thin: ``webapp.services.worker_protocol`` does the work
(its functions carry the names of the relay's ``Server`` interface).
The API is not behind sign-in; a worker acts for the owner of each run it claims, and gets the
arrays of the datasets of the runs it holds only.
"""
import hmac
import json
import logging
import re

from flask import Blueprint, current_app, request, send_file

from webapp.errors import ApiError, BadRequest, NotFound
from webapp.services import worker_protocol
from webapp.stores import runs as run_store

bp = Blueprint("worker", __name__)
log = logging.getLogger(__name__)

WORKER_NAME = re.compile(r"[A-Za-z0-9._:\-\[\]]{1,100}")


@bp.before_request
def require_token():
    expected = current_app.config.get("WORKER_TOKEN")
    if not expected:
        raise ApiError("the worker API is off: start the server with --queue and WORKER_TOKEN "
                       "set", 403)
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(given.encode(), expected.encode()):
        log.warning("refused a worker call from %s (%s %s): wrong or missing WORKER_TOKEN",
                    request.remote_addr, request.method, request.path)
        raise ApiError("wrong worker token: the worker's WORKER_TOKEN differs from the "
                       "server's", 401)


def calling_worker():
    """The name the calling worker gives itself (its ``X-Worker`` header)."""
    name = request.headers.get("X-Worker", "")
    if not WORKER_NAME.fullmatch(name):
        raise BadRequest("X-Worker must name the worker (letters, digits, . _ : - [ ])")
    return name


def body():
    """The JSON object sent by a worker (its own size limit: final histories can be long)."""
    limit = current_app.config["MAX_WORKER_JSON_BYTES"]
    if request.content_length is not None and request.content_length > limit:
        raise ApiError(f"the request body is too large: the limit is {limit // 2**20} MB", 413)
    try:
        data = json.loads(request.get_data(cache=False) or b"null")
    except ValueError as exc:
        raise BadRequest("request body is not valid JSON") from exc
    if not isinstance(data, dict):
        raise BadRequest("request body must be a JSON object")
    return data


@bp.get("/hello")
def hello():
    """What a starting worker checks: its token works; the server's timing settings."""
    return {"worker": calling_worker(),
            "heartbeat_seconds": current_app.config["WORKER_HEARTBEAT_SECONDS"],
            "write_interval": current_app.config["HISTORY_WRITE_INTERVAL"],
            "lease_seconds": current_app.config["WORKER_LEASE_SECONDS"]}


@bp.post("/runs/<int:run_id>/claim")
def claim(run_id):
    return worker_protocol.claim(run_id, calling_worker())


@bp.get("/datasets/<int:dataset_id>/arrays")
def dataset_arrays(dataset_id):
    # A worker acts for the owners of the runs it holds: it gets their datasets, no others.
    if not run_store.holds_dataset(calling_worker(), dataset_id):
        raise NotFound(f"dataset {dataset_id} not found")
    path, version = worker_protocol.dataset_file(dataset_id)
    response = send_file(path, mimetype="application/octet-stream", etag=version,
                         download_name=f"dataset-{dataset_id}.npz")
    response.headers["X-Dataset-Version"] = version
    return response


@bp.post("/runs/<int:run_id>/progress")
def report_progress(run_id):
    data = body()
    return worker_protocol.report_progress(run_id, calling_worker(), data.get("start"),
                                           data.get("history"), data.get("progress"))


@bp.put("/runs/<int:run_id>/model")
def store_model(run_id):
    request.max_content_length = current_app.config["MAX_MODEL_BYTES"]
    return worker_protocol.store_model(run_id, calling_worker(), request.stream,
                                       request.content_length)


@bp.post("/runs/<int:run_id>/finish")
def finish(run_id):
    """``complete`` or ``end``, as the status says."""
    data = body()
    if data.get("status") == "completed":
        return worker_protocol.complete(run_id, calling_worker(), data.get("history"),
                                        data.get("result"))
    return worker_protocol.end(run_id, calling_worker(), data.get("status"), data.get("error"),
                               data.get("history"))
