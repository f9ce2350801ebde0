"""The app as a whole: factory, health, error shape, security, start-up recovery."""
import os
import sqlite3
import stat
from pathlib import Path

import pytest

from webapp import create_app
from webapp.config import ROOT
from webapp.security import CONTENT_SECURITY_POLICY


def test_health(client):
    response = client.get("/api/health")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


def test_testing_config(app):
    assert app.testing
    assert Path(app.config["DATA_DIR"], "app.db").is_file()
    assert Path(app.template_folder) == ROOT / "templates"
    assert Path(app.static_folder) == ROOT / "static"


def test_security_headers_on_every_response(client):
    for response in (client.get("/api/health"), client.get("/api/nowhere")):
        assert response.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Referrer-Policy"] == "same-origin"
        assert response.headers["X-Frame-Options"] == "DENY"


@pytest.mark.parametrize(("method", "path", "status", "message"), [
    ("get", "/api/nowhere", 404, "not found"),
    ("get", "/api/runs/999", 404, "run 999 not found"),
    ("get", "/api/datasets/999", 404, "dataset 999 not found"),
    ("get", "/api/runs/abc", 404, "not found"),
    ("post", "/api/health", 405, "not allowed"),
    ("delete", "/api/options", 405, "not allowed"),
])
def test_errors_are_json(client, method, path, status, message):
    response = getattr(client, method)(path)
    assert response.status_code == status
    assert response.is_json
    assert message in response.get_json()["error"]


def test_unexpected_error_is_json_without_trace(app, client):
    @app.get("/api/boom")
    def boom():
        raise RuntimeError("secret internals")

    response = client.get("/api/boom")
    assert response.status_code == 500
    assert response.get_json() == {"error": "internal server error"}


def test_secret_key_is_generated_once_and_private(app, tmp_path):
    path = Path(app.config["DATA_DIR"], "secret_key")
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert app.secret_key == path.read_text().strip() and len(app.secret_key) >= 32
    again = create_app({"DATA_DIR": app.config["DATA_DIR"], "REGISTER_SAMPLE": False})
    assert again.secret_key == app.secret_key
    again.extensions["jobs"].shutdown()


@pytest.mark.parametrize(("headers", "status"), [
    ({"Origin": "http://evil.example"}, 403),
    ({"Origin": "null"}, 403),
    ({"Origin": "http://localhost:5001"}, 403),
    ({"Origin": "https://localhost"}, 403),
    ({"Referer": "http://evil.example/page"}, 403),
    ({"Origin": "http://evil.example", "Referer": "http://localhost/"}, 403),
    ({"Origin": "http://localhost"}, 400),
    ({"Origin": "http://localhost:80"}, 400),
    ({"Referer": "http://localhost/datasets/1"}, 400),
    ({}, 400),
])
def test_cross_site_state_changes_are_refused(client, headers, status):
    # Same-origin requests get through to validation (400: no dataset_id).
    response = client.post("/api/runs", json={}, headers=headers)
    assert response.status_code == status
    if status == 403:
        assert response.get_json() == {"error": "cross-site request refused"}


def test_cross_site_get_is_allowed(client):
    assert client.get("/api/health", headers={"Origin": "http://evil.example"}).status_code == 200


def test_options_come_from_the_registries(client):
    options = client.get("/api/options").get_json()
    assert {"sigmoid", "tanh", "relu"} <= set(options["activations"])
    assert {"sigmoid", "softmax"} <= set(options["outputs"])
    assert {"gd", "sgd", "momentum", "adam"} <= set(options["optimizers"])
    assert options["lr_schedules"] == ["constant", "cosine"]
    assert options["limits"]["max_synthetic_digits"] == 20000
    assert options["defaults"]["hidden_layers"]
    assert options["limits"]["max_layer_size"] == 4096
    rates = options["learning_rates_by_activation"]
    assert rates["adam"] == {"relu": 0.001, "sigmoid": 0.01, "tanh": 0.003}
    assert set(rates["sgd"].values()) == {options["default_learning_rates"]["sgd"]}
    assert options["limits"]["max_epochs"] == 2000


def test_limits_live_in_nncore_and_a_server_can_only_tighten_them(app, client, bars):
    from nncore.config import LIMITS
    app.config["LIMITS"] = {"max_epochs": 50}
    limits = client.get("/api/options").get_json()["limits"]
    assert {k: v for k, v in limits.items() if k != "max_upload_bytes"} == {**LIMITS,
                                                                           "max_epochs": 50}
    refused = client.post("/api/runs", json={"dataset_id": bars, "epochs": 51})
    assert refused.status_code == 400
    assert "epochs must be between 1 and 50 (got 51)" in refused.get_json()["error"]
    # a server cannot loosen them: nncore's bound stays
    app.config["LIMITS"] = {"max_epochs": 5000}
    assert client.get("/api/options").get_json()["limits"]["max_epochs"] == LIMITS["max_epochs"]
    refused = client.post("/api/runs", json={"dataset_id": bars, "epochs": 2001})
    assert "epochs must be between 1 and 2000" in refused.get_json()["error"]


def test_runs_left_running_become_interrupted(app, blobs):
    db = sqlite3.connect(Path(app.config["DATA_DIR"], "app.db"))
    with db:
        for status in ("running", "queued", "completed"):
            db.execute("INSERT INTO runs (dataset_id, status, config, history, created_at)"
                       " VALUES (?, ?, '{}', '{}', '2024-01-01T00:00:00Z')", (blobs, status))
    db.close()
    restarted = create_app({"DATA_DIR": app.config["DATA_DIR"], "REGISTER_SAMPLE": False})
    runs = {r["id"]: r for r in restarted.test_client().get("/api/runs").get_json()["runs"]}
    restarted.extensions["jobs"].shutdown()
    assert [runs[i]["status"] for i in (1, 2, 3)] == ["interrupted", "interrupted", "completed"]
    assert runs[1]["error"] == "the server stopped during training"
    assert runs[3]["error"] is None


@pytest.mark.skipif(not (ROOT / "data" / "digits_sample.npz").is_file(),
                    reason="the built-in sample has not been built yet")
def test_builtin_sample_registered_once(tmp_path):
    config = {"DATA_DIR": str(tmp_path), "REGISTER_SAMPLE": True}
    for _ in range(2):
        app = create_app(config)
        datasets = app.test_client().get("/api/datasets").get_json()["datasets"]
        app.extensions["jobs"].shutdown()
    assert len(datasets) == 1
    sample = datasets[0]
    assert sample["source"] == "builtin"
    assert sample["name"] == "Digits sample (MNIST, 5,000 digits, 28x28)"
    assert sample["n_samples"] == 5000 and sample["n_features"] == 784
    assert sample["display_names"] == {c: c for c in sample["classes"]}
    assert sample["image"]["height"] == 28
