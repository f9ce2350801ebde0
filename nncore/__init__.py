"""nncore: a neural network written from scratch in numpy, usable without the web app.

The public API::

    from nncore import Network, train, fit, load_dataset, Model, TrainConfig

Sub-packages by concern: ``nncore.nn`` (network maths and training), ``nncore.data`` (reading
files, datasets, splits, scaling), ``nncore.digits`` (drawn and synthetic digits).
``nncore.reference`` is the tutorials' network written to be read top to bottom.
"""
from nncore.config import TrainConfig
from nncore.data.loaders import load_dataset
from nncore.fitting import fit
from nncore.model import Model
from nncore.nn.network import Network
from nncore.nn.training import train

__all__ = ["Network", "train", "fit", "load_dataset", "Model", "TrainConfig"]
