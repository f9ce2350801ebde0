"""Database upgrades: numbered migrations applied at start-up by PRAGMA user_version.

``release_data/`` is a data folder written by the release before migrations existed (see its
make_release.py): its database is at user_version 0. Upgrading must keep every dataset, run
and model, and a second start must change nothing.
"""
import shutil
import sqlite3
from pathlib import Path

import numpy as np
import pytest

from tests.helpers import client_run_getter, wait_for_run
from webapp import create_app, db
from webapp.db import SchemaTooNew, migrate, migrations

RELEASE = Path(__file__).parent / "release_data"
VERTICAL = np.zeros((8, 8))
VERTICAL[1:7, 3] = 16


@pytest.fixture
def release_dir(tmp_path):
    target = tmp_path / "release"
    shutil.copytree(RELEASE, target, ignore=shutil.ignore_patterns("*.py"))
    return target


def raw(path, sql):
    conn = sqlite3.connect(path)
    conn.row_factory = sqlite3.Row
    try:
        return [dict(row) for row in conn.execute(sql).fetchall()]
    finally:
        conn.close()


def start(data_dir):
    return create_app({"DATA_DIR": str(data_dir), "REGISTER_SAMPLE": False})


def test_upgrading_a_release_database_keeps_datasets_runs_and_models(release_dir):
    database = release_dir / "app.db"
    assert raw(database, "PRAGMA user_version") == [{"user_version": 0}]
    datasets_before = raw(database, "SELECT * FROM datasets ORDER BY id")
    runs_before = raw(database, "SELECT * FROM runs ORDER BY id")
    models_before = {p.name: p.read_bytes() for p in (release_dir / "models").iterdir()}

    app = start(release_dir)
    try:
        client = app.test_client()
        assert raw(database, "PRAGMA user_version") == [{"user_version": migrations()[-1][0]}]
        runs_after = raw(database, "SELECT * FROM runs ORDER BY id")
        assert [{k: r[k] for k in runs_before[0]} for r in runs_after] == runs_before
        assert {r["worker"] for r in runs_after} == {None}
        datasets_after = raw(database, "SELECT * FROM datasets ORDER BY id")
        assert [{k: d[k] for k in datasets_before[0]} for d in datasets_after] == datasets_before
        # no account yet: nobody owns them until the first admin adopts them (test_accounts_upgrade)
        assert {d["owner_id"] for d in datasets_after} == {r["owner_id"] for r in runs_after} \
            == {None}
        assert {p.name: p.read_bytes() for p in (release_dir / "models").iterdir()} == \
            models_before

        shown = client.get("/api/datasets").get_json()["datasets"]
        assert [(d["name"], d["source"], d["parent_id"]) for d in shown] == [
            ("bars.csv", "upload", None), ("blobs.csv", "upload", None),
            ("bars.csv + your corrections", "corrections", 1)]
        runs = {r["id"]: r for r in client.get("/api/runs").get_json()["runs"]}
        assert [runs[i]["status"] for i in (1, 2, 3)] == ["completed", "completed", "cancelled"]
        prediction = client.post("/api/runs/1/predict",
                                 json={"features": VERTICAL.ravel().tolist()})
        assert prediction.status_code == 200 and prediction.get_json()["label"] in ("1", "2")
        assert client.get("/api/runs/1/report").status_code == 200
        assert client.get("/api/runs/3").get_json()["history"]["epoch"][:2] == [1, 2]
        restarted = client.post("/api/runs/1/restart").get_json()["id"]
        assert wait_for_run(client_run_getter(client), restarted)["status"] == "completed"
    finally:
        app.extensions["jobs"].shutdown(wait=True)

    before_second_start = raw(database, "SELECT * FROM runs ORDER BY id")
    again = start(release_dir)
    again.extensions["jobs"].shutdown()
    assert raw(database, "SELECT * FROM runs ORDER BY id") == before_second_start


def test_a_database_from_a_newer_release_is_refused(tmp_path):
    start(tmp_path / "d").extensions["jobs"].shutdown()
    conn = sqlite3.connect(tmp_path / "d" / "app.db")
    conn.execute(f"PRAGMA user_version = {migrations()[-1][0] + 1}")
    conn.close()
    with pytest.raises(SchemaTooNew, match="newer than this release knows"):
        start(tmp_path / "d")


def test_a_failing_migration_changes_nothing(tmp_path, monkeypatch):
    steps = tmp_path / "migrations"
    steps.mkdir()
    (steps / "0001_first.sql").write_text("CREATE TABLE a (x INTEGER);\n")
    (steps / "0002_broken.sql").write_text("CREATE TABLE b (x INTEGER);\nNOT SQL;\n")
    monkeypatch.setattr(db, "MIGRATIONS_DIR", steps)
    conn = sqlite3.connect(tmp_path / "app.db")
    with pytest.raises(sqlite3.OperationalError):
        migrate(conn)
    assert conn.execute("PRAGMA user_version").fetchone() == (0,)
    assert conn.execute("SELECT name FROM sqlite_master").fetchall() == []
    (steps / "0002_broken.sql").write_text("CREATE TABLE b (x INTEGER);\n")
    assert migrate(conn) == 2
    assert conn.execute("PRAGMA user_version").fetchone() == (2,)
    conn.close()


def test_migrations_are_numbered_from_one_and_increasing():
    numbers = [number for number, _, _ in migrations()]
    assert numbers[0] == 1 and numbers == sorted(set(numbers))


def test_datasets_stored_by_the_release_read_as_they_were_written(release_dir):
    """Their arrays were written by np.savez: read back unchanged (and trained on above)."""
    from webapp.services import datasets

    app = start(release_dir)
    try:
        with app.app_context():
            for dataset_id in (1, 2, 3):
                with np.load(release_dir / "datasets" / f"{dataset_id}.npz") as f:
                    X, y = f["X"], f["y"]
                dataset = datasets.load(dataset_id)
                assert np.array_equal(dataset.X, X) and dataset.X.dtype == X.dtype
                assert np.array_equal(dataset.y, y)
    finally:
        app.extensions["jobs"].shutdown(wait=True)
