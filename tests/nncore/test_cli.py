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
    assert set(summary) == {"train_accuracy", "val_accuracy", "val_balanced_accuracy",
                           "final_cost", "epochs", "seconds"}
    assert 0.9 <= summary["val_balanced_accuracy"] <= 1.0     # separable blobs
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
    # a table's own default run fills what the command line leaves out, and says so
    assert lines[1].startswith("defaults for this dataset: 120 rows, 5 features, 3 classes: ")
    assert lines[1].endswith("(given on the command line: average_last, epochs, hidden_layers)")
    assert lines[2] == "learning rate 0.001 (the default for adam with relu units)"
    assert lines[3].startswith("trained ") and " for 8 epochs in " in lines[3]
    assert lines[4] == "the model averages the weights of epochs 5-8"
    assert lines[5].startswith("training accuracy ") and "validation accuracy" in lines[5]


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
    (["predict", "README.md", "README.md"], "README.md is not a model saved by nncore"),
    (["train", "data/digits_sample.npz", "--image-range", "255"], "--image-range takes blank,ink"),
    (["train", "data/digits_sample.npz", "--not-image", "--image-order", "F"],
     "--not-image cannot be combined"),
    (["train", "data/digits_sample.npz", "--out", "no-such-folder/m.npz"],
     "the folder no-such-folder does not exist"),
    (["train", "data/digits_sample.npz", "--out", "data"], "--out data is a folder"),
    (["train", "data"], "data is a folder; give a data file"),
    (["train", "data/digits_sample.npz", "--conv-kernel", "4"], "conv_kernel must be odd"),
])
def test_bad_input_is_one_line_and_status_2(args, message):
    result = run(*args)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0], result.stderr


@pytest.fixture(scope="module")
def small_npz(tmp_path_factory):
    """A dataset saved like data/digits_sample.npz: 60 4x4 pictures of three classes."""
    rng = np.random.default_rng(1)
    y = np.repeat(np.arange(3), 20)
    X = (rng.random((60, 16)) * 60 + y[:, None] * 90).astype(np.uint8)
    path = tmp_path_factory.mktemp("npz") / "small.npz"
    meta = {"name": "small", "image": {"height": 4, "width": 4, "order": "C", "vmin": 0,
                                       "vmax": 255}}
    np.savez(path, X=X, y=y, classes=np.array(["a", "b", "c"]), meta=np.array(json.dumps(meta)))
    return path


def test_train_and_predict_on_a_sample_style_npz(small_npz, tmp_path):
    model = tmp_path / "m.npz"
    trained = run("train", small_npz, "--hidden", "6", "--epochs", "30", "--no-augment",
                  "--lr", "0.05", "--out", model, "--quiet")
    assert trained.returncode == 0, trained.stderr
    assert trained.stdout.splitlines()[0] == (
        "small: 60 rows, 16 features, 3 classes, 4x4 pictures stored row by row, "
        "blank 0 .. ink 255")
    predicted = run("predict", model, small_npz, "--json")
    assert predicted.returncode == 0, predicted.stderr
    result = json.loads(predicted.stdout.strip().splitlines()[-1])
    assert result["accuracy"] > 0.9 and set(result["predictions"]) == {"a", "b", "c"}


def test_picture_settings_override_what_was_detected(small_npz):
    def first_line(*options):
        trained = run("train", small_npz, "--hidden", "4", "--epochs", "1", "--quiet", *options)
        assert trained.returncode == 0, trained.stderr
        return trained.stdout.splitlines()[0]

    assert first_line("--image-order", "F", "--image-range", "0,100").endswith(
        "4x4 pictures stored column by column, blank 0 .. ink 100")
    assert first_line("--not-image") == "small: 60 rows, 16 features, 3 classes"


def test_the_default_learning_rate_is_named(small_npz):
    trained = run("train", small_npz, "--hidden", "4", "--epochs", "1", "--quiet",
                  "--activation", "sigmoid")
    lines = trained.stdout.splitlines()
    # 4x4 pictures are too small for the drawing-pad steps: they take a table's defaults
    assert lines[1].startswith("defaults for this dataset: 4x4 pictures, too small for the ")
    assert lines[2] == "learning rate 0.01 (the default for adam with sigmoid units)"


@pytest.fixture(scope="module")
def broken_files(tmp_path_factory, small_npz):
    """Files that are not what train or predict expect, by name."""
    folder = tmp_path_factory.mktemp("broken")
    (folder / "empty.npz").write_bytes(b"")
    (folder / "text.npz").write_text("hello")
    (folder / "picture.npz").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(64))
    (folder / "truncated.npz").write_bytes(small_npz.read_bytes()[:300])
    np.savez(folder / "other.npz", weights=np.zeros(3))
    model = folder / "model.npz"
    trained = run("train", small_npz, "--hidden", "3", "--epochs", "1", "--out", model, "--quiet")
    assert trained.returncode == 0, trained.stderr
    return folder


@pytest.mark.parametrize("command, name, message", [
    ("train", "empty.npz", "empty.npz is not a dataset .npz like data/digits_sample.npz: "
                           "the file is empty"),
    ("train", "text.npz", "text.npz is not a dataset .npz like data/digits_sample.npz: the file "
                          "is not an .npz archive"),
    ("train", "picture.npz", "the file is a PNG image"),
    ("train", "truncated.npz", "truncated.npz is not a dataset .npz like data/digits_sample.npz: "
                               "the archive is damaged"),
    ("train", "other.npz", "other.npz is not a dataset .npz like data/digits_sample.npz: it has "
                           "no meta, X, y, classes array"),
    ("train", "model.npz", "model.npz is a saved model, not a dataset: use it with predict"),
    ("predict", "empty.npz", "empty.npz is not a model saved by nncore: the file is empty"),
    ("predict", "text.npz", "text.npz is not a model saved by nncore: the file is not an .npz "
                            "archive"),
    ("predict", "truncated.npz", "truncated.npz is not a model saved by nncore: the archive is "
                                 "damaged"),
    ("predict", "other.npz", "other.npz is not a model saved by nncore"),
])
def test_broken_npz_files_are_one_line_and_status_2(broken_files, small_npz, command, name,
                                                     message):
    path = broken_files / name
    result = run(command, path) if command == "train" else run(command, path, small_npz)
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0], result.stderr


def test_a_dataset_given_as_the_model_says_so(small_npz):
    result = run("predict", small_npz, small_npz)
    assert result.returncode == 2
    assert "small.npz is not a model saved by nncore (it is a dataset: train on it)" in result.stderr


# --- export --onnx and predict --out --------------------------------------------------------

@pytest.fixture(scope="module")
def blobs_model(blobs_csv, tmp_path_factory):
    model = tmp_path_factory.mktemp("models") / "blobs.npz"
    trained = run("train", blobs_csv, "--label-column", "kind", "--hidden", "6", "--epochs", "5",
                  "--out", model, "--json", "--quiet")
    assert trained.returncode == 0, trained.stderr
    return model


def test_export_writes_an_onnx_model_that_onnxruntime_runs(blobs_model, blobs_csv, tmp_path):
    ort = pytest.importorskip("onnxruntime")
    from nncore.model import Model

    out, card = tmp_path / "blobs.onnx", tmp_path / "card.json"
    exported = run("export", blobs_model, "--onnx", out, "--card", card,
                   "--dataset-name", "blobs.csv")
    assert exported.returncode == 0, exported.stderr
    assert ("inputs 'f0' float32 [N, 1], 'f1' float32 [N, 1], 'f2' float32 [N, 1], 'f3' float32 "
            "[N, 1], 'f4' float32 [N, 1]; outputs") in exported.stdout
    assert "opset 20, IR 9" in exported.stdout
    model = Model.load(blobs_model)
    X = np.loadtxt(blobs_csv, delimiter=",", skiprows=1, usecols=range(5))
    session = ort.InferenceSession(str(out))
    probabilities, _, names = session.run(None, {f"f{i}": X[:, i:i + 1].astype(np.float32)
                                                 for i in range(5)})
    np.testing.assert_allclose(probabilities, model.predict_proba(X), atol=1e-5)
    assert list(names) == list(model.predict(X))
    written = json.loads(card.read_text())
    assert written["dataset"] == "blobs.csv" and written["classes"] == ["cat", "dog", "eel"]
    assert [c["name"] for c in written["columns"]] == [f"f{i}" for i in range(5)]
    assert len(written["date"]) == 10 and f"model card written to {card}" in exported.stdout


def test_predict_out_writes_the_scored_file(blobs_model, blobs_csv, tmp_path):
    out = tmp_path / "predictions.csv"
    done = run("predict", blobs_model, blobs_csv, "--out", out, "--json")
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout.strip().splitlines()[-1])
    assert summary["rows"] == 120 and summary["errors"] == 0
    assert summary["accuracy"] == summary["metrics"]["accuracy"]
    with open(out, newline="") as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == [f"f{i}" for i in range(5)] + [
        "kind", "predicted_kind", "probability_cat", "probability_dog", "probability_eel", "error"]
    listed = run("predict", blobs_model, blobs_csv, "--json")
    predictions = json.loads(listed.stdout.strip().splitlines()[-1])["predictions"]
    assert [r[6] for r in rows[1:]] == predictions
    plain = run("predict", blobs_model, blobs_csv, "--out", tmp_path / "again.csv")
    assert plain.returncode == 0 and "120 rows scored to" in plain.stdout
    assert "accuracy" in plain.stdout


@pytest.mark.parametrize("args, message", [
    (["export", "no-such.npz", "--onnx", "m.onnx"], "no such file: no-such.npz"),
    (["export", "README.md", "--onnx", "m.onnx"], "README.md is not a model saved by nncore"),
    (["export", "MODEL", "--onnx", "data"], "--onnx data is a folder"),
    (["export", "MODEL", "--onnx", "m.onnx", "--card", "data"], "--card data is a folder"),
    (["predict", "MODEL", "no-such.csv", "--out", "p.csv"], "no such file: no-such.csv"),
    (["predict", "MODEL", "README.md", "--out", "p.csv"], "Unsupported file type .md"),
    (["predict", "MODEL", "MISSING", "--out", "p.csv"], 'has no column "f3": the model was'),
])
def test_export_and_predict_out_refuse_bad_input(blobs_model, tmp_path, args, message):
    missing = tmp_path / "missing.csv"
    missing.write_text("f0,f1,f2,f4\n1,2,3,4\n")
    args = [blobs_model if a == "MODEL" else missing if a == "MISSING" else a for a in args]
    result = run(*args)
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0], result.stderr
    assert not (ROOT / "p.csv").exists() and not (ROOT / "m.onnx").exists()
