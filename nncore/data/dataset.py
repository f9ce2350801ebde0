"""The in-memory dataset every part of nncore trains on.

Rows are samples. For classification (``task="classification"``, the default) labels are
stored as integer indices ``0..k-1`` into ``classes``, the class names exactly as the file
writes them (``"10"`` stays ``"10"``, the tutorial's zero; a numeric ``3.0`` becomes ``"3"``),
sorted naturally so that ``"2" < "10"``. For regression (``task="regression"``) ``y`` holds
the label's numbers as float64, in the file's units, and ``classes`` is empty. Reading files is
``loaders.py``; this module only holds and describes the data.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

import numpy as np

from nncore.data.images import ImageGeometry
from nncore.data.targets import wants_log


#: what a dataset's label asks for: classes, or a number to predict (``task.py`` decides)
TASKS = ("classification", "regression")

#: dtypes ``Dataset.X`` keeps as they are
FEATURE_DTYPES = (np.dtype(np.uint8), np.dtype(np.float32), np.dtype(np.float64))


def class_name(value) -> str:
    """The class name for one raw label: integral numbers lose their ``.0``, text is stripped."""
    if isinstance(value, (bool, np.bool_)):
        return str(bool(value))
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, (float, np.floating)):
        value = float(value)
        if value.is_integer():
            return str(int(value))
        return repr(value)
    text = str(value).strip()
    try:
        number = float(text)
    except ValueError:
        return text
    if math.isfinite(number) and number.is_integer() and re.fullmatch(r"[+-]?[\d.eE+-]+", text):
        return str(int(number))
    return text


def class_names(labels) -> list[str]:
    """``class_name`` of each label; each distinct value is named once (60,000 labels are
    usually ten values). Keyed by type too: ``True == 1`` but they are named differently."""
    named = {}
    names = []
    for value in labels:
        try:
            key = (type(value), value)
            name = named.get(key)
        except TypeError:                 # unhashable: named every time
            key, name = None, None
        if name is None:
            name = class_name(value)
            if key is not None:
                named[key] = name
        names.append(name)
    return names


def column_table(encoding: dict) -> list[dict]:
    """The rows of the dataset page's column table, from an encoding dict, label first."""
    rows = [{"name": encoding.get("label"), "kind": "label", "blanks": encoding.get("label_blanks", 0),
             "examples": encoding.get("label_examples", []), "action": encoding.get("label_action", ""),
             "blank_tokens": []}]
    rows += [{k: c.get(k) for k in ("name", "kind", "blanks", "examples", "action", "blank_tokens")}
             | {"n_categories": len(c.get("categories", [])) if c.get("kind") == "category" else None}
             for c in encoding.get("columns", [])]
    return rows


def target_summary(y, blanks=0) -> dict:
    """``{count, blanks, min, max, mean, std, log}`` of regression targets ``y`` (label
    units); ``log``: whether a network learns their log (``targets.wants_log`` on these rows;
    a run decides again on its training rows)."""
    y = np.asarray(y, dtype=np.float64)
    empty = y.size == 0
    return {"count": int(y.size), "blanks": int(blanks),
            "min": None if empty else float(y.min()), "max": None if empty else float(y.max()),
            "mean": None if empty else float(y.mean()), "std": None if empty else float(y.std()),
            "log": wants_log(y)}


def natural_key(name: str):
    """Sort key: numbers by value first, then text with digit runs compared as numbers."""
    try:
        number = float(name)
        if math.isfinite(number):
            return (0, number, ())
    except ValueError:
        pass
    parts = tuple((0, int(p), "") if p.isdigit() else (1, 0, p.lower())
                  for p in re.split(r"(\d+)", name) if p)
    return (1, 0.0, parts)


def sort_classes(names) -> list[str]:
    return sorted(set(names), key=natural_key)


@dataclass
class Dataset:
    """Features ``X`` (n, d) and labels ``y`` (n,): int64 indices into ``classes``, or for
    ``task="regression"`` float64 numbers (``classes`` empty).

    ``X`` keeps a narrow dtype when it has one (``uint8`` pixels: 1 byte a cell instead of 8;
    ``float32``), as read or memory-mapped from the file; any other becomes float64. Code that
    computes with ``X`` converts what it takes (``scaling.Scaler`` scales rows into float32).

    ``notes`` records anything the loader repaired or assumed (a dropped header row, a text
    encoding guessed), for the user to see. ``encoding`` (tables) says how each raw column
    became features: its rows are also the dataset page's column table.
    """

    X: np.ndarray
    y: np.ndarray
    classes: list[str]
    name: str = ""
    feature_names: list[str] | None = None
    image: ImageGeometry | None = None
    notes: list[str] = field(default_factory=list)
    # tables: ``encoding.Encoding.to_dict()``, how raw rows became X (None: X is the file's)
    encoding: dict | None = None
    task: str = "classification"

    def __post_init__(self):
        self.X = np.asarray(self.X)
        if self.X.dtype not in FEATURE_DTYPES:
            self.X = self.X.astype(np.float64)
        if self.task not in TASKS:
            raise ValueError(f"task must be one of {', '.join(TASKS)} (got {self.task!r})")
        regression = self.task == "regression"
        self.y = np.asarray(self.y, dtype=np.float64 if regression else np.int64)
        self.classes = [str(c) for c in self.classes]
        if regression and (self.classes or not np.all(np.isfinite(self.y))):
            raise ValueError("a regression dataset has finite numbers as y and no classes")
        if self.X.ndim != 2:
            raise ValueError(f"X must be 2-D (samples, features), got shape {self.X.shape}")
        if self.y.shape != (self.X.shape[0],):
            raise ValueError(f"y must have one label per row of X: X has {self.X.shape[0]} rows, "
                             f"y has shape {self.y.shape}")
        if len(set(self.classes)) != len(self.classes):
            raise ValueError("class names must be unique")
        if not regression and self.y.size and (self.y.min() < 0
                                               or self.y.max() >= len(self.classes)):
            raise ValueError(f"labels must be indices 0..{len(self.classes) - 1}")
        if self.feature_names is not None:
            self.feature_names = [str(f) for f in self.feature_names]
            if len(self.feature_names) != self.X.shape[1]:
                raise ValueError(f"{len(self.feature_names)} feature names for "
                                 f"{self.X.shape[1]} features")
        if self.image is not None and self.image.n_features != self.X.shape[1]:
            raise ValueError(f"a {self.image.height}x{self.image.width} image needs "
                             f"{self.image.n_features} features, X has {self.X.shape[1]}")

    @classmethod
    def from_labels(cls, X, labels, **kwargs) -> Dataset:
        """Build from raw labels (numbers or text, one per row); classes sorted naturally."""
        names = class_names(labels)
        classes = sort_classes(names)
        index = {c: i for i, c in enumerate(classes)}
        y = np.fromiter((index[n] for n in names), dtype=np.int64, count=len(names))
        return cls(X=X, y=y, classes=classes, **kwargs)

    @property
    def n_samples(self) -> int:
        return int(self.X.shape[0])

    @property
    def n_features(self) -> int:
        return int(self.X.shape[1])

    @property
    def labels(self) -> np.ndarray:
        """Class names per row, (n,) str; the numbers themselves (n,) float64 for regression."""
        if self.task == "regression":
            return self.y
        return np.asarray(self.classes, dtype=str)[self.y]

    def class_counts(self) -> dict[str, int]:
        if self.task == "regression":
            return {}
        counts = np.bincount(self.y, minlength=len(self.classes))
        return {c: int(n) for c, n in zip(self.classes, counts)}

    def summary(self) -> dict:
        """JSON-ready description (no arrays); regression adds ``target`` (``target_summary``:
        count, blanks, min, max, mean, std in the label's units)."""
        empty = self.X.size == 0
        extra = {}
        if self.task == "regression":
            blanks = (self.encoding or {}).get("label_blanks", 0)
            extra["target"] = target_summary(self.y, blanks)
        return {
            "name": self.name,
            "task": self.task,
            "n_samples": self.n_samples,
            "n_features": self.n_features,
            "classes": list(self.classes),
            "class_counts": self.class_counts(),
            "feature_min": None if empty else float(self.X.min()),
            "feature_max": None if empty else float(self.X.max()),
            "image": None if self.image is None else self.image.to_dict(),
            "notes": list(self.notes),
            # a picture's pixels are not worth a table of 784 rows
            "columns": (None if self.encoding is None or self.image is not None
                        else column_table(self.encoding)),
            **extra,
        }

    def __repr__(self):
        image = "" if self.image is None else (
            f", image={self.image.height}x{self.image.width} {self.image.order!r}")
        what = ("task='regression'" if self.task == "regression"
                else f"classes={len(self.classes)}")
        return (f"Dataset({self.name!r}, n_samples={self.n_samples}, "
                f"n_features={self.n_features}, {what}{image})")
