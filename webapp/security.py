"""Secret key, host names, cross-site request refusal and security headers.

Requests must name this server in their ``Host`` header: its own names by default
(:func:`own_host_names`: loopback, the machine's name, the address it listens on), plus those
given with ``--allow-host`` (``ALLOWED_HOSTS``; an entry ".example.org" allows its
subdomains). Otherwise a page on rebind.evil.example whose name was re-pointed at this
server (DNS rebinding) would be same-origin with it, and pass the check below.

State-changing requests (POST/PUT/PATCH/DELETE) from another site are refused: when the
browser sends ``Origin`` it must name this server; otherwise ``Referer``, when present, must.
Requests with neither (curl, scripts) are allowed: they carry no ambient browser credentials.
"""
import ipaddress
import logging
import os
import secrets
import socket
from pathlib import Path
from urllib.parse import urlsplit

from flask import current_app, request

from webapp.errors import error_response

log = logging.getLogger(__name__)

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


def _is_wildcard(host):
    try:
        return ipaddress.ip_address(host).is_unspecified
    except ValueError:
        return host in ("", "*")


def machine_addresses():
    """This machine's addresses that others are likely to use: those its name resolves to
    and the source address of its default routes (found without sending anything)."""
    addresses = set()
    try:
        addresses |= {info[4][0] for info in socket.getaddrinfo(socket.gethostname(), None)}
    except OSError:
        pass
    # documentation-only destinations (TEST-NET-1, 2001:db8::/32): connect() on a UDP socket
    # only picks the route
    for family, probe in ((socket.AF_INET, "192.0.2.1"), (socket.AF_INET6, "2001:db8::1")):
        try:
            with socket.socket(family, socket.SOCK_DGRAM) as s:
                s.connect((probe, 9))
                addresses.add(s.getsockname()[0])
        except OSError:
            pass
    return {a.split("%", 1)[0] for a in addresses}


def own_host_names(bind_host=None):
    """The host names this server answers to by default, lower case and sorted.

    Loopback names, the machine's name (short and fully qualified), and ``bind_host`` (the
    address the server listens on); for a wildcard address, the machine's addresses.
    """
    names = {"localhost", "127.0.0.1", "::1", socket.gethostname(), socket.getfqdn()}
    if bind_host is not None:
        names |= machine_addresses() if _is_wildcard(bind_host) else {bind_host}
    return sorted({name.lower().strip("[]") for name in names if name})


def host_name(host):
    """The name in a Host header: 'Example.org:5000' -> 'example.org', '[::1]:80' -> '::1'."""
    host = host.strip().lower()
    if host.startswith("["):
        end = host.find("]")
        return host[1:end] if end > 1 else None
    if host.count(":") > 1:          # a bare IPv6 address is not a valid Host header
        return None
    return host.partition(":")[0] or None


def is_allowed_host(name, allowed):
    for entry in allowed:
        entry = entry.lower().strip("[]")
        if name == entry or (entry.startswith(".") and (name == entry[1:]
                                                        or name.endswith(entry))):
            return True
    return False


def refuse_unknown_host():
    name = host_name(request.environ.get("HTTP_HOST") or request.environ.get("SERVER_NAME", ""))
    if name is not None and is_allowed_host(name, current_app.config["ALLOWED_HOSTS"]):
        return None
    log.warning("refused a request for host %r from %s", name, request.remote_addr)
    return error_response(400, f"unknown host name {name!r}: this server answers to its own "
                               "names only (start it with --allow-host NAME to add one)")


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
    if app.config.get("ALLOWED_HOSTS") is None:
        app.config["ALLOWED_HOSTS"] = own_host_names()
    app.before_request(refuse_unknown_host)
    app.before_request(refuse_cross_site)
    app.after_request(add_security_headers)
