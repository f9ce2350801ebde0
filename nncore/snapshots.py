"""The network as it was after each epoch, kept within a byte budget: "replay the training".

A ``Snapshots`` keeper writes into one folder ``model.npz``, the model as training starts
(``Model.save``: scaler, classes, encoding and the initial weights), then after epoch 0 (the
initial weights) and every finished epoch ``epoch-NNNNN.npz``, that epoch's weights alone
(``W0, b0, W1, ...`` float32, as ``Model.save`` names them), and ``run.json`` (``{"m",
"learning_rate", "budget_bytes"}``: what the view needs besides the weights). ``load(folder,
epoch)`` puts an epoch's weights into the model. Files are written to a temporary name and
renamed, so another process can read the folder at any time: a running training can be
inspected after any finished epoch.

The budget (``BUDGET_BYTES``, 8 MB per run, ``model.npz`` included) holds every epoch of a
small network: 400-25-10 is 41 KB an epoch, about 190 epochs. A larger one keeps evenly spaced
checkpoints: the epochs that are multiples of a stride, plus always the newest; when they no
longer fit, the stride doubles (every other checkpoint is dropped). 784-256-10 (815 KB an
epoch) keeps 8 or 9, e.g. epochs 0, 4, ..., 28 and 30 of 30. A network with room for fewer
than 3 snapshots keeps only the newest epoch (so a running training can still be inspected).
Snapshots never touch the weights or any random stream: a run trains bit for bit as without
them; one that cannot be written (a full disk) ends the run's snapshots, not its training.
"""
import json
import os
import re
import shutil
import tempfile
from pathlib import Path

from nncore.data import safety
from nncore.model import Model, weight_arrays, write_npz

BUDGET_BYTES = 8 * 1024 * 1024
RUN_FILE = "run.json"
MODEL_FILE = "model.npz"
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


def load(folder, epoch):
    """The model of ``folder`` with the weights it had after ``epoch``; ``OSError`` or
    ``ValueError`` when that snapshot is not (or no longer) there."""
    model = Model.load(Path(folder) / MODEL_FILE)
    arrays = safety.read_npz(epoch_file(folder, epoch), "a snapshot of a network")
    network = model.network
    for i, (W, b) in enumerate(zip(network.weights, network.biases)):
        if arrays[f"W{i}"].shape != W.shape or arrays[f"b{i}"].shape != b.shape:
            raise ValueError(f"the snapshot of epoch {epoch} does not fit its model")
        W[...], b[...] = arrays[f"W{i}"], arrays[f"b{i}"]
    return model


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
        self.stopped = False

    def __repr__(self):
        return (f"Snapshots({str(self.folder)!r}, budget={self.budget}, kept={self.kept}, "
                f"stride={self.stride})")

    def start(self, model, m, learning_rate, epoch=0):
        """Clear the folder, write ``run.json`` and the model's weights as ``epoch`` (0: the
        initial weights; a later epoch keeps a trained network's final weights alone).

        ``m``: the training-set size (the L2 penalty's divisor); ``learning_rate``: the run's.
        """
        self.kept, self.stride, self.capacity, self.stopped = [], 1, None, False
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            for epoch in epochs(self.folder):
                epoch_file(self.folder, epoch).unlink(missing_ok=True)
            _write_json(self.folder / RUN_FILE, {"m": int(m),
                                                 "learning_rate": float(learning_rate),
                                                 "budget_bytes": self.budget})
            model.save(self.folder / MODEL_FILE)
        except OSError:
            self._stop()
            return
        self.keep(epoch, model)

    def _stop(self):
        """A snapshot could not be written (the disk is full): keep none, never stop the
        training for it (the view then shows the final weights only)."""
        self.stopped = True
        shutil.rmtree(self.folder, ignore_errors=True)

    def keep(self, epoch, model):
        """Write ``model`` as it is after ``epoch`` and thin the older ones to the budget."""
        if self.stopped:
            return
        try:
            self._write(epoch, model)
        except OSError:
            self._stop()

    def _write(self, epoch, model):
        path = epoch_file(self.folder, epoch)
        write_npz(path, weight_arrays(model.network))
        if self.capacity is None:
            room = self.budget - (self.folder / MODEL_FILE).stat().st_size
            self.capacity = max(room, 0) // max(path.stat().st_size, 1)
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
