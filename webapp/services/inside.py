"""Inside the network: a run's network with one example flowing through it and one step of
gradient descent, every number computed by ``nncore/reference.py`` (``nncore.inside``).

``GET /api/runs/<id>/inside?sample=K[&epoch=E][&layer=L&from=I&to=J]`` shows the K-th
validation row (``webapp.services.inside_samples``); ``POST`` the same path with
``{"row": {column: value}}``, ``{"pixels": [h*w numbers 0..1, upright, ink 1]}`` or a drawing
(``{"strokes", "width", "height", "line_width"}`` as predict takes it), each with optional
``"label"``, ``"epoch"`` and ``"weight": {"layer", "from", "to"}``. The response::

    {"run_id", "epoch", "final", "epochs": [kept snapshot epochs],
     "sample": {"source": "validation"|"training"|"row"|"drawing", "index", "count", "row",
                "label", "display_label", "values" (tables: the raw cells),
                "image" (pictures: {"width", "height", "pixels"})},
     "network": {"sizes", "activation", "activations" (per layer, null for the inputs),
                 "output", "cost": "cross_entropy"|"squared_error", "l2", "m",
                 "optimizer", "learning_rate"},
     "names": {"inputs": [one per input], "outputs": [one per output unit]},
     "layers": [{"a", "shown", "more", "names"},                           (the inputs, scaled)
                {"z", "a", "delta", "b", "shown", "more", "names",
                 "incoming": {unit: [{"from", "name", "w"}]}, "links": [{"from", "to", "w"}]},
                ...],
     "target", "target_source": "label"|"prediction",
     "prediction": {"label", "display_label", "value", "output"},
     "cost", "cost_terms": {"data", "l2"}, "cost_after", "cost_falls",
     "smaller_rate": {"learning_rate", "cost_after", "cost_falls"} | null,
     "step": {"layer", "from", "to", "w", "grad", "grad_data", "grad_l2", "w_after", "rule":
              "sgd"|"adam", "optimizer", "learning_rate"[, "adam": {"t", "m", "v", ...}]},
     "reference": {"forward", "cost", "backward", "update", "module"}}

Which weights: ``epoch`` E picks a kept snapshot (``nncore.snapshots``; ``epochs`` lists
them, 0 the initial weights); without it a completed run shows its final model (``final``
true: after weight averaging or early stopping it differs from the last epoch's snapshot),
any other run its newest snapshot. A layer L of ``step`` joins ``layers[L - 1]`` to
``layers[L]``. Run missing or another's: 404; no weights to show or a convolutional
network: 409; a bad sample, epoch, weight, row or drawing: 400.
"""
import numpy as np

from nncore import inside as nn_inside
from nncore import snapshots
from nncore.config import TrainConfig
from nncore.data.encoding import Encoding
from nncore.data.images import to_images
from webapp.errors import BadRequest, Conflict
from webapp.services import LRUCache, datasets, loads, run_snapshots, runs
from webapp.services.inside_samples import posted_sample, target_row, validation_sample

_snapshot_models = LRUCache(8)


def _snapshot(row, epoch):
    """The run's model as it was after ``epoch`` (a kept snapshot)."""
    folder = run_snapshots(row["id"])
    try:
        key = (str(folder), epoch, snapshots.epoch_file(folder, epoch).stat().st_mtime_ns)
        model = _snapshot_models.get(key)
        if model is None:
            model = snapshots.load(folder, epoch)
            _snapshot_models.put(key, model)
        return model
    except (OSError, ValueError, KeyError) as exc:
        raise Conflict(f"the snapshot of epoch {epoch} of run {row['id']} is gone (the "
                       "training thins them as it goes): ask again") from exc


def weights_of(row, epoch):
    """``(model, epoch shown, final, kept epochs)`` for the request's ``epoch`` (or None)."""
    kept = snapshots.epochs(run_snapshots(row["id"]))
    if epoch is not None:
        if epoch not in kept:
            listed = ", ".join(map(str, kept)) or "none"
            raise BadRequest(f"epoch {epoch} is not kept for run {row['id']}; kept: {listed}")
        return _snapshot(row, epoch), epoch, False, kept
    if row["status"] == "completed" and row["model_path"]:
        history = loads(row["history"], {}) or {}
        return runs.load_model(row), len(history.get("epoch") or []), True, kept
    if not kept:
        raise Conflict(f"run {row['id']} has no finished epoch to show yet "
                       f"(status: {row['status']})")
    return _snapshot(row, kept[-1]), kept[-1], False, kept


def training_numbers(row, model):
    """``(m, learning_rate)``: the training-set size (with any extra rows) and the run's rate,
    from the snapshots' ``run.json``, else from the run's result and settings."""
    info = snapshots.run_info(run_snapshots(row["id"]))
    if info:
        return int(info["m"]), float(info["learning_rate"])
    config = TrainConfig.from_dict(loads(row["config"]))
    result = loads(row["result"], {}) or {}
    n = datasets.get_summary(row["dataset_id"])["n_samples"]
    evaluated = len(result.get("indices") or []) if result.get("evaluated_on") == "validation" \
        else 0
    m = n - evaluated + (result.get("synthetic_digits") or 0) + (result.get("pen_digits") or 0)
    return max(int(m), 1), float(result.get("learning_rate") or config.effective_learning_rate)


def input_names(model, n_inputs):
    """One name per input: ``column``, ``column=category``, ``pixel (r, c)`` (from 0), or
    ``x1``..."""
    if model.image is not None:
        h, w = model.image.height, model.image.width
        cells = [(i // w, i % w) if model.image.order == "C" else (i % h, i // h)
                 for i in range(n_inputs)]
        return [f"pixel ({r}, {c})" for r, c in cells]
    if model.encoding is not None:
        names = Encoding.from_dict(model.encoding).feature_names
        if len(names) == n_inputs:
            return names
    return [f"x{i + 1}" for i in range(n_inputs)]


def output_names(model, summary):
    """The classes as the page shows them, or the label's name for a number to predict."""
    if model.task == "regression":
        return [(model.encoding or {}).get("label") or "value"]
    names = summary.get("display_names") or {}
    classes = [names.get(c, c) for c in model.classes]
    return classes if len(classes) == model.network.layer_sizes[-1] else classes[-1:]


def _prediction(model, output, summary):
    if model.task == "regression":
        value = float(model.target.inverse(output)[0]) if model.target else float(output[0])
        return {"label": None, "display_label": None, "value": value, "output": output.tolist()}
    label = model.classes[int(model.network.classes_from_proba(output[None, :])[0])]
    names = summary.get("display_names") or {}
    return {"label": label, "display_label": names.get(label, label), "value": None,
            "output": output.tolist()}


def unit_pictures(W0, shown, geometry):
    """``{unit: {"width", "height", "pixels"}}``: each drawn first-layer unit's incoming weights
    (a column of ``W0``, (d, units)) as an upright picture, scaled to 0..1 per unit (light:
    large), from the weights of the epoch shown, so that replay redraws them too."""
    pictures = {}
    for unit in shown:
        picture = to_images(np.asarray(W0)[:, int(unit)][None, :], geometry)[0]
        low, span = picture.min(), np.ptp(picture)
        scaled = (picture - low) / span if span > 0 else np.zeros_like(picture)
        pictures[str(int(unit))] = {"width": geometry.width, "height": geometry.height,
                                    "pixels": np.round(scaled, 3).ravel().tolist()}
    return pictures


def look_inside(row, sample_of, epoch=None, weight=None):
    """The response for ``row``'s run with the sample ``sample_of(row, model)`` makes."""
    model, shown_epoch, final, kept = weights_of(row, epoch)
    try:
        params = nn_inside.network_params(model.network)
    except ValueError as exc:
        raise Conflict(str(exc)) from exc
    sample = sample_of(row, model)
    try:
        x = np.asarray(model.scale(sample.features), dtype=np.float64)[0]
    except ValueError as exc:
        raise BadRequest(str(exc)) from exc
    output = nn_inside.output_of(params, x, model.network.activation, model.network.output)
    y = target_row(model, sample.label, output)
    summary = datasets.get_summary(row["dataset_id"])
    m, rate = training_numbers(row, model)
    config = loads(row["config"], {}) or {}
    try:
        numbers = nn_inside.inside(
            params, x, y, activation=model.network.activation, output=model.network.output,
            l2=float(config.get("l2") or 0.0), m=m, optimizer=config.get("optimizer", "adam"),
            learning_rate=rate, input_names=input_names(model, len(x)),
            output_names=output_names(model, summary), weight=weight)
    except ValueError as exc:
        raise BadRequest(str(exc)) from exc
    numbers.pop("output")
    if model.image is not None and len(numbers["layers"]) > 2:
        numbers["layers"][1]["pictures"] = unit_pictures(params[0], numbers["layers"][1]["shown"],
                                                         model.image)
    prediction = _prediction(model, np.asarray(numbers["layers"][-1]["a"]), summary)
    return {"run_id": row["id"], "epoch": shown_epoch, "final": final, "epochs": kept,
            "sample": sample.shown, **numbers,
            "target_source": "prediction" if sample.label is None else "label",
            "prediction": prediction}


def inside_of_sample(run_id, k, epoch=None, weight=None):
    """``GET``: the run's ``k``-th validation row."""
    row = runs.get_row(run_id)
    return look_inside(row, lambda r, model: validation_sample(r, model, k), epoch, weight)


def inside_of_body(run_id, body, epoch=None, weight=None):
    """``POST``: a table row, pictures' pixels or a drawing (``posted_sample``)."""
    row = runs.get_row(run_id)
    return look_inside(row, lambda r, model: posted_sample(r, model, body), epoch, weight)
