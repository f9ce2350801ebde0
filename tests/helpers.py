"""Waiting helpers for tests: poll a condition until it holds, or fail loudly at a deadline;
and ``serving(app)``, the app behind a real HTTP server in a thread.

Tests never sleep for a fixed time; they poll with a timeout. ``poll`` is the one loop; the
other helpers name what is being waited for so that a failure says which run and what state.
"""
import threading
import time
from contextlib import contextmanager

from werkzeug.serving import make_server

TERMINAL = frozenset({"completed", "failed", "cancelled", "interrupted"})


def poll(fetch, until, timeout, interval=0.02, what="the condition"):
    """Call ``fetch()`` until ``until(value)`` is true and return that value.

    Raises ``AssertionError`` naming ``what`` and the last value once ``timeout`` seconds pass.
    """
    deadline = time.monotonic() + timeout
    while True:
        value = fetch()
        if until(value):
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} did not happen within {timeout:g} s; last: {value!r}")
        time.sleep(interval)


def wait_for_run(get_run, run_id, timeout=60.0, statuses=TERMINAL, interval=0.02):
    """Poll ``get_run(run_id)`` (a function returning the run's JSON) until its status is one
    of ``statuses`` (by default: the run has ended) and return the run."""
    statuses = {statuses} if isinstance(statuses, str) else set(statuses)
    return poll(lambda: get_run(run_id), lambda run: run["status"] in statuses, timeout,
                interval, what=f"run {run_id} reaching {'/'.join(sorted(statuses))}")


def wait_for_epoch(get_run, run_id, epoch=1, timeout=60.0):
    """Poll until the run reports at least ``epoch`` finished epochs; return the run."""
    return poll(lambda: get_run(run_id),
                lambda run: (run.get("progress") or {}).get("epoch", 0) >= epoch, timeout,
                what=f"run {run_id} reaching epoch {epoch}")


def client_run_getter(client):
    """``get_run`` for Flask's test client."""
    return lambda run_id: client.get(f"/api/runs/{run_id}").get_json()


@contextmanager
def serving(app):
    """Serve ``app`` (werkzeug, threaded) on a free loopback port; yields its base URL, e.g.
    ``http://127.0.0.1:54321``. On exit the server stops and the app's trainings end."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()
        app.extensions["jobs"].shutdown(wait=True)
