"""A small customer-churn table (a number column with blanks, a text category, an id column)
and a model trained briefly on it, and an untrained model of 3x3 pictures: what the scoring
and ONNX tests predict with."""
import numpy as np
import pandas as pd

from nncore.config import TrainConfig
from nncore.data.images import ImageGeometry
from nncore.data.loaders import load_dataset
from nncore.data.scaling import Scaler
from nncore.fitting import fit
from nncore.model import Model
from nncore.nn.network import Network


def train_churn_model(folder, n=80, seed=0, hidden=4, epochs=3):
    """``(model, dataset)`` trained on ``n`` random rows written to ``folder/train.csv``:
    columns ``age`` (5 blanks, enough for a was-blank unit), ``plan`` (basic, pro, max, two
    blanks), ``id`` (unique: ignored) and the label ``churn`` (yes, no)."""
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({"age": rng.integers(18, 80, n).astype(object),
                          "plan": rng.choice(["basic", "pro", "max"], n),
                          "id": [f"c{i}" for i in range(n)],
                          "churn": rng.choice(["yes", "no"], n)})
    frame.loc[[3, 9, 20, 30, 41], "age"] = ""
    frame.loc[[5, 7], "plan"] = ""
    path = folder / "train.csv"
    frame.to_csv(path, index=False)
    dataset = load_dataset(path)
    model, _ = fit(dataset, TrainConfig(hidden_layers=[hidden], epochs=epochs, augment=False))
    return model, dataset


def picture_model(n_rows, hidden, activation, seed):
    """``(model, X)``: an untrained model of 3x3 pictures (classes "1", "2", "3"; pixels 0-255)
    and ``n_rows`` random pictures (n_rows, 9) of whole numbers: scoring only reads it."""
    image = ImageGeometry.from_dict({"height": 3, "width": 3, "order": "C",
                                     "vmin": 0, "vmax": 255})
    X = np.random.default_rng(seed).integers(0, 256, (n_rows, 9)).astype(float)
    return Model(Network([9, hidden, 3], activation, "softmax", rng=seed), ["1", "2", "3"],
                 Scaler().fit(X, image), image=image), X
