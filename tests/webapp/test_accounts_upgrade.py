"""Upgrading a data folder made by the release before accounts (tests/webapp/release_data):
migration 0003 adds owners without touching a row; the first admin account adopts every
dataset and run (the built-in sample stays everyone's); nothing is lost or shown to others."""
import io
import shutil
import sqlite3
from pathlib import Path

from webapp.__main__ import main as webapp_main

RELEASE = Path(__file__).parent / "release_data"
PASSWORD = "correct horse battery"


def owners(database, table):
    conn = sqlite3.connect(database)
    try:
        return dict(conn.execute(f"SELECT id, owner_id FROM {table} ORDER BY id").fetchall())
    finally:
        conn.close()


def add_user(monkeypatch, data_dir, *args):
    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
    assert webapp_main(["--data-dir", str(data_dir), "users", "add", *args]) == 0


def test_the_first_admin_adopts_a_release_folders_datasets_and_runs(tmp_path, monkeypatch,
                                                                   make_app):
    data = tmp_path / "release"
    shutil.copytree(RELEASE, data, ignore=shutil.ignore_patterns("*.py"))
    database = data / "app.db"
    add_user(monkeypatch, data, "Ada", "--admin")         # migrates, then adopts
    add_user(monkeypatch, data, "Bob")
    assert owners(database, "datasets") == {1: 1, 2: 1, 3: 1}
    assert owners(database, "runs") == {1: 1, 2: 1, 3: 1}

    app = make_app(DATA_DIR=str(data), REGISTER_SAMPLE=True, AUTH_REQUIRED=True)
    ada, bob = app.test_client(), app.test_client()
    for client, name in ((ada, "Ada"), (bob, "Bob")):
        assert client.post("/api/session", json={"name": name, "password": PASSWORD}) \
            .status_code == 200
    shown = [(d["name"], d["source"]) for d in ada.get("/api/datasets").get_json()["datasets"]]
    assert shown == [("bars.csv", "upload"), ("blobs.csv", "upload"),
                     ("bars.csv + your corrections", "corrections"),
                     (app.config["SAMPLE_NAME"], "builtin")]
    assert sorted(r["id"] for r in ada.get("/api/runs").get_json()["runs"]) == [1, 2, 3]
    assert ada.get("/api/runs/1/report").status_code == 200
    assert [d["source"] for d in bob.get("/api/datasets").get_json()["datasets"]] == ["builtin"]
    assert bob.get("/api/runs").get_json() == {"runs": []}
    assert bob.get("/api/runs/1").status_code == 404
    assert owners(database, "datasets")[4] is None       # the sample: everyone's


def test_work_made_on_loopback_before_any_account_goes_to_the_first_admin(app, upload,
                                                                          monkeypatch, csv_text):
    data = Path(app.config["DATA_DIR"])
    dataset_id = upload(csv_text["blobs"], "b.csv").get_json()["id"]
    assert owners(data / "app.db", "datasets") == {dataset_id: None}
    add_user(monkeypatch, data, "Ada", "--admin")
    assert owners(data / "app.db", "datasets") == {dataset_id: 1}
    # on loopback, work made once an admin exists is the admin's at once
    second = upload(csv_text["blobs"], "c.csv").get_json()["id"]
    assert owners(data / "app.db", "datasets")[second] == 1
