"""``python -m webapp --host 127.0.0.1 --port 5000 --data-dir instance``: serve with waitress.

``python -m webapp --queue redis://HOST:PORT/DB [--workers N]`` queues trainings on Redis
(``--workers 0``: none trained here); ``python -m webapp worker ...`` runs a training worker
(see webapp/worker.py). Both read the shared secret from ``WORKER_TOKEN``.
"""
import argparse
import ipaddress
import json
import logging
import os
import signal
import sys

from waitress import create_server

from webapp import create_app, worker
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


def _arguments(argv):
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
    return parser.parse_args(argv)


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
    args = _arguments(argv)
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
    if not _is_loopback(args.host):
        log.warning("listening on %s: the app has no login, anyone who can reach this address "
                    "can use it", args.host)
    # SIGTERM (service managers, `kill`) stops like Ctrl-C: trainings end as 'interrupted'.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(0))
    try:
        return _serve(app, args)
    finally:
        app.extensions["jobs"].shutdown(wait=True)


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
