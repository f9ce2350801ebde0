"""The task queue: Huey in the server's memory (embedded) or on Redis (shared by machines).

One task, :data:`TASK_NAME` ``(run_id)``. A message says only which run to train; the worker
asks the server for the rest when it claims the run, so a message left over from a cancelled
or deleted run is harmless. Messages are JSON, never pickles (Huey's default): whoever can
write to the broker still cannot make a worker or the server run code.

The embedded queue lives and dies with the server process: runs still queued when the server
stops are marked 'interrupted' at its next start (they can be restarted), so a queue file
would only keep messages that are thrown away. Huey's SQLite storage is one line away here
should queued runs ever outlive a restart; Redis already does.

Huey's own consumer runs the tasks, on threads of the host process (a thread only waits on a
training process). Its signal handling is left out: the host (the server, or the worker
command) owns SIGTERM/SIGINT and stops the consumer itself.
"""
import json
import logging
from urllib.parse import urlsplit

import redis
from huey import MemoryHuey, RedisHuey
from huey.consumer import Consumer, Worker
from huey.registry import Message
from huey.serializer import Serializer

log = logging.getLogger(__name__)

QUEUE_NAME = "nnworkbench_training"
TASK_NAME = "train"
REDIS_SCHEMES = ("redis", "rediss", "unix")
# A broker that does not answer must not hold a request thread for long.
CONNECT_TIMEOUT = 2.0
SOCKET_TIMEOUT = 5.0
# Redis workers block on the queue for this long, then look at their stop flag.
READ_TIMEOUT = 1
# Only the fields of a plain task call; chains, schedules and expiry are not used.
UNUSED_FIELDS = ("eta", "on_complete", "on_error", "expires", "expires_resolved",
                 "chord_config")


class QueueUnavailable(Exception):
    """The broker cannot be reached: nothing was enqueued."""


def check_url(url):
    """``url`` if it names a Redis database (redis://host:port/db); ``ValueError`` otherwise."""
    parts = urlsplit(url or "")
    if parts.scheme not in REDIS_SCHEMES or not (parts.hostname or parts.path):
        raise ValueError(f"--queue must be a Redis URL such as redis://127.0.0.1:6379/0 "
                         f"(got {url!r})")
    return url


def describe(url):
    """The URL without a password, for messages."""
    parts = urlsplit(url)
    if parts.password:
        parts = parts._replace(netloc=parts.netloc.replace(f":{parts.password}@", ":***@"))
    return parts.geturl()


class JsonSerializer(Serializer):
    """Task messages as JSON: ``{"id", "name", "args", ...}``; anything else is refused."""

    def _serialize(self, data):
        if not isinstance(data, Message) or any(getattr(data, f) is not None
                                                for f in UNUSED_FIELDS):
            raise TypeError(f"the training queue carries plain task calls only, not {data!r}")
        return json.dumps(data._asdict(), separators=(",", ":")).encode()

    def _deserialize(self, data):
        fields = json.loads(data)
        if not isinstance(fields, dict) or not set(fields) <= set(Message._fields):
            raise ValueError("not a task message")
        return Message(**fields)


def open_queue(url=None):
    """A Huey instance: on Redis at ``url``, else in this process's memory."""
    common = {"results": False, "serializer": JsonSerializer()}
    if url:
        pool = redis.ConnectionPool.from_url(check_url(url),
                                             socket_connect_timeout=CONNECT_TIMEOUT,
                                             socket_timeout=SOCKET_TIMEOUT)
        return RedisHuey(QUEUE_NAME, connection_pool=pool, read_timeout=READ_TIMEOUT, **common)
    return MemoryHuey(QUEUE_NAME, **common)


def register_task(huey, handler):
    """Register the task :data:`TASK_NAME` calling ``handler(run_id)``; returns the task to
    enqueue.

    The server and the workers each register their own handler under the same name (Huey
    would otherwise name a task after its function's module and name).
    """
    def run_task(run_id):
        handler(run_id)

    return huey.task(name=TASK_NAME)(run_task)


def enqueue(task, run_id):
    """Put ``run_id`` on the queue; ``QueueUnavailable`` when the broker does not answer."""
    try:
        task(run_id)
    except (redis.RedisError, OSError) as exc:
        raise QueueUnavailable(str(exc)) from exc


def close(huey):
    """Let go of the broker's connections (Redis); nothing to do for the embedded queue."""
    pool = getattr(huey.storage, "pool", None)
    if pool is not None:
        pool.disconnect()


class QuietWorker(Worker):
    """Huey's worker loop, saying once (not with a traceback per poll) that the broker is
    down, and dropping messages that are not training tasks."""

    broker_down = False

    def loop(self, now=None):
        try:
            data = self.huey.storage.dequeue()
        except Exception as exc:
            if not self.broker_down:
                log.warning("the training queue is unreachable (%s); retrying", exc)
                self.broker_down = True
            self.sleep()
            return
        if self.broker_down:
            log.info("the training queue is reachable again")
            self.broker_down = False
        if data is None:
            if not self.huey.storage.blocking:
                self.sleep()
            return
        self.delay = self.default_delay
        try:
            task = self.huey.deserialize_task(data)
        except Exception as exc:
            log.error("dropped a queue message that is not a training task (%s)", exc)
            return
        try:
            self.huey.execute(task, now)
        except Exception:
            log.exception("training task %s failed", task.id)


class HostedConsumer(Consumer):
    """Huey's consumer without its signal handlers (the host process has its own)."""

    worker_class = QuietWorker

    def _set_signal_handlers(self):
        pass


def start_consumer(huey, workers, max_delay=0.1):
    """Start ``workers`` threads taking tasks from ``huey``; returns the consumer.

    The embedded queue is polled (a look at a list in memory): ``max_delay`` bounds how long a
    new task waits for an idle worker. Redis workers block on the queue, and get a task at once.
    """
    consumer = HostedConsumer(huey, workers=workers, periodic=False, initial_delay=0.05,
                              backoff=1.5, max_delay=max_delay, worker_type="thread",
                              check_worker_health=False)
    consumer.start()
    return consumer
