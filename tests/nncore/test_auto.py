"""The auto run (nncore/auto.py): candidates built from the defaults, the budget, the best by
validation score, a complete leaderboard, the same answer for the same seed."""
import csv
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import nncore.auto
from nncore.auto import (VARIATIONS, auto_budget, candidates, check_budget, fit_auto,
                         relative_work)
from nncore.config import TrainConfig
from nncore.data.dataset import Dataset
from nncore.fitting import fit
from nncore.nn.training import TrainingDiverged

ROOT = Path(__file__).resolve().parents[2]
#: a small base so that each candidate trains in milliseconds
BASE = TrainConfig(hidden_layers=[8], epochs=15, batch_size=32, l2=1.0, patience=5,
                   augment=False, average_last=0.0, seed=3)
STATUSES = {"kept", "trained", "out of time", "diverged", "skipped"}


def noisy_blobs(n=240, seed=0):
    """Three overlapping classes in 4 features: candidates score differently."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 3, n)
    X = rng.normal(0, 1.0, (n, 4)) + 1.2 * y[:, None] * np.array([1, -1, 0.5, 0])
    return Dataset(X=X, y=y, classes=["a", "b", "c"])


def test_candidates_are_built_from_the_defaults_most_promising_first():
    found = dict(candidates(BASE))
    assert list(found) == list(VARIATIONS)          # none repeats another for this base
    assert found["default"] == BASE
    assert found["wider"].hidden_layers == [16]
    assert found["deeper"].hidden_layers == [4, 4]
    assert found["weaker L2"].l2 == pytest.approx(0.1)
    assert found["stronger L2"].l2 == pytest.approx(10.0)
    assert (found["longer"].epochs, found["longer"].patience) == (30, 10)
    assert found["higher learning rate"].learning_rate == pytest.approx(0.003)
    assert found["lower learning rate"].learning_rate == pytest.approx(0.001 / 3)
    assert found["tanh"].activation == "tanh"
    # everything a variation does not name stays the defaults': the seed, hence the split
    assert {c.seed for c in found.values()} == {3}
    # other defaults, other candidates
    other = dict(candidates(TrainConfig(hidden_layers=[], l2=0.0, activation="tanh")))
    assert "wider" not in other and "deeper" not in other and "weaker L2" not in other
    assert "tanh" not in other and other["stronger L2"].l2 == 1.0


def test_an_unknown_variation_is_refused_with_the_valid_names():
    with pytest.raises(ValueError, match="unknown variation.*valid ones are: default, wider"):
        candidates(BASE, ["default", "narrower"])


def test_work_grows_with_parameters_and_epochs():
    found = dict(candidates(BASE))
    assert relative_work(found["default"], BASE, 4, 3) == 1.0
    assert relative_work(found["longer"], BASE, 4, 3) == 2.0
    # [4, 16, 3] has 131 parameters, [4, 8, 3] 67
    assert relative_work(found["wider"], BASE, 4, 3) == pytest.approx(131 / 67)


def test_the_best_by_validation_score_is_kept_and_the_leaderboard_is_complete():
    dataset = noisy_blobs()
    model, result = fit_auto(dataset, BASE, budget=120)
    auto = result["auto"]
    board = auto["leaderboard"]
    assert [e["name"] for e in board] == list(VARIATIONS)
    assert all(e["status"] in {"kept", "trained"} for e in board)   # the budget was ample
    for entry in board:
        assert set(entry) >= {"name", "why", "changes", "settings", "status", "score",
                              "seconds", "epochs", "estimate"}
        assert 0 <= entry["score"] <= 1 and entry["seconds"] > 0 and entry["epochs"] >= 1
    kept = [e for e in board if e["status"] == "kept"]
    assert len(kept) == 1 and kept[0]["name"] == auto["chosen"]
    assert kept[0]["score"] == max(e["score"] for e in board)
    # the first of the best when several tie: the more promising one
    assert board.index(kept[0]) == [e["score"] for e in board].index(kept[0]["score"])
    assert result["val_accuracy"] == kept[0]["score"]
    assert model.config == kept[0]["settings"] == auto["settings"]
    assert auto["score"] == "val_accuracy" and auto["budget"] == 120
    assert len({e["score"] for e in board}) > 1      # the candidates differ


def test_the_kept_settings_are_an_ordinary_run_and_the_seed_fixes_everything():
    dataset = noisy_blobs(seed=1)
    _, first = fit_auto(dataset, BASE, budget=120)
    _, again = fit_auto(dataset, BASE, budget=120)
    scores = [(e["name"], e["score"], e["epochs"]) for e in first["auto"]["leaderboard"]]
    assert scores == [(e["name"], e["score"], e["epochs"])
                      for e in again["auto"]["leaderboard"]]
    ordinary_model, ordinary = fit(dataset, TrainConfig.from_dict(first["auto"]["settings"]))
    assert ordinary["val_accuracy"] == first["val_accuracy"]
    assert ordinary["val_indices"] == first["val_indices"]


def test_a_tiny_budget_trains_the_default_only():
    dataset = noisy_blobs()
    seen = []
    _, result = fit_auto(dataset, BASE, budget=1e-3, on_candidate=seen.append)
    board = result["auto"]["leaderboard"]
    assert board[0]["status"] == "kept" and board[0]["epochs"] >= 1
    assert {e["status"] for e in board[1:]} == {"skipped"}
    assert all(e["score"] is None and e["seconds"] is None for e in board[1:])
    assert result["auto"]["chosen"] == "default"
    # told before the default and once at the end
    assert [s["candidate"] for s in seen] == ["default", None]
    assert seen[-1]["best"] == {"name": "default", "score": board[0]["score"]}


def test_the_budget_is_respected():
    dataset = noisy_blobs(n=2000)
    slow = TrainConfig(hidden_layers=[64], epochs=400, batch_size=16, patience=None,
                       augment=False, average_last=0.0, seed=0)
    _, plain = fit(dataset, TrainConfig(**{**slow.to_dict(), "epochs": 40}))
    budget = 12 * plain["seconds"]          # the default takes about ten times this
    _, result = fit_auto(dataset, slow, budget=budget)
    auto = result["auto"]
    statuses = [e["status"] for e in auto["leaderboard"]]
    assert statuses[0] == "kept" and "skipped" in statuses
    # the default always finishes; the others never go past the budget by more than an epoch
    default = auto["leaderboard"][0]["seconds"]
    assert auto["seconds"] <= max(budget, default) + 1.0
    for entry in auto["leaderboard"][1:]:
        if entry["status"] == "trained":
            assert entry["estimate"] is not None


def test_a_cancel_stops_the_search():
    dataset = noisy_blobs()
    calls = []

    def callback(record):
        calls.append(record["epoch"])
        return len(calls) < 3

    _, result = fit_auto(dataset, BASE, budget=120, callback=callback)
    assert result["stopped"] == "cancelled" and len(calls) == 3
    assert [e["status"] for e in result["auto"]["leaderboard"]][1:] == ["skipped"] * 8


def test_numbers_are_ranked_by_r2():
    rng = np.random.default_rng(0)
    X = rng.uniform(-2, 2, (200, 3))
    dataset = Dataset(X=X, y=np.sin(X[:, 0]) + X[:, 1] + 5, classes=[], task="regression")
    _, result = fit_auto(dataset, BASE, budget=60, names=["default", "wider"])
    board = result["auto"]["leaderboard"]
    assert result["auto"]["score"] == "val_r2" and [e["name"] for e in board] == ["default",
                                                                                   "wider"]
    kept = next(e for e in board if e["status"] == "kept")
    assert kept["score"] == result["val_r2"] == max(e["score"] for e in board)


def test_an_auto_run_needs_validation_rows():
    with pytest.raises(ValueError, match="validation_split"):
        fit_auto(noisy_blobs(), TrainConfig(validation_split=0.0), budget=5)


@pytest.mark.parametrize("rows, seconds", [(150, 30), (9_999, 30), (10_000, 30),
                                           (54_000, 162), (2_000_000, 180)])
def test_the_budget_grows_with_the_rows_and_is_capped(rows, seconds):
    assert auto_budget(rows) == seconds


@pytest.mark.parametrize("value", [0, 0.5, 601, "30", True, None, float("nan")])
def test_a_bad_budget_is_refused(value):
    with pytest.raises(ValueError, match="budget must be"):
        check_budget(value)


def test_the_cli_prints_the_leaderboard(tmp_path):
    path = tmp_path / "blobs.csv"
    dataset = noisy_blobs(n=150)
    with open(path, "w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["f0", "f1", "f2", "f3", "kind"])
        for row, label in zip(dataset.X, dataset.y):
            writer.writerow([f"{v:.4f}" for v in row] + ["abc"[label]])
    common = [sys.executable, "-m", "nncore", "train", str(path), "--label-column", "kind",
              "--hidden", "8", "--epochs", "10", "--auto", "--budget", "30"]
    shown = subprocess.run(common, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert shown.returncode == 0, shown.stderr
    lines = shown.stdout.splitlines()
    assert lines[0].split() == ["candidate", "changes", "validation", "accuracy", "seconds",
                                "epochs"]
    assert lines[2].startswith("wider") and "hidden_layers [16]" in lines[2]
    assert lines[-1].startswith("kept (*): ") and "of a 30 s budget" in lines[-1]
    as_json = subprocess.run(common + ["--json"], cwd=ROOT, capture_output=True, text=True,
                             timeout=120)
    summary = json.loads(as_json.stdout.splitlines()[-1])
    assert [e["name"] for e in summary["leaderboard"]] == list(VARIATIONS)
    assert summary["settings"]["hidden_layers"] in ([8], [16], [4, 4])
    alone = subprocess.run(common[:-3] + ["--budget", "3"], cwd=ROOT, capture_output=True,
                           text=True, timeout=120)
    assert alone.returncode == 2 and "--auto" in alone.stderr


def test_a_candidate_that_diverges_is_listed_and_not_kept(monkeypatch):
    def fit_or_diverge(dataset, config, callback=None):
        if config.activation == "tanh":
            raise TrainingDiverged("the cost became NaN at epoch 3")
        return fit(dataset, config, callback)

    monkeypatch.setattr(nncore.auto, "fit", fit_or_diverge)
    _, result = fit_auto(noisy_blobs(), BASE, budget=60, names=["tanh", "default"])
    tanh, default = result["auto"]["leaderboard"]
    assert (tanh["status"], tanh["error"], tanh["score"]) == (
        "diverged", "the cost became NaN at epoch 3", None)
    assert default["status"] == "kept" and result["auto"]["chosen"] == "default"
    with pytest.raises(TrainingDiverged):
        fit_auto(noisy_blobs(), BASE, budget=60, names=["tanh"])
