"""One error shape for the API: ``{"error": "human message"}``.

Services raise :class:`ApiError` subclasses (plain Python, no Flask); the handlers here turn
them, and every werkzeug ``HTTPException``, into JSON. Pages outside ``/api/`` show the
product's 404 page for an address that names nothing (a page's own "no such run" and an id no
route takes look the same) and werkzeug's plain pages for other errors, never a stack trace.
"""
from flask import jsonify, render_template, request
from werkzeug.exceptions import HTTPException, InternalServerError


class ApiError(Exception):
    status = 400

    def __init__(self, message, status=None):
        super().__init__(message)
        self.message = message
        if status is not None:
            self.status = status


class BadRequest(ApiError):
    status = 400


class NotFound(ApiError):
    status = 404


class Conflict(ApiError):
    status = 409


class InsufficientStorage(ApiError):
    status = 507


def error_response(status, message):
    response = jsonify({"error": message})
    response.status_code = status
    return response


def _wants_json():
    return request.path.startswith("/api/")


def _message_for(exc):
    if exc.code == 404:
        return "not found: " + request.path
    if exc.code == 405:
        return f"method {request.method} is not allowed on {request.path}"
    if exc.code == 413:
        from flask import current_app

        return "the upload is too large: the limit is " + _size(
            current_app.config.get("MAX_CONTENT_LENGTH") or 0)
    if exc.code == 400 and "JSON" in (exc.description or ""):
        return "request body is not valid JSON"
    return exc.description or exc.name


def _size(n_bytes):
    if n_bytes >= 1024 * 1024:
        return f"{n_bytes / (1024 * 1024):g} MB"
    return f"{n_bytes / 1024:g} KB"


def register_error_handlers(app):
    @app.errorhandler(ApiError)
    def handle_api_error(exc):
        response = error_response(exc.status, exc.message)
        if getattr(exc, "retry_after", None) is not None:
            response.headers["Retry-After"] = str(exc.retry_after)
        return response

    @app.errorhandler(HTTPException)
    def handle_http_exception(exc):
        if exc.code == 413 or _wants_json():
            return error_response(exc.code, _message_for(exc))
        if exc.code == 404 and "pages" in app.blueprints:
            return render_template("404.html"), 404
        return exc

    @app.errorhandler(Exception)
    def handle_unexpected(exc):
        app.logger.exception("unhandled error on %s %s", request.method, request.path)
        if _wants_json():
            return error_response(500, "internal server error")
        return InternalServerError()
