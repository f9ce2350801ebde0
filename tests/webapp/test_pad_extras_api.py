"""The runs API on the drawing-pad extras (synthetic and real pen digits): the tutorials'
settings sent as the form sends them train without them and the run says so; the default
picture network keeps them."""
import numpy as np

from tests.conftest import tutorial_workbook

TUTORIAL_FORM = {"hidden_layers": [25], "activation": "sigmoid", "output": "sigmoid",
                 "optimizer": "adam", "lr_schedule": "constant", "average_last": 0.25,
                 "learning_rate": None, "epochs": 2, "batch_size": 64, "l2": 1,
                 "validation_split": 0.2, "seed": 0, "patience": None, "conv_filters": [],
                 "synthetic_digits": None, "pen_digits": None}


def digits_csv(n_per_class=3):
    """20x20 pictures (0..255, no header) of the classes "0".."9": the drawing pad's data."""
    rng = np.random.default_rng(0)
    return "".join(",".join(str(v) for v in rng.integers(0, 256, 400)) + f",{d}\n"
                   for d in range(10) for _ in range(n_per_class))


def test_the_tutorials_settings_from_the_form_train_without_extras(client, upload, tmp_path,
                                                                   wait_for_run):
    workbook = tutorial_workbook(tmp_path / "tutorial.xlsx", zero=0)   # classes 0..9
    uploaded = upload(workbook.read_bytes(), "tutorial.xlsx")
    assert uploaded.status_code == 201, uploaded.get_json()
    dataset_id = uploaded.get_json()["id"]
    created = client.post("/api/runs", json={"dataset_id": dataset_id, **TUTORIAL_FORM})
    assert created.status_code == 202, created.get_json()
    run = wait_for_run(created.get_json()["id"])
    assert run["status"] == "completed", run["error"]
    config = run["config"]
    assert (config["augment"], config["synthetic_digits"], config["pen_digits"]) == (None, 0, 0)
    assert run["extras"].startswith(
        "Extras for the drawing pad: off, because you chose the network yourself")
    assert run["extras"].endswith("; augmentation: on")


def test_the_default_picture_network_keeps_the_extras(client, upload):
    uploaded = upload(digits_csv(), "digits.csv")
    assert uploaded.status_code == 201, uploaded.get_json()
    dataset = client.get(f"/api/datasets/{uploaded.get_json()['id']}").get_json()
    assert dataset["default_run"]["settings"] == {"hidden_layers": [256], "epochs": 30}
    # what the form switches to for a network of one's own
    assert dataset["default_run"]["own_network"] == {"synthetic_digits": 0, "pen_digits": 0,
                                                     "epochs": 60}
    created = client.post("/api/runs", json={"dataset_id": dataset["id"], "epochs": 1})
    assert created.status_code == 202, created.get_json()
    run_id = created.get_json()["id"]
    run = client.get(f"/api/runs/{run_id}").get_json()
    assert run["config"]["augment"] is None and run["config"]["synthetic_digits"] is None
    assert run["extras"] == (
        "Extras for the drawing pad: on (synthetic pen digits, real pen digits), because this "
        "is the network the app chose for pictures of digits, to read digits drawn on the pad "
        "by writers it never saw; augmentation: on")
    assert client.delete(f"/api/runs/{run_id}").status_code == 200


def test_a_tables_run_has_no_extras_line(client, blobs):
    created = client.post("/api/runs", json={"dataset_id": blobs, "epochs": 1})
    run_id = created.get_json()["id"]
    assert client.get(f"/api/runs/{run_id}").get_json()["extras"] is None
