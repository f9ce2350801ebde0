"""Predictions of whole files through the API (issue 22): upload, follow, download, list, the
ONNX download, and every bad input of the issue answered with a clear 4xx, the run untouched."""
import csv
import io
import os

import numpy as np
import onnx
import pandas as pd
import pytest

from tests.conftest import bars_csv
from webapp.jobs import scoring
from tests.helpers import poll
from tests.webapp.test_uploads import EndlessBody, multipart, multipart_type

#: a table with a text category, blanks in both kinds of column, and the label last
SHOPS_CSV = "city,visits,plan,bought\n" + "".join(
    f"{city},{visits},{plan},{bought}\n" for city, visits, plan, bought in [
        ("Lyon", 3, "basic", "no"), ("Paris", 12, "pro", "yes"), ("Nice", "", "basic", "no"),
        ("Paris", 15, "", "yes"), ("Lyon", 2, "basic", "no"), ("Nice", 14, "pro", "yes")] * 8)
#: new rows: columns shuffled, an extra one, a bad number, a blank, an unseen city, the label
NEW_ROWS = ("note,plan,bought,visits,city\n"
            "first,pro,yes,13,Paris\n"
            "second,basic,no,2,Lyon\n"
            "broken,basic,no,many,Lyon\n"
            "blank,,yes,11,Nice\n"
            "unseen,pro,yes,16,Berlin\n")


def post_file(client, run_id, content, filename="new.csv", **fields):
    data = content.encode() if isinstance(content, str) else content
    return client.post(f"/api/runs/{run_id}/predictions",
                       data={"file": (io.BytesIO(data), filename), **fields},
                       content_type="multipart/form-data")


def wait_prediction(client, prediction_id, timeout=60):
    return poll(lambda: client.get(f"/api/predictions/{prediction_id}").get_json(),
                lambda p: p["status"] != "running", timeout,
                what=f"prediction {prediction_id} ending")


def outcome(client, response):
    """``(status, message)`` of a refused file: at once (a CSV's header), or in the
    prediction's status once scored (a workbook, a file without rows)."""
    if response.status_code != 202:
        return response.status_code, response.get_json()["error"]
    ended = wait_prediction(client, response.get_json()["id"])
    assert ended["status"] == "failed", ended
    return ended["error_status"], ended["error"]


@pytest.fixture
def shops_run(client, upload, wait_for_run):
    created = upload(SHOPS_CSV, "shops.csv").get_json()
    run = client.post("/api/runs", json={"dataset_id": created["id"], "epochs": 40}).get_json()
    assert wait_for_run(run["id"])["status"] == "completed"
    return run["id"]


@pytest.fixture
def bars_run(client, bars, wait_for_run):
    run = client.post("/api/runs", json={"dataset_id": bars, "hidden_layers": [4],
                                         "epochs": 3}).get_json()
    assert wait_for_run(run["id"])["status"] == "completed"
    return run["id"]


def test_a_file_is_scored_like_single_rows(client, shops_run):
    started = post_file(client, shops_run, NEW_ROWS, "next month.csv")
    assert started.status_code == 202 and started.get_json()["status"] == "running"
    done = wait_prediction(client, started.get_json()["id"])
    assert done["status"] == "completed", done
    assert (done["run_id"], done["rows"], done["file_name"]) == (shops_run, 5, "next month.csv")
    assert done["summary"]["errors"] == 1 and "many" in done["summary"]["error_examples"][0]
    counted = {k: {c: n for c, n in done["summary"][k].items() if n} for k in ("blanks", "unseen")}
    assert counted == {"blanks": {"plan": 1}, "unseen": {"city": 1}}
    assert done["metrics"]["rows"] == 4 and done["metrics"]["classes"] == ["no", "yes"]
    assert sum(map(sum, done["metrics"]["confusion"])) == 4
    assert done["preview"]["columns"][:5] == ["note", "plan", "bought", "visits", "city"]

    download = client.get(f"/api/predictions/{done['id']}/file")
    assert download.status_code == 200 and download.mimetype == "text/csv"
    assert "next-month-predictions.csv" in download.headers["Content-Disposition"]
    text = download.get_data(as_text=True)
    download.close()
    rows = list(csv.DictReader(io.StringIO(text)))
    assert list(rows[0]) == ["note", "plan", "bought", "visits", "city", "predicted_bought",
                             "probability_no", "probability_yes", "error"]
    assert done["preview"]["rows"][0] == list(rows[0].values())
    for row in rows:
        if row["note"] == "broken":
            assert row["predicted_bought"] == "" and "many" in row["error"]
            continue
        single = client.post(f"/api/runs/{shops_run}/predict", json={"row": {
            k: row[k] for k in ("city", "visits", "plan")}}).get_json()
        assert row["predicted_bought"] == single["label"] and row["error"] == ""
        for name, p in single["probabilities"].items():
            assert float(row[f"probability_{name}"]) == pytest.approx(p, abs=2e-6)
    listed = client.get(f"/api/runs/{shops_run}/predictions").get_json()["predictions"]
    assert [p["id"] for p in listed] == [done["id"]]


def test_a_picture_file_without_labels_is_scored(client, bars_run):
    pixels = "\n".join(line.rsplit(",", 1)[0] for line in bars_csv(3).splitlines())
    done = wait_prediction(client, post_file(client, bars_run, pixels + "\n").get_json()["id"])
    assert done["status"] == "completed" and done["rows"] == 6 and done["metrics"] is None


@pytest.mark.parametrize(("content", "filename", "status", "message"), [
    ("note,visits,bought\nx,3,no\n", "new.csv", 400, '"city"'),
    ("city,visits,plan\n", "new.csv", 400, "no rows"),
    ("city,visits,plan\nLyon,3,basic\nParis,1", "new.csv", 400, "middle of row 3"),
    ("", "new.csv", 400, "empty"),
    ("city,visits,plan\nLyon,3,basic\n", "new.exe", 400, "Unsupported file type"),
    (b"PK\x03\x04 not really a workbook", "new.xlsx", 400, "workbook is damaged"),
])
def test_a_bad_file_gets_a_clear_4xx_and_the_run_is_untouched(client, shops_run, content,
                                                               filename, status, message):
    before = client.get(f"/api/runs/{shops_run}").get_json()
    got_status, got_message = outcome(client, post_file(client, shops_run, content, filename))
    assert got_status == status and message in got_message
    assert client.get(f"/api/runs/{shops_run}").get_json() == before
    assert client.post(f"/api/runs/{shops_run}/predict", json={"row": {
        "city": "Lyon", "visits": "3", "plan": "basic"}}).status_code == 200


def test_a_picture_file_with_the_wrong_pixel_count_is_refused(client, bars_run):
    status, message = outcome(client, post_file(client, bars_run, "1,2,3,4,5\n6,7,8,9,10\n"))
    assert status == 400 and "64 features" in message


def test_a_declared_2_gb_body_is_refused_before_a_byte_is_read(client, shops_run):
    body = EndlessBody(2 * 1024 ** 3)
    response = client.post(f"/api/runs/{shops_run}/predictions", input_stream=body,
                           content_type=multipart_type(),
                           headers={"Content-Length": str(body.size)})
    assert response.status_code == 413 and "too large" in response.get_json()["error"]
    assert body.sent == 0


def test_a_run_without_a_model_or_unknown_is_refused(client, blobs):
    run = client.post("/api/runs", json={"dataset_id": blobs, "epochs": 1000}).get_json()
    refused = post_file(client, run["id"], "a,b,c,d\n1,2,3,4\n")
    client.post(f"/api/runs/{run['id']}/cancel")
    assert refused.status_code == 409 and "no trained model" in refused.get_json()["error"]
    assert post_file(client, 999, "a\n1\n").status_code == 404
    assert client.get("/api/predictions/999").status_code == 404
    assert client.get("/api/runs/999/predictions").status_code == 404
    assert client.get(f"/api/runs/{run['id']}/onnx").status_code == 409


def test_deleting_the_run_while_scoring_stops_it_and_removes_its_files(app, client, shops_run):
    big = "city,visits,plan\n" + "Lyon,3,basic\nParis,12,pro\n" * 200_000
    started = client.post(f"/api/runs/{shops_run}/predictions", content_type=multipart_type(),
                          input_stream=io.BytesIO(multipart(big, "big.csv"))).get_json()
    poll(lambda: client.get(f"/api/predictions/{started['id']}").get_json(),
         lambda p: p["rows"] > 0, 60, what="the first chunk scored")
    assert client.delete(f"/api/runs/{shops_run}").status_code == 200
    assert client.get(f"/api/predictions/{started['id']}").status_code == 404
    folder = app.config["DATA_DIR"] + f"/predictions/run-{shops_run}"
    tmp = app.config["DATA_DIR"] + "/tmp"
    poll(lambda: (os.path.exists(folder) and os.listdir(folder), os.listdir(tmp)),
         lambda left: not left[0] and not left[1], 60, what="the scoring's files removed")


def test_the_model_downloads_as_onnx(client, shops_run):
    response = client.get(f"/api/runs/{shops_run}/onnx")
    assert response.status_code == 200 and response.mimetype == "application/octet-stream"
    assert f"shops-run{shops_run}.onnx" in response.headers["Content-Disposition"]
    model = onnx.load_from_string(response.get_data())
    assert np.asarray(model.graph.input).size >= 1


def test_a_workbook_is_scored(client, shops_run, tmp_path):
    rows = [line.split(",") for line in NEW_ROWS.splitlines()]
    path = tmp_path / "new.xlsx"
    pd.DataFrame(rows[1:], columns=rows[0]).to_excel(path, index=False)
    done = wait_prediction(client, post_file(client, shops_run, path.read_bytes(),
                                             "new.xlsx").get_json()["id"])
    assert done["status"] == "completed" and done["rows"] == 5, done
    assert done["summary"]["errors"] == 1 and done["metrics"]["rows"] == 4


def test_deleting_the_dataset_removes_its_runs_predictions(app, client, shops_run):
    done = wait_prediction(client, post_file(client, shops_run, NEW_ROWS).get_json()["id"])
    folder = os.path.join(app.config["DATA_DIR"], "predictions", f"run-{shops_run}")
    assert os.listdir(folder) == [f"{done['id']}.csv"]
    dataset_id = client.get(f"/api/runs/{shops_run}").get_json()["dataset_id"]
    assert client.delete(f"/api/datasets/{dataset_id}").status_code == 200
    assert not os.path.exists(folder)
    assert client.get(f"/api/predictions/{done['id']}").status_code == 404


def kept_pids(app):
    return [process.pid for process in app.extensions["scorer"]._kept]


def test_the_scoring_process_is_kept_for_the_next_file_and_replaced_when_it_dies(
        app, client, shops_run, monkeypatch):
    content = "city,visits,plan\nLyon,3,basic\nParis,12,pro\n"
    first = wait_prediction(client, post_file(client, shops_run, content).get_json()["id"])
    assert first["status"] == "completed" and len(kept_pids(app)) == 1
    pid = kept_pids(app)[0]
    second = wait_prediction(client, post_file(client, shops_run, content).get_json()["id"])
    assert second["status"] == "completed" and second["preview"] == first["preview"]
    assert kept_pids(app) == [pid]                 # the same process scored both
    # killed while idle (out of memory, an operator): the next file gets a new process
    os.kill(pid, 9)
    third = wait_prediction(client, post_file(client, shops_run, content).get_json()["id"])
    assert third["status"] == "completed", third
    assert len(kept_pids(app)) == 1 and kept_pids(app) != [pid]
    # a huge file's process is let go rather than kept (its memory with it)
    monkeypatch.setattr(scoring, "RETIRE_CELLS", 5)
    fourth = wait_prediction(client, post_file(client, shops_run, content).get_json()["id"])
    assert fourth["status"] == "completed" and kept_pids(app) == []
