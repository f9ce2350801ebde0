"""The real programs as subprocesses, for fault and scale-out tests: the server
(``python -m webapp``), training workers (``python -m webapp worker``) and a Redis server.

Each waits until it answers (polling, with a deadline) and writes its output to a log file
the tests read. Workers run in a folder of their own with no path to the server's data.
"""
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.helpers import poll

ROOT = Path(__file__).resolve().parent.parent


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def call(base, method, path, body=None, raw=None, headers=None):
    """One JSON request -> (status, parsed body)."""
    data = raw if raw is not None else (None if body is None else json.dumps(body).encode())
    request = urllib.request.Request(base + path, data=data, method=method,
                                     headers={"Content-Type": "application/json",
                                              **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            text = response.read()
            return response.status, json.loads(text) if response.headers.get_content_type() \
                == "application/json" else text
    except urllib.error.HTTPError as error:
        with error:
            return error.code, json.loads(error.read())


def multipart(filename, content):
    boundary = "----corpus-boundary"
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; "
            f"filename=\"{filename}\"\r\nContent-Type: text/csv\r\n\r\n").encode() \
        + content + f"\r\n--{boundary}--\r\n".encode()
    return body, {"Content-Type": f"multipart/form-data; boundary={boundary}"}


class Process:
    """A subprocess whose output goes to ``log_path``."""

    def __init__(self, command, log_path, cwd=ROOT, env=None):
        self.output = Path(log_path)
        self.log = open(self.output, "ab")
        self.process = subprocess.Popen(command, cwd=cwd, env=env, stdout=self.log,
                                        stderr=subprocess.STDOUT)

    def text(self):
        return self.output.read_text()

    def alive(self):
        return self.process.poll() is None

    def kill(self):
        """SIGKILL: no clean-up at all."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=30)
        self.log.close()

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()


class ServerProcess(Process):
    def __init__(self, data_dir, host="127.0.0.1", extra_env=None, extra_args=(), port=None):
        self.port = port or free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        env = {**os.environ, "PYTHONUNBUFFERED": "1", **(extra_env or {})}
        super().__init__([sys.executable, "-m", "webapp", "--host", host, "--port",
                          str(self.port), "--data-dir", str(data_dir), *extra_args],
                         Path(data_dir).parent / f"server-{self.port}.log", env=env)

    def wait_ready(self, timeout=60):
        def healthy():
            assert self.alive(), self.text()
            try:
                return call(self.base, "GET", "/api/health") == (200, {"status": "ok"})
            except OSError:
                return False

        poll(healthy, bool, timeout, interval=0.05, what="the server answering /api/health")
        return self


class WorkerProcess(Process):
    """``python -m webapp worker`` started in ``folder`` (empty), its scratch folder inside."""

    def __init__(self, folder, queue_url, server_base, token, concurrency=1, extra_args=()):
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        self.folder = folder
        env = {key: value for key, value in os.environ.items() if not key.startswith("WEBAPP_")}
        env.update({"PYTHONUNBUFFERED": "1", "PYTHONPATH": str(ROOT), "TMPDIR": str(folder),
                    "WORKER_TOKEN": token})
        super().__init__([sys.executable, "-m", "webapp", "worker", "--queue", queue_url,
                          "--server", server_base, "--concurrency", str(concurrency),
                          "--scratch-dir", str(folder / "scratch"), *extra_args],
                         folder / "worker.log", cwd=folder, env=env)

    def wait_ready(self, timeout=60):
        poll(lambda: self.alive() and "training runs from" in self.text(), bool, timeout,
             what=f"the worker in {self.folder} starting")
        return self

    @property
    def name(self):
        """The name the worker gives the server: host:pid."""
        return f"{socket.gethostname()}:{self.process.pid}"


class RedisServer(Process):
    """A throw-away redis-server on a free loopback port, without persistence."""

    def __init__(self, folder, port=None):
        binary = shutil.which("redis-server")
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        self.port = port or free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        super().__init__([binary, "--port", str(self.port), "--bind", "127.0.0.1",
                          "--save", "", "--appendonly", "no", "--dir", str(folder)],
                         folder / f"redis-{self.port}.log", cwd=folder)

    def wait_ready(self, timeout=20):
        import redis

        client = redis.Redis.from_url(self.url, socket_connect_timeout=1)

        def answers():
            assert self.alive(), self.text()
            try:
                return client.ping()
            except redis.RedisError:
                return False

        poll(answers, bool, timeout, interval=0.05, what="redis-server answering PING")
        client.close()
        return self


def require_redis_server():
    """Skip (or, with REQUIRE_REDIS set, as in CI, fail) when redis-server is missing."""
    if shutil.which("redis-server") is not None:
        return
    message = ("redis-server is not installed, so the Redis queue tests cannot run here: "
               "apt-get install redis-server (.ci/run does)")
    if os.environ.get("REQUIRE_REDIS"):
        pytest.fail(message)
    pytest.skip(message)
