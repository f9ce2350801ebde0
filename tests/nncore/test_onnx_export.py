"""ONNX export: onnxruntime gives the probabilities `Model` gives, for every kind of network."""
import json
import subprocess
import sys

import numpy as np
import onnx
import onnxruntime as ort
import pytest

from nncore.data.images import ImageGeometry
from nncore.data.scaling import Scaler
from nncore.data.targets import TargetTransform
from nncore.model import Model
from nncore.nn.convnet import ConvNetwork
from nncore.nn.network import Network
from nncore.onnx_export import IR_VERSION, OPSET, OUTPUT_HEADS, save_onnx, to_onnx
from tests.churn_tables import train_churn_model


def run_onnx(model, X):
    session = ort.InferenceSession(to_onnx(model), providers=["CPUExecutionProvider"])
    return session.run(None, {"features": np.asarray(X, dtype=np.float32)})


def assert_same(model, X):
    probabilities, label, class_name = run_onnx(model, X)
    expected = model.predict_proba(X)
    assert probabilities.shape == expected.shape
    np.testing.assert_allclose(probabilities, expected, atol=1e-5, rtol=0)
    assert label.dtype == np.int64
    if expected.shape[1] > 1:
        assert np.array_equal(label, model.predict_indices(X))
    assert list(class_name) == [model.classes[i] for i in label]


@pytest.mark.parametrize("activation", ["sigmoid", "tanh", "relu"])
@pytest.mark.parametrize("output", ["sigmoid", "softmax"])
def test_dense_networks_agree(activation, output):
    rng = np.random.default_rng(1)
    X = rng.normal(5, 20, (50, 6))
    net = Network([6, 7, 5, 4], activation, output, rng=2)
    model = Model(net, ["a", "b", "c", "d"], Scaler().fit(X))
    assert_same(model, X)


def test_single_sigmoid_unit_labels_by_half():
    rng = np.random.default_rng(2)
    X = rng.normal(0, 1, (40, 3))
    model = Model(Network([3, 4, 1], "tanh", "sigmoid", rng=3), ["no", "yes"], Scaler().fit(X))
    probabilities, label, class_name = run_onnx(model, X)
    np.testing.assert_allclose(probabilities, model.predict_proba(X), atol=1e-5)
    assert np.array_equal(label, (probabilities[:, 0] > 0.5).astype(np.int64))
    assert set(class_name) <= {"no", "yes"}


@pytest.mark.parametrize("order", ["C", "F"])
@pytest.mark.parametrize("padding", ["valid", "same"])
def test_convolutional_networks_agree(order, padding):
    image = ImageGeometry.from_dict({"height": 13, "width": 11, "order": order,
                                     "vmin": 0, "vmax": 255})
    rng = np.random.default_rng(4)
    X = rng.integers(0, 256, (12, 143)).astype(np.float64)
    net = ConvNetwork(image, 3, conv_filters=(3, 2), hidden_layers=(6,), kernel=3,
                      padding=padding, activation="relu", output="softmax", rng=5)
    model = Model(net, ["x", "y", "z"], Scaler().fit(X, image), image=image)
    assert_same(model, X)


@pytest.fixture(scope="module")
def table_model(tmp_path_factory):
    """A model trained (briefly) on a table with text categories and blanks."""
    return train_churn_model(tmp_path_factory.mktemp("onnx"), n=60, seed=6, hidden=5, epochs=2)


def test_table_model_agrees_and_carries_its_metadata(table_model):
    model, dataset = table_model
    assert_same(model, dataset.X)
    proto = onnx.load_from_string(to_onnx(model))
    onnx.checker.check_model(proto)
    assert proto.opset_import[0].version == OPSET and proto.ir_version == IR_VERSION
    meta = {p.key: p.value for p in proto.metadata_props}
    assert json.loads(meta["classes"]) == model.classes
    names = json.loads(meta["feature_names"])
    assert names == ["age", "age was blank", "plan=basic", "plan=max", "plan=pro"][:len(names)]
    assert len(names) == model.n_features
    assert json.loads(meta["encoding"])["label"] == "churn"
    assert "label 10" in meta["label_convention"]


def test_tutorial_network_loads_in_a_fresh_process(tmp_path):
    rng = np.random.default_rng(7)
    X = rng.uniform(-0.1, 1.1, (8, 20))
    model = Model(Network([20, 25, 10], "sigmoid", "sigmoid", rng=8),
                  [str(c) for c in range(1, 11)], Scaler().fit(X))
    path = tmp_path / "model.onnx"
    save_onnx(model, path)
    np.save(tmp_path / "X.npy", X.astype(np.float32))
    script = ("import sys, numpy as np, onnxruntime as ort\n"
              "s = ort.InferenceSession(sys.argv[1])\n"
              "p = s.run(['probabilities'], {'features': np.load(sys.argv[2])})[0]\n"
              "np.save(sys.argv[3], p)\n")
    done = subprocess.run([sys.executable, "-c", script, str(path), str(tmp_path / "X.npy"),
                           str(tmp_path / "P.npy")], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    np.testing.assert_allclose(np.load(tmp_path / "P.npy"), model.predict_proba(X), atol=1e-5)


def test_unknown_output_is_refused():
    model = Model(Network([2, 2], "relu", "softmax", rng=0), ["a", "b"],
                  Scaler().fit(np.eye(2)))
    model.network.output = "mystery"
    with pytest.raises(ValueError, match="no output head 'mystery'"):
        to_onnx(model)
    assert set(OUTPUT_HEADS) == {"sigmoid", "softmax", "linear"}


@pytest.mark.parametrize("log", [False, True])
def test_regression_value_agrees_with_predict_values(log):
    """The linear head undoes the target transform inside the graph: de-standardise, exp."""
    rng = np.random.default_rng(9)
    X = rng.normal(3, 2, (30, 4))
    target = TargetTransform(log=log, mean=3.2 if log else 250.0, std=0.7 if log else 80.0)
    model = Model(Network([4, 6, 1], "relu", "linear", rng=10), [], Scaler().fit(X),
                  target=target)
    (value,) = run_onnx(model, X)
    expected = model.predict_values(X)
    assert value.shape == (30,) and value.dtype == np.float64
    np.testing.assert_allclose(value, expected, rtol=1e-5)
    assert np.ptp(expected) > 0 and (expected.min() > 0 if log else True)
