"""How release_data/ was made: a data folder written by the release before schema migrations
(commit d4d70c8), for tests/webapp/test_migrations.py.

    git archive d4d70c8 | tar -x -C /tmp/release
    cd /tmp/release && PYTHONPATH=/tmp/release python <this file> /tmp/release-data

Two uploads, a completed run on each, a correction (a derived dataset) and a cancelled run;
then the WAL is folded into app.db. The secret key is left out (a start makes one).
"""
import io
import sqlite3
import sys
import time

from tests.conftest import bars_csv, blobs_csv
from webapp import create_app


def main(out):
    app = create_app({"DATA_DIR": out, "REGISTER_SAMPLE": False, "TRAINING_PROCESSES": False})
    client = app.test_client()

    def wait(run_id):
        while client.get(f"/api/runs/{run_id}").get_json()["status"] in ("queued", "running"):
            time.sleep(0.05)
        return client.get(f"/api/runs/{run_id}").get_json()

    ids = []
    for name, text in (("bars.csv", bars_csv()), ("blobs.csv", blobs_csv())):
        response = client.post("/api/datasets", data={"file": (io.BytesIO(text.encode()), name)},
                               content_type="multipart/form-data")
        ids.append(response.get_json()["id"])
    runs = [wait(client.post("/api/runs", json={"dataset_id": i, "hidden_layers": [4],
                                                  "epochs": 3, "batch_size": 16, "seed": 1})
                 .get_json()["id"]) for i in ids]
    client.post(f"/api/runs/{runs[0]['id']}/corrections", json={
        "strokes": [[[100, 20], [100, 180]]], "width": 200, "height": 200, "line_width": 14,
        "label": "1"})
    slow = client.post("/api/runs", json={"dataset_id": ids[0], "hidden_layers": [8],
                                          "epochs": 2000, "batch_size": 1}).get_json()["id"]
    while client.get(f"/api/runs/{slow}").get_json()["progress"]["epoch"] < 2:
        time.sleep(0.05)
    client.post(f"/api/runs/{slow}/cancel")
    wait(slow)
    app.extensions["jobs"].shutdown(wait=True)
    db = sqlite3.connect(f"{out}/app.db")
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()


if __name__ == "__main__":
    main(sys.argv[1])
