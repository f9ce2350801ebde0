"""default_settings: which defaults a dataset's shape earns (pictures, small pictures, tables)."""
import time

import numpy as np
import pandas as pd
import pytest

from nncore.config import TrainConfig
from nncore.data.frames import from_frame
from nncore.defaults import (REGRESSION_REFIT_ROWS, SMALL_PICTURE_SIDE, TABLE_L2,
                             TABLE_MIN_ROW_PASSES, TABLE_WIDTH, default_settings, table_defaults,
                             with_defaults)
from nncore.fitting import fit

DIGITS = list("0123456789")


def pictures(side, n=5000):
    return {"n_samples": n, "n_features": side * side, "classes": DIGITS,
            "image": {"height": side, "width": side, "order": "C", "vmin": 0, "vmax": 16}}


@pytest.mark.parametrize("side", [SMALL_PICTURE_SIDE, 20, 28])
def test_pictures_from_16_pixels_keep_the_drawing_pad_defaults(side):
    settings, reason = default_settings(pictures(side))
    assert settings == {"hidden_layers": [256], "epochs": 30} and "drawing-pad" in reason


def test_small_pictures_train_like_a_table():
    settings, reason = default_settings(pictures(8, n=1437))
    as_table, _ = table_defaults(pictures(8, n=1437))
    assert settings == as_table and "8x8 pictures" in reason
    config = TrainConfig.from_dict(settings)
    assert config.augment is False and config.synthetic_digits == 0
    assert config.average_last == 0 and config.patience


def test_small_pictures_win_over_the_large_picture_defaults():
    settings, _ = default_settings(pictures(8, n=50_000))
    assert settings["augment"] is False and settings["hidden_layers"]


def test_the_8x8_digits_train_quickly_and_well():
    datasets = pytest.importorskip("sklearn.datasets")
    threadpoolctl = pytest.importorskip("threadpoolctl")
    digits = datasets.load_digits()
    frame = pd.DataFrame(digits.data, columns=[f"p{i}" for i in range(64)])
    frame["target"] = digits.target
    dataset = from_frame(frame, "target", "digits")
    assert dataset.image is not None and dataset.image.height == 8
    settings, _ = default_settings(dataset.summary())
    started = time.perf_counter()
    with threadpoolctl.threadpool_limits(1):    # one BLAS thread, as the app's trainings run
        _, result = fit(dataset, TrainConfig.from_dict(settings))
    assert time.perf_counter() - started < 20
    assert result["val_accuracy"] >= 0.95 and result["synthetic_digits"] == 0


def test_table_defaults_scale_with_the_table():
    small, reason = table_defaults({"n_samples": 150, "n_features": 4, "classes": ["a", "b", "c"]})
    big, _ = table_defaults({"n_samples": 100_000, "n_features": 20, "classes": ["a", "b"]})
    assert "150 rows" in reason and small["patience"] and small["augment"] is False
    assert big["epochs"] * 80_000 <= TABLE_MIN_ROW_PASSES
    assert big["batch_size"] >= small["batch_size"]
    for d in (2, 30, 300):               # one wide layer, held back by the L2 prior
        chosen, _ = table_defaults({"n_samples": 1000, "n_features": d, "classes": ["a", "b"]})
        assert chosen["hidden_layers"] == [TABLE_WIDTH] and chosen["l2"] == TABLE_L2



@pytest.mark.parametrize("requested, patience", [
    ({"epochs": 5}, 25),                                # the defaults' early stopping
    ({"average_last": 0.5}, None),                      # averaging asked for: no early stopping
    ({"average_last": 0.5, "patience": 3}, 3),          # both asked for: as asked
    ({"average_last": 0.0}, 25),
])
def test_a_request_goes_on_top_of_the_defaults(requested, patience):
    table = {"n_samples": 300, "n_features": 4, "classes": ["a", "b"]}
    merged = with_defaults(table, requested)
    assert merged.get("patience") == patience and merged["hidden_layers"] == [TABLE_WIDTH]
    assert all(merged[k] == v for k, v in requested.items())


def regression_summary(n, log=False, label="price"):
    return {"task": "regression", "n_samples": n, "n_features": 7, "classes": [],
            "image": None, "columns": [{"name": label, "kind": "label"}],
            "target": {"count": n, "log": log}}


def test_epochs_grow_with_the_table():
    """A 54,000-row table is no longer cut off at 20 epochs: a budget of row passes."""
    big, _ = table_defaults({"n_samples": 54_000, "n_features": 26, "classes": list("abcde")})
    assert big["epochs"] == TABLE_MIN_ROW_PASSES // 43_200 == 92
    mid, _ = table_defaults({"n_samples": 5_000, "n_features": 26, "classes": ["a", "b"]})
    assert mid["epochs"] == 1000 and mid["patience"] == 25      # early stopping decides


def test_classes_take_robust_scaling_and_pictures_keep_their_range():
    settings, reason = table_defaults({"n_samples": 800, "n_features": 5, "classes": ["a", "b"]})
    assert settings["scaling"] == "robust" and "refit" not in settings
    assert "median and quartiles with a smooth clip at 3" in reason
    small, reason = default_settings(pictures(8, n=1437))
    assert "scaling" not in small and "median" not in reason


def test_a_regression_table_gets_the_table_rule_and_says_what_it_learns():
    settings, reason = default_settings(regression_summary(500))
    as_table, _ = table_defaults({"n_samples": 500, "n_features": 7, "classes": ["a", "b"]})
    assert settings.pop("refit") is True and settings["scaling"] == "robust"
    assert settings.pop("l2_choices") == [10.0]      # and L2 10 tried beside L2 1
    assert settings == as_table                       # otherwise the same constants
    assert "then trained again on all rows" in reason
    assert "median and quartiles with a smooth clip at 3" in reason
    big, reason = default_settings(regression_summary(REGRESSION_REFIT_ROWS))
    assert "refit" not in big and "trained again" not in reason
    assert "a number to predict: learns price standardised" in reason
    _, logged = default_settings(regression_summary(500, log=True))
    assert "learns log(price), standardised" in logged


def test_a_regression_table_under_10000_rows_fits_in_20_seconds():
    threadpoolctl = pytest.importorskip("threadpoolctl")
    rng = np.random.default_rng(0)
    n = 9_000
    frame = pd.DataFrame(rng.normal(size=(n, 8)), columns=[f"x{i}" for i in range(8)])
    frame["y"] = np.exp(frame["x0"] + 0.3 * frame["x1"] ** 2 + rng.normal(0, 0.2, n))
    dataset = from_frame(frame, "y", "big")
    assert dataset.task == "regression"
    settings, reason = default_settings(dataset.summary())
    assert "learns log(y)" in reason
    started = time.perf_counter()
    with threadpoolctl.threadpool_limits(1):    # one BLAS thread, as the app's trainings run
        _, result = fit(dataset, TrainConfig.from_dict(settings))
    assert time.perf_counter() - started < 20
    assert result["val_r2"] > 0.7            # in the label's units, a log-normal tail
