"""The JSON API: one small blueprint per concern, all under /api."""
from flask import current_app, request

from webapp.errors import ApiError, BadRequest


def json_body():
    """The request's JSON object (any content type); 400 when it is not valid JSON.

    JSON bodies have their own, smaller size limit than uploads (``MAX_JSON_BYTES``): the
    largest legitimate one, a drawing at the stroke cap, is far below it.
    """
    limit = current_app.config["MAX_JSON_BYTES"]
    if request.content_length is not None and request.content_length > limit:
        raise ApiError(f"the request body is too large: the limit is {limit // 1024} KB", 413)
    data = request.get_json(force=True, silent=True)
    if data is None:
        if request.get_data(cache=True).strip():
            raise BadRequest("request body is not valid JSON")
        raise BadRequest("request body must be a JSON object")
    if not isinstance(data, dict):
        raise BadRequest("request body must be a JSON object")
    return data


def jobs():
    """The app's training worker pool (``webapp.jobs.manager.JobManager``)."""
    return current_app.extensions["jobs"]


def register_blueprints(app):
    from webapp.api import (datasets, health, inside, openapi, options, predictions, runs,
                            session, shares)

    for module in (health, openapi, options, datasets, runs, inside, predictions, session,
                   shares):
        app.register_blueprint(module.bp, url_prefix="/api")
