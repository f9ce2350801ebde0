"""``python -m webapp --host 127.0.0.1 --port 5000 --data-dir instance``: serve with waitress."""
import argparse
import ipaddress
import logging
import os
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
    parser.add_argument("--data-dir", default="instance",
                        help="folder for the database, uploads and models (default: instance)")
    parser.add_argument("--threads", type=int, default=8)
    args = parser.parse_args(argv)

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    log = logging.getLogger("webapp")
    os.environ["WEBAPP_DATA_DIR"] = os.path.abspath(args.data_dir)

    from waitress import serve

    from webapp import create_app

    app = create_app()
    if not _is_loopback(args.host):
        log.warning("listening on %s: the app has no login, anyone who can reach this address "
                    "can use it", args.host)
    url_host = f"[{args.host}]" if ":" in args.host else args.host
    print(f"Serving on http://{url_host}:{args.port}/ (data in {app.config['DATA_DIR']})",
          flush=True)
    try:
        serve(app, host=args.host, port=args.port, threads=args.threads)
    finally:
        app.extensions["jobs"].shutdown(wait=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
