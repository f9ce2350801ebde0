"""A run that tries several L2 strengths on one split and keeps the best by validation score
(``fitting.train_candidates``, ``figures.choose_l2``), and the regression default that uses it."""
import numpy as np
import pandas as pd
import pytest

from nncore.config import TrainConfig
from nncore.data.loaders import load_dataset
from nncore.defaults import (REGRESSION_L2_CHOICE_ROWS, REGRESSION_L2_CHOICES,
                             REGRESSION_REFIT_ROWS, default_settings)
from nncore.figures import Trained, choose_l2
from nncore.fitting import fit
from nncore.model import Model


def prices_table(folder, n=240, seed=5):
    """A number to predict that the columns explain well: a strong L2 must score worse."""
    rng = np.random.default_rng(seed)
    size = rng.uniform(50, 250, n)
    rooms = rng.integers(1, 6, n)
    price = 1000 * size + 20000 * rooms + rng.normal(0, 5000, n)
    path = folder / "prices.csv"
    pd.DataFrame({"size": size.round(1), "rooms": rooms, "price": price.round()}).to_csv(
        path, index=False)
    return load_dataset(path)


SMALL = {"hidden_layers": [16], "epochs": 40, "patience": 10, "augment": False,
         "average_last": 0.0, "batch_size": 32}


def trained(l2, score):
    return Trained(l2, None, {"epoch": [1, 2, 3], "best_epoch": 2}, 1.5,
                   {"task": "regression", "val_r2": score})


def test_choose_l2_keeps_the_best_validation_score_and_the_first_on_a_tie():
    best, seconds = choose_l2([trained(1.0, 0.5), trained(10.0, 0.7), trained(3.0, 0.6)])
    assert best.l2 == 10.0 and seconds == pytest.approx(4.5)
    assert best.figures["l2_choice"] == {"chosen": 10.0, "tried": [
        {"l2": 1.0, "score": 0.5, "epochs": 3, "best_epoch": 2},
        {"l2": 10.0, "score": 0.7, "epochs": 3, "best_epoch": 2},
        {"l2": 3.0, "score": 0.6, "epochs": 3, "best_epoch": 2}]}
    best, _ = choose_l2([trained(1.0, 0.5), trained(10.0, 0.5)])
    assert best.l2 == 1.0
    # a candidate without a score (no finite R²) never wins
    best, _ = choose_l2([trained(1.0, float("nan")), trained(10.0, -3.0)])
    assert best.l2 == 10.0
    best, _ = choose_l2([trained(1.0, 0.2)])
    assert "l2_choice" not in best.figures


def test_a_run_keeps_the_strength_that_scores_better_on_validation(tmp_path):
    dataset = prices_table(tmp_path)
    crushing = 1e5                      # a penalty that flattens every weight
    for l2, choices, kept in ((1.0, [crushing], 1.0), (crushing, [1.0], 1.0)):
        model, result = fit(dataset, TrainConfig.from_dict(
            {**SMALL, "l2": l2, "l2_choices": choices, "refit": True}))
        choice = result["l2_choice"]
        assert choice["chosen"] == kept and [t["l2"] for t in choice["tried"]] == [l2, *choices]
        scores = {t["l2"]: t["score"] for t in choice["tried"]}
        assert scores[1.0] > 0.8 > scores[crushing]
        assert result["val_r2"] == pytest.approx(scores[kept])
        # the refit and the model file carry the chosen strength
        assert model.config["l2"] == kept and result["refit_epochs"] >= 1
        model.save(tmp_path / "m.npz")
        assert Model.load(tmp_path / "m.npz").config["l2"] == kept


def test_candidates_start_alike_and_differ_only_in_their_strength(tmp_path):
    dataset = prices_table(tmp_path)
    alone, result = fit(dataset, TrainConfig.from_dict(SMALL))
    both, chosen = fit(dataset, TrainConfig.from_dict({**SMALL, "l2_choices": [1e5]}))
    # the settings' own strength trains bit for bit as in a run without choices
    assert chosen["l2_choice"]["chosen"] == 1.0
    np.testing.assert_array_equal(alone.network.weights[0], both.network.weights[0])
    assert chosen["history"]["val_cost"] == result["history"]["val_cost"]


def test_no_choice_without_validation_rows_and_none_after_a_cancel(tmp_path):
    dataset = prices_table(tmp_path)
    _, result = fit(dataset, TrainConfig.from_dict(
        {**SMALL, "validation_split": 0.0, "l2_choices": [10]}))
    assert "l2_choice" not in result
    seen = []

    def cancel_at_once(record):
        seen.append(record["epoch"])
        return False

    phases = []
    _, result = fit(dataset, TrainConfig.from_dict({**SMALL, "l2_choices": [10]}),
                    callback=cancel_at_once, phase=phases.append)
    assert result["stopped"] == "cancelled" and seen == [1] and "l2_choice" not in result
    assert phases == ["training with L2 1 (1 of 2; the better on the validation rows is kept)"]


def test_settings_check_the_choices():
    assert TrainConfig.from_dict({"l2_choices": [3, "10"]}).l2_choices == [3.0, 10.0]
    assert TrainConfig.from_dict({"l2_choices": ""}).l2_choices == []
    with pytest.raises(ValueError, match="l2_choices must be a list"):
        TrainConfig.from_dict({"l2_choices": 10})
    with pytest.raises(ValueError, match="at most 4"):
        TrainConfig.from_dict({"l2_choices": [1, 2, 3, 4, 5]})
    with pytest.raises(ValueError, match="l2_choices must be between"):
        TrainConfig.from_dict({"l2_choices": [-1]})


def test_a_small_table_of_numbers_tries_l2_10_by_default_and_says_so(tmp_path):
    summary = prices_table(tmp_path).summary()
    settings, reason = default_settings(summary)
    assert settings["l2_choices"] == REGRESSION_L2_CHOICES == [10.0]
    assert "L2 1 or 10 (each trained, the better on the validation rows kept)" in reason
    larger, reason = default_settings({**summary, "n_samples": REGRESSION_L2_CHOICE_ROWS})
    assert "l2_choices" not in larger and larger["refit"] and "L2 1," in reason
    large, reason = default_settings({**summary, "n_samples": REGRESSION_REFIT_ROWS})
    assert "l2_choices" not in large and "L2 1," in reason
    classes, _ = default_settings({**summary, "task": "classification", "classes": ["a", "b"]})
    assert "l2_choices" not in classes


def test_the_inside_view_keeps_the_first_candidate_or_the_chosen_ones_final_weights(tmp_path):
    from nncore import snapshots
    from nncore.snapshots import Snapshots

    dataset = prices_table(tmp_path)
    for l2, choices, replay in ((1.0, [1e5], True), (1e5, [1.0], False)):
        keeper = Snapshots(tmp_path / f"s{l2:g}")
        model, result = fit(dataset, TrainConfig.from_dict(
            {**SMALL, "l2": l2, "l2_choices": choices}), snapshots=keeper)
        kept = snapshots.epochs(keeper.folder)
        best = result["history"]["best_epoch"]
        if replay:       # the first candidate is kept: every epoch from the initial weights
            assert kept[0] == 0 and len(kept) > 2
        else:            # another is: its final weights alone, as the model has them
            assert kept == [best]
            again = snapshots.load(keeper.folder, best)
            np.testing.assert_array_equal(again.network.weights[0], model.network.weights[0])
