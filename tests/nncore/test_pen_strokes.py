"""Real pen digits: the derived file round-trips the UCI trajectories, writers can be left
out, renderings look like the dataset's rows and their digit, fit adds them to training only."""
import json
import sys
from pathlib import Path

import numpy as np
import pytest

from nncore.config import TrainConfig, check_for_dataset
from nncore.data.dataset import Dataset
from nncore.data.images import ImageGeometry
from nncore.data.loaders import load_sample
from nncore.digits.pen_strokes import PEN_STROKES_PATH, load_pen_strokes, pen_digit_rows
from nncore.digits.extras import pen_digit_count
from nncore.fitting import fit

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))
import build_pen_strokes  # noqa: E402


@pytest.fixture(scope="module")
def sample():
    return load_sample()


@pytest.fixture(scope="module")
def pen():
    return load_pen_strokes()


def test_built_in_file_holds_every_writer_and_digit(pen):
    assert len(pen) == 7494
    assert len(set(pen.writers)) == 30
    counts = {d: int((pen.labels == d).sum()) for d in map(str, range(10))}
    assert min(counts.values()) >= 700
    first = pen.strokes[0]
    assert all(s.ndim == 2 and s.shape[1] == 2 for s in first)


def test_build_script_round_trips_points_with_y_down(tmp_path):
    samples = [{"label": 7, "writer": "tra-2", "strokes": [[[10, 490], [200, 480]], [[5, 5]]]},
               {"label": 1, "writer": "tra-10", "strokes": [[[100, 400], [100, 100], [101, 50]]]}]
    source = tmp_path / "pen.json"
    source.write_text(json.dumps({"samples": samples}))
    target = tmp_path / "pen.npz"
    assert build_pen_strokes.main(["--source", str(source), "--target", str(target)]) == 0
    first = target.read_bytes()
    build_pen_strokes.main(["--source", str(source), "--target", str(target)])
    assert target.read_bytes() == first                       # reproducible byte for byte
    pen = load_pen_strokes(target)
    assert list(pen.labels) == ["7", "1"] and list(pen.writers) == ["tra-2", "tra-10"]
    np.testing.assert_array_equal(pen.strokes[0][0], [[10, 10], [200, 20]])   # 500 - y
    np.testing.assert_array_equal(pen.strokes[0][1], [[5, 495]])
    np.testing.assert_array_equal(pen.strokes[1][0], [[100, 100], [100, 400], [101, 450]])


def test_writers_can_be_left_out(pen):
    out = ["tra-1", "tra-2"]
    rest = pen.without_writers(out)
    only = pen.of_writers(out)
    assert len(rest) + len(only) == len(pen)
    assert not set(rest.writers) & set(out) and set(only.writers) == set(out)


def test_rows_look_like_the_dataset_and_labels_follow_its_classes(sample, pen):
    subset = pen.of_writers(["tra-1"])
    classes = [str(d) for d in range(9, -1, -1)]               # reversed class order
    X, y = pen_digit_rows(subset, 60, classes, sample.image, None, np.random.default_rng(0))
    assert X.shape == (60, 784) and X.min() >= 0 and X.max() <= 255
    picked = np.array([classes[k] for k in y])
    assert set(picked) <= set(subset.labels)
    # each rendering is nearest to the mean picture of its own digit more often than not
    centroids = np.array([sample.X[sample.y == k].mean(axis=0) for k in range(10)])
    nearest = np.array([str(k) for k in
                        np.argmin(((X[:, None] - centroids[None]) ** 2).sum(axis=2), axis=1)])
    assert (nearest == picked).mean() > 0.6
    again, _ = pen_digit_rows(subset, 60, classes, sample.image, None, np.random.default_rng(0))
    np.testing.assert_array_equal(X, again)                     # same seed, same rows


def test_column_major_geometry_and_only_digit_classes(pen):
    geometry = ImageGeometry(20, 20, "F", 0.0, 1.0)
    X, _ = pen_digit_rows(pen.of_writers(["tra-3"]), 5, [str(d) for d in range(10)], geometry,
                          None, np.random.default_rng(1))
    assert X.shape == (5, 400) and 0.0 <= X.min() and X.max() <= 1.0
    with pytest.raises(ValueError, match="digits 0-9"):
        pen_digit_rows(pen, 5, ["a", "b"], geometry, None, np.random.default_rng(0))


def test_auto_count(sample, pen):
    tiny = Dataset(X=np.zeros((4, 3)), y=[0, 1, 0, 1], classes=["0", "1"])
    assert pen_digit_count(sample, TrainConfig(), pen) == len(pen)
    assert pen_digit_count(sample, TrainConfig(augment=False), pen) == 0
    assert pen_digit_count(sample, TrainConfig(pen_digits=30, augment=False), pen) == 30
    assert pen_digit_count(sample, TrainConfig(), None) == 0            # file absent
    assert pen_digit_count(tiny, TrainConfig(), pen) == 0
    with pytest.raises(ValueError, match="pen_digits: real pen digits are only"):
        check_for_dataset(TrainConfig(pen_digits=10), tiny.summary())
    with pytest.raises(ValueError, match="pen_digits: real pen digits are only"):
        fit(tiny, TrainConfig(pen_digits=10, epochs=1), pen_strokes=pen)


def test_fit_adds_them_to_training_rows_only(sample, pen):
    rows = np.arange(0, sample.n_samples, 25)
    small = Dataset(X=sample.X[rows], y=sample.y[rows], classes=sample.classes, image=sample.image)
    base = {"hidden_layers": [8], "epochs": 1, "augment": False, "synthetic_digits": 0}
    phases = []
    _, without = fit(small, TrainConfig(**base, pen_digits=0), phase=phases.append)
    assert phases == [] and without["pen_digits"] == 0
    subset = pen.of_writers(["tra-4", "tra-5"])
    _, with_pen = fit(small, TrainConfig(**base, pen_digits=40), phase=phases.append,
                      pen_strokes=subset)
    assert phases == ["drawing 40 pen digits of 2 writers"] and with_pen["pen_digits"] == 40
    assert with_pen["val_indices"] == without["val_indices"]
    assert with_pen["history"]["cost"] != without["history"]["cost"]


def test_the_derived_file_is_in_the_repository():
    assert PEN_STROKES_PATH.parent == ROOT / "data" and PEN_STROKES_PATH.exists()
