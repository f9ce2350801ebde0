"""``python -m webapp worker --queue redis://HOST:PORT/DB --server http://HOST:PORT``: a
training worker, on this machine or any other that reaches the broker and the server.

It takes runs from the Redis queue (Huey's consumer, ``--concurrency`` at a time) and does
the steps of ``webapp.jobs.relay`` over the server's worker API (``webapp.jobs.remote``): it
shares no disk with the server. Its only state is a scratch folder (``--scratch-dir``,
default: a new temporary one) holding the datasets it downloaded, a few at most, and each
model until it is uploaded.

The server must be reachable when the worker starts and accept its token (``WORKER_TOKEN``,
the same secret on both sides), or the worker exits with status 2. Later outages of the
server are waited out: calls are retried and training goes on; a run whose server stayed out
of reach for ``--give-up`` seconds is dropped (the server marks it 'interrupted'). SIGTERM or
Ctrl-C stops the worker: its runs end as 'interrupted' and can be restarted.
"""
import argparse
import logging
import os
import shutil
import signal
import socket
import sys
import tempfile
import threading
from pathlib import Path

from webapp.jobs.process import warm_up
from webapp.jobs.queue import (
    QueueUnavailable, check_url, describe, enqueue, open_queue, register_task, start_consumer,
)
from webapp.jobs.relay import Settings, relay_run
from webapp.jobs.remote import RemoteServer, Unreachable
from webapp.jobs.servers import Refused

log = logging.getLogger("webapp.worker")

STOPPED_MESSAGE = "the worker stopped during training"


def host_and_pid():
    """This worker's name for the server: ``host:pid``."""
    return f"{socket.gethostname()}:{os.getpid()}"


def configure_logging():
    """Log lines with their time and source, for the server and the worker commands; Huey's
    own from warnings on (its consumer logs every task otherwise)."""
    logging.basicConfig(level=logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("huey").setLevel(logging.WARNING)


class RunTaker:
    """The consumer's handler: relay each run taken from the queue to ``server``, or put it
    back on the queue when the worker is stopping."""

    def __init__(self, huey, server, settings, stopping):
        self.server, self.settings, self.stopping = server, settings, stopping
        self.task = register_task(huey, self.take)

    def take(self, run_id):
        if self.stopping.is_set():     # taken off the queue as the worker stops: put it back
            try:
                enqueue(self.task, run_id)
            except QueueUnavailable:
                log.error("run %s could not be put back on the queue (it stays queued on the "
                          "server, which queues it again when it starts)", run_id)
            return
        try:
            relay_run(run_id, self.server, self.settings, threading.Event(), self.stopping)
        except Refused as exc:
            log.error("the server refused this worker (%s): stopping", exc)
            self.stopping.set()


def _arguments(argv):
    parser = argparse.ArgumentParser(prog="python -m webapp worker",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--queue", required=True, help="the Redis queue, redis://HOST:PORT/DB")
    parser.add_argument("--server", required=True, help="the server, http://HOST:PORT")
    parser.add_argument("--concurrency", type=int, default=1,
                        help="trainings at the same time (default: 1)")
    parser.add_argument("--scratch-dir", default=None,
                        help="folder for downloaded datasets and models before upload "
                             "(default: a new temporary folder, removed at exit)")
    parser.add_argument("--give-up", type=float, default=600.0, metavar="SECONDS",
                        help="drop a run whose server stayed out of reach this long")
    return parser.parse_args(argv)


def _problem(args, token):
    """A message when the options or the token cannot work, else None."""
    if not token:
        return "WORKER_TOKEN is not set: export the secret the server was started with"
    try:
        check_url(args.queue)
    except ValueError as exc:
        return str(exc)
    if args.concurrency < 1:
        return "--concurrency must be at least 1"
    return None


def _relay_settings(server, args):
    """The server's timing settings (its hello: the token works) -> relay Settings."""
    settings = server.hello()
    return Settings(write_interval=float(settings["write_interval"]),
                    heartbeat=float(settings["heartbeat_seconds"]),
                    give_up=args.give_up, stopped_message=STOPPED_MESSAGE)


def _take_runs(args, huey, stopping):
    """Take runs until SIGTERM or Ctrl-C sets ``stopping``."""
    signal.signal(signal.SIGTERM, lambda signum, frame: stopping.set())
    consumer = start_consumer(huey, args.concurrency)
    try:
        while not stopping.wait(0.5):
            pass
    except KeyboardInterrupt:
        stopping.set()
    finally:
        consumer.stop(graceful=True)


def main(argv=None):
    args = _arguments(argv)
    token = os.environ.get("WORKER_TOKEN")
    problem = _problem(args, token)
    if problem:
        print(problem, file=sys.stderr)
        return 2
    configure_logging()
    scratch = Path(args.scratch_dir or tempfile.mkdtemp(prefix="webapp-worker-")).resolve()
    name, stopping = host_and_pid(), threading.Event()
    server = RemoteServer(args.server, token, name, scratch, args.give_up, stopping)
    try:
        try:
            settings = _relay_settings(server, args)
        except Refused as exc:
            print(f"the server {args.server} refused this worker: {exc}", file=sys.stderr)
            return 2
        except Unreachable as exc:
            print(f"the server {args.server} does not answer: {exc}", file=sys.stderr)
            return 2
        warm_up()
        huey = open_queue(args.queue)
        RunTaker(huey, server, settings, stopping)     # registers itself as the task
        print(f"Worker {name} training runs from {describe(args.queue)} for {args.server} "
              f"(concurrency {args.concurrency}, scratch {scratch})", flush=True)
        _take_runs(args, huey, stopping)
    finally:
        if args.scratch_dir is None:
            shutil.rmtree(scratch, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
