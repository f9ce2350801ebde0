"""What flows through the network in "Inside the network": a validation row, a table row or a
drawing, as the raw features the model reads, its target and how the page shows it.

Each source returns a ``Sample``: ``features`` (1, d) raw (as in the file), the class index or
number it should give (``label``, None when the request gave none: then the network's own
prediction is the target), and ``shown``, the ``sample`` object of the response
(``{"source", "index", "count", "label", "display_label", "values", "image"}``).

Validation rows are the ones the run's report uses: its result's evaluated rows for a
finished run, else the split ``fit`` made (``split_rows`` with the run's seed and settings),
recomputed; without a validation split, all rows (``source`` says "training").
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from nncore.config import TrainConfig
from nncore.data.images import ImageGeometry, from_images
from nncore.fitting import random_streams, split_rows
from webapp.errors import BadRequest, Conflict
from webapp.services import datasets, drawings, finite_number, loads, reports, runs, samples


@dataclass
class Sample:
    features: np.ndarray
    label: object
    shown: dict


def _geometry(model, summary):
    image = summary.get("image") or (model.image.to_dict() if model.image else None)
    return None if image is None else ImageGeometry.from_dict(image)


def _shown(source, label, summary, index=None, count=None, values=None, image=None):
    names = summary.get("display_names") or {}
    display = names.get(label, label) if isinstance(label, str) else label
    return {"source": source, "index": index, "count": count, "label": label,
            "display_label": display, "values": values, "image": image}


def _image(features, geometry):
    if geometry is None:
        return None
    return {"width": geometry.width, "height": geometry.height,
            "pixels": samples.unit_pixels(features, geometry)[0]}


def validation_indices(row, dataset):
    """``(dataset row indices, source)`` of the rows a run was validated on (see above)."""
    result = loads(row["result"], {}) or {}
    if result.get("indices") is not None:
        return np.asarray(result["indices"], dtype=np.int64), result.get("evaluated_on")
    config = TrainConfig.from_dict(loads(row["config"]))
    try:
        _, val_idx = split_rows(dataset, config, random_streams(config.seed)["split"],
                                stratify=dataset.task == "classification")
    except ValueError as exc:
        raise Conflict(str(exc)) from exc
    if len(val_idx) == 0:
        return np.arange(dataset.n_samples), "training"
    return np.asarray(val_idx, dtype=np.int64), "validation"


def validation_sample(row, model, k):
    """The ``k``-th validation row of the run (400 when out of range)."""
    dataset = datasets.load(row["dataset_id"])
    indices, source = validation_indices(row, dataset)
    if not 0 <= k < len(indices):
        raise BadRequest(f"sample must be from 0 to {len(indices) - 1} (the run's "
                         f"{len(indices)} {source} rows)")
    i = int(indices[k])
    summary = datasets.get_summary(row["dataset_id"])
    features = np.asarray(dataset.X[[i]], dtype=np.float64)
    if dataset.task == "regression":
        label = float(dataset.y[i])
    else:
        label = dataset.classes[int(dataset.y[i])]
    values = reports.row_values(row["dataset_id"], dataset, [i])[0] if dataset.image is None \
        else None
    shown = _shown(source, label, summary, k, len(indices), values,
                   _image(features, _geometry(model, summary)))
    shown["row"] = i
    return Sample(features, label, shown)


def _table_row(model, summary, body):
    cells = body["row"]
    if not isinstance(cells, dict):
        raise BadRequest("row must be an object mapping column names to values")
    label_column = (model.encoding or {}).get("label")
    label = cells.get(label_column)
    try:
        features, _ = model.encode_row({k: v for k, v in cells.items() if k != label_column})
    except ValueError as exc:
        raise BadRequest(str(exc)) from exc
    label = body.get("label", label)
    return Sample(np.asarray(features, dtype=np.float64).reshape(1, -1), label,
                  _shown("row", label, summary, values={str(k): v for k, v in cells.items()}))


def _pixels(model, summary, body):
    geometry = _geometry(model, summary)
    if geometry is None:
        raise Conflict("this run's dataset is not a set of images: send a row instead")
    values = body["pixels"]
    size = geometry.height * geometry.width
    if not isinstance(values, list) or len(values) != size:
        raise BadRequest(f"pixels must be a list of {size} numbers from 0 to 1 "
                         f"({geometry.height} rows of {geometry.width}, upright, ink 1)")
    ink = np.array([finite_number(v, "pixels") for v in values]).reshape(geometry.height,
                                                                          geometry.width)
    if ink.min() < 0 or ink.max() > 1:
        raise BadRequest("pixels must be numbers from 0 to 1")
    features = from_images(geometry.vmin + ink * (geometry.vmax - geometry.vmin), geometry)
    return features.reshape(1, -1), geometry


def _drawing(model, summary, body):
    if "pixels" in body:
        features, geometry = _pixels(model, summary, body)
    else:
        features, _, geometry = drawings.drawing_features(model, summary, body)
        if features is None:
            raise BadRequest("the drawing is empty: draw a digit first")
        features = features.reshape(1, -1)
    label = body.get("label")
    return Sample(features, label, _shown("drawing", label, summary,
                                          image=_image(features, geometry)))


def posted_sample(row, model, body):
    """The sample of a POST: ``{"row": {column: value}}``, ``{"pixels": [...]}`` or a drawing's
    strokes as predict takes them, each with an optional ``"label"``."""
    summary = datasets.get_summary(row["dataset_id"])
    if "row" in body:
        return _table_row(model, summary, body)
    if "pixels" in body or "strokes" in body:
        return _drawing(model, summary, body)
    raise BadRequest("send a table row ({\"row\": {column: value}}), a picture "
                     "({\"pixels\": [...]}) or a drawing (strokes, width, height)")


def target_row(model, label, output):
    """The target the network learns for ``label`` (one-hot row, 0/1 for a single unit, or the
    number a linear output learns), and the label as given; for ``label`` None, the
    prediction ``output`` (k,) as its own target."""
    network = model.network
    if model.task == "regression":
        if label is None:
            return np.asarray(output, dtype=np.float64)
        value = finite_number(label, "label")
        with np.errstate(all="ignore"):
            learnt = model.target.transform([value]) if model.target else np.array([value])
        if not np.all(np.isfinite(learnt)):
            raise BadRequest("label is outside what this run's target transform reads "
                             "(a log needs a positive number)")
        return np.asarray(learnt, dtype=np.float64)
    if label is None:
        index = network.classes_from_proba(np.asarray(output)[None, :])[0]
    elif str(label) in model.classes:
        index = model.classes.index(str(label))
    else:
        raise BadRequest(f"unknown label {str(label)[:40]!r}; the classes are: "
                         f"{', '.join(model.classes[:20])}")
    return np.asarray(network.target_table()[int(index)], dtype=np.float64)
