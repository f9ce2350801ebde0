"""``python -m webapp [--data-dir DIR] users add NAME [--admin] | list | remove NAME |
password NAME``: manage the accounts of a data folder from the command line.

A password is read from standard input when it is not a terminal (one line, e.g.
``printf '%s\\n' "$PW" | python -m webapp users add ada --admin``), else asked twice without
echo. It runs beside a live server safely: it opens the database only (no training engine).
"""
import argparse
import getpass
import os
import sys

from flask import Flask

from webapp import db
from webapp.config import Config
from webapp.errors import ApiError
from webapp.services import accounts, ownership


def _parser():
    parser = argparse.ArgumentParser(prog="python -m webapp users",
                                     description="Manage the accounts that may sign in.")
    commands = parser.add_subparsers(dest="command", required=True)
    add = commands.add_parser("add", help="create an account (password from stdin or prompt)")
    add.add_argument("name")
    add.add_argument("--admin", action="store_true", help="may see everyone's work")
    commands.add_parser("list", help="the accounts, one a line")
    remove = commands.add_parser("remove", help="remove an account; its work goes to an admin")
    remove.add_argument("name")
    password = commands.add_parser("password", help="set a new password (ends its sessions)")
    password.add_argument("name")
    return parser


def read_password(stdin=None):
    """The new password: a line of ``stdin`` when it is not a terminal, else typed twice."""
    stdin = stdin or sys.stdin
    if not stdin.isatty():
        return stdin.readline().rstrip("\r\n")
    first = getpass.getpass("Password: ")
    if getpass.getpass("Again: ") != first:
        raise ApiError("the two passwords differ")
    return first


def _app(data_dir):
    app = Flask(__name__)
    app.config.from_object(Config)
    app.config.from_prefixed_env("WEBAPP")     # as the server reads them (WEBAPP_DATA_DIR, ...)
    if data_dir is not None:
        app.config["DATA_DIR"] = data_dir
    os.makedirs(app.config["DATA_DIR"], exist_ok=True)
    db.init_app(app)
    return app


def _run(args, out, stdin):
    if args.command == "list":
        for user in accounts.listing():
            role = "admin" if user["is_admin"] else "user"
            print(f"{user['name']}\t{role}\tsince {user['created_at']}\t"
                  f"{user['tokens']} API token(s)", file=out)
    elif args.command == "add":
        viewer = accounts.add_user(args.name, read_password(stdin), args.admin,
                                   adopt=ownership.adopt_unowned)
        print(f"added {viewer.name!r}" + (" (admin)" if viewer.is_admin else ""), file=out)
    elif args.command == "remove":
        heir = accounts.remove_user(args.name, ownership.hand_over)
        print(f"removed {args.name!r}; its datasets and runs now belong to {heir!r}", file=out)
    elif args.command == "password":
        accounts.set_password(args.name, read_password(stdin))
        print(f"changed the password of {args.name!r}; its sessions have ended", file=out)


def main(argv, data_dir=None, out=None, stdin=None):
    """Run one accounts command on ``data_dir`` (default: the server's, WEBAPP_DATA_DIR or
    Config.DATA_DIR); returns the exit status."""
    args = _parser().parse_args(argv)
    out = out or sys.stdout
    try:
        app = _app(data_dir)
    except db.SchemaTooNew as exc:
        print(exc, file=sys.stderr)
        return 2
    with app.app_context():
        try:
            _run(args, out, stdin)
        except ApiError as exc:
            print(exc.message, file=sys.stderr)
            return 1
    return 0
