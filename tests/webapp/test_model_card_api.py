"""The model card of a completed run through the API (issue 22): its fields, the download,
the five lines of Python it carries running the ONNX download, and the refusals."""
import json
import subprocess
import sys

import pytest

from tests.webapp.test_predictions import SHOPS_CSV, shops_run  # noqa: F401 (a fixture)


def test_the_card_of_a_table_run(client, shops_run):  # noqa: F811
    response = client.get(f"/api/runs/{shops_run}/model-card")
    assert response.status_code == 200 and response.mimetype == "application/json"
    card = response.get_json()
    run = client.get(f"/api/runs/{shops_run}").get_json()
    assert card["dataset"] == "shops.csv" and card["date"] == run["finished_at"][:10]
    assert len(card["date"]) == 10 and card["date"][4] == "-"
    assert card["task"] == "classification" and card["label"] == "bought"
    assert card["classes"] == ["no", "yes"]
    assert [(c["name"], c["kind"]) for c in card["columns"]] == [
        ("city", "category"), ("visits", "number"), ("plan", "category")]
    assert card["columns"][0]["categories"] == ["Lyon", "Nice", "Paris"]
    assert card["settings"]["epochs"] == 40
    assert card["metrics"]["val_accuracy"] == run["result"]["val_accuracy"]
    assert card["onnx_file"] == f"shops-run{shops_run}.onnx"
    assert "onnxruntime" in card["python"] and card["onnx_file"] in card["python"]
    download = client.get(f"/api/runs/{shops_run}/model-card?download=1")
    assert (f"attachment; filename=shops-run{shops_run}-card.json"
            == download.headers["Content-Disposition"])
    assert json.loads(download.get_data()) == card


def test_the_cards_python_runs_the_onnx_download(client, shops_run, tmp_path):  # noqa: F811
    card = client.get(f"/api/runs/{shops_run}/model-card").get_json()
    onnx_bytes = client.get(f"/api/runs/{shops_run}/onnx").get_data()
    (tmp_path / card["onnx_file"]).write_bytes(onnx_bytes)
    done = subprocess.run([sys.executable, "-c", card["python"]], capture_output=True,
                          text=True, timeout=60, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    printed_class = done.stdout.split(" ", 1)[0]
    # the snippet's row: each number column's fill, each category column's first category
    row = {c["name"]: str(c["fill"]) if c["kind"] == "number" else c["categories"][0]
           for c in card["columns"]}
    single = client.post(f"/api/runs/{shops_run}/predict", json={"row": row}).get_json()
    assert printed_class == single["label"] and printed_class in card["classes"]
    printed = [float(p) for p in done.stdout.split(" ", 1)[1].strip(" []\n").split()]
    assert printed == pytest.approx([single["probabilities"][c] for c in card["classes"]],
                                    abs=1e-5)


def test_no_card_before_completion_or_for_a_missing_run(client, blobs):
    run = client.post("/api/runs", json={"dataset_id": blobs, "epochs": 1000}).get_json()
    refused = client.get(f"/api/runs/{run['id']}/model-card")
    client.post(f"/api/runs/{run['id']}/cancel")
    assert refused.status_code == 409 and "no trained model" in refused.get_json()["error"]
    missing = client.get("/api/runs/999/model-card")
    assert missing.status_code == 404 and "run 999 not found" in missing.get_json()["error"]
