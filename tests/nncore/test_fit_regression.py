"""fit() on numbers to predict: a linear output learning the transformed label, results in
label units, the mean's baseline, and classification results unchanged apart from the task."""
import numpy as np
import pytest

from nncore.config import TrainConfig
from nncore.data.dataset import Dataset
from nncore.fitting import fit
from nncore.model import Model

CONFIG = TrainConfig(hidden_layers=[32], epochs=150, batch_size=32, patience=25,
                     average_last=0.0, seed=1)


def smooth_problem(n=500, seed=0):
    """y = 3 sin(x0) + x1**2 + 10 + noise of sd 0.1: a network can reach R² near 1."""
    rng = np.random.default_rng(seed)
    X = rng.uniform(-2, 2, (n, 3))
    y = 3 * np.sin(X[:, 0]) + X[:, 1] ** 2 + 10 + rng.normal(0, 0.1, n)
    return Dataset(X=X, y=y, classes=[], task="regression")


def test_a_known_function_is_learned_in_label_units():
    dataset = smooth_problem()
    model, result = fit(dataset, CONFIG)
    assert model.task == "regression" and model.network.output == "linear"
    assert model.network.layer_sizes == [3, 32, 1]
    assert result["task"] == "regression" and result["output"] == "linear"
    assert result["val_r2"] > 0.95 and result["train_r2"] > 0.95
    assert result["train_accuracy"] is None and result["val_accuracy"] is None
    assert "confusion_matrix" not in result
    assert result["history"]["val_r2"][-1] is not None
    val = np.array(result["val_indices"])
    predicted = np.array(result["val_predictions"])
    assert len(val) == 100 and predicted.shape == (100,)
    # the result's predictions are the model's, in the label's units
    np.testing.assert_allclose(predicted, model.predict_values(dataset.X[val]), rtol=1e-6)
    errors = predicted - dataset.y[val]
    assert result["val_mae"] == pytest.approx(np.mean(np.abs(errors)))
    assert result["val_rmse"] == pytest.approx(np.sqrt(np.mean(errors ** 2)))
    assert result["val_rmse"] < 0.5            # the label's sd is about 2.6
    # the baseline always predicts the training rows' mean
    train = np.setdiff1d(np.arange(dataset.n_samples), val)
    mean_errors = dataset.y[train].mean() - dataset.y[val]
    assert result["baseline"]["val_mae"] == pytest.approx(np.mean(np.abs(mean_errors)))
    assert result["baseline"]["val_r2"] <= 0.0
    assert "standardised" in result["target_transform"] and not model.target.log


def test_a_skewed_positive_label_is_learned_as_its_log(tmp_path):
    """y = exp(x0 + x1 / 2 + noise): positive, right-skewed; the log makes it linear."""
    rng = np.random.default_rng(3)
    X = rng.normal(size=(600, 4))
    y = np.exp(1.0 + X[:, 0] + 0.5 * X[:, 1] + rng.normal(0, 0.1, 600))
    dataset = Dataset(X=X, y=y, classes=[], task="regression")
    model, result = fit(dataset, CONFIG)
    assert model.target.log and "log" in result["target_transform"]
    assert result["val_r2"] > 0.9
    assert min(result["val_predictions"]) > 0          # exp of the log scale: positive
    model.save(tmp_path / "m.npz")
    again = Model.load(tmp_path / "m.npz")
    assert again.target.log
    np.testing.assert_allclose(again.predict_values(X[:5]), model.predict_values(X[:5]))


def test_the_split_is_not_stratified_and_follows_the_seed():
    dataset = smooth_problem(n=200)
    _, a = fit(dataset, TrainConfig(hidden_layers=[4], epochs=2, average_last=0.0, seed=0))
    _, b = fit(dataset, TrainConfig(hidden_layers=[4], epochs=2, average_last=0.0, seed=0))
    _, c = fit(dataset, TrainConfig(hidden_layers=[4], epochs=2, average_last=0.0, seed=1))
    assert a["val_indices"] == b["val_indices"] != c["val_indices"]
    assert a["history"]["cost"] == b["history"]["cost"]


def test_without_validation_rows_the_val_figures_are_none():
    config = TrainConfig(hidden_layers=[4], epochs=3, validation_split=0.0, average_last=0.0)
    _, result = fit(smooth_problem(n=100), config)
    assert result["val_r2"] is result["val_mae"] is result["val_rmse"] is None
    assert result["baseline"] == {"val_r2": None, "val_mae": None, "val_rmse": None}
    assert result["val_predictions"] == [] and result["train_r2"] is not None


def test_the_settings_output_is_ignored_for_regression():
    config = TrainConfig(hidden_layers=[4], epochs=2, output="sigmoid", average_last=0.0)
    model, result = fit(smooth_problem(n=100), config)
    assert model.network.output == "linear" and result["output"] == "linear"


def test_classification_results_say_their_task():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(120, 2))
    dataset = Dataset(X=X, y=(X[:, 0] > 0).astype(int), classes=["a", "b"])
    _, result = fit(dataset, TrainConfig(hidden_layers=[4], epochs=2))
    assert result["task"] == "classification" and "output" not in result
    assert "val_r2" not in result and "baseline" not in result
    assert len(result["confusion_matrix"]) == 2
