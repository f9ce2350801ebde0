import json

import numpy as np
import pytest

from nncore.data.dataset import Dataset, class_name, class_names, sort_classes
from nncore.data.images import ImageGeometry
from nncore.data.loaders import SAMPLE_PATH, load_sample


@pytest.mark.parametrize("raw, name", [
    (3, "3"), (3.0, "3"), ("3.0", "3"), (" 10 ", "10"), (np.int64(7), "7"),
    (0.5, "0.5"), ("cat", "cat"), (True, "True"),
])
def test_class_name(raw, name):
    assert class_name(raw) == name


def test_classes_sort_naturally():
    assert sort_classes(["10", "2", "1", "2"]) == ["1", "2", "10"]
    assert sort_classes(["img10", "img2", "b", "A"]) == ["A", "b", "img2", "img10"]
    assert sort_classes(["x", "3"]) == ["3", "x"]


def test_class_names_names_each_value_as_class_name_does():
    labels = [3, 3.0, "3.0", True, 1, 1.0, "cat", " cat ", np.int64(7), float("nan")] * 3
    assert class_names(labels) == [class_name(v) for v in labels]


@pytest.mark.parametrize("dtype, kept", [
    (np.uint8, np.uint8), (np.float32, np.float32), (np.float64, np.float64),
    (np.int64, np.float64), (np.int16, np.float64), (bool, np.float64),
])
def test_features_keep_a_narrow_dtype(dtype, kept):
    X = np.array([[0, 1], [1, 0]], dtype=dtype)
    ds = Dataset.from_labels(X, ["a", "b"])
    assert ds.X.dtype == kept and ds.X.tolist() == [[0, 1], [1, 0]]
    if dtype in (np.uint8, np.float32, np.float64):
        assert ds.X is X or np.shares_memory(ds.X, X)     # not copied


def test_from_labels_indices_and_counts():
    ds = Dataset.from_labels(np.zeros((5, 2)), [10, 2, 2, 1, 10.0], name="t")
    assert ds.classes == ["1", "2", "10"]
    assert ds.y.tolist() == [2, 1, 1, 0, 2]
    assert ds.class_counts() == {"1": 1, "2": 2, "10": 2}
    assert ds.labels.tolist() == ["10", "2", "2", "1", "10"]
    assert (ds.n_samples, ds.n_features) == (5, 2)
    assert ds.X.dtype == np.float64 and ds.y.dtype == np.int64


def test_summary_is_json_ready():
    geom = ImageGeometry(8, 8, "F", 0, 16)
    ds = Dataset.from_labels(np.arange(128.0).reshape(2, 64) % 17, ["a", "b"], name="d",
                             image=geom)
    summary = json.loads(json.dumps(ds.summary()))
    assert summary["n_samples"] == 2 and summary["n_features"] == 64
    assert summary["classes"] == ["a", "b"] and summary["class_counts"] == {"a": 1, "b": 1}
    assert summary["feature_min"] == 0.0 and summary["feature_max"] == 16.0
    assert summary["image"] == {"height": 8, "width": 8, "order": "F", "vmin": 0.0, "vmax": 16.0}
    assert "Dataset('d', n_samples=2" in repr(ds)


@pytest.mark.parametrize("kwargs, message", [
    ({"X": np.zeros(3), "y": [0, 1, 0]}, "2-D"),
    ({"X": np.zeros((3, 2)), "y": [0, 1]}, "one label per row"),
    ({"X": np.zeros((2, 2)), "y": [0, 2]}, "indices 0..1"),
    ({"X": np.zeros((2, 2)), "y": [0, 1], "feature_names": ["a"]}, "1 feature names"),
    ({"X": np.zeros((2, 2)), "y": [0, 1], "image": ImageGeometry(8, 8)}, "needs 64 features"),
])
def test_dataset_validates(kwargs, message):
    kwargs.setdefault("classes", ["a", "b"])
    with pytest.raises(ValueError, match=message):
        Dataset(**kwargs)


@pytest.mark.skipif(not SAMPLE_PATH.exists(), reason="data/digits_sample.npz not built")
def test_builtin_sample():
    ds = load_sample()
    assert ds.X.shape == (5000, 784) and ds.classes == [str(d) for d in range(10)]
    assert set(ds.class_counts().values()) == {500}
    assert ds.image == ImageGeometry(28, 28, "C", 0.0, 255.0)
    assert ds.X.min() == 0 and ds.X.max() == 255
