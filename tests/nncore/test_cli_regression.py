"""python -m nncore on a table whose label is a number: train, predict, predict --out, --task."""
import csv
import json

import numpy as np
import pytest

from tests.nncore.test_cli import run


@pytest.fixture(scope="module")
def prices(tmp_path_factory):
    """price = 100 + 20 rooms + 30 (area == 'centre') + noise: 300 rows, a text column."""
    rng = np.random.default_rng(0)
    folder = tmp_path_factory.mktemp("cli_regression")
    path = folder / "prices.csv"
    rooms = rng.uniform(1, 6, 300)
    area = rng.choice(["centre", "edge"], 300)
    price = 100 + 20 * rooms + 30 * (area == "centre") + rng.normal(0, 2, 300)
    with open(path, "w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["rooms", "area", "price"])
        writer.writerows([f"{r:.3f}", a, f"{p:.2f}"] for r, a, p in zip(rooms, area, price))
    model = folder / "m.npz"
    trained = run("train", path, "--hidden", "16", "--epochs", "200", "--out", model, "--json",
                  "--quiet")
    assert trained.returncode == 0, trained.stderr
    return path, model, json.loads(trained.stdout.strip().splitlines()[-1]), price


def test_train_reports_the_regression_figures(prices):
    _, _, summary, _ = prices
    assert summary["train_accuracy"] is None and summary["val_accuracy"] is None
    assert summary["val_r2"] > 0.9
    assert 0 < summary["val_mae"] < summary["val_rmse"] < 10


def test_train_says_what_it_did(prices):
    path = prices[0]
    done = run("train", path, "--hidden", "4", "--epochs", "3", "--quiet")
    assert done.returncode == 0, done.stderr
    assert "a number to predict" in done.stdout and "learns price standardised" in done.stdout
    assert "validation R²" in done.stdout and "always predicting the training mean" in done.stdout


def test_predict_prints_numbers_and_scores_them(prices):
    path, model, _, price = prices
    done = run("predict", model, path, "--json")
    assert done.returncode == 0, done.stderr
    answer = json.loads(done.stdout.strip().splitlines()[-1])
    predictions = np.array(answer["predictions"])
    assert answer["accuracy"] is None and predictions.shape == (300,)
    assert np.abs(predictions - price).mean() == pytest.approx(answer["mae"], rel=1e-3)
    assert answer["r2"] > 0.9
    plain = run("predict", model, path)
    lines = plain.stdout.split()
    assert len(lines) == 300 and abs(float(lines[0]) - predictions[0]) < 1e-3 * predictions[0]
    assert "R²" in plain.stderr


def test_predict_out_writes_the_number_and_regression_metrics(prices, tmp_path):
    path, model, _, price = prices
    out = tmp_path / "scored.csv"
    done = run("predict", model, path, "--out", out, "--json")
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout.strip().splitlines()[-1])
    assert summary["columns"] == ["rooms", "area", "price", "predicted_price", "error"]
    metrics = summary["metrics"]
    assert metrics["accuracy"] is None and metrics["rows"] == 300 and metrics["r2"] > 0.9
    with open(out, newline="") as fh:
        rows = list(csv.DictReader(fh))
    predicted = np.array([float(r["predicted_price"]) for r in rows])
    price = np.array([float(r["price"]) for r in rows])          # as the file rounds it
    assert metrics["mae"] == pytest.approx(np.abs(predicted - price).mean(), rel=1e-6)
    assert metrics["rmse"] == pytest.approx(np.sqrt(np.mean((predicted - price) ** 2)),
                                            rel=1e-6)


def test_task_overrides_the_inferred_task(tmp_path):
    """A 1-5 rating reads as classes; --task regression learns it as a number."""
    rng = np.random.default_rng(1)
    path = tmp_path / "ratings.csv"
    x = rng.normal(size=200)
    rating = np.clip(np.round(3 + x), 1, 5).astype(int)
    with open(path, "w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["x", "rating"])
        writer.writerows([f"{a:.3f}", r] for a, r in zip(x, rating))
    as_classes = run("train", path, "--hidden", "4", "--epochs", "2", "--json", "--quiet")
    as_numbers = run("train", path, "--hidden", "4", "--epochs", "2", "--json", "--quiet",
                     "--task", "regression")
    assert as_classes.returncode == as_numbers.returncode == 0, as_numbers.stderr
    assert json.loads(as_classes.stdout)["val_accuracy"] is not None
    assert "val_r2" not in json.loads(as_classes.stdout)
    assert json.loads(as_numbers.stdout)["val_r2"] is not None
    bad = run("train", path, "--task", "numbers")
    assert bad.returncode == 2 and "invalid choice" in bad.stderr
