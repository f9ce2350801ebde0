"""Secret key, cross-site request refusal and security headers.

State-changing requests (POST/PUT/PATCH/DELETE) from another site are refused: when the
browser sends ``Origin`` it must name this server; otherwise ``Referer``, when present, must.
Requests with neither (curl, scripts) are allowed: they carry no ambient browser credentials.
"""
import os
import secrets
from pathlib import Path
from urllib.parse import urlsplit

from flask import request

from webapp.errors import error_response

UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
DEFAULT_PORTS = {"http": 80, "https": 443}

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}


def load_secret_key(data_dir):
    """Read DATA_DIR/secret_key, creating it (mode 0600) on first start."""
    path = Path(data_dir) / "secret_key"
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    key = secrets.token_hex(32)
    with os.fdopen(fd, "w") as f:
        f.write(key)
    return key


def _origin(url):
    """(scheme, host, port) of a URL, or None when it has no usable origin (e.g. "null")."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    if parts.scheme not in DEFAULT_PORTS or not parts.hostname:
        return None
    return parts.scheme, parts.hostname.lower(), port or DEFAULT_PORTS[parts.scheme]


def is_same_origin(url):
    return _origin(url) is not None and _origin(url) == _origin(request.host_url)


def refuse_cross_site():
    if request.method not in UNSAFE_METHODS:
        return None
    origin = request.headers.get("Origin")
    if origin is not None:
        return None if is_same_origin(origin) else error_response(403, "cross-site request refused")
    referer = request.headers.get("Referer")
    if referer is not None and not is_same_origin(referer):
        return error_response(403, "cross-site request refused")
    return None


def add_security_headers(response):
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    return response


def init_app(app):
    app.secret_key = load_secret_key(app.config["DATA_DIR"])
    app.before_request(refuse_cross_site)
    app.after_request(add_security_headers)
