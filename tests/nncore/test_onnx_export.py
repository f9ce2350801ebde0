"""ONNX export: onnxruntime, fed the raw rows a user has, gives the probabilities the app gives
(``Model.predict_proba`` on the rows read as "try a row" reads them), for every kind of model."""
import json
import subprocess
import sys

import numpy as np
import onnx
import onnxruntime as ort
import pandas as pd
import pytest

from nncore.data.encoding import Encoding
from nncore.data.images import ImageGeometry
from nncore.data.scaling import Scaler
from nncore.data.targets import TargetTransform
from nncore.export.graph import ACTIVATION_OPS, OUTPUT_NAMES
from nncore.export.inputs import PYTHON_SPACES, describe_inputs, layout
from nncore.model import Model
from nncore.nn.activations import ACTIVATIONS
from nncore.nn.convnet import ConvNetwork
from nncore.nn.network import Network
from nncore.nn.outputs import OUTPUTS
from nncore.onnx_export import IR_VERSION, OPSET, OUTPUT_HEADS, PLANNED_HEADS, save_onnx, to_onnx
from nncore.scoring import score_file
from tests.churn_tables import train_churn_model


def session_of(model):
    return ort.InferenceSession(to_onnx(model), providers=["CPUExecutionProvider"])


def run_onnx(model, feed):
    return session_of(model).run(None, feed)


def app_probabilities(model, rows):
    """What the app answers for each raw row (``{column: value}``), as "try a row" reads it."""
    return np.vstack([model.predict_proba(model.encode_row(row)[0]) for row in rows])


def column_feed(model, rows):
    """The ONNX inputs of raw rows: numbers float32 (blank: NaN), categories text (blank: "")."""
    feed = {}
    for d in describe_inputs(model):
        cells = [row.get(d["column"]) for row in rows]
        if d["kind"] == "number":
            feed[d["name"]] = np.array([[np.nan if v in (None, "") else float(v)] for v in cells],
                                       dtype=np.float32)
        else:
            feed[d["name"]] = np.array([["" if v is None else str(v)] for v in cells], dtype=object)
    return feed


def assert_same(model, X, name="features"):
    probabilities, label, class_name = run_onnx(model, {name: np.asarray(X, dtype=np.float32)})
    expected = model.predict_proba(X)
    assert probabilities.shape == expected.shape
    np.testing.assert_allclose(probabilities, expected, atol=1e-5, rtol=0)
    assert label.dtype == np.int64
    if expected.shape[1] > 1:
        assert np.array_equal(label, model.predict_indices(X))
    assert list(class_name) == [model.classes[i] for i in label]


def test_every_activation_and_output_has_an_onnx_form():
    assert set(ACTIVATION_OPS) == set(ACTIVATIONS)
    assert set(OUTPUT_HEADS) | set(PLANNED_HEADS) >= set(OUTPUTS)


@pytest.mark.parametrize("activation", sorted(ACTIVATIONS))
@pytest.mark.parametrize("output", ["sigmoid", "softmax"])
def test_dense_networks_agree(activation, output):
    rng = np.random.default_rng(1)
    X = rng.normal(5, 20, (50, 6))
    net = Network([6, 7, 5, 4], activation, output, rng=2)
    model = Model(net, ["a", "b", "c", "d"], Scaler().fit(X))
    assert layout(model) == "features"
    assert_same(model, X)


def test_single_sigmoid_unit_labels_by_half():
    rng = np.random.default_rng(2)
    X = rng.normal(0, 1, (40, 3))
    model = Model(Network([3, 4, 1], "tanh", "sigmoid", rng=3), ["no", "yes"], Scaler().fit(X))
    probabilities, label, class_name = run_onnx(model, {"features": X.astype(np.float32)})
    np.testing.assert_allclose(probabilities, model.predict_proba(X), atol=1e-5)
    assert np.array_equal(label, (probabilities[:, 0] > 0.5).astype(np.int64))
    assert set(class_name) <= {"no", "yes"}


@pytest.mark.parametrize("order", ["C", "F"])
@pytest.mark.parametrize("padding", ["valid", "same"])
def test_convolutional_networks_agree_on_the_pixel_row(order, padding):
    image = ImageGeometry.from_dict({"height": 13, "width": 11, "order": order,
                                     "vmin": 0, "vmax": 255})
    rng = np.random.default_rng(4)
    X = rng.integers(0, 256, (12, 143)).astype(np.float64)
    net = ConvNetwork(image, 3, conv_filters=(3, 2), hidden_layers=(6,), kernel=3,
                      padding=padding, activation="relu", output="softmax", rng=5)
    model = Model(net, ["x", "y", "z"], Scaler().fit(X, image), image=image)
    assert layout(model) == "pixels"
    assert_same(model, X, name="pixels")


def tutorial_model():
    """The tutorials' network: 20x20 pictures (column-major), 400-25-10, sigmoid/sigmoid,
    classes 1..10 (10 stands for the digit 0)."""
    image = ImageGeometry.from_dict({"height": 20, "width": 20, "order": "F", "vmin": 0, "vmax": 1})
    X = np.random.default_rng(7).uniform(-0.1, 1.1, (8, 400))
    model = Model(Network([400, 25, 10], "sigmoid", "sigmoid", rng=8),
                  [str(c) for c in range(1, 11)], Scaler().fit(X, image), image=image)
    return model, X


def test_tutorial_network_agrees():
    model, X = tutorial_model()
    assert_same(model, X, name="pixels")


def test_tutorial_network_runs_in_a_fresh_process_with_onnxruntime_alone(tmp_path):
    model, X = tutorial_model()
    path = tmp_path / "model.onnx"
    save_onnx(model, path)
    np.save(tmp_path / "X.npy", X.astype(np.float32))
    script = ("import sys, numpy as np, onnxruntime as ort\n"
              "s = ort.InferenceSession(sys.argv[1], providers=['CPUExecutionProvider'])\n"
              "feed = {'pixels': np.load(sys.argv[2])}\n"
              "p, names = s.run(['probabilities', 'class_name'], feed)\n"
              "np.save(sys.argv[3], p)\n"
              "ours = sorted(m for m in sys.modules if m.split('.')[0] in ('nncore', 'onnx'))\n"
              "print(' '.join(names), '|', ours)\n")
    done = subprocess.run([sys.executable, "-c", script, str(path), str(tmp_path / "X.npy"),
                           str(tmp_path / "P.npy")], capture_output=True, text=True, timeout=60,
                          cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    np.testing.assert_allclose(np.load(tmp_path / "P.npy"), model.predict_proba(X), atol=1e-5)
    names, imported = done.stdout.strip().split(" | ")
    assert names.split() == list(model.predict(X))
    assert imported == "[]"


# --- tables: one input per raw column --------------------------------------------------------

@pytest.fixture(scope="module")
def churn(tmp_path_factory):
    """A model trained (briefly) on a table with text categories and blanks."""
    folder = tmp_path_factory.mktemp("onnx")
    return (*train_churn_model(folder, n=60, seed=6, hidden=5, epochs=2), folder / "train.csv")


CHURN_ROWS = [{"age": 30, "plan": "pro"}, {"age": None, "plan": "basic"},
              {"age": 61, "plan": None}, {"age": None, "plan": ""},
              {"age": 44, "plan": "gold"}, {"age": 25, "plan": " max "},
              {"age": 52, "plan": "NA"}, {"age": "", "plan": "Pro"}]


def test_a_table_takes_one_input_per_column(churn):
    model, _, _ = churn
    inputs = {i.name: (i.type, i.shape) for i in session_of(model).get_inputs()}
    assert inputs == {"age": ("tensor(float)", ["N", 1]), "plan": ("tensor(string)", ["N", 1])}


def test_table_with_categories_blanks_and_unseen_values_agrees(churn):
    model, _, _ = churn
    probabilities, label, class_name = run_onnx(model, column_feed(model, CHURN_ROWS))
    expected = app_probabilities(model, CHURN_ROWS)
    np.testing.assert_allclose(probabilities, expected, atol=1e-5, rtol=0)
    assert list(class_name) == [model.classes[i] for i in expected.argmax(axis=1)]
    # blank and unseen categories switch no unit on, so they score alike
    np.testing.assert_allclose(probabilities[2], run_onnx(model, column_feed(
        model, [{"age": 61, "plan": "gold"}]))[0][0], atol=1e-7)


def test_table_rows_of_the_training_file_agree(churn):
    model, dataset, path = churn
    rows = pd.read_csv(path, dtype=str, keep_default_na=False).to_dict("records")
    probabilities = run_onnx(model, column_feed(model, rows))[0]
    np.testing.assert_allclose(probabilities, model.predict_proba(dataset.X), atol=1e-5, rtol=0)
    # and the file-scoring path ("Predict a file"), its probabilities written to 6 decimals
    score_file(model, path, path.with_name("scored.csv"))
    scored = pd.read_csv(path.with_name("scored.csv"))
    written = scored[[f"probability_{c}" for c in model.classes]].to_numpy()
    np.testing.assert_allclose(probabilities, written, atol=1e-5 + 5e-7, rtol=0)


ZONES = ["3", "3.0", " +3 ", "3e0", "03", "0.3e1", "3.0000000000000001", "-2", "-2.0", "-0", "0",
         "10", "1e1", "1.5", "1.50", " 1.5\t", "a+b", "ab", "(x)", "x", "C:\\d", "C:d",
         "\u3000naïve\xa0", "naive", "two words", "two  words", "NA", "?", "", "-", "4", "1e400",
         "1" * 30, "3abc", "gold"]


def table_model(activation, zones=("1", "3", "10", "-2", "0", "a+b", "(x)", "1.5", "C:\\d",
                                   "naïve", "two words")):
    """A table model built directly: a number with a was-blank unit, a category column whose
    vocabulary has numbers and regex characters, a number column named like an output."""
    encoding = {"label": "target", "columns": [
        {"name": "size", "kind": "number", "fill": 2.5, "indicator": True},
        {"name": "zone", "kind": "category", "categories": list(zones)},
        {"name": "note", "kind": "ignored"},
        {"name": "label", "kind": "number", "fill": -1.0, "indicator": False}]}
    d = 2 + len(zones) + 1
    X = np.random.default_rng(9).normal(0, 1, (30, d))
    net = Network([d, 6, 3], activation, "softmax", rng=10)
    return Model(net, ["a", "b", "c"], Scaler().fit(X), encoding=encoding)


@pytest.mark.parametrize("activation", sorted(ACTIVATIONS))
def test_category_cells_are_read_as_the_app_reads_them(activation):
    model = table_model(activation)
    rows = [{"size": [1.0, None, 7.25][i % 3], "zone": z, "label": [None, 4.0][i % 2]}
            for i, z in enumerate(ZONES)]
    probabilities = run_onnx(model, column_feed(model, rows))[0]
    np.testing.assert_allclose(probabilities, app_probabilities(model, rows), atol=1e-5, rtol=0)


def test_the_spellings_exercise_every_path_of_the_app():
    """The rows above are a real test: other spellings of a number, padding and regex
    characters switch their entry on in the app; blanks and unseen values switch none."""
    model = table_model("relu")
    zones = Encoding.from_dict(model.encoding).used[1].categories
    on = {z: [zones[j] for j in np.flatnonzero(model.encode_row({"zone": z})[0][0, 2:-1])]
          for z in ZONES}
    spellings = ("3.0", " +3 ", "3e0", "03", "0.3e1", "3.0000000000000001")
    assert all(on[z] == ["3"] for z in spellings)
    assert on["-0"] == on["0"] == ["0"] and on["1e1"] == ["10"] and on["-2.0"] == ["-2"]
    assert on[" 1.5\t"] == ["1.5"] and on["1.50"] == []
    assert on["\u3000naïve\xa0"] == ["naïve"] and on["C:\\d"] == ["C:\\d"]
    assert on["two  words"] == on["NA"] == on[""] == on["1e400"] == on["3abc"] == []


def test_a_column_named_like_an_output_gets_its_own_input_name():
    model = table_model("tanh")
    names = [i.name for i in session_of(model).get_inputs()]
    assert names == ["size", "zone", "label (input)"]
    assert {o.name for o in session_of(model).get_outputs()} <= set(OUTPUT_NAMES)


def test_python_spaces_are_what_str_strip_removes():
    assert set(PYTHON_SPACES) == {chr(c) for c in range(0x110000) if chr(c).isspace()}


def test_picture_table_fills_blank_pixels_as_the_app():
    image = ImageGeometry.from_dict({"height": 8, "width": 8, "order": "C", "vmin": 0,
                                     "vmax": 16})
    encoding = {"label": "digit", "columns": [
        {"name": f"p{i}", "kind": "number", "fill": float(i % 5), "indicator": False}
        for i in range(64)]}
    X = np.random.default_rng(11).integers(0, 17, (6, 64)).astype(np.float64)
    model = Model(Network([64, 9, 4], "relu", "softmax", rng=12), list("wxyz"),
                  Scaler().fit(X, image), image=image, encoding=encoding)
    assert layout(model) == "pixels"
    holes = X.copy()
    holes[[0, 2, 5], [3, 40, 63]] = np.nan
    filled = holes.copy()
    filled[[0, 2, 5], [3, 40, 63]] = [3 % 5, 40 % 5, 63 % 5]
    probabilities = run_onnx(model, {"pixels": holes.astype(np.float32)})[0]
    rows = [{f"p{i}": (None if np.isnan(v) else v) for i, v in enumerate(r)} for r in holes]
    np.testing.assert_allclose(probabilities, app_probabilities(model, rows), atol=1e-5)
    np.testing.assert_allclose(probabilities, model.predict_proba(filled), atol=1e-5)


def test_metadata_says_what_to_feed(churn):
    model, _, _ = churn
    proto = onnx.load_from_string(to_onnx(model))
    onnx.checker.check_model(proto)
    assert proto.opset_import[0].version == OPSET == 20 and proto.ir_version == IR_VERSION == 9
    meta = {p.key: p.value for p in proto.metadata_props}
    assert json.loads(meta["classes"]) == model.classes
    assert json.loads(meta["feature_names"]) == ["age", "age was blank", "plan=basic",
                                                 "plan=max", "plan=pro"]
    inputs = json.loads(meta["inputs"])
    assert [(d["name"], d["type"], d["kind"]) for d in inputs] == [
        ("age", "float32", "number"), ("plan", "string", "category")]
    assert inputs[0]["fill"] == 51.0 and inputs[0]["was_blank_unit"] is True
    assert inputs[1]["categories"] == ["basic", "max", "pro"]
    assert meta["opset"] == "20" and meta["onnxruntime"] == "1.17 or later"
    assert json.loads(meta["encoding"])["label"] == "churn"
    assert "label 10" in meta["label_convention"]


# --- the seam for the regression output ----------------------------------------------------

@pytest.mark.parametrize("log", [False, True])
@pytest.mark.parametrize("robust", [False, True])
def test_regression_value_agrees_with_predict_values(log, robust):
    """The linear head undoes the target transform inside the graph: de-standardise, exp;
    with the regression default's robust scaling (smooth clip) in front of it too."""
    rng = np.random.default_rng(9)
    X = rng.normal(3, 2, (30, 4)).astype(np.float32)
    X[0, 1] = 40.0                                        # an outlier the clip bends
    target = TargetTransform(log=log, mean=3.2 if log else 250.0, std=0.7 if log else 80.0)
    model = Model(Network([4, 6, 1], "relu", "linear", rng=10), [],
                  Scaler().fit(X, robust=robust), target=target)
    (value,) = run_onnx(model, {"features": X})
    expected = model.predict_values(X)
    assert value.shape == (30,) and value.dtype == np.float64
    np.testing.assert_allclose(value, expected, rtol=1e-5)
    assert np.ptp(expected) > 0 and (expected.min() > 0 if log else True)
    assert set(OUTPUT_HEADS) == {"sigmoid", "softmax", "linear"} and not PLANNED_HEADS
    assert "value" in OUTPUT_NAMES
