"""What the benchmarks share: the real server as a subprocess on a free loopback port, a small
keep-alive JSON client for its API, and waiting for runs to end (always with a deadline)."""
import http.client
import json
import os
import socket
import subprocess
import sys
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
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log.close()


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
