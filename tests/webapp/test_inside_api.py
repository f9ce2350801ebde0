"""GET/POST /api/runs/<id>/inside: the numbers equal nncore/reference.py's and the fast
network's on the run's weights, for the tutorial's 400-25-10 sigmoid network, a table's and a
regression's; the snapshots of every epoch, deleted with the run; the errors."""
from pathlib import Path

import numpy as np
import pytest

from nncore import reference, snapshots
from nncore.model import Model
from tests.conftest import blobs_csv
from tests.helpers import client_run_getter, wait_for_epoch, wait_for_run
from tests.webapp.test_regression import generated_csv
from webapp import create_app
from webapp.services import datasets as dataset_service
from webapp.stores import runs as run_store

ROOT = Path(__file__).resolve().parents[2]
TUTORIAL = ROOT / "data" / "digits_tutorial.xlsx"
TOLERANCE = 1e-9
#: the tutorials' network (Ng's ex4), two epochs, without the drawing pad's extra rows
TUTORIAL_RUN = {"hidden_layers": [25], "activation": "sigmoid", "output": "sigmoid", "l2": 1.0,
                "epochs": 2, "synthetic_digits": 0, "pen_digits": 0, "augment": False,
                "seed": 0}
TABLE_CSV = "island,bill,sex,species\n" + "".join(
    f"{isl},{30 + (i * 7) % 20},{sex},{sp}\n" for i, (isl, sex, sp) in enumerate(
        [("Biscoe", "male", "Gentoo"), ("Dream", "female", "Chinstrap"),
         ("Torgersen", "female", "Adelie"), ("Biscoe", "female", "Gentoo"),
         ("Dream", "male", "Adelie")] * 12))


def upload(client, content, name):
    """The multipart body written out here: for a file over 500 KB the test client's own
    encoder spools it to an unnamed temporary file that it leaves open."""
    data = content.encode() if isinstance(content, str) else content
    boundary = "inside-boundary"
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; "
            f"filename=\"{name}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
            ).encode() + data + f"\r\n--{boundary}--\r\n".encode()
    response = client.post("/api/datasets", data=body,
                           content_type=f"multipart/form-data; boundary={boundary}")
    assert response.status_code == 201, response.get_json()
    return response.get_json()["id"]


def train(client, dataset_id, **settings):
    run_id = client.post("/api/runs", json={"dataset_id": dataset_id, **settings}).get_json()["id"]
    run = wait_for_run(client_run_getter(client), run_id, timeout=180)
    assert run["status"] == "completed", run["error"]
    return run_id


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """One app with three completed runs: the tutorial's, a table's and a regression's."""
    app = create_app({"DATA_DIR": str(tmp_path_factory.mktemp("inside") / "data"),
                      "REGISTER_SAMPLE": False})
    client = app.test_client()
    tutorial = upload(client, TUTORIAL.read_bytes(), "digits_tutorial.xlsx")
    table = upload(client, TABLE_CSV, "penguins.csv")
    numbers = upload(client, generated_csv(), "prices.csv")
    runs = {"tutorial": train(client, tutorial, **TUTORIAL_RUN),
            "table": train(client, table, hidden_layers=[6], epochs=3, batch_size=16, seed=1),
            "regression": train(client, numbers, hidden_layers=[5], epochs=3, seed=0)}
    yield app, client, runs
    app.extensions["jobs"].shutdown(wait=True)


def inside(client, run_id, query="sample=0"):
    response = client.get(f"/api/runs/{run_id}/inside?{query}")
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def model_of(app, run_id, epoch=None):
    models = Path(app.config["DATA_DIR"]) / "models"
    if epoch is None:
        return Model.load(models / f"{run_id}.npz")
    return snapshots.load(models / f"{run_id}-epochs", epoch)


def check_numbers(app, body, model):
    """The body's numbers against reference.py and the fast network on ``model``'s weights,
    for the dataset row it shows."""
    with app.app_context():
        dataset = dataset_service.load(model_dataset(app, body["run_id"]))
        X_raw = np.asarray(dataset.X[[body["sample"]["row"]]], dtype=np.float64)
    X = np.asarray(model.scale(X_raw), dtype=np.float64)
    Y = np.asarray([body["target"]])
    net = model.network.copy(dtype=np.float64)
    params = net.params()
    network = body["network"]
    activation, output, l2, m = net.activation, net.output, network["l2"], network["m"]
    assert np.allclose(body["layers"][0]["a"], X[0], rtol=0, atol=TOLERANCE)
    activations, zs = reference.forward_prop(params, X, activation, output)
    fast = net.forward(X)
    _, grads = net.cost_and_gradients(X, Y, l2=l2, n_total=m)
    for l, layer in enumerate(body["layers"][1:], start=1):
        for expected in (activations[l][0], fast[l][0]):
            assert np.allclose(layer["a"], expected, rtol=0, atol=TOLERANCE)
        assert np.allclose(layer["z"], zs[l - 1][0], rtol=0, atol=TOLERANCE)
        assert np.allclose(layer["delta"], grads[2 * l - 1], rtol=0, atol=TOLERANCE)
    cost = reference.cost_function(params, X, Y, activation, output, l2, n_total=m)
    assert body["cost"] == pytest.approx(cost, abs=TOLERANCE)
    assert body["cost"] == pytest.approx(net.cost(X, Y, l2=l2, n_total=m), abs=TOLERANCE)
    step = body["step"]
    assert step["grad"] == pytest.approx(grads[2 * step["layer"] - 2][step["from"], step["to"]],
                                         abs=TOLERANCE)


def model_dataset(app, run_id):
    with app.app_context():
        return run_store.get(run_id)["dataset_id"]


def test_the_tutorial_network_inside(served):
    app, client, runs = served
    body = inside(client, runs["tutorial"], "sample=3")
    network = body["network"]
    assert network["sizes"] == [400, 25, 10]
    assert network["activations"] == [None, "sigmoid", "sigmoid"]
    assert (network["output"], network["cost"], network["l2"]) == ("sigmoid", "cross_entropy", 1.0)
    sample = body["sample"]
    assert sample["source"] == "validation" and sample["index"] == 3
    assert sample["count"] == 1000 and network["m"] == 4000       # 5000 rows, 20% held out
    assert (sample["image"]["width"], sample["image"]["height"]) == (20, 20)
    inputs, hidden, outputs = body["layers"]
    assert (len(inputs["shown"]), inputs["more"]) == (12, 388)
    assert (len(hidden["shown"]), hidden["more"]) == (12, 13)
    assert (outputs["shown"], outputs["more"]) == (list(range(10)), 0)
    assert len(body["names"]["inputs"]) == 400 and body["names"]["inputs"][21] in (
        "pixel (1, 1)", "pixel (1, 0)")
    assert body["names"]["outputs"][-1] == "0"          # the tutorial's "10" shown as 0
    assert body["target"] == list(np.eye(10)[body["target"].index(1.0)])
    assert body["reference"]["module"] == "nncore/reference.py"
    assert body["final"] is True and body["epoch"] == 2 and body["epochs"] == [0, 1, 2]
    check_numbers(app, body, model_of(app, runs["tutorial"]))


def test_replay_shows_the_network_after_each_epoch(served):
    app, client, runs = served
    final = inside(client, runs["tutorial"], "sample=5")
    first = inside(client, runs["tutorial"], "sample=5&epoch=1")
    start = inside(client, runs["tutorial"], "sample=5&epoch=0")
    assert (first["epoch"], first["final"]) == (1, False)
    assert first["layers"][1]["z"] != final["layers"][1]["z"] != start["layers"][1]["z"]
    check_numbers(app, first, model_of(app, runs["tutorial"], 1))
    check_numbers(app, start, model_of(app, runs["tutorial"], 0))


def test_a_chosen_weight_and_the_update(served):
    _, client, runs = served
    body = inside(client, runs["tutorial"], "sample=0&layer=1&from=210&to=7")
    step = body["step"]
    assert (step["layer"], step["from"], step["to"]) == (1, 210, 7)
    assert 210 in body["layers"][0]["shown"] and 7 in body["layers"][1]["shown"]
    assert step["grad_data"] + step["grad_l2"] == pytest.approx(step["grad"], abs=1e-12)
    assert step["grad_l2"] == pytest.approx(1.0 / 4000 * step["w"])
    assert step["rule"] == "adam" and step["adam"]["t"] == 1
    assert body["cost_falls"] or body["smaller_rate"]["cost_falls"]


def test_the_default_weight_is_the_largest_gradient_into_the_target(served):
    _, client, runs = served
    body = inside(client, runs["tutorial"], "sample=1")
    step, target = body["step"], body["target"].index(1.0)
    assert (step["layer"], step["to"]) == (2, target)
    hidden = body["layers"][1]
    # dJ/dW[i, t] = a_i delta_t + (l2/m) w: the largest among the drawn hidden units
    delta = body["layers"][2]["delta"][target]
    links = {k["from"]: k["w"] for k in body["layers"][2]["links"] if k["to"] == target}
    grads = {i: hidden["a"][i] * delta + 1.0 / 4000 * links[i] for i in hidden["shown"]}
    assert step["from"] == max(grads, key=lambda i: abs(grads[i]))


def test_a_drawing_flows_through_the_network(served):
    _, client, runs = served
    picture = inside(client, runs["tutorial"], "sample=2")["sample"]["image"]["pixels"]
    drawn = client.post(f"/api/runs/{runs['tutorial']}/inside",
                        json={"pixels": picture, "label": "3", "epoch": 1})
    assert drawn.status_code == 200, drawn.get_json()
    body = drawn.get_json()
    assert body["sample"]["source"] == "drawing" and body["epoch"] == 1
    assert body["target"] == list(np.eye(10)[2]) and body["target_source"] == "label"
    own = client.post(f"/api/runs/{runs['tutorial']}/inside", json={"pixels": picture}).get_json()
    predicted = own["prediction"]["output"]
    assert own["target_source"] == "prediction"
    assert own["target"] == list(np.eye(10)[int(np.argmax(predicted))])
    stroke = {"strokes": [[[100, 20], [100, 180]]], "width": 200, "height": 200}
    assert client.post(f"/api/runs/{runs['tutorial']}/inside", json=stroke).status_code == 200


def test_a_table_network_reads_its_columns(served):
    app, client, runs = served
    body = inside(client, runs["table"], "sample=1")
    names = body["names"]["inputs"]
    assert "island=Dream" in names and "sex=male" in names and "bill" in names
    assert sorted(body["names"]["outputs"]) == ["Adelie", "Chinstrap", "Gentoo"]
    assert set(body["sample"]["values"]) == {"island", "bill", "sex"}
    assert body["sample"]["image"] is None
    check_numbers(app, body, model_of(app, runs["table"]))
    row = {"island": "Dream", "bill": 41, "sex": "female", "species": "Chinstrap"}
    posted = client.post(f"/api/runs/{runs['table']}/inside", json={"row": row}).get_json()
    assert posted["sample"]["source"] == "row" and posted["sample"]["label"] == "Chinstrap"
    classes = posted["names"]["outputs"]
    assert posted["target"] == list(np.eye(3)[classes.index("Chinstrap")])
    assert posted["layers"][0]["a"] != body["layers"][0]["a"]


def test_a_regression_network_predicts_its_number(served):
    app, client, runs = served
    body = inside(client, runs["regression"], "sample=0")
    assert body["network"]["output"] == "linear" and body["network"]["cost"] == "squared_error"
    assert body["network"]["sizes"][-1] == 1 and body["names"]["outputs"] == ["price"]
    assert isinstance(body["prediction"]["value"], float) and body["prediction"]["label"] is None
    check_numbers(app, body, model_of(app, runs["regression"]))
    model = model_of(app, runs["regression"])
    row = {"size": 120, "rooms": 3, "town": "north", "price": 400}
    posted = client.post(f"/api/runs/{runs['regression']}/inside", json={"row": row}).get_json()
    assert posted["target"] == pytest.approx(list(model.target.transform([400.0])))


@pytest.mark.parametrize(("query", "message"), [
    ("", "sample is required"),
    ("sample=x", "sample must be a whole number"),
    ("sample=-1", "sample must be a whole number"),
    ("sample=100000", "sample must be from 0 to 11"),
    ("sample=0&epoch=9", "epoch 9 is not kept for run"),
    ("sample=0&epoch=1.5", "epoch must be a whole number"),
    ("sample=0&layer=1&from=2", "choose a weight with all of layer, from and to"),
    ("sample=0&layer=3&from=0&to=0", "layer must be from 1 to 2"),
    ("sample=0&layer=2&from=0&to=3", "to must be a unit of layer 2: 0 to 2"),
])
def test_bad_requests_are_400(served, query, message):
    _, client, runs = served
    response = client.get(f"/api/runs/{runs['table']}/inside?{query}")
    assert response.status_code == 400
    assert message in response.get_json()["error"]


@pytest.mark.parametrize(("body", "message"), [
    ({}, "send a table row"),
    ({"row": "no"}, "row must be an object"),
    ({"row": {"beak": 3}}, 'unknown column "beak"'),
    ({"row": {"island": "Dream"}, "label": "Penguin"}, "unknown label 'Penguin'"),
    ({"row": {"island": "Dream"}, "weight": 3}, "weight must be an object"),
    ({"row": {"island": "Dream"}, "weight": {"layer": 1}}, "choose a weight with all"),
    ({"pixels": [0.5] * 4}, "not a set of images"),
])
def test_bad_bodies_are_400_or_409(served, body, message):
    _, client, runs = served
    response = client.post(f"/api/runs/{runs['table']}/inside", json=body)
    assert response.status_code in (400, 409)
    assert message in response.get_json()["error"]


def test_bad_drawings_are_400(served):
    _, client, runs = served
    url = f"/api/runs/{runs['tutorial']}/inside"
    short = client.post(url, json={"pixels": [0.5] * 4})
    assert short.status_code == 400 and "pixels must be a list of 400 numbers" in \
        short.get_json()["error"]
    assert client.post(url, json={"pixels": [2.0] * 400}).status_code == 400
    empty = client.post(url, json={"strokes": [], "width": 200, "height": 200})
    assert empty.status_code == 400 and "the drawing is empty" in empty.get_json()["error"]


def test_a_run_without_weights_is_409_and_a_missing_one_404(served):
    app, client, runs = served
    with app.app_context():
        dataset_id = run_store.get(runs["table"])["dataset_id"]
        queued = run_store.insert(dataset_id, {"hidden_layers": [3]}, 3)
    response = client.get(f"/api/runs/{queued}/inside?sample=0")
    assert response.status_code == 409
    assert "has no finished epoch to show yet (status: queued)" in response.get_json()["error"]
    assert client.get("/api/runs/987654/inside?sample=0").status_code == 404
    assert client.post("/api/runs/987654/inside", json={"row": {}}).status_code == 404


def test_snapshots_are_deleted_with_the_run_and_the_dataset(served):
    app, client, _ = served
    dataset_id = upload(client, blobs_csv(), "blobs.csv")
    run_id = train(client, dataset_id, hidden_layers=[3], epochs=2, seed=4)
    other = train(client, dataset_id, hidden_layers=[3], epochs=2, seed=5)
    models = Path(app.config["DATA_DIR"]) / "models"
    assert snapshots.epochs(models / f"{run_id}-epochs") == [0, 1, 2]
    assert client.delete(f"/api/runs/{run_id}").status_code == 200
    assert not (models / f"{run_id}-epochs").exists()
    assert (models / f"{other}-epochs").is_dir()
    assert client.delete(f"/api/datasets/{dataset_id}").status_code == 200
    assert not (models / f"{other}-epochs").exists()


def test_a_running_run_is_shown_after_its_finished_epochs(served):
    app, client, _ = served
    dataset_id = upload(client, blobs_csv(), "blobs.csv")
    run_id = client.post("/api/runs", json={"dataset_id": dataset_id, "hidden_layers": [3],
                                            "epochs": 2000, "batch_size": 1, "seed": 2}
                         ).get_json()["id"]
    try:
        run = wait_for_epoch(client_run_getter(client), run_id, epoch=2)
        assert run["status"] == "running"
        body = inside(client, run_id, "sample=0")
        assert body["final"] is False and body["epoch"] >= 2 and body["epoch"] in body["epochs"]
        assert body["epochs"][0] == 0
        check_numbers(app, body, model_of(app, run_id, body["epoch"]))
    finally:
        client.post(f"/api/runs/{run_id}/cancel")
    assert wait_for_run(client_run_getter(client), run_id)["status"] == "cancelled"
    # a cancelled run keeps its finished epochs to look at, until it is deleted
    assert inside(client, run_id, "sample=0")["epochs"][-1] >= 2


def test_first_layer_units_of_a_picture_model_come_with_their_weight_pictures(served):
    app, client, runs = served
    for epoch in (0, None):
        query = "sample=1" + ("" if epoch is None else f"&epoch={epoch}")
        body = inside(client, runs["tutorial"], query)
        hidden = body["layers"][1]
        assert sorted(map(int, hidden["pictures"])) == sorted(hidden["shown"])
        unit = hidden["shown"][0]
        picture = hidden["pictures"][str(unit)]
        assert (picture["width"], picture["height"]) == (20, 20)
        # the tutorial's pixels are column-major: the picture is W0's column made upright
        W0 = np.asarray(model_of(app, runs["tutorial"], epoch).network.weights[0], np.float64)
        upright = W0[:, unit].reshape(20, 20).T.ravel()
        expected = (upright - upright.min()) / np.ptp(upright)
        assert np.allclose(picture["pixels"], expected, atol=6e-4)
        assert "pictures" not in body["layers"][2]
    table = inside(client, runs["table"])
    assert all("pictures" not in layer for layer in table["layers"])
