"""nncore/snapshots.py: the model after each epoch, within the budget, without changing the
training by a bit."""
import json

import numpy as np
import pytest

from nncore import snapshots
from nncore.config import TrainConfig
from nncore.data.dataset import Dataset
from nncore.fitting import fit, random_streams, split_rows
from nncore.model import Model
from nncore.snapshots import Snapshots


class Blob:
    """A stand-in model whose file is ``size`` bytes."""

    def __init__(self, size):
        self.size = size

    def save(self, path):
        with open(path, "wb") as fh:
            fh.write(b"\0" * self.size)


def keep_epochs(tmp_path, size, budget, epochs, first=0):
    """Keep ``epochs`` epochs of ``size`` bytes; the epochs left and the most bytes held."""
    keeper = Snapshots(tmp_path / "s", budget=budget)
    keeper.start(Blob(size), m=10, learning_rate=0.1)
    sizes = []
    for epoch in range(1, epochs + 1):
        keeper.keep(epoch, Blob(size))
        kept = snapshots.epochs(tmp_path / "s")
        sizes.append(sum(snapshots.epoch_file(tmp_path / "s", e).stat().st_size for e in kept))
        assert kept[-1] == epoch                           # the newest, always
        assert first is None or kept[0] == first           # and the start when there is room
    return snapshots.epochs(tmp_path / "s"), max(sizes)


def test_a_small_network_keeps_every_epoch(tmp_path):
    kept, largest = keep_epochs(tmp_path, 1000, 100_000, 30)
    assert kept == list(range(31)) and largest == 31_000


def test_a_large_network_keeps_evenly_thinned_checkpoints(tmp_path):
    # 9 snapshots fit: the stride doubles to 4 by epoch 30 (0, 4, ..., 28 and the newest)
    kept, largest = keep_epochs(tmp_path, 1000, 9_500, 30)
    assert kept == [0, 4, 8, 12, 16, 20, 24, 28, 30]
    assert largest <= 9_500


def test_a_huge_network_keeps_the_newest_only(tmp_path):
    kept, largest = keep_epochs(tmp_path, 4000, 9_500, 5, first=None)
    assert kept == [5] and largest == 4000


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
    last = Model.load(snapshots.epoch_file(tmp_path, 4))
    assert all(np.array_equal(a, b) for a, b in zip(last.network.params(),
                                                    plain.network.params()))


def test_a_snapshot_is_the_network_after_its_epoch(tmp_path):
    dataset = three_classes()
    fit(dataset, TrainConfig.from_dict(SETTINGS), snapshots=Snapshots(tmp_path))
    two, _ = fit(dataset, TrainConfig.from_dict({**SETTINGS, "epochs": 2}))
    after_two = Model.load(snapshots.epoch_file(tmp_path, 2))
    for a, b in zip(after_two.network.params(), two.network.params()):
        assert np.array_equal(a, b)
    start = Model.load(snapshots.epoch_file(tmp_path, 0))
    assert not np.array_equal(start.network.weights[0], two.network.weights[0])
