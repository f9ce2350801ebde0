"""Runs API: validation, a real tiny training, prediction, reports, exports, cancel, delete."""
import csv
import io
import json
import math

import numpy as np
import pytest

from tests.helpers import client_run_getter, wait_for_run

TINY = {"hidden_layers": [4], "epochs": 3, "batch_size": 16, "seed": 1}


@pytest.fixture
def trained(client, bars, wait_for_run):
    """A completed run on the 8x8 bars dataset."""
    response = client.post("/api/runs", json={"dataset_id": bars, **TINY})
    assert response.status_code == 202
    run = wait_for_run(response.get_json()["id"])
    assert run["status"] == "completed", run["error"]
    return run


def test_training_to_completion(trained):
    assert trained["config"]["hidden_layers"] == [4]
    history = trained["history"]
    assert list(history)[:5] == ["epoch", "cost", "val_cost", "train_accuracy", "val_accuracy"]
    assert history["epoch"] == [1, 2, 3]
    assert all(math.isfinite(c) for c in history["cost"])
    assert trained["progress"]["epoch"] == trained["progress"]["epochs"] == 3
    result = trained["result"]
    assert set(result) >= {"train_accuracy", "val_accuracy", "final_cost", "seconds"}
    assert 0 <= result["val_accuracy"] <= 1
    assert trained["started_at"] and trained["finished_at"] and trained["error"] is None


def test_result_says_how_training_ended(client, bars, wait_for_run):
    # the run page reads these to explain the last charted point: which epochs were averaged
    # into the model, or where early stopping ended and which epoch's weights were kept
    averaged = client.post("/api/runs", json={"dataset_id": bars, **TINY, "epochs": 4,
                                              "average_last": 0.5}).get_json()["id"]
    result = wait_for_run(averaged)["result"]
    assert result["averaged_epochs"] == [3, 4] and result["stopped"] is None
    early = client.post("/api/runs", json={"dataset_id": bars, **TINY, "epochs": 300,
                                           "patience": 1, "learning_rate": 0.05}).get_json()["id"]
    run = wait_for_run(early)
    assert run["status"] == "completed", run["error"]
    result = run["result"]
    assert result["stopped"] == "early_stopping" and result["averaged_epochs"] is None
    assert result["best_epoch"] == len(run["history"]["epoch"]) - 1


def test_create_returns_202_with_id_and_status(client, blobs):
    response = client.post("/api/runs", json={"dataset_id": blobs, **TINY})
    assert response.status_code == 202
    body = response.get_json()
    assert set(body) == {"id", "status"} and body["status"] in ("queued", "running", "completed")


@pytest.mark.parametrize(("body", "message"), [
    ({}, "dataset_id is required"),
    ({"dataset_id": "x"}, "dataset_id must be a whole number"),
    ({"hidden_layers": [0]}, "hidden layer size must be between 1 and 4096"),
    ({"hidden_layers": [-3]}, "hidden layer size must be between 1 and 4096"),
    ({"hidden_layers": [10 ** 7]}, "hidden layer size must be between 1 and 4096"),
    ({"hidden_layers": [2] * 500}, "hidden_layers: at most 10 hidden layers"),
    ({"hidden_layers": [4096] * 3}, "parameters; at most 20,000,000 are allowed"),
    ({"hidden_layers": "many"}, "hidden"),
    ({"learning_rate": "fast"}, "learning_rate must be a number"),
    ({"learning_rate": -1}, "learning_rate must be greater than 0"),
    ({"epochs": 10 ** 9}, "epochs must be between 1 and 2000"),
    ({"epochs": 0}, "epochs"),
    ({"batch_size": 0}, "batch_size"),
    ({"l2": -0.5}, "l2"),
    ({"validation_split": 0.95}, "validation_split"),
    ({"activation": "swish"}, "activation must be one of: relu, sigmoid, tanh"),
    ({"optimizer": "lbfgs"}, "optimizer must be one of"),
    ({"output": "linear"}, "output must be one of"),
    ({"average_last": 2}, "average_last must be between 0 and 1"),
    ({"colour": "red"}, "unknown setting(s): colour"),
])
def test_create_run_validation(client, blobs, body, message):
    body = {"dataset_id": blobs, **body} if "dataset_id" not in body and body else body
    response = client.post("/api/runs", json=body)
    assert response.status_code == 400
    assert message in response.get_json()["error"]


@pytest.mark.parametrize(("data", "content_type", "message"), [
    ("{not json", "application/json", "request body is not valid JSON"),
    ("[1, 2]", "application/json", "request body must be a JSON object"),
    ("", "application/json", "request body must be a JSON object"),
])
def test_create_run_malformed_body(client, data, content_type, message):
    response = client.post("/api/runs", data=data, content_type=content_type)
    assert response.status_code == 400
    assert response.get_json() == {"error": message}


def test_create_run_unknown_dataset(client):
    response = client.post("/api/runs", json={"dataset_id": 999})
    assert response.status_code == 404
    assert response.get_json() == {"error": "dataset 999 not found"}


def test_list_runs(client, trained, blobs):
    runs = client.get("/api/runs").get_json()["runs"]
    assert [r["id"] for r in runs] == [trained["id"]]
    assert client.get(f"/api/runs?dataset_id={trained['dataset_id']}").get_json()["runs"]
    assert client.get(f"/api/runs?dataset_id={blobs}").get_json()["runs"] == []
    assert client.get("/api/runs?dataset_id=abc").status_code == 400
    assert client.get("/api/runs?dataset_id=999").status_code == 404


def test_predict_features(client, trained):
    vertical = np.zeros((8, 8))
    vertical[1:7, 3] = 16
    response = client.post(f"/api/runs/{trained['id']}/predict",
                           json={"features": vertical.ravel().tolist()})
    assert response.status_code == 200
    body = response.get_json()
    assert body["label"] in ("1", "2")
    assert set(body["probabilities"]) == {"1", "2"}
    assert sum(body["probabilities"].values()) == pytest.approx(1, abs=1e-4)


@pytest.mark.parametrize(("body", "message"), [
    ({"features": [1, 2, 3]}, "features: expected 64 numbers, got 3"),
    ({"features": [float("nan")] + [0] * 63}, "features[0] must be a finite number"),
    ({"features": ["a"] + [0] * 63}, "features[0] must be a number"),
    ({"features": "0,0,0"}, "features must be a list of 64 numbers"),
    ({}, "send either features"),
    ({"strokes": "abc", "width": 10, "height": 10}, "strokes must be a list"),
    ({"strokes": [[[1, 2]]], "width": 0, "height": 10}, "width must be from 1"),
    ({"strokes": [[[1]]], "width": 10, "height": 10}, "each point must be [x, y]"),
    ({"strokes": [[[1, "y"]]], "width": 10, "height": 10}, "y must be a number"),
    # found by the contract fuzzing: hi - lo overflowed in the drawing's extent (a 500)
    ({"strokes": [[[1e308, 0], [-1e308, 0]]], "width": 10, "height": 10},
     "x must be from -40960 to 40960 (canvas pixels)"),
])
def test_predict_errors(client, trained, body, message):
    # json.dumps writes NaN as the bare word NaN, which the server reads and must refuse.
    response = client.post(f"/api/runs/{trained['id']}/predict", data=json.dumps(body),
                           content_type="application/json")
    assert response.status_code == 400
    assert message in response.get_json()["error"]


def test_predict_infinite_feature_is_refused(client, trained):
    response = client.post(f"/api/runs/{trained['id']}/predict",
                           data='{"features": [1e999' + ", 0" * 63 + "]}",
                           content_type="application/json")
    assert response.status_code == 400
    assert "features[0] must be a finite number" in response.get_json()["error"]


def test_predict_drawing(client, trained):
    drawing = {"strokes": [[[100, 20], [100, 60], [101, 180]]], "width": 200, "height": 200,
               "line_width": 14}
    body = client.post(f"/api/runs/{trained['id']}/predict", json=drawing).get_json()
    assert body["label"] in ("1", "2") and body["strokes"] == 1
    assert body["processed"]["height"] == 8 and len(body["processed"]["pixels"]) == 64
    empty = client.post(f"/api/runs/{trained['id']}/predict",
                        json={**drawing, "strokes": []}).get_json()
    assert empty["label"] is None and empty["processed"] is None and empty["strokes"] == 0


def test_predict_on_unfinished_or_unknown_run(client, blobs):
    assert client.post("/api/runs/999/predict", json={"features": []}).status_code == 404
    run_id = client.post("/api/runs", json={"dataset_id": blobs, **TINY, "epochs": 2000,
                                            "batch_size": 1}).get_json()["id"]
    response = client.post(f"/api/runs/{run_id}/predict", json={"features": [0] * 4})
    assert response.status_code == 409
    assert "has no trained model" in response.get_json()["error"]
    client.post(f"/api/runs/{run_id}/cancel")


def test_model_download(client, trained):
    response = client.get(f"/api/runs/{trained['id']}/model")
    assert response.status_code == 200
    assert f"run-{trained['id']}-model.npz" in response.headers["Content-Disposition"]
    with np.load(io.BytesIO(response.data), allow_pickle=False) as f:
        assert "W0" in f
    response.close()


def test_history_csv(client, trained):
    response = client.get(f"/api/runs/{trained['id']}/history.csv")
    assert response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert [r["epoch"] for r in rows] == ["1", "2", "3"]
    assert float(rows[-1]["cost"]) == pytest.approx(trained["history"]["cost"][-1])


def test_report(client, trained):
    report = client.get(f"/api/runs/{trained['id']}/report").get_json()
    assert report["classes"] == ["1", "2"]
    matrix = np.asarray(report["confusion_matrix"])
    assert matrix.shape == (2, 2) and matrix.sum() == 12        # 20% of 60 rows
    assert len(report["mistakes"]) == matrix.sum() - np.trace(matrix)
    for mistake in report["mistakes"]:
        assert mistake["true"] != mistake["predicted"] and len(mistake["pixels"]) == 64
    units = report["hidden_units"]
    assert (units["height"], units["width"], len(units["units"])) == (8, 8, 4)
    assert all(0 <= min(u) and max(u) <= 1 for u in units["units"])


def test_gradcheck(client, trained):
    body = client.post(f"/api/runs/{trained['id']}/gradcheck").get_json()
    assert body["layer_sizes"] == [8, 4, 2]
    assert body["max_relative_error"] < 1e-5


def test_restart(client, trained, wait_for_run):
    response = client.post(f"/api/runs/{trained['id']}/restart")
    assert response.status_code == 202
    again = wait_for_run(response.get_json()["id"])
    assert again["config"] == trained["config"] and again["status"] == "completed"


def test_cancel_running_then_queued(client, bars, wait_for_run):
    slow = {"dataset_id": bars, "hidden_layers": [8], "epochs": 2000, "batch_size": 1}
    first = client.post("/api/runs", json=slow).get_json()["id"]
    second = client.post("/api/runs", json=slow).get_json()["id"]   # one worker in tests
    assert client.get(f"/api/runs/{second}").get_json()["status"] == "queued"
    cancelled = client.post(f"/api/runs/{second}/cancel")
    assert cancelled.status_code == 200 and cancelled.get_json()["status"] == "cancelled"

    while client.get(f"/api/runs/{first}").get_json()["progress"]["epoch"] < 1:
        pass
    cancelled = client.post(f"/api/runs/{first}/cancel")
    assert cancelled.status_code == 200 and cancelled.get_json()["status"] == "cancelled"
    # The worker stops at the end of the epoch and is free for the next run.
    third = client.post("/api/runs", json={"dataset_id": bars, **TINY}).get_json()["id"]
    assert wait_for_run(third, timeout=10)["status"] == "completed"
    run = client.get(f"/api/runs/{first}").get_json()
    assert run["status"] == "cancelled"
    assert 1 <= len(run["history"]["epoch"]) < 2000
    again = client.post(f"/api/runs/{first}/cancel")
    assert again.status_code == 409 and "already finished" in again.get_json()["error"]


@pytest.mark.parametrize("path", ["report", "model", "history.csv"])
def test_unknown_run_is_404(client, path):
    response = client.get(f"/api/runs/42/{path}")
    assert response.status_code == 404
    assert response.get_json() == {"error": "run 42 not found"}


@pytest.mark.parametrize("path", ["cancel", "restart", "gradcheck", "predict"])
def test_unknown_run_post_is_404(client, path):
    response = client.post(f"/api/runs/42/{path}", json={})
    assert response.status_code == 404


def test_delete_run(app, client, trained):
    from pathlib import Path

    model = Path(app.config["DATA_DIR"], "models", f"{trained['id']}.npz")
    assert model.is_file()
    assert client.delete(f"/api/runs/{trained['id']}").status_code == 200
    assert client.get(f"/api/runs/{trained['id']}").status_code == 404
    assert not model.exists()


def test_deleting_a_dataset_deletes_its_runs(client, trained):
    assert client.delete(f"/api/datasets/{trained['dataset_id']}").status_code == 200
    assert client.get(f"/api/runs/{trained['id']}").status_code == 404


@pytest.fixture
def in_threads(app):
    """Train in threads of this process, so that monkeypatching nncore reaches the training."""
    from webapp.jobs.manager import JobManager

    app.extensions["jobs"].shutdown(wait=True)
    app.config["TRAINING_PROCESSES"] = False
    app.extensions["jobs"] = JobManager(app)


def _diverge(dataset, config, callback, phase=None, snapshots=None):
    from nncore.nn.training import TrainingDiverged

    callback({"epoch": 1, "epochs": 3, "cost": float("nan"), "val_cost": None,
              "train_accuracy": 0.5, "val_accuracy": None, "seconds": 0.01})
    raise TrainingDiverged("the cost became NaN: the learning rate is probably too high")


def _crash(dataset, config, callback, phase=None, snapshots=None):
    raise RuntimeError("out of cheese")


@pytest.mark.parametrize(("fit", "message"), [
    (_diverge, "learning rate is probably too high"),
    (_crash, "training failed unexpectedly (RuntimeError: out of cheese)"),
])
def test_failed_training_is_reported(in_threads, client, blobs, wait_for_run, monkeypatch, fit,
                                     message):
    import nncore.fitting

    monkeypatch.setattr(nncore.fitting, "fit", fit)
    run = wait_for_run(client.post("/api/runs", json={"dataset_id": blobs, **TINY})
                       .get_json()["id"])
    assert run["status"] == "failed"
    assert message in run["error"]
    assert client.get(f"/api/runs/{run['id']}/report").status_code == 409
    # The worker survives: the next run trains.
    monkeypatch.undo()
    assert wait_for_run(client.post(f"/api/runs/{run['id']}/restart").get_json()["id"])[
        "status"] == "completed"


def test_disk_full_when_saving_the_model(in_threads, app, client, blobs, wait_for_run,
                                        monkeypatch):
    from pathlib import Path

    from nncore.model import Model

    def full(self, path):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(Model, "save", full)
    run = wait_for_run(client.post("/api/runs", json={"dataset_id": blobs, **TINY})
                       .get_json()["id"])
    assert run["status"] == "failed"
    assert "out of disk space" in run["error"]
    assert not list(Path(app.config["DATA_DIR"], "models").iterdir())


def test_report_without_validation_uses_training_rows(client, bars, wait_for_run):
    run_id = client.post("/api/runs", json={"dataset_id": bars, **TINY,
                                            "validation_split": 0}).get_json()["id"]
    run = wait_for_run(run_id)
    assert run["status"] == "completed" and run["result"]["val_accuracy"] is None
    report = client.get(f"/api/runs/{run_id}/report").get_json()
    assert report["evaluated_on"] == "training"
    assert np.asarray(report["confusion_matrix"]).sum() == 60


def test_stopping_the_server_interrupts_training(app, client, bars):
    slow = {"dataset_id": bars, "hidden_layers": [8], "epochs": 2000, "batch_size": 1}
    run_id = client.post("/api/runs", json=slow).get_json()["id"]
    wait_for_run(client_run_getter(client), run_id, statuses="running")
    app.extensions["jobs"].shutdown(wait=True)
    run = client.get(f"/api/runs/{run_id}").get_json()
    assert run["status"] == "interrupted"
    assert run["error"] == "the server stopped during training"


def test_convolutional_run(client, bars, blobs, wait_for_run):
    """conv_filters trains conv blocks first; the report shows the kernels, gradcheck checks a
    small conv net of the same shape; tables without pictures are refused up front."""
    run_id = client.post("/api/runs", json={"dataset_id": bars, "conv_filters": [4],
                                            "hidden_layers": [8], "epochs": 2,
                                            "augment": False}).get_json()["id"]
    run = wait_for_run(run_id)
    assert run["status"] == "completed", run["error"]
    units = client.get(f"/api/runs/{run_id}/report").get_json()["hidden_units"]
    assert (units["height"], units["width"], len(units["units"])) == (3, 3, 4)
    check = client.post(f"/api/runs/{run_id}/gradcheck").get_json()
    assert check["max_relative_error"] < 1e-7
    assert check["passed"] is True and check["threshold"] == 1e-5   # the page shows this verdict
    prediction = client.post(f"/api/runs/{run_id}/predict", json={"features": [0] * 64})
    assert prediction.status_code == 200 and prediction.get_json()["label"] in {"1", "2"}

    refused = client.post("/api/runs", json={"dataset_id": blobs, "conv_filters": [4]})
    assert refused.status_code == 400
    assert "convolutional blocks need image data" in refused.get_json()["error"]


def test_synthetic_digits_only_for_digit_pictures(client, bars, blobs):
    """Synthetic pen digits are refused up front for data that is not pictures of 0-9."""
    for dataset in (bars, blobs):
        refused = client.post("/api/runs", json={"dataset_id": dataset, "synthetic_digits": 100})
        assert refused.status_code == 400
        assert "synthetic pen digits are only added to pictures of the digits 0-9" in \
            refused.get_json()["error"]
    # auto (null) and 0 are fine anywhere
    for value in (None, 0):
        started = client.post("/api/runs", json={"dataset_id": blobs, "synthetic_digits": value,
                                                 "epochs": 1})
        assert started.status_code == 202


def test_pen_digits_only_for_digit_pictures(client, bars, blobs):
    """Real pen digits are refused up front for data that is not pictures of 0-9."""
    for dataset in (bars, blobs):
        refused = client.post("/api/runs", json={"dataset_id": dataset, "pen_digits": 100})
        assert refused.status_code == 400
        assert "real pen digits are only added to pictures of the digits 0-9" in \
            refused.get_json()["error"]
    too_many = client.post("/api/runs", json={"dataset_id": blobs, "pen_digits": 10**6})
    assert too_many.status_code == 400 and "pen_digits" in too_many.get_json()["error"]
    for value in (None, 0):
        started = client.post("/api/runs", json={"dataset_id": blobs, "pen_digits": value,
                                                 "epochs": 1})
        assert started.status_code == 202


def test_predict_features_too_large_for_the_network_are_refused(client, trained):
    # finite in float64, beyond float32 once scaled: found by the contract fuzzing (a 500)
    response = client.post(f"/api/runs/{trained['id']}/predict",
                           json={"features": [1e300] + [0] * 63})
    assert response.status_code == 400
    assert response.get_json()["error"].startswith("features are too large for this model")


def test_a_drawing_in_an_absurd_value_range_is_refused(client, trained):
    # the dataset's value range changed to one the model never saw: the drawing's row (in the
    # new range) cannot be read by the network
    assert client.patch(f"/api/datasets/{trained['dataset_id']}",
                        json={"image": {"vmax": 1e300}}).status_code == 200
    drawing = {"strokes": [[[100, 20], [100, 60], [101, 180]]], "width": 200, "height": 200}
    response = client.post(f"/api/runs/{trained['id']}/predict", json=drawing)
    assert response.status_code == 400
    assert response.get_json()["error"].startswith("features are too large for this model")
    correction = client.post(f"/api/runs/{trained['id']}/corrections",
                             json={**drawing, "label": "1"})
    assert correction.status_code == 201, correction.get_json()
    assert correction.get_json()["added_samples"] == 1
