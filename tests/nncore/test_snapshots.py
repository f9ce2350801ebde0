"""nncore/snapshots.py: the model after each epoch, within the budget, without changing the
training by a bit."""
import json
from types import SimpleNamespace

import numpy as np
import pytest

from nncore import snapshots
from nncore.config import TrainConfig
from nncore.data.dataset import Dataset
from nncore.fitting import fit, random_streams, split_rows
from nncore.model import weight_arrays, write_npz
from nncore.snapshots import Snapshots


class Blob:
    """A stand-in model of ``size`` bytes of weights (its file adds the .npz's overhead)."""

    def __init__(self, size):
        self.network = SimpleNamespace(weights=[np.zeros(size, np.uint8)],
                                       biases=[np.zeros(0, np.uint8)])

    def save(self, path):
        write_npz(path, {"metadata": np.array("{}"), **weight_arrays(self.network)})


def sizes_of(tmp_path, size):
    """(bytes of model.npz, bytes of one epoch's file) for a Blob of ``size``."""
    Snapshots(tmp_path / "measure").start(Blob(size), m=1, learning_rate=0.1)
    return ((tmp_path / "measure" / snapshots.MODEL_FILE).stat().st_size,
            snapshots.epoch_file(tmp_path / "measure", 0).stat().st_size)


def keep_epochs(tmp_path, size, room, epochs, first=0):
    """Keep ``epochs`` epochs of a Blob of ``size`` in a budget of the model file and ``room``
    epochs and a half; the epochs left and the most bytes the folder held."""
    base, one = sizes_of(tmp_path, size)
    budget = base + int((room + 0.5) * one)
    keeper = Snapshots(tmp_path / "s", budget=budget)
    keeper.start(Blob(size), m=10, learning_rate=0.1)
    held = []
    for epoch in range(1, epochs + 1):
        keeper.keep(epoch, Blob(size))
        kept = snapshots.epochs(tmp_path / "s")
        held.append(sum(f.stat().st_size for f in (tmp_path / "s").glob("*.npz")))
        assert kept[-1] == epoch                           # the newest, always
        assert first is None or kept[0] == first           # and the start when there is room
    assert max(held) <= budget
    return snapshots.epochs(tmp_path / "s")


def test_a_small_network_keeps_every_epoch(tmp_path):
    assert keep_epochs(tmp_path, 1000, 40, 30) == list(range(31))


def test_a_large_network_keeps_evenly_thinned_checkpoints(tmp_path):
    # 9 snapshots fit: the stride doubles to 4 by epoch 30 (0, 4, ..., 28 and the newest)
    assert keep_epochs(tmp_path, 1000, 9, 30) == [0, 4, 8, 12, 16, 20, 24, 28, 30]


def test_a_huge_network_keeps_the_newest_only(tmp_path):
    assert keep_epochs(tmp_path, 4000, 2, 5, first=None) == [5]


def test_the_run_file_says_m_and_the_rate(tmp_path):
    Snapshots(tmp_path / "s").start(Blob(10), m=123, learning_rate=0.25)
    assert snapshots.run_info(tmp_path / "s") == {"m": 123, "learning_rate": 0.25,
                                                  "budget_bytes": snapshots.BUDGET_BYTES}
    assert snapshots.run_info(tmp_path / "nothing") is None
    assert snapshots.epochs(tmp_path / "nothing") == []


def three_classes(n=90, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, 6))
    y = (X[:, 0] > 0).astype(np.int64) + (X[:, 1] + X[:, 2] > 0.5)
    return Dataset(X=X, y=y, classes=["a", "b", "c"], name="three")


SETTINGS = {"hidden_layers": [5], "activation": "tanh", "output": "softmax", "epochs": 4,
            "batch_size": 16, "l2": 0.5, "seed": 3, "average_last": 0.0}


def test_snapshots_change_nothing_of_the_training(tmp_path):
    dataset = three_classes()
    plain, _ = fit(dataset, TrainConfig.from_dict(SETTINGS))
    kept, _ = fit(dataset, TrainConfig.from_dict(SETTINGS), snapshots=Snapshots(tmp_path))
    for a, b in zip(plain.network.params(), kept.network.params()):
        assert np.array_equal(a, b)                      # bit for bit
    assert snapshots.epochs(tmp_path) == [0, 1, 2, 3, 4]
    info = json.loads((tmp_path / snapshots.RUN_FILE).read_text())
    config = TrainConfig.from_dict(SETTINGS)
    train_idx, _ = split_rows(dataset, config, random_streams(config.seed)["split"])
    assert info["m"] == len(train_idx) and 60 < info["m"] < 80        # 90 rows, 20% held out
    assert info["learning_rate"] == pytest.approx(config.effective_learning_rate)
    last = snapshots.load(tmp_path, 4)
    assert all(np.array_equal(a, b) for a, b in zip(last.network.params(),
                                                    plain.network.params()))


def test_a_snapshot_is_the_network_after_its_epoch(tmp_path):
    dataset = three_classes()
    fit(dataset, TrainConfig.from_dict(SETTINGS), snapshots=Snapshots(tmp_path))
    two, _ = fit(dataset, TrainConfig.from_dict({**SETTINGS, "epochs": 2}))
    after_two = snapshots.load(tmp_path, 2)
    for a, b in zip(after_two.network.params(), two.network.params()):
        assert np.array_equal(a, b)
    start = snapshots.load(tmp_path, 0)
    assert not np.array_equal(start.network.weights[0], two.network.weights[0])


def test_a_full_disk_ends_the_snapshots_not_the_training(tmp_path, monkeypatch):
    dataset = three_classes()
    plain, _ = fit(dataset, TrainConfig.from_dict(SETTINGS))

    def full(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(snapshots, "write_npz", full)
    keeper = Snapshots(tmp_path / "s")
    model, _ = fit(dataset, TrainConfig.from_dict(SETTINGS), snapshots=keeper)
    assert keeper.stopped and not (tmp_path / "s").exists()
    assert all(np.array_equal(a, b) for a, b in zip(model.network.params(),
                                                    plain.network.params()))
