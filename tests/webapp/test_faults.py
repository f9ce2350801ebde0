"""Faults: the server killed mid-training, a full disk at upload, concurrent SQLite writers,
and what the server exposes (bind address, secret key, cross-site requests, model files).

The SIGKILL test runs the real server (``python -m webapp``) as a subprocess and waits for it
by polling /api/health: no fixed sleeps.
"""
import io
import json
import os
import re
import sqlite3
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from nncore.data import npzfiles
from tests.conftest import ROOT, TERMINAL, bars_csv, blobs_csv
from tests.helpers import client_run_getter, wait_for_epoch, wait_for_run
from tests.processes import ServerProcess, call, multipart
from webapp import create_app


# --- the real server as a subprocess -----------------------------------------------------------

def wait_status(base, run_id, wanted, timeout=120):
    return wait_for_run(lambda i: call(base, "GET", f"/api/runs/{i}")[1], run_id, timeout,
                        statuses=wanted, interval=0.05)


VERTICAL = np.zeros((8, 8))
VERTICAL[1:7, 3] = 16


def test_sigkill_during_training_loses_nothing(tmp_path):
    data_dir = tmp_path / "data"
    server = ServerProcess(data_dir).wait_ready()
    try:
        ids = []
        for name, text in (("bars.csv", bars_csv()), ("blobs.csv", blobs_csv())):
            body, headers = multipart(name, text.encode())
            status, created = call(server.base, "POST", "/api/datasets", raw=body,
                                   headers=headers)
            assert status == 201, created
            ids.append(created["id"])
        datasets_before = call(server.base, "GET", "/api/datasets")[1]
        bars = ids[0]
        status, tiny = call(server.base, "POST", "/api/runs",
                            {"dataset_id": bars, "hidden_layers": [4], "epochs": 3, "seed": 1})
        assert status == 202
        done = wait_status(server.base, tiny["id"], TERMINAL)
        assert done["status"] == "completed", done
        prediction = call(server.base, "POST", f"/api/runs/{tiny['id']}/predict",
                          {"features": VERTICAL.ravel().tolist()})[1]
        status, long = call(server.base, "POST", "/api/runs",
                            {"dataset_id": bars, "hidden_layers": [8], "epochs": 2000,
                             "batch_size": 1})
        assert status == 202
        wait_status(server.base, long["id"], {"running"})
        wait_for_epoch(lambda i: call(server.base, "GET", f"/api/runs/{i}")[1], long["id"])
    finally:
        server.kill()      # SIGKILL: no clean-up at all

    again = ServerProcess(data_dir).wait_ready()
    try:
        assert call(again.base, "GET", "/api/datasets")[1] == datasets_before
        after = call(again.base, "GET", f"/api/runs/{tiny['id']}")[1]
        assert after == done
        assert call(again.base, "POST", f"/api/runs/{tiny['id']}/predict",
                    {"features": VERTICAL.ravel().tolist()})[1] == prediction
        killed = call(again.base, "GET", f"/api/runs/{long['id']}")[1]
        assert killed["status"] == "interrupted"
        assert killed["error"] == "the server stopped during training"
        assert killed["history"]["epoch"]          # what was trained before the kill is kept
        # The orphaned training process stops at its next epoch and writes nothing more
        # (an epoch here takes milliseconds).
        deadline = time.monotonic() + 3
        while time.monotonic() < deadline:
            assert call(again.base, "GET", f"/api/runs/{long['id']}")[1] == killed
            time.sleep(0.2)
        status, restarted = call(again.base, "POST", f"/api/runs/{long['id']}/restart")
        assert status == 202
        wait_status(again.base, restarted["id"], {"running"})
        status, cancelled = call(again.base, "POST", f"/api/runs/{restarted['id']}/cancel")
        assert status == 200 and cancelled["status"] == "cancelled"
        assert "Traceback" not in again.text()
    finally:
        again.stop()


def test_cancel_takes_effect_within_a_second(client, bars, wait_for_run):
    run_id = client.post("/api/runs", json={"dataset_id": bars, "hidden_layers": [8],
                                            "epochs": 2000, "batch_size": 1}).get_json()["id"]
    wait_for_epoch(client_run_getter(client), run_id)
    start = time.monotonic()
    assert client.post(f"/api/runs/{run_id}/cancel").get_json()["status"] == "cancelled"
    # The worker is free for the next run as soon as the training process has stopped.
    while client.application.extensions["jobs"].is_active(run_id):
        assert time.monotonic() - start < 1.0
        time.sleep(0.01)
    epochs = len(client.get(f"/api/runs/{run_id}").get_json()["history"]["epoch"])
    time.sleep(0.3)
    assert len(client.get(f"/api/runs/{run_id}").get_json()["history"]["epoch"]) == epochs


# --- disk full at upload -----------------------------------------------------------------------

@pytest.mark.parametrize("target", ["replace", "save"])
def test_disk_full_at_upload_leaves_nothing(app, client, upload, monkeypatch, target):
    def full(*args, **kwargs):
        if target == "save":
            args[0].write(b"PK\x03\x04")      # part of the archive, then the disk is full
        raise OSError(28, "No space left on device")

    if target == "replace":
        monkeypatch.setattr(os, "replace", full)
    else:
        monkeypatch.setattr(npzfiles, "save", full)
    response = upload(blobs_csv(), "blobs.csv")
    assert response.status_code == 507
    assert response.get_json() == {
        "error": "the server is out of disk space: the dataset was not stored"}
    monkeypatch.undo()
    data_dir = Path(app.config["DATA_DIR"])
    assert not list((data_dir / "datasets").iterdir())
    assert not list((data_dir / "tmp").iterdir())
    assert client.get("/api/datasets").get_json()["datasets"] == []
    # And the next upload works (ids are not burnt by the failed one being half-there).
    assert upload(blobs_csv(), "blobs.csv").status_code == 201


# --- SQLite under concurrent writers -----------------------------------------------------------

def test_concurrent_writers_never_see_database_is_locked(app, blobs):
    """Threads hammer history writes (as training does) while others upload datasets."""
    from webapp.db import connect, database_path

    db_path = database_path(app)
    conn = connect(db_path)
    run_ids = []
    for _ in range(4):
        run_ids.append(conn.execute(
            "INSERT INTO runs (dataset_id, status, config, history, created_at)"
            " VALUES (?, 'running', '{}', '{}', 'now')", (blobs,)).lastrowid)
    conn.commit()
    conn.close()
    errors = []
    history = json.dumps({"epoch": list(range(200)), "cost": [0.5] * 200})

    def write_history(run_id):
        db = connect(db_path)
        try:
            for _ in range(150):
                db.execute("UPDATE runs SET history = ?, progress = ? WHERE id = ?",
                           (history, '{"epoch": 1}', run_id))
                db.commit()
        except sqlite3.OperationalError as exc:
            errors.append(str(exc))
        finally:
            db.close()

    def upload_some():
        client = app.test_client()
        for k in range(6):
            response = client.post("/api/datasets", data={
                "file": (io.BytesIO(blobs_csv(5, seed=k).encode()), f"b{k}.csv")},
                content_type="multipart/form-data")
            if response.status_code != 201:
                errors.append(response.get_data(as_text=True))

    threads = [threading.Thread(target=write_history, args=(i,)) for i in run_ids]
    threads += [threading.Thread(target=upload_some) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(app.test_client().get("/api/datasets").get_json()["datasets"]) == 13
    mode = sqlite3.connect(db_path).execute("PRAGMA journal_mode").fetchone()[0]
    assert mode == "wal"


# --- exposure ----------------------------------------------------------------------------------

def test_binds_to_loopback_by_default_and_needs_sign_in_on_all_interfaces(tmp_path):
    from webapp.__main__ import _parser

    defaults = {a.dest: a.default for a in _parser()._actions}
    assert defaults["host"] == "127.0.0.1" and defaults["no_auth"] is False
    server = ServerProcess(tmp_path / "data", host="0.0.0.0").wait_ready()
    try:
        assert "No account exists yet" in server.text()
        assert re.search(rf"http://127\.0\.0\.1:{server.port}/setup\?token=[\w-]{{20,}}",
                         server.text())
        assert call(server.base, "GET", "/api/datasets")[0] == 401
    finally:
        server.stop()
    open_server = ServerProcess(tmp_path / "data", host="0.0.0.0",
                                extra_args=["--no-auth"]).wait_ready()
    try:
        assert "with --no-auth: there is no sign-in" in open_server.text()
        assert call(open_server.base, "GET", "/api/datasets")[0] == 200
    finally:
        open_server.stop()
    quiet = ServerProcess(tmp_path / "data").wait_ready()
    try:
        assert "WARNING" not in quiet.text() and "setup" not in quiet.text()
        assert f"Serving on http://127.0.0.1:{quiet.port}/" in quiet.text()
    finally:
        quiet.stop()


def test_secret_key_is_not_hard_coded(tmp_path):
    keys = set()
    for name in ("a", "b"):
        app = create_app({"DATA_DIR": str(tmp_path / name), "REGISTER_SAMPLE": False})
        keys.add(app.secret_key)
        assert (tmp_path / name / "secret_key").stat().st_mode & 0o777 == 0o600
        app.extensions["jobs"].shutdown()
    assert len(keys) == 2
    source = "".join(p.read_text() for p in (ROOT / "webapp").rglob("*.py"))
    assert "SECRET_KEY =" not in source


@pytest.mark.parametrize(("method", "path"), [
    ("POST", "/api/datasets"), ("POST", "/api/runs"), ("PATCH", "/api/datasets/1"),
    ("DELETE", "/api/datasets/1"), ("POST", "/api/runs/1/cancel"),
    ("POST", "/api/runs/1/predict"), ("DELETE", "/api/runs/1"),
])
def test_every_state_change_refuses_cross_site(client, blobs, method, path):
    for headers in ({"Origin": "http://evil.example"}, {"Referer": "http://evil.example/x"}):
        response = client.open(path, method=method, json={}, headers=headers)
        assert response.status_code == 403
        assert response.get_json() == {"error": "cross-site request refused"}
    assert client.get(f"/api/datasets/{blobs}").status_code == 200     # nothing changed


def test_same_origin_requests_from_the_pages_work(client, blobs):
    # What a browser sends for a fetch() from /datasets/<id> on http://localhost.
    headers = {"Origin": "http://localhost", "Referer": f"http://localhost/datasets/{blobs}"}
    response = client.patch(f"/api/datasets/{blobs}", json={"display_names": {"red": "Rot"}},
                            headers=headers)
    assert response.status_code == 200
    response = client.post("/api/runs", json={"dataset_id": blobs, "hidden_layers": [2],
                                              "epochs": 1}, headers=headers)
    assert response.status_code == 202


@pytest.mark.parametrize(("method", "path"), [
    ("GET", "/api/datasets"), ("POST", "/api/runs"), ("GET", "/"), ("GET", "/api/health"),
])
def test_dns_rebinding_is_refused(client, blobs, method, path):
    """A page on rebind.evil.example, its name re-pointed at this server: same-origin with
    itself, so only the Host header gives it away."""
    evil = {"Host": "rebind.evil.example", "Origin": "http://rebind.evil.example"}
    response = client.open(path, method=method, json={"dataset_id": blobs, "epochs": 1},
                           headers=evil)
    assert response.status_code == 400
    assert "unknown host name 'rebind.evil.example'" in response.get_json()["error"]
    assert client.get("/api/runs").get_json()["runs"] == []


@pytest.mark.parametrize("host", ["localhost", "127.0.0.1:5000", "[::1]:5000", "LOCALHOST"])
def test_the_servers_own_names_are_allowed(client, host):
    assert client.get("/api/health", headers={"Host": host}).status_code == 200


def test_allow_host_adds_names(tmp_path):
    server = ServerProcess(tmp_path / "data", extra_args=[
        "--allow-host", "workbench.example", "--allow-host", ".lab.example"]).wait_ready()
    try:
        for host, status in (("workbench.example", 200), ("gpu1.lab.example", 200),
                             ("lab.example", 200), ("evil.example", 400),
                             ("workbench.example.evil", 400)):
            got, _ = call(server.base, "GET", "/api/health", headers={"Host": host})
            assert got == status, host
    finally:
        server.stop()


def test_pages_carry_a_csp_without_inline_script(client):
    response = client.get("/")
    csp = response.headers["Content-Security-Policy"]
    script = next(d for d in csp.split(";") if d.strip().startswith("script-src"))
    assert "'unsafe-inline'" not in script and "'unsafe-eval'" not in script
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
    html = response.get_data(as_text=True)
    import re
    inline = [m for m in re.findall(r"<script\b([^>]*)>", html)
              if "src=" not in m and "application/json" not in m]
    assert inline == []


def test_crafted_model_with_an_object_array_is_refused(app, client, bars, wait_for_run):
    """A model file holding a pickled object array is refused; nothing in it runs."""
    run = wait_for_run(client.post("/api/runs", json={"dataset_id": bars, "hidden_layers": [4],
                                                      "epochs": 2}).get_json()["id"])
    assert run["status"] == "completed"
    path = Path(app.config["DATA_DIR"], "models", f"{run['id']}.npz")
    marker = Path(app.config["DATA_DIR"], "pwned")
    with np.load(path, allow_pickle=False) as f:
        arrays = {k: f[k] for k in f.files}
    arrays[next(iter(arrays))] = np.array([_Exploit(str(marker))], dtype=object)
    with open(path, "wb") as f:
        np.savez(f, **arrays)
    from webapp.services import runs

    runs._models._items.clear()   # the trained model is cached in memory; force a reload
    response = client.post(f"/api/runs/{run['id']}/predict",
                           json={"features": VERTICAL.ravel().tolist()})
    assert response.status_code == 409
    assert "missing or damaged" in response.get_json()["error"]
    assert not marker.exists()

    from nncore.model import Model

    with pytest.raises(ValueError):
        Model.load(path)
    assert not marker.exists()


class _Exploit:
    """Unpickling this would create the marker file."""

    def __init__(self, path):
        self.path = path

    def __reduce__(self):
        return (Path.touch, (Path(self.path),))
