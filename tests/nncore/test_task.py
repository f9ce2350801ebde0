"""The task rule (nncore/data/task.py) and regression tables through the loaders."""

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from nncore.data.frames import from_frame
from nncore.data.loaders import load_dataset
from nncore.data.task import MAX_TARGET, infer_task

SHARED = Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "regression"
RNG = np.random.default_rng(0)


@pytest.mark.parametrize("values, expected", [
    # Boston medv: 229 distinct prices in $1000s with fractions, 506 rows
    (np.round(RNG.uniform(5, 50, 506), 1), "regression"),
    ([0, 1] * 250, "classification"),                       # 0/1 stays classes
    ([1.0, 2.0] * 10, "classification"),                    # two values, even as floats
    (RNG.integers(1, 6, 500), "classification"),            # a 1-5 rating on 500 rows
    (RNG.integers(0, 10, 5000), "classification"),          # digits
    ([1, 2, 3, 1, 2, 3], "classification"),                 # a tiny table of 3 classes
    (RNG.integers(0, 101, 300), "regression"),              # exam scores 0-100 on 300 rows
    (RNG.integers(0, 2000, 50_000), "regression"),          # > 1,000 whole values
    (RNG.integers(0, 50, 1000), "classification"),          # 50 <= 5% of 1,000 rows
    (RNG.integers(0, 90, 999), "classification"),           # 90 <= 10% under 1,000 rows
    (RNG.integers(0, 120, 1000), "regression"),             # 120 > 5% of 1,000 rows
    (["cat", "dog", "bird"] * 5, "classification"),          # text
    ([True, False, True], "classification"),
    ([f"{v:.2f}" for v in RNG.uniform(0, 9, 100)], "regression"),   # numbers read as text
    ([f"{v:.2f}" for v in RNG.uniform(0, 9, 99)] + ["oops"], "regression"),  # a stray text
    (["a", "b", "c", "1.5", "2.5", "3.5"], "classification"),
])
def test_the_task_rule(values, expected):
    task, reason = infer_task(values)
    assert task == expected
    assert reason


def test_the_reason_says_why():
    assert infer_task([0, 1, 1])[1] == "two values: a yes/no question"
    assert "fractions" in infer_task([0.5, 1.5, 2.25, 3.0])[1]


def frame(labels):
    n = len(labels)
    return pd.DataFrame({"x": np.arange(n, dtype=float), "z": np.arange(n) % 3 * 1.0,
                         "price": np.array(labels, dtype=object)},
                        index=range(2, n + 2))


def test_a_price_column_reads_as_regression_with_a_target_summary():
    prices = [24.0, 21.6, 34.7, 33.4, 36.2, None, 28.7, 22.9, 27.1, 16.5, 18.9, 15.0]
    dataset = from_frame(frame(prices), "price", "houses")
    assert dataset.task == "regression" and dataset.classes == []
    assert dataset.y.dtype == np.float64 and dataset.n_samples == 11
    np.testing.assert_array_equal(dataset.y, [p for p in prices if p is not None])
    summary = json.loads(json.dumps(dataset.summary()))
    assert summary["task"] == "regression" and summary["class_counts"] == {}
    values = np.array([p for p in prices if p is not None])
    assert summary["target"] == pytest.approx({"count": 11, "blanks": 1, "min": 15.0,
                                               "max": 36.2, "mean": values.mean(),
                                               "std": values.std(), "log": False})
    assert "1 row whose label" in " ".join(summary["notes"])
    assert summary["columns"][0]["action"].startswith("the label: a number to predict")


def test_the_caller_may_choose_the_task():
    labels = [1, 2, 3, 4, 5, 1, 2, 3, 4, 5, 3, 3]
    assert from_frame(frame(labels), "price", "r").task == "classification"
    dataset = from_frame(frame(labels), "price", "r", task="regression")
    assert dataset.task == "regression" and dataset.y[1] == 2.0
    back = from_frame(frame([0.5 + i for i in range(12)]), "price", "r",
                      task="classification")
    assert back.task == "classification" and len(back.classes) == 12
    assert back.summary()["task"] == "classification" and "target" not in back.summary()
    with pytest.raises(ValueError, match="task must be one of"):
        from_frame(frame(labels), "price", "r", task="ranking")


@pytest.mark.parametrize("bad, message", [
    ("inf", r'row 5, column 3: "inf" is infinite'),
    ("1e308", r'row 5, column 3: "1e308" is beyond \+-1e\+100'),
    ("abc", r'row 5, column 3: "abc" is not a number'),
])
def test_bad_label_cells_are_named(bad, message):
    labels = [f"{v:.2f}" for v in RNG.uniform(0, 9, 40)]
    labels[3] = bad                                 # index starts at row 2
    with pytest.raises(ValueError, match=message):
        from_frame(frame(labels), "price", "t", task="regression")
    if bad != "abc":                                # inferred: still a number, still named
        with pytest.raises(ValueError, match=message):
            from_frame(frame(labels), "price", "t")


def test_a_constant_number_to_predict_is_refused():
    with pytest.raises(ValueError, match="every row has the same value"):
        from_frame(frame([2.5] * 10), "price", "t")
    assert MAX_TARGET == 1e100


def test_float_targets_survive_the_dataset_archive(tmp_path):
    from nncore.data import npzfiles
    dataset = from_frame(frame(np.round(RNG.uniform(0, 9, 30), 3).tolist()), "price", "t")
    path = tmp_path / "d.npz"
    with open(path, "wb") as f:
        npzfiles.save(f, {"X": dataset.X, "y": dataset.y})
    y = npzfiles.load(path)["y"]
    assert y.dtype == np.float64
    np.testing.assert_array_equal(y, dataset.y)


@pytest.mark.skipif(not (SHARED / "manifest.json").is_file(),
                    reason="../shared/data/regression is absent (the dev regression tables)")
def test_every_dev_regression_table_reads_as_regression():
    manifest = json.loads((SHARED / "manifest.json").read_text())
    for file_name, label in manifest.items():
        dataset = load_dataset(SHARED / file_name, label_column=label)
        assert dataset.task == "regression", file_name
        summary = dataset.summary()
        assert summary["target"]["count"] == dataset.n_samples > 100
        assert summary["target"]["std"] > 0
        if file_name == "hitters.csv":              # blank salaries: dropped and counted
            assert summary["target"]["blanks"] == 59
