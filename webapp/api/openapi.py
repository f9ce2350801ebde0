"""GET /api/openapi.json: the API described in OpenAPI 3.1 (the file beside this module).

The document is written by hand and checked in; ``tests/webapp/test_openapi.py`` keeps it in
step with the routes (every /api route documented with its methods, nothing documented that
does not exist) and ``tests/webapp/test_api_contract.py`` fuzzes the live server against it.
The worker API (``/api/worker/...``, for remote training workers) is left out.
"""
from pathlib import Path

from flask import Blueprint, Response

DOCUMENT = Path(__file__).with_name("openapi.json")

bp = Blueprint("openapi", __name__)


@bp.get("/openapi.json")
def openapi():
    return Response(DOCUMENT.read_bytes(), mimetype="application/json")
