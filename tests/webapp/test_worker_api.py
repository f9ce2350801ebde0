"""The worker API (/api/worker/...) and the worker's steps, in-process and without Redis.

The app has a worker token and no workers of its own (MAX_WORKERS 0), so queued runs wait
for whoever claims them: the test client, step by step, or the real worker code
(``webapp.jobs.remote.RemoteServer`` driving ``webapp.jobs.relay``) over a live HTTP server.
"""
import logging
import threading

import numpy as np
import pytest
from werkzeug.serving import make_server

from tests.helpers import wait_for_epoch
from webapp import create_app
from webapp.jobs.relay import Settings, relay_run
from webapp.jobs.remote import RemoteServer
from webapp.jobs.servers import LocalServer, Server
from webapp.services import worker_protocol

TOKEN = "a-worker-token"
AUTH = {"Authorization": f"Bearer {TOKEN}", "X-Worker": "box:42"}
OTHER = {"Authorization": f"Bearer {TOKEN}", "X-Worker": "other:7"}
TINY = {"hidden_layers": [4], "epochs": 3, "batch_size": 16, "seed": 1, "augment": False}
VERTICAL = np.zeros((8, 8))
VERTICAL[1:7, 3] = 16


@pytest.fixture
def app(tmp_path):
    app = create_app({"DATA_DIR": str(tmp_path / "data"), "REGISTER_SAMPLE": False,
                      "WORKER_TOKEN": TOKEN, "MAX_WORKERS": 0})
    yield app
    app.extensions["jobs"].shutdown(wait=True)


@pytest.fixture
def queued(client, bars):
    """A run waiting in the queue (nobody trains it)."""
    return client.post("/api/runs", json={"dataset_id": bars, **TINY}).get_json()["id"]


def history(start, stop):
    """History columns for the epochs start+1..stop."""
    epochs = list(range(start + 1, stop + 1))
    return {"epoch": epochs, "cost": [1.0 / e for e in epochs], "val_cost": [None] * len(epochs),
            "train_accuracy": [0.5] * len(epochs), "val_accuracy": [None] * len(epochs),
            "seconds": [0.01] * len(epochs)}


def test_the_api_needs_the_token(tmp_path, client, caplog):
    assert client.get("/api/worker/hello", headers=AUTH).get_json()["lease_seconds"] == 20
    with caplog.at_level(logging.WARNING, logger="webapp.api.worker"):
        for headers in ({**AUTH, "Authorization": "Bearer nope"}, {"X-Worker": "box:42"}):
            response = client.post("/api/worker/runs/1/claim", headers=headers)
            assert response.status_code == 401
            assert "wrong worker token" in response.get_json()["error"]
    assert caplog.text.count("wrong or missing WORKER_TOKEN") == 2
    off = create_app({"DATA_DIR": str(tmp_path / "off"), "REGISTER_SAMPLE": False})
    try:
        response = off.test_client().get("/api/worker/hello", headers=AUTH)
        assert response.status_code == 403 and "worker API is off" in response.get_json()["error"]
    finally:
        off.extensions["jobs"].shutdown()


def test_claim_progress_cancel(client, queued):
    claim = client.post(f"/api/worker/runs/{queued}/claim", headers=AUTH)
    assert claim.status_code == 200
    spec = claim.get_json()
    assert spec["config"]["epochs"] == 3 and spec["dataset"]["image"]["height"] == 8
    # the same worker may ask again (its first answer got lost); nobody else may
    assert client.post(f"/api/worker/runs/{queued}/claim", headers=AUTH).status_code == 200
    assert client.post(f"/api/worker/runs/{queued}/claim", headers=OTHER).status_code == 409
    run = client.get(f"/api/runs/{queued}").get_json()
    assert run["status"] == "running" and run["worker"] == "box:42"

    def progress(start, columns, headers=AUTH):
        return client.post(f"/api/worker/runs/{queued}/progress", headers=headers,
                           json={"start": start, "history": columns,
                                 "progress": {"epoch": start + len(columns["epoch"]),
                                              "epochs": 3, "eta_seconds": 1.0}})

    assert progress(0, history(0, 2)).get_json() == {"stop": False, "have": 2}
    # a retried write (its answer was lost) replaces instead of repeating
    assert progress(1, history(1, 2)).get_json() == {"stop": False, "have": 2}
    assert progress(5, history(5, 6)).get_json() == {"stop": False, "have": 2}   # a gap: resend
    assert client.get(f"/api/runs/{queued}").get_json()["history"]["epoch"] == [1, 2]
    assert progress(2, history(2, 3), headers=OTHER).status_code == 409

    assert client.post(f"/api/runs/{queued}/cancel").get_json()["status"] == "cancelled"
    assert progress(2, history(2, 3)).get_json() == {"stop": True, "have": 3}
    finish = client.post(f"/api/worker/runs/{queued}/finish", headers=AUTH,
                         json={"status": "cancelled", "history": history(0, 3)})
    assert finish.get_json() == {"status": "cancelled"}
    run = client.get(f"/api/runs/{queued}").get_json()
    assert run["status"] == "cancelled" and run["history"]["epoch"] == [1, 2, 3]


def test_a_model_must_be_a_model(client, queued):
    client.post(f"/api/worker/runs/{queued}/claim", headers=AUTH)
    done = {"status": "completed", "history": history(0, 3), "result": {}}
    refused = client.post(f"/api/worker/runs/{queued}/finish", headers=AUTH, json=done)
    assert refused.status_code == 409 and "upload the model" in refused.get_json()["error"]
    bogus = client.put(f"/api/worker/runs/{queued}/model", headers=AUTH, data=b"PK\x03\x04junk")
    assert bogus.status_code == 400
    assert "not a model saved by nncore" in bogus.get_json()["error"]
    assert client.put(f"/api/worker/runs/{queued}/model", headers=OTHER,
                      data=b"x").status_code == 409


def test_a_silent_worker_loses_its_run(app, client, queued):
    client.post(f"/api/worker/runs/{queued}/claim", headers=AUTH)
    with app.app_context():
        assert worker_protocol.interrupt_stale(20, 0) == []          # heard from just now
        assert worker_protocol.interrupt_stale(-1, 0) == [queued]    # as if 20 s had passed
    run = client.get(f"/api/runs/{queued}").get_json()
    assert run["status"] == "interrupted"
    assert run["error"] == "the worker box:42 stopped responding during training"
    late = client.post(f"/api/worker/runs/{queued}/progress", headers=AUTH,
                       json={"start": 0, "history": history(0, 1), "progress": None})
    assert late.status_code == 409
    assert client.get(f"/api/runs/{queued}").get_json() == run
    assert client.post(f"/api/runs/{queued}/restart").status_code == 202


@pytest.fixture
def live(app):
    """The app on a real HTTP port: the base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)
    server.server_close()


def work(base, run_id, scratch, stop=None):
    """What a remote worker does with one message of the queue (training in a thread)."""
    client = RemoteServer(base, TOKEN, "box:42", scratch, give_up=30)
    settings = Settings(write_interval=0.0, heartbeat=0.5, use_processes=False)
    return relay_run(run_id, client, settings, stop or threading.Event(), threading.Event())


def test_the_worker_trains_over_http(client, live, bars, queued, tmp_path):
    assert work(live, queued, tmp_path / "scratch") == "completed"
    run = client.get(f"/api/runs/{queued}").get_json()
    assert run["status"] == "completed" and run["history"]["epoch"] == [1, 2, 3]
    assert run["worker"] == "box:42" and run["result"]["val_accuracy"] is not None
    prediction = client.post(f"/api/runs/{queued}/predict",
                             json={"features": VERTICAL.ravel().tolist()})
    assert prediction.status_code == 200
    assert client.get(f"/api/runs/{queued}/report").status_code == 200
    cached = list((tmp_path / "scratch" / "datasets").iterdir())
    assert len(cached) == 1 and not list((tmp_path / "scratch" / "models").iterdir())
    # a cancelled or already-taken message is not trained
    assert work(live, queued, tmp_path / "scratch") is None
    # the next run on the same dataset reuses the download
    again = client.post("/api/runs", json={"dataset_id": bars, **TINY}).get_json()["id"]
    assert work(live, again, tmp_path / "scratch") == "completed"
    assert list((tmp_path / "scratch" / "datasets").iterdir()) == cached


def test_deleting_the_dataset_stops_its_remote_run(client, live, bars, tmp_path):
    slow = client.post("/api/runs", json={"dataset_id": bars, **TINY, "epochs": 2000,
                                          "batch_size": 1}).get_json()["id"]
    outcome = []
    worker = threading.Thread(target=lambda: outcome.append(
        work(live, slow, tmp_path / "scratch")))
    worker.start()
    wait_for_epoch(lambda i: client.get(f"/api/runs/{i}").get_json(), slow)
    assert client.delete(f"/api/datasets/{bars}").status_code == 200
    worker.join(timeout=30)
    assert outcome == [None]                        # it noticed and stopped, nothing written
    assert client.get(f"/api/runs/{slow}").status_code == 404


def test_one_vocabulary_on_both_sides_of_the_worker_api():
    """The relay's Server interface, both its implementations and the server's protocol
    functions use the same names."""
    names = {name for name in vars(Server) if not name.startswith("_")}
    assert names == {"claim", "dataset_file", "model_path", "snapshot_folder", "report_progress",
                     "complete", "end"}
    for implementation in (LocalServer, RemoteServer, worker_protocol):
        missing = sorted(name for name in names if not callable(getattr(implementation, name,
                                                                         None)))
        assert not missing, f"{implementation.__name__} lacks {missing}"


def test_a_run_training_again_from_epoch_1_starts_its_chart_afresh():
    """fit's next L2 candidate counts its epochs from 1 again: the relay sends its history
    from index 0 (the server replaces the first candidate's), and a phase between the two
    trainings shows as a step (epoch 0), not as the last epoch of the one before."""
    from webapp.jobs.relay import Outbox

    class Server:
        def __init__(self):
            self.calls = []

        def report_progress(self, run_id, start, columns, progress):
            self.calls.append((start, list(columns["epoch"]), dict(progress)))
            return {"have": start + len(columns["epoch"]), "stop": False}

    server = Server()
    outbox = Outbox(1, server, Settings(), 30)
    for epoch in (1, 2, 3):
        outbox.add({"epoch": epoch, "cost": 1.0 / epoch}, 30)
    outbox.flush()
    outbox.phase("training with L2 10")
    assert outbox.progress["epoch"] == 0 and outbox.progress["phase"] == "training with L2 10"
    outbox.add({"epoch": 1, "cost": 0.9}, 30)
    outbox.flush()
    assert server.calls[0][:2] == (0, [1, 2, 3])
    assert server.calls[1][:2] == (0, [1]) and server.calls[1][2]["epoch"] == 1
