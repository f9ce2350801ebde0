"""The web app: Flask over nncore. ``create_app`` builds it (flaskr style).

State lives under ``DATA_DIR``: ``app.db`` (SQLite, WAL), ``datasets/<id>.npz``,
``models/<run_id>.npz``, ``predictions/run-<run_id>/<id>.csv`` and ``secret_key``.
"""
import importlib.util
import os
from pathlib import Path

from flask import Flask

from webapp.config import ROOT, Config, TestingConfig


def create_app(test_config=None):
    """Build the app. ``test_config``: a mapping applied over :class:`TestingConfig`.

    Without it the app uses :class:`Config`, ``WEBAPP_*`` environment variables
    (``WEBAPP_DATA_DIR`` is set by ``python -m webapp --data-dir``) and ``WORKER_TOKEN``.
    """
    app = Flask(__name__, template_folder=str(ROOT / "templates"),
                static_folder=str(ROOT / "static"))
    if test_config is None:
        app.config.from_object(Config)
        app.config.from_prefixed_env("WEBAPP")
        app.config["WORKER_TOKEN"] = os.environ.get("WORKER_TOKEN") or app.config["WORKER_TOKEN"]
    else:
        app.config.from_object(TestingConfig)
        app.config.from_mapping(test_config)
    app.json.sort_keys = False  # keep the order the API builds (e.g. history columns)
    app.config["DATA_DIR"] = str(Path(app.config["DATA_DIR"]).resolve())
    for folder in ("", "datasets", "models", "tmp"):
        os.makedirs(Path(app.config["DATA_DIR"]) / folder, exist_ok=True)

    from webapp import access, account_pages, db, errors, security
    from webapp.ids import IdConverter
    from webapp.api import register_blueprints, worker
    from webapp.jobs.manager import JobManager
    from webapp.jobs.scorer import Scorer

    # every <int:...> in a route is an id SQLite can hold (webapp/ids.py): before any route
    app.url_map.converters["int"] = IdConverter
    db.init_app(app)
    security.init_app(app)
    access.init_app(app)
    errors.register_error_handlers(app)
    register_blueprints(app)
    app.register_blueprint(worker.bp, url_prefix="/api/worker")
    # The page blueprint is written separately; the API works on its own until it exists.
    if importlib.util.find_spec("webapp.pages") is not None:
        from webapp import pages

        app.register_blueprint(pages.bp)
    app.register_blueprint(account_pages.bp)

    app.extensions["jobs"] = JobManager(app)
    app.extensions["scorer"] = Scorer(app)
    with app.app_context():
        _start_up(app)
    return app


def _start_up(app):
    from webapp.services import datasets

    app.extensions["jobs"].recover()
    app.extensions["scorer"].recover()
    if app.config["REGISTER_SAMPLE"]:
        datasets.register_builtin_sample()
