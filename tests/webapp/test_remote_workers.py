"""Trainings on a Redis queue with remote workers: scale-out, and the faults of a cluster.

A real redis-server on a free loopback port, the real server (``--queue ... --workers 0``)
and real worker processes, each started in an empty folder of its own: they reach the server
over HTTP only. Skipped when redis-server is not installed (CI installs it and sets
REQUIRE_REDIS, which turns the skip into a failure).
"""
import time

import pytest

from tests.conftest import bars_csv
from tests.helpers import poll, wait_for_epoch, wait_for_run
from tests.processes import (
    RedisServer, ServerProcess, WorkerProcess, call, multipart, require_redis_server,
)

TOKEN = "test-worker-token-0123456789"
LEASE_SECONDS = 5
RUN = {"hidden_layers": [8], "epochs": 40, "batch_size": 8, "augment": False}
LONG = {"hidden_layers": [8], "epochs": 400, "batch_size": 1, "augment": False, "patience": None}


class Cluster:
    """A Redis server, the app server on it and remote workers, all under ``root``."""

    def __init__(self, root):
        self.root = root
        self.redis = RedisServer(root / "redis").wait_ready()
        self.server = None
        self.workers = []

    def start_server(self, port=None, extra_env=None):
        env = {"WORKER_TOKEN": TOKEN, "WEBAPP_WORKER_LEASE_SECONDS": str(LEASE_SECONDS),
               **(extra_env or {})}
        self.server = ServerProcess(self.root / "data", extra_env=env, port=port,
                                    extra_args=["--queue", self.redis.url, "--workers", "0"])
        return self.server.wait_ready()

    def start_worker(self, name, token=TOKEN, wait=True):
        worker = WorkerProcess(self.root / name, self.redis.url, self.server.base, token)
        self.workers.append(worker)
        return worker.wait_ready() if wait else worker

    def api(self, method, path, body=None):
        return call(self.server.base, method, path, body)

    def get_run(self, run_id):
        return self.api("GET", f"/api/runs/{run_id}")[1]

    def upload_bars(self):
        body, headers = multipart("bars.csv", bars_csv().encode())
        status, created = call(self.server.base, "POST", "/api/datasets", raw=body,
                               headers=headers)
        assert status == 201, created
        return created["id"]

    def queue(self, dataset_id, **settings):
        status, created = self.api("POST", "/api/runs", {"dataset_id": dataset_id, **settings})
        assert status == 202, created
        return created["id"]

    def wait(self, run_id, statuses, timeout=120):
        return wait_for_run(self.get_run, run_id, timeout, statuses, interval=0.05)

    def stop(self):
        for process in [*self.workers, self.server, self.redis]:
            if process is not None:
                process.stop()


def without_seconds(history):
    return {key: values for key, values in history.items() if key != "seconds"}


@pytest.fixture
def cluster(tmp_path):
    require_redis_server()
    cluster = Cluster(tmp_path)
    try:
        yield cluster
    finally:
        cluster.stop()


def test_two_remote_workers_train_like_the_embedded_engine_and_take_over(
        cluster, client, upload, wait_for_run):
    # The reference: the same eight seeds trained by the embedded engine (in-process app).
    embedded_bars = upload(bars_csv(), "bars.csv").get_json()["id"]
    reference = {}
    for seed in range(1, 9):
        run_id = client.post("/api/runs", json={"dataset_id": embedded_bars, **RUN,
                                                "seed": seed}).get_json()["id"]
        run = wait_for_run(run_id)
        assert run["status"] == "completed", run["error"]
        reference[seed] = run

    cluster.start_server()
    first, second = cluster.start_worker("worker-a"), cluster.start_worker("worker-b")
    bars = cluster.upload_bars()
    ids = {seed: cluster.queue(bars, **RUN, seed=seed) for seed in range(1, 9)}
    runs = {seed: cluster.wait(run_id, {"completed", "failed"}) for seed, run_id in ids.items()}
    for seed, run in runs.items():
        assert run["status"] == "completed", run["error"]
        assert run["result"]["final_cost"] == reference[seed]["result"]["final_cost"]
        assert without_seconds(run["history"]) == without_seconds(reference[seed]["history"])
    assert {run["worker"] for run in runs.values()} == {first.name, second.name}
    for worker in (first, second):     # each got the arrays over HTTP, into its own folder
        assert list((worker.folder / "scratch" / "datasets").glob(f"{bars}-*.npz"))

    # SIGKILL the worker training a long run: the run is interrupted once its lease runs
    # out, and its restart trains on the other worker.
    long_id = cluster.queue(bars, **LONG, seed=9)
    wait_for_epoch(cluster.get_run, long_id, epoch=2)
    victim = next(w for w in (first, second) if w.name == cluster.get_run(long_id)["worker"])
    survivor = second if victim is first else first
    victim.kill()
    killed_at = time.monotonic()
    interrupted = cluster.wait(long_id, {"interrupted", "completed", "failed"}, timeout=30)
    assert interrupted["status"] == "interrupted"
    assert time.monotonic() - killed_at < LEASE_SECONDS + 5
    assert interrupted["error"] == f"the worker {victim.name} stopped responding during training"
    status, restarted = cluster.api("POST", f"/api/runs/{long_id}/restart")
    assert status == 202
    again = cluster.wait(restarted["id"], {"completed", "failed"})
    assert again["status"] == "completed" and again["worker"] == survivor.name
    assert cluster.get_run(long_id) == interrupted        # nothing wrote to it afterwards


def test_cancel_reaches_a_remote_worker_within_two_seconds(cluster):
    cluster.start_server()
    worker = cluster.start_worker("worker")
    bars = cluster.upload_bars()
    run_id = cluster.queue(bars, **{**LONG, "epochs": 2000})
    wait_for_epoch(cluster.get_run, run_id, epoch=2)
    cancelled_at = time.monotonic()
    status, cancelled = cluster.api("POST", f"/api/runs/{run_id}/cancel")
    assert status == 200 and cancelled["status"] == "cancelled"
    poll(worker.text, lambda text: f"run {run_id} cancelled" in text, 5,
         what=f"the worker stopping run {run_id}")
    assert time.monotonic() - cancelled_at < 2.0
    run = cluster.get_run(run_id)
    assert run["status"] == "cancelled" and 2 <= len(run["history"]["epoch"]) < 2000
    # and the worker is free: the next run trains
    assert cluster.wait(cluster.queue(bars, **RUN), {"completed", "failed"})["status"] == \
        "completed"


def test_a_server_restart_loses_and_repeats_no_run(cluster):
    server = cluster.start_server()
    cluster.start_worker("worker")
    bars = cluster.upload_bars()
    ids = [cluster.queue(bars, **{**LONG, "epochs": 150}, seed=seed) for seed in (1, 2, 3)]
    wait_for_epoch(cluster.get_run, ids[0], epoch=2)
    server.kill()                       # SIGKILL while the worker trains and two runs wait
    cluster.start_server(port=server.port)
    runs = [cluster.wait(run_id, {"completed", "failed", "interrupted"}) for run_id in ids]
    for run in runs:
        assert run["status"] == "completed", run["error"]
        assert run["history"]["epoch"] == list(range(1, 151))
    assert [r["id"] for r in cluster.api("GET", "/api/runs")[1]["runs"]] == ids[::-1]


def test_redis_down_refuses_new_runs_with_503_and_the_rest_works(cluster):
    cluster.start_server()
    cluster.start_worker("worker")
    bars = cluster.upload_bars()
    done = cluster.wait(cluster.queue(bars, **RUN), {"completed", "failed"})
    assert done["status"] == "completed"
    features = {"features": [0] * 63 + [16]}
    prediction = cluster.api("POST", f"/api/runs/{done['id']}/predict", features)

    cluster.redis.stop()
    status, refused = cluster.api("POST", "/api/runs", {"dataset_id": bars, **RUN})
    assert status == 503
    assert "training queue" in refused["error"] and "cannot be reached" in refused["error"]
    assert [r["id"] for r in cluster.api("GET", "/api/runs")[1]["runs"]] == [done["id"]]
    assert cluster.api("POST", f"/api/runs/{done['id']}/predict", features) == prediction
    for page in ("/", f"/runs/{done['id']}", f"/datasets/{bars}"):
        assert cluster.api("GET", page)[0] == 200
    assert cluster.api("GET", "/api/datasets")[0] == 200

    # Back on the same port: runs are taken again (the worker reconnects by itself).
    cluster.redis = RedisServer(cluster.root / "redis", port=cluster.redis.port).wait_ready()
    again = cluster.wait(cluster.queue(bars, **RUN), {"completed", "failed"}, timeout=60)
    assert again["status"] == "completed"
    assert "Traceback" not in cluster.server.text()


def test_a_worker_with_a_wrong_token_is_refused_and_logged(cluster):
    cluster.start_server()
    intruder = cluster.start_worker("intruder", token="not-the-token", wait=False)
    assert intruder.process.wait(timeout=60) == 2
    assert "refused this worker: wrong worker token" in intruder.text()
    poll(cluster.server.text, lambda text: "wrong or missing WORKER_TOKEN" in text, 10,
         what="the server logging the refusal")
    status, _ = call(cluster.server.base, "POST", "/api/worker/runs/1/claim", {},
                     headers={"X-Worker": "x:1"})
    assert status == 401


def test_the_queue_options_need_a_token_and_a_redis_url(monkeypatch, capsys):
    from webapp.__main__ import main
    from webapp.worker import main as worker_main

    monkeypatch.delenv("WORKER_TOKEN", raising=False)
    assert main(["--queue", "redis://127.0.0.1:1/0"]) == 2
    assert "WORKER_TOKEN is not set" in capsys.readouterr().err
    assert worker_main(["--queue", "redis://127.0.0.1:1/0", "--server", "http://x"]) == 2
    assert "WORKER_TOKEN is not set" in capsys.readouterr().err
    monkeypatch.setenv("WORKER_TOKEN", TOKEN)
    assert main(["--queue", "amqp://127.0.0.1/"]) == 2
    assert "--queue must be a Redis URL" in capsys.readouterr().err
    assert main(["--workers", "0"]) == 2
    assert "--workers 0 needs --queue" in capsys.readouterr().err


def test_a_remote_worker_trains_an_auto_run_as_the_embedded_engine_does(cluster):
    # the same fit entry (webapp.jobs.process.train): candidates, leaderboard, kept settings
    cluster.start_server()
    cluster.start_worker("worker-a")
    dataset_id = cluster.upload_bars()
    run_id = cluster.queue(dataset_id, **RUN, seed=1, auto={"budget": 30})
    run = cluster.wait(run_id, {"completed", "failed"})
    assert run["status"] == "completed", run["error"]
    auto = run["result"]["auto"]
    kept = [e for e in auto["leaderboard"] if e["status"] == "kept"]
    assert len(kept) == 1 and kept[0]["name"] == auto["chosen"]
    assert run["config"] == {**kept[0]["settings"],
                             "auto": {"budget": 30.0, "chosen": auto["chosen"]}}
    assert run["progress"]["auto"]["candidate"] is None
