"""The model card and the five lines of Python that go with an exported model."""
import json
import subprocess
import sys

import numpy as np
import onnxruntime as ort
import pytest

from nncore.data.images import ImageGeometry
from nncore.data.scaling import Scaler
from nncore.export.card import model_card, python_snippet
from nncore.model import Model
from nncore.nn.network import Network
from nncore.onnx_export import save_onnx, to_onnx
from tests.churn_tables import train_churn_model


@pytest.fixture(scope="module")
def churn(tmp_path_factory):
    return train_churn_model(tmp_path_factory.mktemp("card"), n=60, seed=3, hidden=4, epochs=2)


def test_card_of_a_table_model(churn):
    model, _ = churn
    result = {"val_accuracy": 0.75, "train_accuracy": 0.8, "final_cost": 0.5, "epochs": 2,
              "history": {"cost": [1, 0.5]}, "val_indices": [1, 2], "stopped": None}
    card = model_card(model, result, dataset_name="churn.csv", date="2026-12-03")
    assert card == json.loads(json.dumps(card))                 # JSON-ready
    assert card["dataset"] == "churn.csv" and card["date"] == "2026-12-03"
    assert card["task"] == "classification" and card["label"] == "churn"
    assert card["classes"] == model.classes == ["no", "yes"]
    assert card["columns"] == [
        {"name": "age", "kind": "number", "fill": model.encoding["columns"][0]["fill"],
         "was_blank_unit": True},
        {"name": "plan", "kind": "category", "categories": ["basic", "max", "pro"]}]
    assert [c["name"] for c in card["ignored_columns"]] == ["id"]
    assert card["input"] == "columns" and card["n_features"] == 5
    assert card["network"]["layer_sizes"] == [5, 4, 2]
    assert card["settings"]["hidden_layers"] == [4] and card["settings"]["epochs"] == 2
    assert card["metrics"] == {"train_accuracy": 0.8, "val_accuracy": 0.75, "final_cost": 0.5,
                               "epochs": 2}
    session = ort.InferenceSession(to_onnx(model), providers=["CPUExecutionProvider"])
    assert [d["name"] for d in card["onnx"]["inputs"]] == [i.name for i in session.get_inputs()]
    assert card["onnx"]["outputs"] == [
        {"name": "probabilities", "type": "float32", "shape": ["N", 2]},
        {"name": "label", "type": "int64", "shape": ["N"]},
        {"name": "class_name", "type": "string", "shape": ["N"]}]
    assert card["onnx"]["opset"] == 20
    assert model_card(model, result, "churn.csv", "2026-12-03") == card   # deterministic


def test_card_without_a_result_or_an_encoding():
    X = np.random.default_rng(0).normal(0, 1, (10, 3))
    model = Model(Network([3, 2], "relu", "softmax", rng=1), ["a", "b"], Scaler().fit(X))
    card = model_card(model)
    assert card["metrics"] is None and card["dataset"] is None and card["date"] is None
    assert card["columns"] == [] and card["input"] == "features"
    assert card["onnx"]["inputs"][0]["name"] == "features"


def run_snippet(snippet, folder):
    done = subprocess.run([sys.executable, "-c", snippet], capture_output=True, text=True,
                          timeout=60, cwd=folder)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_snippet_runs_the_exported_table_model(churn, tmp_path):
    model, _ = churn
    save_onnx(model, tmp_path / "churn.onnx")
    snippet = python_snippet("churn.onnx", model)
    assert len(snippet.splitlines()) == 5
    assert "'plan': np.array([['basic']], object)" in snippet
    printed = run_snippet(snippet, tmp_path)
    fill = model.encoding["columns"][0]["fill"]
    features, _ = model.encode_row({"age": fill, "plan": "basic"})
    expected = model.predict_proba(features)[0]
    name, numbers = printed.split(" ", 1)
    assert name == model.classes[int(np.argmax(expected))]
    np.testing.assert_allclose(np.array(numbers.strip(" []\n").split(), float), expected,
                               atol=1e-5)


def test_snippet_runs_a_picture_model(tmp_path):
    image = ImageGeometry.from_dict({"height": 8, "width": 8, "order": "C", "vmin": 0,
                                     "vmax": 16})
    X = np.random.default_rng(2).integers(0, 17, (5, 64)).astype(float)
    model = Model(Network([64, 5, 3], "tanh", "softmax", rng=3), ["p", "q", "r"],
                  Scaler().fit(X, image), image=image)
    save_onnx(model, tmp_path / "digits.onnx")
    printed = run_snippet(python_snippet("digits.onnx", model), tmp_path)
    assert printed.split()[0] == model.predict(np.zeros((1, 64)))[0]


def test_snippet_prints_a_regression_models_value(tmp_path):
    X = np.random.default_rng(4).normal(0, 1, (10, 3))
    model = Model(Network([3, 4, 1], "relu", "linear", rng=5), [], Scaler().fit(X))
    save_onnx(model, tmp_path / "price.onnx")
    snippet = python_snippet("price.onnx", model)
    assert len(snippet.splitlines()) == 5 and "(value,) = session.run(None, row)" in snippet
    printed = run_snippet(snippet, tmp_path)
    np.testing.assert_allclose(float(printed.strip(" []\n")),
                               model.predict_values(np.zeros((1, 3)))[0], atol=1e-4)
