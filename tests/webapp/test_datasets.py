"""Datasets API: upload (CSV, tutorial-layout xlsx), list, show, patch, samples, delete."""
import io
from pathlib import Path

import numpy as np
import pytest

from nncore.data import npzfiles
from webapp import create_app


def test_csv_upload_round_trip(client, upload, csv_text):
    response = upload(csv_text["blobs"], "blobs.csv")
    assert response.status_code == 201
    created = response.get_json()
    assert created["name"] == "blobs.csv"
    assert created["n_samples"] == 60 and created["n_features"] == 4
    assert created["classes"] == ["blue", "green", "red"]
    assert created["class_counts"] == {"blue": 20, "green": 20, "red": 20}
    assert created["display_names"] == {"blue": "blue", "green": "green", "red": "red"}
    assert created["source"] == "upload" and created["image"] is None
    assert client.get(f"/api/datasets/{created['id']}").get_json() == created
    assert client.get("/api/datasets").get_json()["datasets"] == [created]


def test_upload_is_stored_under_a_generated_name(app, upload, csv_text):
    response = upload(csv_text["blobs"], "..\\../etc/evil\tname\x1b.csv")
    assert response.status_code == 201
    created = response.get_json()
    assert created["name"] == "evilname.csv"
    stored = sorted(p.name for p in Path(app.config["DATA_DIR"]).rglob("*") if p.is_file())
    assert f"{created['id']}.npz" in stored
    assert not any("evil" in name for name in stored)
    assert not list(Path(app.config["DATA_DIR"], "tmp").iterdir())


def test_image_dataset_is_detected(upload, csv_text):
    created = upload(csv_text["bars"], "bars.csv").get_json()
    assert created["image"] == {"height": 8, "width": 8, "order": "C", "vmin": 0.0, "vmax": 16.0}


def test_tutorial_layout_xlsx(tmp_path, upload):
    openpyxl = pytest.importorskip("openpyxl")
    rng = np.random.default_rng(1)
    workbook = openpyxl.Workbook()
    x_sheet = workbook.active
    x_sheet.title = "X"
    y_sheet = workbook.create_sheet("y")
    for label in (10, 1, 2) * 8:  # Ng's tutorial: the digit zero is labelled 10
        x_sheet.append([float(v) for v in rng.random(5) + label])
        y_sheet.append([label])
    path = tmp_path / "ex4data1.xlsx"
    workbook.save(path)
    response = upload(path.read_bytes(), "ex4data1.xlsx", x_sheet="X", y_sheet="y")
    assert response.status_code == 201, response.get_json()
    created = response.get_json()
    assert created["classes"] == ["1", "2", "10"]
    assert created["n_samples"] == 24 and created["n_features"] == 5


@pytest.mark.parametrize(("content", "filename", "fields", "message"), [
    ("a,b\n1,x\n", "notes.pdf", {}, "Unsupported file type"),
    ("a,b\n1,x\n", "noextension", {}, "unsupported file type"),
    ("", "empty.csv", {}, ""),
    ("not,a,table\n\x00\x01", "junk.xlsx", {}, ""),
    ("blobs", "blobs.csv", {"x_sheet": "X"}, "x_sheet"),
    ("blobs", "blobs.csv", {"label_column": "nope"}, "nope"),
])
def test_bad_uploads(upload, csv_text, content, filename, fields, message):
    response = upload(csv_text.get(content, content), filename, **fields)
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error and message in error
    assert "Traceback" not in error


def test_upload_without_file(client):
    response = client.post("/api/datasets", data={}, content_type="multipart/form-data")
    assert response.status_code == 400
    assert "multipart field 'file'" in response.get_json()["error"]


def test_oversized_upload_is_413(tmp_path):
    # (Kept under the test client's 500 KB spooling threshold, which would leave a temp file.)
    app = create_app({"DATA_DIR": str(tmp_path), "REGISTER_SAMPLE": False,
                      "MAX_CONTENT_LENGTH": 256 * 1024})
    response = app.test_client().post(
        "/api/datasets", data={"file": (io.BytesIO(b"1," * 150_000), "big.csv")},
        content_type="multipart/form-data")
    app.extensions["jobs"].shutdown()
    assert response.status_code == 413
    assert response.get_json() == {"error": "the upload is too large: the limit is 256 KB"}


def test_disk_full_is_a_clear_error(app, upload, csv_text, monkeypatch):
    def full(f, arrays):
        f.write(b"PK\x03\x04")                # part of the archive, then the disk is full
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(npzfiles, "save", full)
    response = upload(csv_text["blobs"], "blobs.csv")
    assert response.status_code == 507
    assert "out of disk space" in response.get_json()["error"]
    assert not list(Path(app.config["DATA_DIR"], "datasets").iterdir())


def test_patch_display_names(client, blobs):
    response = client.patch(f"/api/datasets/{blobs}", json={"display_names": {"red": "Rot"}})
    assert response.status_code == 200
    names = response.get_json()["display_names"]
    assert names == {"blue": "blue", "green": "green", "red": "Rot"}
    reset = client.patch(f"/api/datasets/{blobs}", json={"display_names": {"red": ""}})
    assert reset.get_json()["display_names"]["red"] == "red"


def test_patch_image_geometry(client, bars):
    response = client.patch(f"/api/datasets/{bars}", json={"image": {"order": "F", "vmax": 20}})
    assert response.status_code == 200
    assert response.get_json()["image"] == {"height": 8, "width": 8, "order": "F",
                                            "vmin": 0.0, "vmax": 20.0}


@pytest.mark.parametrize(("body", "message"), [
    ({"display_names": {"purple": "x"}}, "unknown class 'purple'"),
    ({"display_names": {"red": 5}}, "must be text"),
    ({"display_names": {"red": "x" * 41}}, "at most 40 characters"),
    ({"display_names": ["red"]}, "must be an object"),
    ({"colour": "red"}, "unknown field 'colour'"),
    ({"image": {"order": "C"}}, "not a set of images"),
])
def test_patch_errors(client, blobs, body, message):
    response = client.patch(f"/api/datasets/{blobs}", json=body)
    assert response.status_code in (400, 409)
    assert message in response.get_json()["error"]


def test_a_refused_field_leaves_the_others_unchanged(client, blobs):
    before = client.get(f"/api/datasets/{blobs}").get_json()
    response = client.patch(f"/api/datasets/{blobs}", json={
        "display_names": {"red": "Rot"}, "image": {"order": "F"}, "name": "renamed"})
    assert response.status_code == 409
    assert response.get_json() == {"error": "this dataset is not a set of images"}
    assert client.get(f"/api/datasets/{blobs}").get_json() == before
    assert before["display_names"]["red"] == "red" and before["name"] != "renamed"


@pytest.mark.parametrize(("body", "message"), [
    ({"image": {"order": "Z"}}, "image.order"),
    ({"image": {"vmin": 20}}, "less than image.vmax"),
    ({"image": {"vmax": "lots"}}, "image.vmax must be a number"),
    ({"image": {"height": 4}}, "cannot be changed"),
])
def test_patch_image_errors(client, bars, body, message):
    response = client.patch(f"/api/datasets/{bars}", json=body)
    assert response.status_code == 400
    assert message in response.get_json()["error"]


def test_patch_malformed_json(client, blobs):
    response = client.patch(f"/api/datasets/{blobs}", data="{oops",
                            content_type="application/json")
    assert response.status_code == 400
    assert response.get_json() == {"error": "request body is not valid JSON"}


def test_samples(client, bars):
    body = client.get(f"/api/datasets/{bars}/samples?per_class=3").get_json()
    assert (body["height"], body["width"]) == (8, 8)
    assert [s["label"] for s in body["samples"]] == ["1"] * 3 + ["2"] * 3
    first = np.asarray(body["samples"][0]["pixels"]).reshape(8, 8)
    assert first.max() == 1.0 and first.min() == 0.0
    assert (first.sum(axis=0) == 6).sum() == 1          # a vertical bar: one full column
    flipped = client.get(f"/api/datasets/{bars}/samples?per_class=1&order=F").get_json()
    assert (np.asarray(flipped["samples"][0]["pixels"]).reshape(8, 8).sum(axis=1) == 6).sum() == 1


@pytest.mark.parametrize(("query", "status", "message"), [
    ("per_class=0", 400, "per_class"),
    ("per_class=abc", 400, "per_class"),
    ("per_class=1000", 400, "per_class"),
    ("vmin=abc", 400, "vmin must be a number"),
    ("order=X", 400, "image.order"),
])
def test_samples_errors(client, bars, query, status, message):
    response = client.get(f"/api/datasets/{bars}/samples?{query}")
    assert response.status_code == status
    assert message in response.get_json()["error"]


def test_samples_of_a_table_is_409(client, blobs):
    response = client.get(f"/api/datasets/{blobs}/samples")
    assert response.status_code == 409
    assert "not a set of images" in response.get_json()["error"]


def test_delete_dataset(app, client, blobs):
    assert client.delete(f"/api/datasets/{blobs}").status_code == 200
    assert client.get(f"/api/datasets/{blobs}").status_code == 404
    assert client.delete(f"/api/datasets/{blobs}").status_code == 404
    assert not list(Path(app.config["DATA_DIR"], "datasets").iterdir())


def test_tutorial_labels_show_ten_as_zero(client):
    """Labels 1..10 (Ng's digits) get "10" displayed as "0" by default; the class stays "10"."""
    rows = "\n".join(f"{i % 3},{(i * 7) % 5},{(i % 10) + 1}" for i in range(40))
    response = client.post("/api/datasets", data={"file": (io.BytesIO(rows.encode()), "ng.csv")},
                           content_type="multipart/form-data")
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert "10" in body["classes"]
    assert body["display_names"]["10"] == "0" and body["display_names"]["3"] == "3"


PENGUINS_CSV = "island,bill,sex,species\n" + "".join(
    f"{isl},{bill},{sex},{sp}\n" for isl, bill, sex, sp in [
        ("Biscoe", 47.1, "male", "Gentoo"), ("Dream", 38.2, "female", "Adelie"),
        ("Torgersen", "NA", "male", "Adelie"), ("Biscoe", 49.0, "?", "Gentoo"),
        ("Dream", 46.5, "female", "Chinstrap"), ("Dream", 45.9, "male", "Chinstrap")] * 6)


def test_a_table_with_text_and_blanks_is_described_column_by_column(client, upload):
    created = upload(PENGUINS_CSV, "penguins.csv").get_json()
    kinds = {c["name"]: c["kind"] for c in created["columns"]}
    assert kinds == {"species": "label", "island": "category", "bill": "number", "sex": "category"}
    assert created["roles_changeable"] and "relu units" in created["default_run"]["reason"]
    assert [f["name"] for f in created["row_form"]] == ["island", "bill", "sex"]
    changed = client.patch(f"/api/datasets/{created['id']}", json={"roles": {"sex": "ignored"}})
    assert changed.status_code == 200
    assert {c["name"]: c["kind"] for c in changed.get_json()["columns"]}["sex"] == "ignored"
    for roles, message in [({"nope": "ignored"}, 'no column "nope"'), ({"bill": "x"}, "role"),
                           ({"island": "ignored", "bill": "ignored"}, "no column can be used"), ("sex", "roles")]:
        refused = client.patch(f"/api/datasets/{created['id']}", json={"roles": roles})
        assert refused.status_code == 400 and message in refused.get_json()["error"], roles
    after = client.get(f"/api/datasets/{created['id']}").get_json()
    assert after["n_features"] == changed.get_json()["n_features"]


def test_a_row_of_raw_values_is_predicted(client, upload, wait_for_run):
    created = upload(PENGUINS_CSV, "penguins.csv").get_json()
    run = client.post("/api/runs", json={"dataset_id": created["id"], "epochs": 30}).get_json()
    assert wait_for_run(run["id"])["status"] == "completed"
    url = f"/api/runs/{run['id']}/predict"
    answer = client.post(url, json={"row": {"island": "Biscoe", "bill": "48", "sex": "male"}})
    assert answer.status_code == 200 and set(answer.get_json()["probabilities"]) == {
        "Adelie", "Chinstrap", "Gentoo"}
    unseen = client.post(url, json={"row": {"island": "Mars", "bill": ""}}).get_json()
    assert any("Mars" in note for note in unseen["notes"])
    for row, message in [({"wings": 2}, "unknown column"), ({"bill": "long"}, "must be a number"),
                         ({"bill": {"a": 1}}, "single value"), ("x", "must be an object")]:
        refused = client.post(url, json={"row": row})
        assert refused.status_code == 400 and message in refused.get_json()["error"]


def test_a_run_keeps_its_own_row_form_after_the_roles_change(client, upload, wait_for_run):
    created = upload(PENGUINS_CSV, "penguins.csv").get_json()
    run = client.post("/api/runs", json={"dataset_id": created["id"], "epochs": 5}).get_json()
    assert wait_for_run(run["id"])["status"] == "completed"
    client.patch(f"/api/datasets/{created['id']}", json={"roles": {"sex": "ignored"}})
    now = client.get(f"/api/datasets/{created['id']}").get_json()["row_form"]
    assert [f["name"] for f in now] == ["island", "bill"]
    form = client.get(f"/api/runs/{run['id']}/row-form")
    assert form.status_code == 200
    assert [f["name"] for f in form.get_json()["fields"]] == ["island", "bill", "sex"]
    url = f"/api/runs/{run['id']}/predict"
    answer = client.post(url, json={"row": {"island": "Dream", "bill": "40", "sex": "female"}})
    assert answer.status_code == 200 and answer.get_json()["notes"] == []
    refused = client.post(url, json={"row": {"bill": "long"}})
    assert refused.status_code == 400
    message = refused.get_json()["error"]
    assert "must be a number" in message and "before the dataset's column roles were changed" in message
    assert '"sex" (category then, ignored now)' in message and f"/api/runs/{run['id']}/row-form" in message
