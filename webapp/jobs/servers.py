"""The server as a relay sees it: one interface, two implementations.

:class:`Server` names the calls a relay makes for one run; the same names are the functions
of ``webapp.services.worker_protocol`` (the server's side) and of the worker HTTP API's client
(``webapp.jobs.remote.RemoteServer``). :class:`LocalServer` is the server's own workers'
implementation: direct calls into the protocol functions, each in an app context of its own
(a relay calls from more than one thread).
"""
from typing import Protocol

from webapp.errors import Conflict, NotFound
from webapp.services import worker_protocol
from webapp.stores import runs as run_store


class RunGone(Exception):
    """The server no longer lets this worker train the run (deleted, or given up on)."""


class Refused(Exception):
    """The server refuses this worker altogether (its token): no call can succeed."""


class Server(Protocol):
    """What a relay asks of the server for one run (see ``webapp.jobs.relay``)."""

    def claim(self, run_id):
        """Take ``run_id`` if it is still queued -> its spec ``{"run_id", "config",
        "dataset": {"id", "name", "image", "version"}}``, or None (not this worker's)."""

    def dataset_file(self, spec):
        """A local path to the arrays of the spec's dataset."""

    def model_path(self, run_id):
        """Where the training process writes the run's model."""

    def snapshot_folder(self, run_id):
        """Where the training process keeps the model after each epoch (``nncore.snapshots``),
        or None for no snapshots."""

    def report_progress(self, run_id, start, columns, progress):
        """History columns from index ``start`` on and the progress (also the heartbeat) ->
        ``{"stop", "have"}``, or None when the server did not answer (tried again later).
        Raises :class:`RunGone` when the run is no longer this worker's."""

    def complete(self, run_id, model_path, history, summary):
        """End the run as 'completed' with the model at ``model_path`` and its result."""

    def end(self, run_id, status, error, history):
        """End the run that did not complete: 'failed', 'cancelled' or 'interrupted'."""


class LocalServer:
    """:class:`Server` for the server's own workers: calls into its worker protocol."""

    worker = run_store.EMBEDDED_WORKER

    def __init__(self, app):
        self.app = app

    def claim(self, run_id):
        with self.app.app_context():
            try:
                return worker_protocol.claim(run_id, self.worker)
            except (Conflict, NotFound):
                return None

    def dataset_file(self, spec):
        with self.app.app_context():
            return worker_protocol.dataset_file(spec["dataset"]["id"])[0]

    def model_path(self, run_id):
        with self.app.app_context():
            return worker_protocol.model_path(run_id)

    def snapshot_folder(self, run_id):
        with self.app.app_context():
            return worker_protocol.snapshot_folder(run_id)

    def report_progress(self, run_id, start, columns, progress):
        with self.app.app_context():
            try:
                return worker_protocol.report_progress(run_id, self.worker, start, columns,
                                                       progress)
            except (Conflict, NotFound) as exc:
                raise RunGone() from exc

    def complete(self, run_id, model_path, history, summary):
        with self.app.app_context():
            worker_protocol.complete(run_id, self.worker, history, summary)

    def end(self, run_id, status, error, history):
        with self.app.app_context():
            worker_protocol.end(run_id, self.worker, status, error, history)
