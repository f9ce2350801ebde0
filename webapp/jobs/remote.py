"""The relay's server over HTTP, for remote workers: :class:`RemoteServer` calls the worker
API (``webapp.api.worker``) with the method names of :class:`~webapp.jobs.servers.Server`.

The worker shares no disk with the server: datasets are downloaded into a scratch folder (a
few kept, for the next runs), models written there and uploaded. Calls that must arrive are
retried while the server is out of reach; progress is tried once (the relay sends it again).
"""
import contextlib
import http.client
import json
import logging
import os
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

from webapp.jobs.servers import Refused, RunGone

log = logging.getLogger(__name__)

REQUEST_TIMEOUT = 30.0
RETRY_SECONDS = 1.0
DATASET_CACHE = 4            # datasets kept in the scratch folder
CACHE_GRACE = 60.0           # a training reads its dataset at start: older files may go
CHUNK = 1024 * 1024
# How long a worker that starts waits for the server to answer at all.
STARTUP_WAIT = 60.0
# How long a stopping worker still tries to tell the server how its runs ended.
STOP_WAIT = 5.0


class Unreachable(Exception):
    """The server did not answer (or answered 5xx); worth retrying."""


class RemoteServer:
    """:class:`~webapp.jobs.servers.Server` over HTTP: the worker API of ``base``
    (see webapp/api/worker.py).

    ``claim``, ``complete`` and ``end`` retry until ``give_up`` seconds pass;
    ``report_progress`` tries once (the relay calls it again a second later). Bytes sent and
    received are counted per run, and logged when the run ends.
    """

    def __init__(self, base, token, name, scratch, give_up, stopping=None):
        self.base = base.rstrip("/")
        self.stopping = stopping or threading.Event()
        self.headers = {"Authorization": f"Bearer {token}", "X-Worker": name}
        self.name = name
        self.scratch = Path(scratch)
        self.give_up = give_up
        self.traffic = {}                  # run id -> [bytes sent, bytes received]
        self._lock = threading.Lock()
        self._download_lock = threading.Lock()
        for folder in ("datasets", "models"):
            (self.scratch / folder).mkdir(parents=True, exist_ok=True)

    # --- HTTP ----------------------------------------------------------------------------------

    def _count(self, run_id, sent, received):
        if run_id is not None:
            with self._lock:
                counts = self.traffic.setdefault(run_id, [0, 0])
                counts[0] += sent
                counts[1] += received

    def _call(self, method, path, body=None, upload=None, download=None, run_id=None):
        """One request -> (status, parsed JSON or None). 4xx come back; 5xx and network
        errors raise :class:`Unreachable`; 401/403 raise :class:`Refused`."""
        headers = dict(self.headers)
        data, size = None, 0
        if body is not None:
            data = json.dumps(body, allow_nan=False, separators=(",", ":")).encode()
            headers["Content-Type"] = "application/json"
            size = len(data)
        elif upload is not None:
            size = os.path.getsize(upload)
            headers.update({"Content-Type": "application/octet-stream",
                            "Content-Length": str(size)})
        request = urllib.request.Request(self.base + path, method=method, headers=headers)
        try:
            with _opened(upload) as stream:
                request.data = data if stream is None else stream
                with urllib.request.urlopen(request, timeout=REQUEST_TIMEOUT) as response:
                    status, received = response.status, 0
                    if download is not None:
                        with open(download, "wb") as f:
                            while chunk := response.read(CHUNK):
                                f.write(chunk)
                                received += len(chunk)
                        self._count(run_id, size, received)
                        return status, None
                    raw = response.read()
        except urllib.error.HTTPError as error:
            with error:
                status, raw = error.code, error.read()
        except (OSError, http.client.HTTPException) as exc:   # refused, reset, timed out
            raise Unreachable(f"{method} {path}: {exc}") from exc
        self._count(run_id, size, len(raw))
        try:
            reply = json.loads(raw) if raw else None
        except ValueError:
            reply = None
        if status in (401, 403):
            raise Refused((reply or {}).get("error") or f"HTTP {status}")
        if status >= 500:
            raise Unreachable(f"{method} {path}: HTTP {status} {(reply or {}).get('error', '')}")
        return status, reply

    def _call_patiently(self, method, path, deadline=None, **kwargs):
        deadline = deadline or time.monotonic() + self.give_up
        while True:
            try:
                return self._call(method, path, **kwargs)
            except Unreachable as exc:
                if self.stopping.is_set():
                    deadline = min(deadline, time.monotonic() + STOP_WAIT)
                if time.monotonic() > deadline:
                    raise
                log.warning("the server did not answer (%s); retrying", exc)
                time.sleep(RETRY_SECONDS)

    # --- the Server interface -------------------------------------------------------------------

    def hello(self, wait=STARTUP_WAIT):
        status, reply = self._call_patiently("GET", "/api/worker/hello",
                                             deadline=time.monotonic() + wait)
        if status != 200:
            raise Refused((reply or {}).get("error") or f"HTTP {status}")
        return reply

    def claim(self, run_id):
        status, reply = self._call_patiently("POST", f"/api/worker/runs/{run_id}/claim",
                                             body={}, run_id=run_id)
        if status == 200:
            return reply
        log.info("run %s not taken: %s", run_id, (reply or {}).get("error"))
        return None

    def dataset_file(self, spec):
        """The dataset's arrays in the scratch folder, downloaded unless already there.

        One download at a time: trainings started together on one dataset fetch it once.
        """
        meta = spec["dataset"]
        folder = self.scratch / "datasets"
        path = folder / f"{meta['id']}-{meta['version']}.npz"
        with self._download_lock:
            if path.is_file():
                path.touch()
                return path
            part = folder / f"{path.stem}.part"
            status, _ = self._call_patiently("GET", f"/api/worker/datasets/{meta['id']}/arrays",
                                             download=part, run_id=spec["run_id"])
            if status != 200:
                part.unlink(missing_ok=True)
                raise RunGone()
            os.replace(part, path)
            log.info("dataset %s downloaded (%.1f MB)", meta["id"], path.stat().st_size / 2**20)
            cached = sorted(folder.glob("*.npz"), key=lambda p: p.stat().st_mtime, reverse=True)
            for old in cached[DATASET_CACHE:]:
                if time.time() - old.stat().st_mtime > CACHE_GRACE:
                    old.unlink(missing_ok=True)
        return path

    def model_path(self, run_id):
        return self.scratch / "models" / f"run-{int(run_id)}.npz"

    def snapshot_folder(self, run_id):
        """None: a remote worker keeps no snapshots (the server shows its final weights)."""
        return None

    def report_progress(self, run_id, start, columns, progress):
        try:
            status, reply = self._call("POST", f"/api/worker/runs/{run_id}/progress",
                                       body={"start": start, "history": columns,
                                             "progress": progress}, run_id=run_id)
        except Unreachable as exc:
            log.warning("run %s: progress not delivered (%s)", run_id, exc)
            return None
        if status != 200:
            raise RunGone()
        return reply

    def complete(self, run_id, model_path, history, summary):
        try:
            status, reply = self._call_patiently("PUT", f"/api/worker/runs/{run_id}/model",
                                                 upload=model_path, run_id=run_id)
            if status == 200:
                status, reply = self._call_patiently(
                    "POST", f"/api/worker/runs/{run_id}/finish", run_id=run_id,
                    body={"status": "completed", "history": history, "result": summary})
            if status != 200:
                log.warning("run %s: the server did not take its model: %s", run_id,
                            (reply or {}).get("error"))
        finally:
            Path(model_path).unlink(missing_ok=True)
        self._log_end(run_id, "completed")

    def end(self, run_id, status, error, history):
        self._call_patiently("POST", f"/api/worker/runs/{run_id}/finish", run_id=run_id,
                             body={"status": status, "error": error, "history": history})
        self.model_path(run_id).unlink(missing_ok=True)
        self._log_end(run_id, status)

    def _log_end(self, run_id, status):
        with self._lock:
            sent, received = self.traffic.pop(run_id, (0, 0))
        log.info("run %s %s; traffic with the server: %d bytes sent, %d received", run_id,
                 status, sent, received)


def _opened(path):
    return contextlib.nullcontext() if path is None else open(path, "rb")
