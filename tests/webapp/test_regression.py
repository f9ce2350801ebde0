"""A number to predict through the API: upload read as regression, the task switched both ways,
bad labels refused naming the cell, a short run with R²/MAE/RMSE, a predicted value, the report.
"""
import csv
import io
import tempfile
from pathlib import Path

import numpy as np
import pytest

from tests.processes import call, multipart, require_redis_server
from tests.webapp.test_remote_workers import Cluster

BOSTON = Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "regression" / "boston.csv"
SHORT = {"epochs": 5, "seed": 0}


def generated_csv(n=300, seed=0):
    """A price-like table: two numbers, a text column, the label ``price`` (many values)."""
    rng = np.random.default_rng(seed)
    size = rng.uniform(20, 200, n)
    rooms = rng.integers(1, 6, n)
    town = rng.choice(["north", "south", "east"], n)
    price = 50 + 2.5 * size + 10 * rooms + np.where(town == "north", 40, 0) + rng.normal(0, 5, n)
    lines = ["size,rooms,town,price"]
    lines += [f"{s:.1f},{r},{t},{p:.2f}" for s, r, t, p in zip(size, rooms, town, price)]
    return "\n".join(lines) + "\n"


def upload(client, text, name="table.csv"):
    return client.post("/api/datasets", data={"file": (io.BytesIO(text.encode()), name)},
                       content_type="multipart/form-data")


@pytest.fixture
def table_text():
    if BOSTON.is_file():
        return BOSTON.read_text()
    return generated_csv()


@pytest.fixture
def dataset(client, table_text):
    response = upload(client, table_text)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def test_a_number_label_uploads_as_regression(dataset):
    assert dataset["task"] == "regression" and dataset["classes"] == []
    assert dataset["task_reason"]
    target = dataset["target"]
    assert target["count"] == dataset["n_samples"] and target["blanks"] == 0
    assert target["min"] < target["mean"] < target["max"] and target["std"] > 0
    label = dataset["columns"][0]
    assert label["kind"] == "label" and "number to predict" in label["action"]
    assert dataset["default_run"]["settings"]


def test_switching_the_task_both_ways(client, dataset):
    url = f"/api/datasets/{dataset['id']}"
    classes = client.patch(url, json={"task": "classification"})
    assert classes.status_code == 200, classes.get_json()
    body = classes.get_json()
    assert body["task"] == "classification" and len(body["classes"]) > 20
    assert sum(body["class_counts"].values()) == dataset["n_samples"]
    back = client.patch(url, json={"task": "regression"}).get_json()
    assert back["task"] == "regression" and back["classes"] == []
    assert back["target"] == dataset["target"]
    assert client.patch(url, json={"task": "numbers"}).status_code == 400


def test_the_chosen_task_survives_a_change_of_roles(client):
    dataset = upload(client, generated_csv(120)).get_json()
    url = f"/api/datasets/{dataset['id']}"
    assert client.patch(url, json={"task": "classification"}).status_code == 200
    body = client.patch(url, json={"roles": {"rooms": "category"}}).get_json()
    assert body["task"] == "classification" and body["task_reason"] == "chosen by you"
    assert next(c for c in body["columns"] if c["name"] == "rooms")["kind"] == "category"


def test_a_binary_label_stays_classes_until_switched(client):
    rng = np.random.default_rng(1)
    rows = ["a,b,label"] + [f"{x:.3f},{y:.3f},{int(x > y)}" for x, y in rng.random((60, 2))]
    body = upload(client, "\n".join(rows)).get_json()
    assert body["task"] == "classification" and body["classes"] == ["0", "1"]
    switched = client.patch(f"/api/datasets/{body['id']}", json={"task": "regression"}).get_json()
    assert switched["task"] == "regression" and switched["target"]["min"] == 0


@pytest.mark.parametrize("bad, words", [
    ("inf", ['"inf" is infinite', "row 4"]),
    ("1e308", ['"1e308" is beyond', "row 4"]),
    ("lots", ['"lots" is not a number', "row 4"]),
])
def test_bad_labels_name_the_cell(client, bad, words):
    rows = ["x,y"] + [f"{i},{i * 1.37:.2f}" for i in range(40)]
    rows[3] = f"2,{bad}"
    response = upload(client, "\n".join(rows))      # 39 numbers in 40: read as numbers
    assert response.status_code == 400
    for word in words:
        assert word in response.get_json()["error"]
    assert client.get("/api/datasets").get_json()["datasets"] == []


def test_switching_to_numbers_names_a_text_cell_and_keeps_the_classes(client):
    rows = ["x,y"] + [f"{(i * 7) % 11},{['low', 'mid', '3.5'][i % 3]}" for i in range(30)]
    dataset = upload(client, "\n".join(rows)).get_json()
    assert dataset["task"] == "classification"
    response = client.patch(f"/api/datasets/{dataset['id']}", json={"task": "regression"})
    assert response.status_code == 400
    assert '"low" is not a number' in response.get_json()["error"]
    assert client.get(f"/api/datasets/{dataset['id']}").get_json()["classes"] == dataset["classes"]


def test_a_constant_label_is_refused(client):
    rows = ["x,y"] + [f"{(i * 7) % 11},7.5" for i in range(30)]
    response = upload(client, "\n".join(rows))
    assert response.status_code == 400
    assert "every row has the same value" in response.get_json()["error"]
    rows = ["x,y"] + [f"{(i * 7) % 11},{7.5 if i else 8}" for i in range(30)]
    dataset = upload(client, "\n".join(rows)).get_json()
    assert dataset["task"] == "classification"          # two values: a yes/no question
    rows[1] = rows[1].rsplit(",", 1)[0] + ","           # the 8 left blank: constant again
    classes = upload(client, "\n".join(rows))
    assert classes.status_code == 400, classes.get_json()


def test_blank_labels_are_dropped_with_a_count(client):
    text = generated_csv(200).splitlines()
    text[5] = text[5].rsplit(",", 1)[0] + ","
    text[9] = text[9].rsplit(",", 1)[0] + ","
    body = upload(client, "\n".join(text)).get_json()
    assert body["task"] == "regression"
    assert body["n_samples"] == 198 and body["target"]["blanks"] == 2


@pytest.fixture
def run(client, wait_for_run):
    dataset = upload(client, generated_csv()).get_json()
    response = client.post("/api/runs", json={"dataset_id": dataset["id"], **SHORT})
    assert response.status_code == 202, response.get_json()
    run = wait_for_run(response.get_json()["id"], timeout=120)
    assert run["status"] == "completed", run["error"]
    return run


def test_a_regression_run_reports_numbers(client, run):
    result = run["result"]
    assert result["task"] == "regression" and result["val_accuracy"] is None
    for key in ("val_r2", "val_mae", "val_rmse", "train_r2"):
        assert np.isfinite(result[key]), key
    assert result["val_r2"] > result["baseline"]["val_r2"]
    assert result["val_rmse"] < result["baseline"]["val_rmse"]
    history = run["history"]
    assert len(history["val_r2"]) == len(history["epoch"]) == SHORT["epochs"]
    rows = list(csv.DictReader(io.StringIO(
        client.get(f"/api/runs/{run['id']}/history.csv").get_data(as_text=True))))
    assert float(rows[-1]["val_r2"]) == pytest.approx(history["val_r2"][-1])
    assert "val_accuracy" not in rows[0]


def test_the_gradient_check_uses_the_linear_output(client, run):
    body = client.post(f"/api/runs/{run['id']}/gradcheck").get_json()
    assert body["layer_sizes"][-1] == 1 and body["passed"], body


def test_predict_answers_a_value_in_label_units(client, run):
    url = f"/api/runs/{run['id']}/predict"
    answer = client.post(url, json={"row": {"size": 100, "rooms": 3, "town": "north"}})
    assert answer.status_code == 200, answer.get_json()
    value = answer.get_json()["value"]
    assert 150 < value < 600            # 50 + 250 + 30 + 40 = 370 in price units
    drawing = client.post(url, json={"strokes": [[[1, 1], [5, 5]]], "width": 10, "height": 10})
    assert drawing.status_code == 400


def test_the_report_has_the_scatter_and_the_largest_errors(client, run):
    report = client.get(f"/api/runs/{run['id']}/report").get_json()
    assert report["task"] == "regression" and report["evaluated_on"] == "validation"
    points = np.asarray(report["points"])
    assert points.shape == (60, 2)          # 20% of 300 rows: (actual, predicted)
    errors = report["largest_errors"]
    assert errors and abs(errors[0]["error"]) >= abs(errors[-1]["error"])
    first = errors[0]
    assert first["error"] == pytest.approx(first["predicted"] - first["actual"])
    assert set(first["values"]) == {"size", "rooms", "town"}


def test_compare_lists_carry_regression_metrics(client, run):
    listed = client.get(f"/api/runs?dataset_id={run['dataset_id']}").get_json()["runs"]
    assert listed[0]["result"]["val_r2"] == pytest.approx(run["result"]["val_r2"])


def test_a_remote_worker_trains_a_regression_like_the_server(client, run):
    require_redis_server()
    # a short folder: the worker's fork server binds a Unix socket under it (108 bytes at most)
    folder = tempfile.TemporaryDirectory(prefix="rg-", dir="/tmp")
    cluster = Cluster(Path(folder.name))
    try:
        cluster.start_server()
        cluster.start_worker("worker-a")
        body, headers = multipart("table.csv", generated_csv().encode())
        status, dataset = call(cluster.server.base, "POST", "/api/datasets", raw=body,
                               headers=headers)
        assert status == 201 and dataset["task"] == "regression"
        remote = cluster.wait(cluster.queue(dataset["id"], **SHORT), {"completed", "failed"})
    finally:
        cluster.stop()
        folder.cleanup()
    assert remote["status"] == "completed", remote["error"]
    assert remote["result"]["val_r2"] == run["result"]["val_r2"]       # the same fit
    assert remote["history"]["val_rmse"] == run["history"]["val_rmse"]
