"""score_file with a regression model: the number in the label's units, R²/MAE/RMSE (a model
without a column encoding names its column predicted_label)."""
import csv

import numpy as np
import pytest

from nncore.data.scaling import Scaler
from nncore.data.targets import TargetTransform
from nncore.model import Model
from nncore.nn.metrics import mae, r2, rmse
from nncore.nn.network import Network
from nncore.scoring import score_file


def test_numbers_are_written_and_scored_on_the_rows_with_a_number(tmp_path):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(6, 2))
    model = Model(Network([2, 3, 1], "relu", "linear", rng=1), [], Scaler().fit(X),
                  target=TargetTransform(log=True, mean=2.0, std=0.5))
    labels = ["5.5", "7", "", "n/a?", "12.25", "3"]
    source = tmp_path / "rows.csv"
    with open(source, "w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["a", "b", "y"])
        writer.writerows([f"{a:.6f}", f"{b:.6f}", y] for (a, b), y in zip(X, labels))
    out = tmp_path / "scored.csv"
    summary = score_file(model, source, out, label_column="y")
    assert summary["columns"] == ["a", "b", "y", "predicted_label", "error"]
    with open(out, newline="") as fh:
        rows = list(csv.DictReader(fh))
    written = np.array([float(r["predicted_label"]) for r in rows])
    X_read = np.array([[float(r["a"]), float(r["b"])] for r in rows])
    np.testing.assert_allclose(written, model.predict_values(X_read), rtol=1e-12)
    assert np.all(written > 0)                      # exp of the log scale
    scored = [0, 1, 4, 5]                           # a blank label and a text one left out
    truth = np.array([5.5, 7, 12.25, 3])
    metrics = summary["metrics"]
    assert metrics["rows"] == 5 and metrics["unknown_labels"] == 1
    assert metrics["accuracy"] is None
    assert metrics["r2"] == pytest.approx(r2(truth, written[scored]))
    assert metrics["mae"] == pytest.approx(mae(truth, written[scored]))
    assert metrics["rmse"] == pytest.approx(rmse(truth, written[scored]))
