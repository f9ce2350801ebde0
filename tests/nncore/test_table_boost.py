"""The table defaults' extra steps: robust scaling with a smooth clip and the refit on every
row. Each travels with the model: through the model file, the row form ("try a row") and the
ONNX export, which must agree with the app to 1e-5."""
import numpy as np
import onnxruntime as ort
import pandas as pd
import pytest

from nncore.config import TrainConfig
from nncore.data.images import ImageGeometry
from nncore.data.loaders import load_dataset
from nncore.data.scaling import CLIP, Scaler, smooth_clip
from nncore.fitting import fit
from nncore.model import Model
from nncore.onnx_export import to_onnx
from tests.churn_tables import train_churn_model
from tests.nncore.test_onnx_export import CHURN_ROWS, app_probabilities, column_feed


def test_robust_scaling_centres_on_the_median_and_clips_smoothly():
    X = np.array([[1.0, 0.0], [2.0, 0.0], [3.0, 0.0], [4.0, 1.0], [1000.0, 0.0]])
    scaler = Scaler().fit(X, robust=True)
    q25, q75 = 2.0, 4.0
    assert scaler.offset.tolist() == [3.0, 0.0]
    assert scaler.scale[0] == pytest.approx((q75 - q25) / 1.3489795)
    assert scaler.scale[1] == pytest.approx(0.4)        # quartiles equal: the std instead
    Y = scaler.transform(X, dtype=np.float64)
    u = (1000.0 - 3.0) / scaler.scale[0]
    assert Y[4, 0] == pytest.approx(u / np.sqrt(1 + (u / CLIP) ** 2)) and Y[4, 0] < CLIP
    assert Y[2, 0] == 0.0 and np.all(np.diff(Y[:, 0]) > 0)       # order kept
    np.testing.assert_allclose(scaler.inverse_transform(Y), X, rtol=1e-9)
    assert smooth_clip(np.array([0.1]), 3.0)[0] == pytest.approx(0.1, rel=1e-3)


def test_robust_scaling_round_trips_through_its_dict_and_pictures_ignore_it():
    X = np.random.default_rng(1).lognormal(size=(50, 3))
    scaler = Scaler().fit(X, robust=True)
    again = Scaler.from_dict(scaler.to_dict())
    assert again.clip == CLIP
    np.testing.assert_array_equal(again.transform(X), scaler.transform(X))
    assert "clip" not in Scaler().fit(X).to_dict()
    picture = Scaler().fit(np.zeros((2, 4)), image=ImageGeometry(2, 2, vmin=0, vmax=255), robust=True)
    assert picture.clip is None and picture.scale.tolist() == [255.0] * 4


def skewed_table(folder, n=200, seed=3):
    """A table with a heavy-tailed income, a category with blanks and a label that follows
    them; written to ``folder/skewed.csv``."""
    rng = np.random.default_rng(seed)
    income = rng.lognormal(10, 1.2, n)
    plan = rng.choice(["basic", "pro", "max"], n)
    label = np.where((np.log(income) > 10) ^ (plan == "pro"), "yes", "no")
    frame = pd.DataFrame({"income": income.round(2).astype(object), "plan": plan, "churn": label})
    frame.loc[[4, 8, 15], "income"] = ""
    frame.loc[[6], "plan"] = ""
    path = folder / "skewed.csv"
    frame.to_csv(path, index=False)
    return path


@pytest.fixture(scope="module")
def boosted(tmp_path_factory):
    folder = tmp_path_factory.mktemp("boost")
    path = skewed_table(folder)
    dataset = load_dataset(path)
    config = TrainConfig(hidden_layers=[8], epochs=40, patience=5, augment=False,
                         average_last=0.0, scaling="robust", refit=True, batch_size=32)
    model, result = fit(dataset, config)
    return model, result, dataset, path, folder


def test_refit_trains_again_for_the_best_epoch_on_every_row(boosted):
    model, result, dataset, _, _ = boosted
    assert result["refit_epochs"] == result["best_epoch"] >= 1
    assert model.scaler.clip == CLIP and model.config["refit"] is True
    # the validation figures are the first network's: the refit network saw those rows
    first, _ = fit(dataset, TrainConfig.from_dict({**model.config, "refit": False}))
    assert not np.allclose(first.network.weights[0], model.network.weights[0])
    val = np.asarray(result["val_indices"])
    assert result["val_accuracy"] == pytest.approx(
        np.mean(first.predict_indices(dataset.X[val]) == dataset.y[val]))


def test_refit_needs_validation_rows_and_an_uncancelled_run(tmp_path):
    path = skewed_table(tmp_path)
    dataset = load_dataset(path)
    config = TrainConfig(hidden_layers=[4], epochs=3, augment=False, refit=True,
                         validation_split=0.0, average_last=0.0)
    _, result = fit(dataset, config)
    assert "refit_epochs" not in result
    _, result = fit(dataset, TrainConfig.from_dict({**config.to_dict(), "validation_split": 0.2}),
                    callback=lambda record: False)
    assert result["stopped"] == "cancelled" and "refit_epochs" not in result


def test_robust_model_round_trips_through_the_file_and_the_row_form(boosted):
    model, _, dataset, _, folder = boosted
    model.save(folder / "m.npz")
    loaded = Model.load(folder / "m.npz")
    assert loaded.scaler.clip == CLIP
    np.testing.assert_array_equal(loaded.predict_proba(dataset.X), model.predict_proba(dataset.X))
    row = {"income": "250000", "plan": "pro"}
    X_row, _ = loaded.encode_row(row)
    expected = model.predict_proba(model.encode_row(row)[0])
    np.testing.assert_array_equal(loaded.predict_proba(X_row), expected)
    # far beyond the training range the clip keeps the scaled input below CLIP
    assert np.all(np.abs(loaded.scale(loaded.encode_row({"income": "1e12", "plan": ""})[0]))
                  <= CLIP + 1)


def test_robust_refit_model_exports_to_onnx_with_parity(boosted):
    model, _, dataset, path, _ = boosted
    session = ort.InferenceSession(to_onnx(model), providers=["CPUExecutionProvider"])
    rows = [{"income": "250000", "plan": "pro"}, {"income": "", "plan": "max"},
            {"income": "1e9", "plan": "gold"}, {"income": "12", "plan": ""}]
    got = session.run(None, column_feed(model, rows))[0]
    np.testing.assert_allclose(got, app_probabilities(model, rows), atol=1e-5, rtol=0)
    file_rows = pd.read_csv(path, dtype=str, keep_default_na=False).to_dict("records")
    got = session.run(None, column_feed(model, file_rows))[0]
    np.testing.assert_allclose(got, model.predict_proba(dataset.X), atol=1e-5, rtol=0)


def test_churn_rows_agree_with_a_robust_scaler(tmp_path):
    model, _ = train_churn_model(tmp_path, n=60, seed=6, hidden=5, epochs=2)
    X = np.random.default_rng(0).lognormal(size=(40, model.n_features))
    model.scaler = Scaler().fit(X, robust=True)
    session = ort.InferenceSession(to_onnx(model), providers=["CPUExecutionProvider"])
    got = session.run(None, column_feed(model, CHURN_ROWS))[0]
    np.testing.assert_allclose(got, app_probabilities(model, CHURN_ROWS), atol=1e-5, rtol=0)


def test_settings_check_the_new_fields():
    assert TrainConfig.from_dict({"scaling": "robust", "refit": True}).refit is True
    with pytest.raises(ValueError, match="scaling must be one of"):
        TrainConfig.from_dict({"scaling": "quantile"})
    with pytest.raises(ValueError, match="refit must be true or false"):
        TrainConfig.from_dict({"refit": "yes"})


def test_a_regression_default_run_is_robust_and_round_trips(tmp_path):
    """A number to predict takes the table defaults' robust scaling (with the refit and a log
    target here): the model file, the row form and the ONNX graph give the same values, and
    an income far beyond the training range no longer drives the price beyond reason."""
    from nncore.defaults import default_settings

    rng = np.random.default_rng(4)
    income = rng.lognormal(10, 1, 200)
    plan = rng.choice(["basic", "pro", "max"], 200)
    price = income * np.where(plan == "pro", 2.0, 1.0) / 100 + rng.lognormal(5, 0.3, 200)
    frame = pd.DataFrame({"income": income.round(2), "plan": plan, "price": price.round(2)})
    frame.to_csv(tmp_path / "prices.csv", index=False)
    dataset = load_dataset(tmp_path / "prices.csv")
    settings, reason = default_settings(dataset.summary())
    assert settings["scaling"] == "robust" and settings["refit"] is True
    assert "median and quartiles" in reason
    model, _ = fit(dataset, TrainConfig.from_dict({**settings, "hidden_layers": [16],
                                                   "epochs": 60}))
    assert model.scaler.clip == CLIP and model.target.log
    model.save(tmp_path / "m.npz")
    loaded = Model.load(tmp_path / "m.npz")
    np.testing.assert_array_equal(loaded.predict_values(dataset.X),
                                  model.predict_values(dataset.X))
    rows = [{"income": "25000", "plan": "pro"}, {"income": "", "plan": "max"},
            {"income": "1e12", "plan": "basic"}]
    values = np.array([loaded.predict_values(loaded.encode_row(r)[0])[0] for r in rows])
    session = ort.InferenceSession(to_onnx(model), providers=["CPUExecutionProvider"])
    (got,) = session.run(["value"], column_feed(model, rows))
    np.testing.assert_allclose(got.ravel(), values, rtol=1e-5)
    assert values[2] < 100 * price.max()        # the clip bounds what an outlier can do
