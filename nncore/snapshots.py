"""The network as it was after each epoch, kept within a byte budget: "replay the training".

A ``Snapshots`` keeper writes, into one folder, the model after epoch 0 (the initial weights)
and after every finished epoch, each as its own model file ``epoch-NNNNN.npz`` (``Model.save``:
weights as trained, float32, and the model's metadata, so that any one of them loads alone
with ``Model.load``), and ``run.json`` (``{"m", "learning_rate", "budget_bytes"}``: what the
view needs besides the weights). Files are written to a temporary name and renamed, so
another process can read the folder at any time: a running training can be inspected after
any finished epoch.

The budget (``BUDGET_BYTES``, 8 MB per run) holds every epoch of a small network: 400-25-10
is 41 KB an epoch, about 200 epochs. A larger one keeps evenly spaced checkpoints: the
epochs that are multiples of a stride, plus always the newest; when they no longer fit, the
stride doubles (every other checkpoint is dropped). 784-256-10 (815 KB an epoch) keeps 9,
e.g. epochs 0, 4, ..., 28 and 30 of 30. A network whose snapshot is over a third of the budget
keeps only the newest epoch (so a running training can still be inspected). Snapshots never
touch the weights or any random stream: a run trains bit for bit as without them.
"""
import json
import os
import re
import tempfile
from pathlib import Path

BUDGET_BYTES = 8 * 1024 * 1024
RUN_FILE = "run.json"
_EPOCH_FILE = re.compile(r"^epoch-(\d+)\.npz$")


def epoch_file(folder, epoch):
    return Path(folder) / f"epoch-{int(epoch):05d}.npz"


def epochs(folder):
    """The epochs kept in ``folder``, ascending (empty when there is no such folder)."""
    try:
        names = os.listdir(folder)
    except OSError:
        return []
    return sorted(int(m.group(1)) for m in map(_EPOCH_FILE.match, names) if m)


def run_info(folder):
    """The folder's ``run.json`` as a dict, or None when it has none (yet)."""
    try:
        with open(Path(folder) / RUN_FILE, encoding="utf-8") as fh:
            return json.load(fh)
    except (OSError, ValueError):
        return None


def _write_json(path, data):
    fd, tmp = tempfile.mkstemp(suffix=".json.tmp", dir=os.path.dirname(path))
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(data, fh)
    os.replace(tmp, path)


class Snapshots:
    """Keeps a training's models after each epoch in ``folder`` within ``budget`` bytes."""

    def __init__(self, folder, budget=BUDGET_BYTES):
        self.folder = Path(folder)
        self.budget = int(budget)
        self.kept, self.stride, self.capacity = [], 1, None

    def __repr__(self):
        return (f"Snapshots({str(self.folder)!r}, budget={self.budget}, kept={self.kept}, "
                f"stride={self.stride})")

    def start(self, model, m, learning_rate):
        """Clear the folder, write ``run.json`` and the initial weights as epoch 0.

        ``m``: the training-set size (the L2 penalty's divisor); ``learning_rate``: the run's.
        """
        self.folder.mkdir(parents=True, exist_ok=True)
        for epoch in epochs(self.folder):
            epoch_file(self.folder, epoch).unlink(missing_ok=True)
        _write_json(self.folder / RUN_FILE, {"m": int(m), "learning_rate": float(learning_rate),
                                             "budget_bytes": self.budget})
        self.kept, self.stride, self.capacity = [], 1, None
        self.keep(0, model)

    def keep(self, epoch, model):
        """Write ``model`` as it is after ``epoch`` and thin the older ones to the budget."""
        path = epoch_file(self.folder, epoch)
        model.save(path)
        if self.capacity is None:
            self.capacity = self.budget // max(path.stat().st_size, 1)
        self.kept.append(int(epoch))
        if self.capacity < 3:            # no room for evenly spaced ones: the newest only
            stay = [int(epoch)]
        else:
            stay = self._thinned(int(epoch))
        for old in set(self.kept) - set(stay):
            epoch_file(self.folder, old).unlink(missing_ok=True)
        self.kept = stay

    def _thinned(self, newest):
        """The multiples of the stride and ``newest``, the stride doubled until they fit."""
        while True:
            stay = [e for e in self.kept if e % self.stride == 0 or e == newest]
            if len(stay) <= self.capacity:
                return stay
            self.stride *= 2

    def wrap(self, callback, model):
        """A training callback that keeps ``model`` after each epoch, then calls ``callback``
        (``None``: nothing more) and returns its answer (``False`` stops the training)."""
        def on_epoch(record):
            self.keep(record["epoch"], model)
            return None if callback is None else callback(record)
        return on_epoch
