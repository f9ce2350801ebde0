"""Model: predictions on raw rows, and a save/load round trip that changes nothing."""
import numpy as np
import pytest

from nncore.data.dataset import Dataset
from nncore.fitting import fit
from nncore.config import TrainConfig
from nncore.model import Model


@pytest.fixture(scope="module")
def trained():
    rng = np.random.default_rng(3)
    X = np.vstack([rng.normal(0, 1, (60, 4)), rng.normal(3, 1, (60, 4))]) * 50 + 7
    y = np.repeat([0, 1], 60)
    dataset = Dataset(X=X, y=y, classes=["no", "yes"], name="blobs")
    model, result = fit(dataset, TrainConfig(hidden_layers=[6], epochs=30, batch_size=16,
                                                learning_rate=0.01, l2=0.0))
    return model, dataset, result


def test_predicts_names_on_raw_rows(trained):
    model, dataset, result = trained
    assert set(model.predict(dataset.X)) <= {"no", "yes"}
    assert np.mean(model.predict(dataset.X) == np.asarray(dataset.classes)[dataset.y]) > 0.9
    proba = model.predict_proba(dataset.X[0])            # one row is accepted too
    assert proba.shape == (1, 2) and np.isclose(proba.sum(), 1.0, atol=1e-5)
    assert result["val_accuracy"] is not None and result["confusion_matrix"]


def test_save_load_gives_bit_identical_predictions(trained, tmp_path):
    model, dataset, _ = trained
    path = tmp_path / "model.npz"
    model.save(path)
    loaded = Model.load(path)
    assert loaded.classes == model.classes
    assert np.array_equal(loaded.predict_proba(dataset.X), model.predict_proba(dataset.X))
    assert list(tmp_path.iterdir()) == [path]          # no temporary file left behind
    with np.load(path, allow_pickle=False) as data:     # readable without pickle
        assert "metadata" in data


@pytest.mark.parametrize("rows, message", [
    (np.zeros((2, 3)), "expected rows of 4 features"),
    (np.array([[1.0, np.nan, 0, 0]]), "finite numbers"),
])
def test_bad_rows_are_refused(trained, rows, message):
    model = trained[0]
    with pytest.raises(ValueError, match=message):
        model.predict(rows)


def test_load_refuses_other_files(tmp_path):
    path = tmp_path / "not-a-model.npz"
    np.savez(path, a=np.arange(3))
    with pytest.raises(ValueError, match="not-a-model.npz is not a model saved by nncore"):
        Model.load(path)
    pickled = tmp_path / "pickled.npz"
    np.savez(pickled, metadata=np.array([{"evil": 1}], dtype=object))
    with pytest.raises(ValueError, match="pickled.npz is not a model saved by nncore: the "
                                         "archive is damaged"):
        Model.load(pickled)
    bad_meta = tmp_path / "bad-meta.npz"
    np.savez(bad_meta, metadata=np.array("{not json"))
    with pytest.raises(ValueError, match="not a model file written by nncore"):
        Model.load(bad_meta)


def regression_model(log):
    from nncore.data.scaling import Scaler
    from nncore.data.targets import TargetTransform
    from nncore.nn.network import Network
    from nncore.nn.training import train
    rng = np.random.default_rng(0)
    X = rng.uniform(0, 3, (120, 2))
    y = np.exp(X[:, 0] + 0.5 * X[:, 1]) if log else 10 + 3 * X[:, 0] - X[:, 1]
    scaler, target = Scaler().fit(X), TargetTransform.fit(y)
    assert target.log is log
    network = Network([2, 8, 1], activation="tanh", output="linear", rng=0)
    train(network, scaler.transform(X), target.transform(y), learning_rate=0.01, epochs=200,
          batch_size=16, rng=1, task="regression")
    return Model(network, [], scaler, target=target), X, y


@pytest.mark.parametrize("log", [False, True])
def test_a_regression_model_answers_in_the_label_units_and_round_trips(tmp_path, log):
    model, X, y = regression_model(log)
    predicted = model.predict_values(X)
    assert predicted.shape == (120,) and predicted.dtype == np.float64
    assert np.corrcoef(predicted, y)[0, 1] > 0.98             # in the label's units
    np.testing.assert_array_equal(model.predict(X[:3]), predicted[:3])
    assert model.predict_values(X[0]).shape == (1,)
    model.save(tmp_path / "r.npz")
    loaded = Model.load(tmp_path / "r.npz")
    assert loaded.task == "regression" and loaded.classes == []
    assert loaded.target.to_dict() == model.target.to_dict()
    np.testing.assert_array_equal(loaded.predict_values(X), predicted)
    with pytest.raises(ValueError, match="predict_values"):
        loaded.predict_proba(X)
    assert "regression" in repr(loaded)


def test_a_classifier_file_written_before_regression_still_loads(trained, tmp_path):
    import json
    model, X = trained[0], trained[1].X
    model.save(tmp_path / "new.npz")
    with np.load(tmp_path / "new.npz", allow_pickle=False) as data:
        arrays = dict(data)
    meta = json.loads(str(arrays["metadata"]))
    assert meta["task"] == "classification" and meta["target"] is None
    del meta["task"], meta["target"]                        # as an older version wrote it
    arrays["metadata"] = np.array(json.dumps(meta))
    np.savez(tmp_path / "old.npz", **arrays)
    old = Model.load(tmp_path / "old.npz")
    assert old.task == "classification"
    np.testing.assert_array_equal(old.predict_proba(X), model.predict_proba(X))
    with pytest.raises(ValueError, match="predicts classes"):
        old.predict_values(X)
