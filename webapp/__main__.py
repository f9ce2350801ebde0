"""``python -m webapp --host 127.0.0.1 --port 5000 --data-dir instance``: serve with waitress.

``python -m webapp --queue redis://HOST:PORT/DB [--workers N]`` queues trainings on Redis
(``--workers 0``: none trained here); ``python -m webapp worker ...`` runs a training worker
(see webapp/worker.py). Both read the shared secret from ``WORKER_TOKEN``.

On loopback nobody signs in; on any other address sign-in is required (``--no-auth`` turns it
off, with a warning) and ``python -m webapp users ...`` manages the accounts
(webapp/accounts_cli.py).
"""
import argparse
import ipaddress
import json
import logging
import os
import signal
import sys

from waitress import create_server

from webapp import accounts_cli, create_app, worker
from webapp.access import start_setup
from webapp.db import SchemaTooNew
from webapp.jobs.queue import check_url
from webapp.security import own_host_names

log = logging.getLogger("webapp")


def _is_loopback(host):
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _parser():
    parser = argparse.ArgumentParser(prog="python -m webapp", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=5000)
    parser.add_argument("--data-dir", default=None,
                        help="folder for the database, uploads and models "
                             "(default: instance/ in the repository)")
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--max-upload", type=int, default=None, metavar="MB",
                        help="largest upload accepted, in MB (default: 1024)")
    parser.add_argument("--queue", default=None, metavar="redis://HOST:PORT/DB",
                        help="queue trainings on this Redis database, for remote workers too "
                             "(default: the embedded queue; needs WORKER_TOKEN)")
    parser.add_argument("--workers", type=int, default=None, metavar="N",
                        help="trainings this server runs at once (default: 2; with --queue, "
                             "0 leaves them all to remote workers)")
    parser.add_argument("--allow-host", action="append", default=[], metavar="NAME",
                        help="another host name the server answers to, e.g. the name "
                             "workers or a proxy use (repeatable; .example.org allows its "
                             "subdomains)")
    parser.add_argument("--no-auth", action="store_true",
                        help="no sign-in even on a network address (only behind a proxy "
                             "that does its own)")
    parser.add_argument("--behind-tls-proxy", action="store_true",
                        help="a TLS proxy serves this server as https: session cookies "
                             "are always Secure")
    return parser


def _configure(args):
    """The options as the ``WEBAPP_*`` environment variables ``create_app`` reads."""
    if args.data_dir is not None:
        os.environ["WEBAPP_DATA_DIR"] = os.path.abspath(args.data_dir)
    if args.max_upload is not None:
        os.environ["WEBAPP_MAX_CONTENT_LENGTH"] = str(args.max_upload * 1024 * 1024)
    if args.queue is not None:
        os.environ["WEBAPP_QUEUE_URL"] = json.dumps(args.queue)
    if args.workers is not None:
        os.environ["WEBAPP_MAX_WORKERS"] = str(args.workers)
    os.environ["WEBAPP_ALLOWED_HOSTS"] = json.dumps(own_host_names(args.host) + args.allow_host)
    os.environ["WEBAPP_AUTH_REQUIRED"] = json.dumps(not _is_loopback(args.host)
                                                    and not args.no_auth)
    os.environ["WEBAPP_BEHIND_TLS_PROXY"] = json.dumps(args.behind_tls_proxy)


def _warn_about_access(app, args):
    """Off loopback: a warning with --no-auth, else a setup link while there is no account."""
    if _is_loopback(args.host):
        return
    if args.no_auth:
        log.warning("listening on %s with --no-auth: there is no sign-in, anyone who can reach "
                    "this address can use it (fine only behind a proxy that signs people in)",
                    args.host)
    elif app.config["SETUP_TOKEN"] is None:
        start_setup(app)


def _is_ip(host):
    try:
        ipaddress.ip_address(host)
        return True
    except ValueError:
        return False


def _setup_url(app, args, port):
    host = args.host
    if _is_ip(host) and ipaddress.ip_address(host).is_unspecified:
        host = "127.0.0.1"      # a wildcard address listens on loopback too
    host = f"[{host}]" if ":" in host else host
    return f"http://{host}:{port}/setup?token={app.config['SETUP_TOKEN']}"


def _listen(app, args):
    """A waitress server for ``app`` on the options' address (OSError when it is taken)."""
    # waitress holds a body (spooled to disk) until it is whole before the app sees it;
    # its own cap, just above the app's, refuses a far larger one from its declared
    # length instead of storing it.
    largest = max(app.config["MAX_CONTENT_LENGTH"], app.config["MAX_MODEL_BYTES"]
                  if args.queue else 0)
    # recv_bytes: a 105 MB upload arrives in 256 KB reads instead of 13,000 of
    # waitress's default 8 KB (0.25 s -> 0.08 s on loopback).
    return create_server(app, host=args.host, port=args.port, threads=args.threads,
                         max_request_body_size=largest + 1024 * 1024, recv_bytes=256 * 1024)


def _serve(app, args):
    """Serve until Ctrl-C or SIGTERM; returns the exit status."""
    try:
        server = _listen(app, args)
    except OSError as exc:
        print(f"cannot listen on {args.host}:{args.port}: {exc.strerror or exc}",
              file=sys.stderr)
        return 2
    url_host = f"[{args.host}]" if ":" in args.host else args.host
    print(f"Serving on http://{url_host}:{server.effective_port}/ "
          f"(data in {app.config['DATA_DIR']}; {app.extensions['jobs']!r})", flush=True)
    if app.config["SETUP_TOKEN"]:
        print("No account exists yet. Open this link once to create the admin account "
              "(or run: python -m webapp users add NAME --admin):\n    "
              f"{_setup_url(app, args, server.effective_port)}", flush=True)
    try:
        server.run()
    except KeyboardInterrupt:
        pass
    finally:
        server.close()
    return 0


def main(argv=None):
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv[:1] == ["worker"]:
        return worker.main(argv[1:])
    parser = _parser()
    args, rest = parser.parse_known_args(argv)
    if rest[:1] == ["users"]:
        data_dir = None if args.data_dir is None else os.path.abspath(args.data_dir)
        return accounts_cli.main(rest[1:], data_dir=data_dir)
    if rest:
        parser.error("unrecognized arguments: " + " ".join(rest))
    problem = _check_training_options(args)
    if problem:
        print(problem, file=sys.stderr)
        return 2
    worker.configure_logging()
    _configure(args)
    try:
        app = create_app()
    except SchemaTooNew as exc:
        print(exc, file=sys.stderr)
        return 2
    _warn_about_access(app, args)
    # SIGTERM (service managers, `kill`) stops like Ctrl-C: trainings end as 'interrupted'.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(0))
    try:
        return _serve(app, args)
    finally:
        app.extensions["jobs"].shutdown(wait=True)
        app.extensions["scorer"].shutdown()


def _check_training_options(args):
    """A message when --queue / --workers / WORKER_TOKEN do not go together, else None."""
    if args.workers is not None and args.workers < 0:
        return "--workers must be 0 or more"
    if args.queue is None:
        if args.workers == 0:
            return "--workers 0 needs --queue: without remote workers nothing would train"
        return None
    try:
        check_url(args.queue)
    except ValueError as exc:
        return str(exc)
    if not os.environ.get("WORKER_TOKEN"):
        return ("WORKER_TOKEN is not set: with --queue, export a secret that the server and "
                "its workers share, e.g. WORKER_TOKEN=$(python -c 'import secrets; "
                "print(secrets.token_hex(16))')")
    return None


if __name__ == "__main__":
    sys.exit(main())
