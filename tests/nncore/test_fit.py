"""fit(): the whole path from a dataset to a model, on the real tutorial-layout workbook."""
import numpy as np
import pytest

from nncore.config import TrainConfig
from nncore.dataset import Dataset
from nncore.fit import fit
from nncore.loaders import load_sample


@pytest.fixture(scope="module")
def sample():
    return load_sample()


def test_same_seed_same_model(sample):
    rows = np.arange(0, sample.n_samples, 10)
    small = Dataset(X=sample.X[rows], y=sample.y[rows], classes=sample.classes, image=sample.image)
    config = TrainConfig(hidden_layers=[8], epochs=2, augment=False, seed=5)
    a, ra = fit(small, config)
    b, rb = fit(small, config)
    assert all(np.array_equal(x, y) for x, y in zip(a.network.weights, b.network.weights))
    assert ra["history"]["cost"] == rb["history"]["cost"]
    assert ra["val_indices"] == rb["val_indices"]


def test_callback_can_cancel(sample):
    seen = []
    def stop_after_two(record):
        seen.append(record["epoch"])
        return len(seen) < 2
    _, result = fit(sample, TrainConfig(hidden_layers=[8], epochs=50, augment=False),
                    callback=stop_after_two)
    assert seen == [1, 2]
    assert result["stopped"] == "cancelled" and result["epochs"] == 2


def test_images_get_a_drawing_profile(sample):
    model, result = fit(sample, TrainConfig(hidden_layers=[8], epochs=1, augment=False))
    assert model.image is not None and model.profile
    assert len(result["val_indices"]) == len(result["val_predictions"]) == 1000
