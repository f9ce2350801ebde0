"""The job manager: the app's seam to the training queue (Huey) and its workers.

The views know ``JobManager``: ``submit(run_id)`` queues a run already stored as 'queued',
``cancel(run_id)``, ``is_active(run_id)``, ``shutdown()``. Behind it, one of two modes:

- **embedded** (the default): the queue is in the server's memory (Huey's MemoryHuey) and
  ``MAX_WORKERS`` consumer threads of the server take its tasks. Each thread only relays: the
  training runs in a child process at a lower CPU priority (``jobs.process``), so
  predictions and pages stay fast. Nothing else needs to run.
- **Redis** (``QUEUE_URL``): tasks go to Redis, where ``MAX_WORKERS`` consumers in the server
  (0: none) and any number of remote workers (``python -m webapp worker``) take them. A
  remote worker holds its run on a lease that every progress write renews; a watchman thread
  marks 'interrupted' the runs whose worker fell silent (``WORKER_LEASE_SECONDS``).

Either way a worker goes through the same steps (``jobs.relay``) and the same server
functions (``services.worker_protocol``): the server's own workers call them directly
(``jobs.servers.LocalServer``), remote ones over HTTP. Cancelling is a status change in the
database; a worker reads it back with its next progress write (the server's own are told at
once too).

At start-up (:meth:`JobManager.recover`) runs that can no longer finish become
'interrupted': with the embedded queue, every queued or running run (the queue and its workers
died with the previous process); with Redis, only the running runs of the server's own
workers, and the queued runs are put on the queue again (a duplicate message is harmless: the
second claim of a run fails).
"""
import logging
import math
import threading
import time

from webapp.errors import ApiError
from webapp.jobs.queue import (
    QueueUnavailable, close, describe, enqueue, open_queue, register_task, start_consumer,
)
from webapp.jobs.relay import Settings, relay_run
from webapp.jobs.servers import LocalServer
from webapp.services import worker_protocol
from webapp.stores import runs as run_store

log = logging.getLogger(__name__)

INTERRUPTED_MESSAGE = "the server stopped during training"
WATCH_INTERVAL = 1.0         # seconds between two looks for remote runs whose lease ran out


class JobManager:
    """Trainings for one app (see the module docstring for the two modes)."""

    def __init__(self, app):
        self.app = app
        config = app.config
        self.queue_url = config.get("QUEUE_URL") or None
        self.workers = int(config["MAX_WORKERS"])
        self.lease_seconds = float(config["WORKER_LEASE_SECONDS"])
        self.settings = Settings(
            write_interval=float(config["HISTORY_WRITE_INTERVAL"]),
            heartbeat=float(config["WORKER_HEARTBEAT_SECONDS"]),
            give_up=math.inf,        # the server is this process: it is never out of reach
            use_processes=bool(config.get("TRAINING_PROCESSES", True)),
            nice=int(config.get("TRAINING_NICE") or 0),
            stopped_message=INTERRUPTED_MESSAGE)
        self.huey = open_queue(self.queue_url)
        self.task = register_task(self.huey, self._relay_here)
        self.started_at = time.time()
        self._stops = {}                 # run id -> Event, for the runs this process trains
        self._stopping = threading.Event()
        self._lock = threading.Lock()
        self._consumer = None
        self._watchman = None

    def __repr__(self):
        mode = "embedded" if self.queue_url is None else describe(self.queue_url)
        return f"JobManager({mode}, workers={self.workers}, active={len(self._stops)})"

    # --- the seam ------------------------------------------------------------------------------

    def recover(self):
        """At start-up, in an app context: settle the runs a previous process left behind."""
        if self.queue_url is None:
            run_store.interrupt_all(INTERRUPTED_MESSAGE)
            return
        run_store.interrupt_embedded(INTERRUPTED_MESSAGE)
        queued = run_store.queued_ids()
        try:
            for run_id in queued:
                enqueue(self.task, run_id)
        except QueueUnavailable as exc:
            log.warning("the training queue %s is unreachable (%s): %d queued runs wait for it",
                        describe(self.queue_url), exc, len(queued))
        self._watchman = threading.Thread(target=self._watch_leases, name="lease-watchman",
                                          daemon=True)
        self._watchman.start()
        self._start_consumer()

    def submit(self, run_id):
        """Queue a stored run; ``ApiError`` 503 when the queue cannot be reached."""
        if self._stopping.is_set():
            raise ApiError("the server is shutting down: start the run again later", 503)
        self._start_consumer()
        try:
            enqueue(self.task, run_id)
        except QueueUnavailable as exc:
            log.warning("run %s not queued: the training queue is unreachable (%s)", run_id, exc)
            raise ApiError(f"the training queue ({describe(self.queue_url or 'embedded')}) "
                           "cannot be reached, so the run was not started: try again once it "
                           "is back (datasets, pages and predictions keep working)", 503) from exc

    def cancel(self, run_id):
        """Tell this process's worker training ``run_id`` to stop; False when none is.

        Remote workers learn it from the database (the caller sets the status).
        """
        with self._lock:
            stop = self._stops.get(run_id)
        if stop is not None:
            stop.set()
        return stop is not None

    def is_active(self, run_id):
        """Whether a worker is training ``run_id``: one of this process's, or a remote one
        whose lease is still valid."""
        with self._lock:
            if run_id in self._stops:
                return True
        if self.queue_url is None:
            return False
        with self.app.app_context():
            return run_store.is_live(run_id, time.time() - self.lease_seconds)

    def shutdown(self, wait=True):
        """Stop this process's trainings (they end as 'interrupted') and its workers.

        Runs on remote workers go on; they report to the server once it is back.
        """
        self._stopping.set()
        with self._lock:
            for stop in self._stops.values():
                stop.set()
            consumer, self._consumer = self._consumer, None
        if consumer is not None:
            consumer.stop(graceful=wait)
        if self._watchman is not None and wait:
            self._watchman.join()
        close(self.huey)

    # --- the workers ---------------------------------------------------------------------------

    def _start_consumer(self):
        with self._lock:
            if self._consumer is None and self.workers > 0 and not self._stopping.is_set():
                self._consumer = start_consumer(self.huey, self.workers)

    def _relay_here(self, run_id):
        """A consumer thread's task: relay ``run_id`` (or nothing, if it is not queued)."""
        if self._stopping.is_set():
            return
        stop = threading.Event()
        with self._lock:
            self._stops[run_id] = stop
        try:
            relay_run(run_id, LocalServer(self.app), self.settings, stop, self._stopping)
        finally:
            with self._lock:
                self._stops.pop(run_id, None)

    def _watch_leases(self):
        while not self._stopping.wait(WATCH_INTERVAL):
            try:
                with self.app.app_context():
                    ids = worker_protocol.interrupt_stale(self.lease_seconds, self.started_at)
            except Exception:
                log.exception("could not check the workers' leases")
                continue
            for run_id in ids:
                log.warning("run %s interrupted: its worker was silent for %g s", run_id,
                            self.lease_seconds)
