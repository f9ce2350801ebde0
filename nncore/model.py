"""A trained model: the network plus everything needed to use it on raw rows.

A `Network` only knows scaled inputs and class indices. A `Model` adds what turns file rows
into predictions and back: the input `Scaler` fitted on the training rows, the class names as
the file gave them, the image geometry (for pictures and drawings), the drawing profile
measured on the training images and, for tables, the column encoding (category vocabularies,
fill values) that reads a raw row as training read the file. A regression model (``task``
``"regression"``, a ``"linear"`` output) has no classes; it keeps the ``TargetTransform`` that
maps the network's numbers back to the label's units, and ``predict`` answers in those units. It saves to one ``.npz``: the weights as plain arrays and the
metadata as one JSON string, so loading never needs pickle (``allow_pickle=False``).
"""
from __future__ import annotations

import json
import os
import tempfile

import numpy as np

from nncore.data import safety
from nncore.nn.convnet import ConvNetwork
from nncore.data.encoding import Encoding
from nncore.data.images import ImageGeometry
from nncore.nn.network import Network
from nncore.data.scaling import Scaler
from nncore.data.targets import TargetTransform

FORMAT_VERSION = 1


class Model:
    """A trained network with its input scaling and class names.

    Parameters
    ----------
    network : Network
    classes : list of str
        Class names in the order of the network's output units.
    scaler : Scaler
        Maps raw rows (as in the file) to the network's inputs.
    image : ImageGeometry or None
        Pixel layout of the rows when they are images.
    profile : dict or None
        Drawing profile measured on the training images (see `nncore.digits.drawing`).
    config : dict
        The training settings, for the record.
    encoding : dict or None
        Tables: how raw rows (text categories, blanks) become features
        (``nncore.data.encoding.Encoding.to_dict()``); None when the features are the cells.
    target : TargetTransform or None
        Regression: the label's units from the network's numbers (None: the identity).
        The task follows the network's output: ``"regression"`` for ``"linear"``.
    """

    def __init__(self, network, classes, scaler, image=None, profile=None, config=None,
                 encoding=None, target=None):
        self.network = network
        self.task = network.output_layer.task
        if self.task == "regression" and classes:
            raise ValueError("a regression model has no classes")
        if self.task != "regression" and target is not None:
            raise ValueError("a target transform belongs to a regression model")
        self.target = target
        self.classes = [str(c) for c in classes]
        self.scaler = scaler
        self.image = image
        self.profile = profile
        self.config = dict(config or {})
        self.encoding = encoding
        self._encoder = None if encoding is None else Encoding.from_dict(encoding)

    def __repr__(self):
        if self.task == "regression":
            return f"Model({self.network!r}, task='regression', target={self.target!r})"
        return (f"Model({self.network!r}, classes={self.classes!r}, "
                f"image={self.image.to_dict() if self.image else None})")

    @property
    def n_features(self) -> int:
        return self.network.layer_sizes[0]

    def scale(self, X_raw):
        """Raw rows (n, d) or one row (d,) -> the rows the network reads, (n, d) float32;
        ``ValueError`` for the wrong width, non-finite values or values out of float32's reach."""
        X = np.asarray(X_raw, dtype=np.float64)
        if X.ndim == 1:
            X = X[None, :]
        if X.ndim != 2 or X.shape[1] != self.n_features:
            raise ValueError(f"expected rows of {self.n_features} features, got shape {X.shape}")
        if not np.all(np.isfinite(X)):
            raise ValueError("features must be finite numbers (found NaN or infinity)")
        # The network reads float32: a value that far from the training rows' range has no
        # float32 form once scaled (inf), and would come out as NaN probabilities.
        with np.errstate(over="ignore"):
            scaled = self.scaler.transform(X)
        if not np.all(np.isfinite(scaled)):
            raise ValueError("features are too large for this model: scaled to the training "
                             "rows' range they exceed what the network computes with (float32)")
        return scaled

    def _needs_classes(self):
        if self.task == "regression":
            raise ValueError("this model predicts a number, not classes: use predict_values")

    def predict_proba(self, X_raw) -> np.ndarray:
        """Class probabilities, shape (n, k), for raw rows of shape (n, d) or (d,)."""
        self._needs_classes()
        return self.network.predict_proba(self.scale(X_raw))

    def predict_indices(self, X_raw) -> np.ndarray:
        """Index of the most probable class for each row, shape (n,)."""
        return np.argmax(self.predict_proba(X_raw), axis=1)

    def predict_values(self, X_raw) -> np.ndarray:
        """Regression: the predicted label (n,) float64 in the user's units, for raw rows of
        shape (n, d) or (d,); ``ValueError`` for a classifier."""
        if self.task != "regression":
            raise ValueError("this model predicts classes: use predict or predict_proba")
        values = self.network.predict_values(self.scale(X_raw)).astype(np.float64)
        return values if self.target is None else self.target.inverse(values)

    def predict(self, X_raw) -> np.ndarray:
        """Class names (as the dataset names them) for each row, shape (n,); for a regression
        model the predicted numbers (``predict_values``)."""
        if self.task == "regression":
            return self.predict_values(X_raw)
        return np.asarray(self.classes)[self.predict_indices(X_raw)]

    def encode_row(self, row: dict):
        """One raw row ``{column: value}`` (as in the file) -> ((1, n_features) raw features,
        notes on blanks and unseen categories); ``ValueError`` for unknown columns or values
        of the wrong type."""
        if self._encoder is None:
            raise ValueError("this model was trained on numeric features only: send "
                             "features (a list of numbers) instead of a row")
        return self._encoder.transform_row(row)

    def row_form(self) -> list[dict] | None:
        """The try-a-row fields of the columns as this model reads them (``Encoding.form``);
        None for a model of numeric features only."""
        return None if self._encoder is None else self._encoder.form()

    def encode_frame(self, frame, where=""):
        """Raw rows (a DataFrame with the file's columns) -> (n, n_features) raw features."""
        if self._encoder is None:
            raise ValueError("this model takes numeric features only")
        return self._encoder.transform(frame, where)

    # --- persistence ---------------------------------------------------------------------

    def metadata(self) -> dict:
        """JSON-ready description of everything but the weights."""
        net = self.network
        return {
            "format_version": FORMAT_VERSION,
            "layer_sizes": list(net.layer_sizes),
            # convolutional networks describe their blocks; fully connected ones need only sizes
            "architecture": net.architecture() if hasattr(net, "architecture") else None,
            "activation": net.activation,
            "output": net.output,
            "dtype": str(net.weights[0].dtype),
            "classes": self.classes,
            "scaler": self.scaler.to_dict(),
            "image": self.image.to_dict() if self.image else None,
            "profile": self.profile,
            "config": self.config,
            "encoding": self.encoding,
            "task": self.task,
            "target": None if self.target is None else self.target.to_dict(),
        }

    def save(self, path) -> None:
        """Write the model to ``path`` (.npz), atomically: a temporary file, then a rename."""
        write_npz(path, {"metadata": np.array(json.dumps(self.metadata())),
                         **weight_arrays(self.network)})

    @classmethod
    def load(cls, path) -> "Model":
        """Read a model written by `save`; refuses anything that is not one (never unpickles)."""
        what = "a model saved by nncore"
        data = safety.read_npz(path, what)
        if "metadata" not in data:
            hint = " (it is a dataset: train on it)" if "meta" in data else ""
            raise ValueError(f"{os.path.basename(os.fspath(path))} is not {what}{hint}")
        try:
            meta = json.loads(str(data["metadata"]))
            n_layers = len(meta["layer_sizes"]) - 1
            weights = [np.array(data[f"W{i}"]) for i in range(n_layers)]
            biases = [np.array(data[f"b{i}"]) for i in range(n_layers)]
        except (KeyError, TypeError, ValueError) as exc:     # JSONDecodeError is a ValueError
            raise ValueError(f"not a model file written by nncore: {exc}") from None
        network = _rebuild(meta)
        for target, source in zip(network.weights + network.biases, weights + biases):
            if target.shape != source.shape:
                raise ValueError("model file is inconsistent: a weight matrix has the wrong shape")
            target[...] = source
        image = ImageGeometry.from_dict(meta["image"]) if meta.get("image") else None
        # files written before regression have neither "task" nor "target": classifiers
        target = TargetTransform.from_dict(meta["target"]) if meta.get("target") else None
        return cls(network, meta["classes"], Scaler.from_dict(meta["scaler"]), image=image,
                   profile=meta.get("profile"), config=meta.get("config"),
                   encoding=meta.get("encoding"), target=target)


def weight_arrays(network) -> dict:
    """``{"W0": W[0], "b0": b[0], "W1": ...}``: a network's parameters as a model file names
    them."""
    arrays = {}
    for i, (W, b) in enumerate(zip(network.weights, network.biases)):
        arrays[f"W{i}"] = W
        arrays[f"b{i}"] = b
    return arrays


def write_npz(path, arrays) -> None:
    """``arrays`` to ``path`` (.npz) atomically: a temporary file beside it, then a rename (a
    reader never sees half a file)."""
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(suffix=".npz.tmp", dir=directory)
    try:
        with os.fdopen(fd, "wb") as fh:
            np.savez(fh, **arrays)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def _rebuild(meta):
    """An untrained network of the saved shape (its weights are then copied in)."""
    common = {"activation": meta["activation"], "output": meta["output"],
              "rng": np.random.default_rng(0), "dtype": np.dtype(meta.get("dtype", "float32"))}
    arch = meta.get("architecture")
    if not arch:
        return Network(meta["layer_sizes"], **common)
    arch = dict(arch)
    image = ImageGeometry.from_dict(arch.pop("image"))
    return ConvNetwork(image, arch.pop("n_classes"), **arch, **common)
