"""Corrections: a drawing labelled by the user goes into a dataset derived from the run's."""
from pathlib import Path

import numpy as np
import pytest

from nncore.digits.drawing import features_from_strokes
from nncore.data.images import ImageGeometry
from nncore.model import Model

TINY = {"hidden_layers": [4], "epochs": 3, "batch_size": 16, "seed": 1}
# A vertical bar, drawn on a 200 x 200 canvas: class "1" of the bars dataset.
DRAWING = {"strokes": [[[100, 20], [100, 60], [101, 180]]], "width": 200, "height": 200,
           "line_width": 14}
# A horizontal bar in two strokes.
OTHER = {"strokes": [[[20, 100], [90, 100]], [[90, 101], [180, 99]]], "width": 200,
         "height": 200, "line_width": 14}


@pytest.fixture
def trained(client, bars, wait_for_run):
    """A completed run on the 8x8 bars dataset (classes "1" and "2", 60 rows)."""
    run_id = client.post("/api/runs", json={"dataset_id": bars, **TINY}).get_json()["id"]
    run = wait_for_run(run_id)
    assert run["status"] == "completed", run["error"]
    return run


def stored_arrays(app, dataset_id):
    """X, y and classes as the dataset's file holds them."""
    with app.app_context():
        from webapp.services import datasets

        path = Path(app.config["DATA_DIR"]) / datasets.get_row(dataset_id)["path"]
    with np.load(path, allow_pickle=False) as f:
        return f["X"].astype(np.float64), f["y"], [str(c) for c in f["classes"]]


def model_of(client, run_id, tmp_path):
    path = tmp_path / f"run-{run_id}.npz"
    with client.get(f"/api/runs/{run_id}/model") as response:
        path.write_bytes(response.data)
    return Model.load(path)


def expected_row(client, run, drawing, tmp_path):
    """The row the network sees for ``drawing``: nncore.digits.drawing with the model's profile."""
    model = model_of(client, run["id"], tmp_path)
    image = client.get(f"/api/datasets/{run['dataset_id']}").get_json()["image"]
    return features_from_strokes(drawing["strokes"], drawing["width"], drawing["height"],
                                 drawing["line_width"], ImageGeometry.from_dict(image),
                                 profile=model.profile)


def correct(client, run_id, drawing, label):
    return client.post(f"/api/runs/{run_id}/corrections", json={**drawing, "label": label})


def test_first_correction_creates_the_derived_dataset(app, client, trained, tmp_path):
    parent = client.get(f"/api/datasets/{trained['dataset_id']}").get_json()
    parent_X, parent_y, _ = stored_arrays(app, parent["id"])

    response = correct(client, trained["id"], DRAWING, "1")
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["label"] == "1" and body["added_samples"] == 1
    assert body["n_samples"] == parent["n_samples"] + 1
    assert body["dataset_id"] != parent["id"]

    derived = client.get(f"/api/datasets/{body['dataset_id']}").get_json()
    assert derived["source"] == "corrections" and derived["parent_id"] == parent["id"]
    assert derived["name"] == f"{parent['name']} + your corrections"
    assert derived["n_samples"] == parent["n_samples"] + 1 and derived["added_samples"] == 1
    assert derived["class_counts"] == {"1": parent["class_counts"]["1"] + 1,
                                       "2": parent["class_counts"]["2"]}
    assert derived["image"] == parent["image"] and derived["classes"] == parent["classes"]

    X, y, classes = stored_arrays(app, body["dataset_id"])
    np.testing.assert_array_equal(X[:-1], parent_X)          # the parent's rows, unchanged
    np.testing.assert_array_equal(y[:-1], parent_y)
    np.testing.assert_array_equal(X[-1], expected_row(client, trained, DRAWING, tmp_path))
    assert classes[y[-1]] == "1"


def test_second_correction_reuses_the_derived_dataset(app, client, trained, tmp_path):
    first = correct(client, trained["id"], DRAWING, "1").get_json()
    second = correct(client, trained["id"], OTHER, "2")
    assert second.status_code == 201
    second = second.get_json()
    assert second["dataset_id"] == first["dataset_id"]
    assert second["added_samples"] == 2 and second["n_samples"] == first["n_samples"] + 1

    derived = client.get(f"/api/datasets/{first['dataset_id']}").get_json()
    assert derived["added_samples"] == 2 and derived["n_samples"] == 62
    corrections = [d for d in client.get("/api/datasets").get_json()["datasets"]
                   if d["source"] == "corrections"]
    assert [d["id"] for d in corrections] == [first["dataset_id"]]

    X, y, classes = stored_arrays(app, first["dataset_id"])
    assert len(X) == 62 and [classes[k] for k in y[-2:]] == ["1", "2"]
    np.testing.assert_array_equal(X[-1], expected_row(client, trained, OTHER, tmp_path))


def test_parent_dataset_is_untouched(app, client, trained):
    parent_id = trained["dataset_id"]
    before = client.get(f"/api/datasets/{parent_id}").get_json()
    X_before, y_before, _ = stored_arrays(app, parent_id)
    correct(client, trained["id"], DRAWING, "1")
    correct(client, trained["id"], OTHER, "2")
    assert client.get(f"/api/datasets/{parent_id}").get_json() == before
    X_after, y_after, _ = stored_arrays(app, parent_id)
    np.testing.assert_array_equal(X_after, X_before)
    np.testing.assert_array_equal(y_after, y_before)


def test_a_run_trains_on_the_derived_dataset(client, trained, wait_for_run):
    derived_id = correct(client, trained["id"], DRAWING, "2").get_json()["dataset_id"]
    response = client.post("/api/runs", json={"dataset_id": derived_id, **TINY})
    assert response.status_code == 202
    run = wait_for_run(response.get_json()["id"])
    assert run["status"] == "completed", run["error"]
    assert run["dataset_id"] == derived_id
    # A correction from that run goes into the same derived dataset, not a derived one of its own.
    again = correct(client, run["id"], OTHER, "2").get_json()
    assert again["dataset_id"] == derived_id and again["added_samples"] == 2


def test_derived_dataset_shows_the_added_drawings(client, trained):
    derived_id = correct(client, trained["id"], DRAWING, "1").get_json()["dataset_id"]
    body = client.get(f"/api/datasets/{derived_id}/samples?per_class=2").get_json()
    assert len(body["samples"]) == 4
    assert [s["index"] for s in body["added"]] == [60]
    assert body["added"][0]["label"] == "1" and len(body["added"][0]["pixels"]) == 64
    parent = client.get(f"/api/datasets/{trained['dataset_id']}/samples?per_class=2").get_json()
    assert parent["added"] == []


def test_display_names_are_kept(client, trained):
    client.patch(f"/api/datasets/{trained['dataset_id']}",
                 json={"display_names": {"1": "vertical"}})
    body = correct(client, trained["id"], DRAWING, "1").get_json()
    assert body["display_label"] == "vertical"
    derived = client.get(f"/api/datasets/{body['dataset_id']}").get_json()
    assert derived["display_names"] == {"1": "vertical", "2": "2"}


@pytest.mark.parametrize(("label", "message"), [
    ("7", "label must be one of the dataset's classes: 1, 2 (got '7')"),
    (None, "label must be one of the dataset's classes: 1, 2 (got None)"),
    (True, "label must be one of the dataset's classes: 1, 2 (got True)"),
])
def test_unknown_label(client, trained, label, message):
    response = correct(client, trained["id"], DRAWING, label)
    assert response.status_code == 400
    assert response.get_json()["error"] == message


def test_a_number_label_is_the_class_of_that_name(client, trained):
    response = correct(client, trained["id"], DRAWING, 2)
    assert response.status_code == 201 and response.get_json()["label"] == "2"


@pytest.mark.parametrize("strokes", [[], [[]], [[], []]])
def test_empty_drawing(client, trained, strokes):
    response = correct(client, trained["id"], {**DRAWING, "strokes": strokes}, "1")
    assert response.status_code == 400
    assert response.get_json()["error"].startswith("the drawing is empty")
    assert not [d for d in client.get("/api/datasets").get_json()["datasets"]
                if d["source"] == "corrections"]


@pytest.mark.parametrize(("change", "message"), [
    ({"width": 0}, "width must be from 1 to 4096 pixels"),
    ({"strokes": "line"}, "strokes must be a list of at most 500 strokes"),
    ({"strokes": [[["a", 1]]]}, "x must be a number"),
])
def test_malformed_drawing(client, trained, change, message):
    response = correct(client, trained["id"], {**DRAWING, **change}, "1")
    assert response.status_code == 400
    assert response.get_json()["error"] == message


def test_run_not_completed(client, bars):
    slow = {"dataset_id": bars, "hidden_layers": [8], "epochs": 2000, "batch_size": 1}
    run_id = client.post("/api/runs", json=slow).get_json()["id"]
    response = correct(client, run_id, DRAWING, "1")
    assert response.status_code == 409
    assert "has no trained model" in response.get_json()["error"]
    client.post(f"/api/runs/{run_id}/cancel")


def test_unknown_run(client):
    response = correct(client, 999, DRAWING, "1")
    assert response.status_code == 404
    assert response.get_json()["error"] == "run 999 not found"


def test_body_must_be_an_object(client, trained):
    response = client.post(f"/api/runs/{trained['id']}/corrections", json=[1, 2])
    assert response.status_code == 400
    assert response.get_json()["error"] == "request body must be a JSON object"


def test_changed_pixel_order_is_followed(app, client, trained, tmp_path):
    """A derived dataset whose orientation was changed still gets rows laid out its way."""
    derived_id = correct(client, trained["id"], DRAWING, "1").get_json()["dataset_id"]
    client.patch(f"/api/datasets/{derived_id}", json={"image": {"order": "F", "vmax": 32}})
    assert correct(client, trained["id"], OTHER, "2").status_code == 201
    X, _, _ = stored_arrays(app, derived_id)
    row = expected_row(client, trained, OTHER, tmp_path)          # C order, 0..16
    expected = 2 * row.reshape(8, 8).T.ravel()                   # F order, 0..32
    np.testing.assert_allclose(X[-1], expected, atol=1e-12)
