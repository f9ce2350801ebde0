"""python -m nncore end to end on small files: train, predict, gradcheck, and bad input."""
import csv
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]


def run(*args):
    return subprocess.run([sys.executable, "-m", "nncore", *map(str, args)], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)


@pytest.fixture(scope="module")
def blobs_csv(tmp_path_factory):
    """Three well separated classes in 5 features, with a header and a named label column."""
    rng = np.random.default_rng(0)
    path = tmp_path_factory.mktemp("cli") / "blobs.csv"
    with open(path, "w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow([f"f{i}" for i in range(5)] + ["kind"])
        for label, centre in (("cat", 0.0), ("dog", 4.0), ("eel", 8.0)):
            for row in rng.normal(centre, 1.0, (40, 5)):
                writer.writerow([f"{v:.4f}" for v in row] + [label])
    return path


def test_train_then_predict(blobs_csv, tmp_path):
    model = tmp_path / "m.npz"
    trained = run("train", blobs_csv, "--label-column", "kind", "--hidden", "8", "--epochs", "40",
                  "--batch-size", "16", "--lr", "0.01", "--l2", "0", "--out", model, "--json")
    assert trained.returncode == 0, trained.stderr
    summary = json.loads(trained.stdout.strip().splitlines()[-1])
    assert set(summary) == {"train_accuracy", "val_accuracy", "final_cost", "epochs", "seconds"}
    assert summary["train_accuracy"] > 0.95 and summary["epochs"] == 40

    predicted = run("predict", model, blobs_csv, "--label-column", "kind", "--json")
    assert predicted.returncode == 0, predicted.stderr
    result = json.loads(predicted.stdout.strip().splitlines()[-1])
    assert result["accuracy"] > 0.95
    assert len(result["predictions"]) == 120 and set(result["predictions"]) <= {"cat", "dog", "eel"}


def test_train_says_what_it_did(blobs_csv):
    trained = run("train", blobs_csv, "--label-column", "kind", "--hidden", "8", "--epochs", "8",
                  "--average-last", "0.5", "--quiet")
    assert trained.returncode == 0, trained.stderr
    lines = trained.stdout.strip().splitlines()
    assert lines[0] == "blobs.csv: 120 rows, 5 features, 3 classes"
    assert lines[1].startswith("trained ") and " for 8 epochs in " in lines[1]
    assert lines[2] == "the model averages the weights of epochs 5-8"
    assert lines[3].startswith("training accuracy ") and "validation accuracy" in lines[3]


def test_gradcheck_json():
    checked = run("gradcheck", "--activation", "tanh", "--output", "softmax", "--l2", "0.5",
                  "--hidden", "4,3", "--json")
    assert checked.returncode == 0, checked.stderr
    assert json.loads(checked.stdout.strip().splitlines()[-1])["max_relative_error"] < 1e-7


@pytest.mark.parametrize("args, message", [
    (["train", "missing.csv"], "no such file: missing.csv"),
    (["train", "README.md"], "Unsupported file type .md"),
    (["train", "data/digits_sample.npz", "--activation", "softplus"], "invalid choice: 'softplus'"),
    (["train", "data/digits_sample.npz", "--epochs", "0"], "epochs must be between 1 and 2000"),
    (["train", "data/digits_sample.npz", "--average-last", "2"],
     "average_last must be between 0 and 1"),
    (["train", "data/digits_sample.npz", "--hidden", "x"], "--hidden takes sizes like 25"),
    (["predict", "README.md", "README.md"], "not a model file"),
    (["train", "data/digits_sample.npz", "--conv-kernel", "4"], "conv_kernel must be odd"),
])
def test_bad_input_is_one_line_and_status_2(args, message):
    result = run(*args)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0], result.stderr
