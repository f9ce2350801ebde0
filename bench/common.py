"""What the benchmarks share: the real server as a subprocess on a free loopback port, a small
keep-alive JSON client for its API, waiting for runs to end (always with a deadline), and for
the queue mode a throw-away redis-server and remote training workers."""
import http.client
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
REQUEST_TIMEOUT = 30.0
TERMINAL = ("completed", "failed", "cancelled", "interrupted")


def free_port():
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def stop_process(process, log):
    """SIGTERM, then SIGKILL after 30 s; close the process's log."""
    process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
    log.close()


class Server:
    """``python -m webapp`` as a subprocess on a temporary data dir."""

    def __init__(self, data_dir, port, workers=4, extra_args=(), extra_env=None):
        self.port = port
        env = {**os.environ, "WEBAPP_MAX_WORKERS": str(workers), "PYTHONUNBUFFERED": "1",
               **(extra_env or {})}
        self.log = open(Path(data_dir) / "server.log", "wb")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "webapp", "--host", HOST, "--port", str(port),
             "--data-dir", str(data_dir), "--threads", "16", *extra_args],
            cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT)

    def wait_ready(self, timeout=60.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the server exited with status {self.process.returncode}")
            try:
                if request(self.port, "GET", "/api/health", timeout=1.0)[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.05)
        raise RuntimeError("the server did not become ready")

    def stop(self):
        stop_process(self.process, self.log)


class RedisServer:
    """``redis-server`` on a free loopback port, without persistence, in ``folder``."""

    def __init__(self, folder):
        binary = shutil.which("redis-server")
        if binary is None:
            raise RuntimeError("redis-server is not installed (apt-get install redis-server)")
        self.port = free_port()
        self.url = f"redis://{HOST}:{self.port}/0"
        self.log = open(Path(folder) / "redis.log", "wb")
        self.process = subprocess.Popen(
            [binary, "--port", str(self.port), "--bind", HOST, "--save", "", "--appendonly",
             "no", "--dir", str(folder)], stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                with socket.create_connection((HOST, self.port), timeout=1) as conn:
                    conn.sendall(b"PING\r\n")
                    if conn.recv(16).startswith(b"+PONG"):
                        return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self):
        stop_process(self.process, self.log)


class Worker:
    """``python -m webapp worker`` in a new empty temporary folder (no path to the data dir)."""

    TRAFFIC = re.compile(r"run (\d+) (\w+); traffic with the server: (\d+) bytes sent, "
                         r"(\d+) received")

    def __init__(self, queue_url, port, token, concurrency=1):
        self.folder = Path(tempfile.mkdtemp(prefix="bench-worker-"))
        env = {k: v for k, v in os.environ.items() if not k.startswith("WEBAPP_")}
        env.update({"PYTHONUNBUFFERED": "1", "PYTHONPATH": str(ROOT), "WORKER_TOKEN": token,
                    "TMPDIR": str(self.folder)})
        self.log_path = self.folder / "worker.log"
        self.log = open(self.log_path, "wb")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "webapp", "worker", "--queue", queue_url, "--server",
             f"http://{HOST}:{port}", "--concurrency", str(concurrency), "--scratch-dir",
             str(self.folder / "scratch")],
            cwd=self.folder, env=env, stdout=self.log, stderr=subprocess.STDOUT)

    def wait_ready(self, timeout=60.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"a worker exited: {self.log_path.read_text()[-500:]}")
            if "training runs from" in self.log_path.read_text():
                return
            time.sleep(0.05)
        raise RuntimeError("a worker did not start")

    def traffic(self):
        """``[(run id, status, bytes sent, bytes received), ...]`` from the worker's log."""
        return [(int(i), status, int(sent), int(received)) for i, status, sent, received
                in self.TRAFFIC.findall(self.log_path.read_text())]

    def stop(self):
        stop_process(self.process, self.log)
        shutil.rmtree(self.folder, ignore_errors=True)


_local = threading.local()


def request(port, method, path, body=None, timeout=REQUEST_TIMEOUT):
    """One HTTP request on this thread's keep-alive connection -> (status, body bytes)."""
    conn = getattr(_local, "conn", None)
    if conn is None or getattr(_local, "port", None) != port:
        conn = _local.conn = http.client.HTTPConnection(HOST, port, timeout=timeout)
        _local.port = port
    headers = {"Origin": f"http://{HOST}:{port}"}
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    try:
        conn.request(method, path, body=data, headers=headers)
        response = conn.getresponse()
        return response.status, response.read()
    except (OSError, http.client.HTTPException):
        conn.close()
        _local.conn = None
        raise


def api(port, method, path, body=None):
    status, data = request(port, method, path, body)
    if status >= 400:
        raise RuntimeError(f"{method} {path} -> {status}: {data[:200]!r}")
    return json.loads(data)


def wait_runs(port, run_ids, timeout):
    """Poll the runs until every one has ended; return {id: run}. Raises at the timeout."""
    deadline = time.monotonic() + timeout
    runs = {}
    while time.monotonic() < deadline:
        runs = {i: api(port, "GET", f"/api/runs/{i}") for i in run_ids}
        if all(r["status"] in TERMINAL for r in runs.values()):
            return runs
        time.sleep(0.25)
    raise RuntimeError(f"runs {run_ids} did not finish within {timeout:.0f} s")


BOUNDARY = "----bench-upload-boundary"


def post_file(port, route, path, fields=None, timeout=600):
    """POST ``path`` as the multipart field ``file`` (plus text ``fields``), streamed from
    disk as a browser sends it; (seconds, status, JSON body)."""
    head = "".join(f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n"
                   f"{value}\r\n" for name, value in (fields or {}).items())
    head = (head + f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; "
            f"filename=\"{path.name}\"\r\nContent-Type: text/csv\r\n\r\n").encode()
    tail = f"\r\n--{BOUNDARY}--\r\n".encode()
    size = len(head) + path.stat().st_size + len(tail)
    conn = http.client.HTTPConnection(HOST, port, timeout=timeout)
    started = time.perf_counter()
    conn.putrequest("POST", route)
    conn.putheader("Content-Type", f"multipart/form-data; boundary={BOUNDARY}")
    conn.putheader("Content-Length", str(size))
    conn.endheaders()
    conn.send(head)
    with open(path, "rb") as f:
        while block := f.read(1 << 20):
            conn.send(block)
    conn.send(tail)
    response = conn.getresponse()
    body = json.loads(response.read())
    seconds = time.perf_counter() - started
    conn.close()
    return seconds, response.status, body
