"""``python -m webapp --host 127.0.0.1 --port 5000 --data-dir instance``: serve with waitress."""
import argparse
import ipaddress
import logging
import os
import signal
import sys


def _is_loopback(host):
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m webapp", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=5000)
    parser.add_argument("--data-dir", default=None,
                        help="folder for the database, uploads and models "
                             "(default: instance/ in the repository)")
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--max-upload", type=int, default=None, metavar="MB",
                        help="largest upload accepted, in MB (default: 1024)")
    args = parser.parse_args(argv)

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    log = logging.getLogger("webapp")
    if args.data_dir is not None:
        os.environ["WEBAPP_DATA_DIR"] = os.path.abspath(args.data_dir)
    if args.max_upload is not None:
        os.environ["WEBAPP_MAX_CONTENT_LENGTH"] = str(args.max_upload * 1024 * 1024)

    from waitress import create_server

    from webapp import create_app

    app = create_app()
    if not _is_loopback(args.host):
        log.warning("listening on %s: the app has no login, anyone who can reach this address "
                    "can use it", args.host)
    # SIGTERM (service managers, `kill`) stops like Ctrl-C: trainings end as 'interrupted'.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(0))
    try:
        try:
            # waitress holds a body (spooled to disk) until it is whole before the app sees it;
            # its own cap, just above the app's, refuses a far larger one from its declared
            # length instead of storing it.
            server = create_server(app, host=args.host, port=args.port, threads=args.threads,
                                   max_request_body_size=app.config["MAX_CONTENT_LENGTH"]
                                   + 1024 * 1024)
        except OSError as exc:
            print(f"cannot listen on {args.host}:{args.port}: {exc.strerror or exc}",
                  file=sys.stderr)
            return 2
        url_host = f"[{args.host}]" if ":" in args.host else args.host
        print(f"Serving on http://{url_host}:{server.effective_port}/ "
              f"(data in {app.config['DATA_DIR']})", flush=True)
        try:
            server.run()
        except KeyboardInterrupt:
            pass
        finally:
            server.close()
    finally:
        app.extensions["jobs"].shutdown(wait=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
