"""Permutation importance: known drops on hand-made scores, one-hot groups shuffled together,
and a trained model whose label copies one column ranks that column first."""
import numpy as np
import pandas as pd
import pytest

from nncore.config import TrainConfig
from nncore.data.loaders import load_dataset
from nncore.fitting import fit
from nncore.importance import column_groups, model_importance, permutation_importance


def test_column_groups_follow_the_encoding():
    encoding = {"label": "y", "columns": [
        {"name": "age", "kind": "number", "indicator": True},
        {"name": "id", "kind": "ignored"},
        {"name": "plan", "kind": "category", "categories": ["a", "b", "c"]},
        {"name": "income", "kind": "number"},
    ]}
    assert column_groups(encoding, None, 6) == [("age", [0, 1]), ("plan", [2, 3, 4]),
                                                 ("income", [5])]
    with pytest.raises(ValueError, match="rows have 5"):
        column_groups(encoding, None, 5)
    assert column_groups(None, ["p", "q"], 2) == [("p", [0]), ("q", [1])]
    assert column_groups(None, None, 2) == [("x1", [0]), ("x2", [1])]


def test_a_score_that_reads_one_column_drops_only_for_that_column():
    # score = share of rows whose column 0 still equals y: 1.0 unshuffled; shuffled, the
    # expected share of fixed points of a permutation is 1/n, so the drop is near 1
    rng = np.random.default_rng(0)
    X = np.column_stack([np.arange(500.0), rng.normal(size=500)])
    y = np.arange(500.0)
    found = permutation_importance(lambda X, y: float(np.mean(X[:, 0] == y)), X, y,
                                   [("a", [0]), ("b", [1])], np.random.default_rng(1), repeats=4)
    assert found["score"] == 1.0 and found["rows"] == 500 and found["repeats"] == 4
    assert [c["name"] for c in found["columns"]] == ["a", "b"]
    assert found["columns"][0]["drop"] > 0.95
    assert found["columns"][1] == {"name": "b", "drop": 0.0, "spread": 0.0}


def test_a_group_is_shuffled_with_one_permutation_and_rows_are_sampled():
    # a one-hot group of 3: every shuffled row must still hold exactly one 1
    rng = np.random.default_rng(0)
    X = np.eye(3)[rng.integers(0, 3, 5000)]
    seen = []

    def score(X, y):
        seen.append(len(X))
        assert np.all(X.sum(axis=1) == 1.0)
        return 0.0

    found = permutation_importance(score, X, np.zeros(5000), [("plan", [0, 1, 2])],
                                   np.random.default_rng(2), repeats=2, max_rows=300)
    assert found["rows"] == 300 and seen == [300, 300, 300]


def test_a_label_copied_from_one_column_puts_that_column_on_top(tmp_path):
    rng = np.random.default_rng(0)
    n = 400
    colour = rng.choice(["red", "green", "blue"], n)
    frame = pd.DataFrame({"noise": rng.normal(size=n).round(3),
                          "colour": colour,
                          "other": rng.choice(["x", "y"], n),
                          "size": rng.normal(size=n).round(3),
                          "label": colour})
    frame.to_csv(tmp_path / "copy.csv", index=False)
    dataset = load_dataset(tmp_path / "copy.csv")
    model, result = fit(dataset, TrainConfig(hidden_layers=[16], epochs=20, optimizer="adam",
                                             activation="relu", batch_size=32, l2=0.0,
                                             learning_rate=0.01, seed=0))
    assert result["val_accuracy"] == 1.0
    found = model_importance(model, dataset, result["val_indices"], np.random.default_rng(0))
    assert found["metric"] == "accuracy" and found["score"] == 1.0
    names = [c["name"] for c in found["columns"]]
    assert names[0] == "colour" and sorted(names) == ["colour", "noise", "other", "size"]
    assert found["columns"][0]["drop"] > 0.4        # about 2/3: a shuffled colour is right 1/3
    assert all(abs(c["drop"]) < 0.1 for c in found["columns"][1:])


def test_a_number_copied_from_one_column_ranks_it_first_by_its_r2_drop(tmp_path):
    rng = np.random.default_rng(1)
    n = 300
    frame = pd.DataFrame({"a": rng.normal(size=n).round(3), "b": rng.normal(size=n).round(3)})
    frame["price"] = 10 * frame["a"] + 50
    frame.to_csv(tmp_path / "numbers.csv", index=False)
    dataset = load_dataset(tmp_path / "numbers.csv", task="regression")
    model, result = fit(dataset, TrainConfig(hidden_layers=[8], epochs=40, optimizer="adam",
                                             batch_size=32, l2=0.0, learning_rate=0.01))
    assert result["val_r2"] > 0.95
    found = model_importance(model, dataset, result["val_indices"], np.random.default_rng(0))
    assert found["metric"] == "r2" and found["score"] == pytest.approx(result["val_r2"])
    assert [c["name"] for c in found["columns"]] == ["a", "b"]
    # shuffling the one column the label copies leaves R² near -1 (twice the variance)
    assert found["columns"][0]["drop"] > 1.5 and abs(found["columns"][1]["drop"]) < 0.05
