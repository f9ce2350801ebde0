"""The JSON API: one small blueprint per concern, all under /api."""
from flask import current_app, request

from webapp.errors import BadRequest


def json_body():
    """The request's JSON object (any content type); 400 when it is not valid JSON."""
    data = request.get_json(force=True, silent=True)
    if data is None:
        if request.get_data(cache=True).strip():
            raise BadRequest("request body is not valid JSON")
        raise BadRequest("request body must be a JSON object")
    if not isinstance(data, dict):
        raise BadRequest("request body must be a JSON object")
    return data


def jobs():
    """The app's training worker pool (``webapp.services.jobs.JobManager``)."""
    return current_app.extensions["jobs"]


def register_blueprints(app):
    from webapp.api import datasets, health, options, runs

    for module in (health, options, datasets, runs):
        app.register_blueprint(module.bp, url_prefix="/api")
