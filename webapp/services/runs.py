"""Training runs: create (validate + queue), describe, cancel, delete, restart, predict, export.

A run's configuration is validated by nncore alone: ``TrainConfig.from_dict`` (types, names,
ranges) within this server's limits (``Config.LIMITS``, which can only tighten nncore's), then
``check_network_size`` and ``check_for_dataset`` against the dataset's summary.
"""
import csv
import io
from pathlib import Path

import numpy as np
from flask import current_app

from nncore.config import TrainConfig, check_for_dataset, check_network_size, effective_limits
from nncore.defaults import extras_reason, with_defaults

from webapp.errors import ApiError, BadRequest, Conflict, NotFound
from webapp.ids import check_id, whole_number
from webapp.services import LRUCache, finite_number, loads, remove_quietly
from webapp.services import prediction_folder, remove_folder_quietly, run_snapshots
from webapp.services import auto_runs, datasets, drawings
from webapp.stores import runs as run_store
from webapp.stores.runs import HISTORY_KEYS, REGRESSION_HISTORY_KEYS, TERMINAL, empty_history
from webapp.viewer import current_viewer

PUBLIC_RESULT_KEYS = ("train_accuracy", "val_accuracy", "final_cost", "seconds", "epochs",
                      "stopped", "best_epoch", "averaged_epochs", "task",
                      # a regression's (webapp.jobs.summary.REGRESSION_KEYS), label units
                      "train_r2", "val_r2", "train_mae", "val_mae", "train_rmse", "val_rmse",
                      "baseline", "target_transform",
                      "auto",         # an auto run's leaderboard (nncore.auto.fit_auto)
                      # classes: mean per-class recall and always answering the majority
                      "val_balanced_accuracy", "majority",
                      # which columns the model leans on (nncore.importance)
                      "importance",
                      # epochs of the refit on every row (fitting.refit_network), if any
                      "refit_epochs",
                      # the L2 strengths tried on the validation rows (figures.choose_l2)
                      "l2_choice")
#: a history CSV leaves out the columns of the other task
CLASSIFICATION_ONLY = ("train_accuracy", "val_accuracy")
GRADCHECK_WIDTH = 8          # gradcheck uses the run's layer count with widths capped at this
GRADCHECK_THRESHOLD = 1e-5

_models = LRUCache(4)


# --- configuration -----------------------------------------------------------------------------

def _is_int(value):
    return isinstance(value, int) and not isinstance(value, bool)


def server_limits():
    """nncore's bounds on a training configuration, tightened by the server's ``LIMITS``: the
    bounds ``parse_config`` applies."""
    own = current_app.config["LIMITS"]
    return {**own, **effective_limits(own)}


def parse_config(fields):
    """A dict of training fields (without dataset_id) -> a TrainConfig validated within this
    server's limits."""
    try:
        return TrainConfig.from_dict(fields, limits=current_app.config["LIMITS"])
    except (ValueError, TypeError) as exc:
        raise BadRequest(str(exc)) from exc


def _dataset_id(value):
    if value is None:
        raise BadRequest("dataset_id is required")
    if isinstance(value, str) and whole_number(value.strip()) is not None:
        value = whole_number(value.strip())
    if not _is_int(value):
        raise BadRequest("dataset_id must be a whole number")
    return check_id(value, "dataset")


# --- lifecycle ---------------------------------------------------------------------------------

def _insert(dataset_id, config, jobs, auto=None):
    run_id = run_store.insert(dataset_id, auto_runs.stored_config(config, auto), config.epochs,
                              owner_id=current_viewer().id)
    try:
        jobs.submit(run_id)
    except ApiError:
        run_store.delete(run_id)       # a run nobody will ever train is not kept
        raise
    return {"id": run_id, "status": "queued"}


def create_run(body, jobs):
    """Validate ``body`` (the POST /api/runs JSON) and queue the training; ``auto`` makes it
    an auto run (``services.auto_runs``)."""
    if not isinstance(body, dict):
        raise BadRequest("request body must be a JSON object")
    fields = dict(body)
    dataset_id = _dataset_id(fields.pop("dataset_id", None))
    summary = loads(datasets.get_row(dataset_id)["summary"], {})
    auto = auto_runs.read_request(fields, summary, current_app.config["LIMITS"])
    config = parse_config(with_defaults(summary, fields))
    try:
        # a number to predict has one output unit
        outputs = 1 if summary.get("task") == "regression" else len(summary["classes"])
        check_network_size(config, summary["n_features"], outputs,
                           limits=current_app.config["LIMITS"])
        check_for_dataset(config, summary)
    except ValueError as exc:
        raise BadRequest(str(exc)) from exc
    if auto:
        auto = auto_runs.plan(config, auto, summary, current_app.config["LIMITS"])
    return _insert(dataset_id, config, jobs, auto)


def restart_run(run_id, jobs):
    """A new run with the same dataset and configuration (a completed auto run's: the kept
    candidate's, as an ordinary run)."""
    row = get_row(run_id)
    settings, auto = auto_runs.for_restart(loads(row["config"]))
    return _insert(row["dataset_id"], parse_config(settings), jobs, auto)


def get_row(run_id):
    row = run_store.get(run_id)
    if row is None:
        raise NotFound(f"run {run_id} not found")
    return row


def describe(row, with_history=True):
    result = loads(row["result"])
    run = {
        "id": row["id"],
        "dataset_id": row["dataset_id"],
        "status": row["status"],
        "config": loads(row["config"]),
        "error": row["error"],
        "progress": loads(row["progress"]),
        "result": None if result is None else {k: result.get(k) for k in PUBLIC_RESULT_KEYS},
        "created_at": row["created_at"],
        "started_at": row["started_at"],
        "finished_at": row["finished_at"],
        "worker": row["worker"],
    }
    if with_history:
        run["history"] = loads(row["history"], empty_history())
    return run


def get_run(run_id):
    """A run with its history and ``extras``: whether the drawing-pad extras apply to it and
    why (``nncore.defaults.extras_reason``; None for a table's run)."""
    row = get_row(run_id)
    run = describe(row)
    dataset = datasets.dataset_store.get(row["dataset_id"])
    summary = loads(dataset["summary"], {}) if dataset is not None else {}
    run["extras"] = extras_reason(summary, run["config"])
    return run


def list_runs(dataset_id=None):
    if dataset_id is not None:
        datasets.get_row(dataset_id)
    return [describe(row, with_history=False) for row in run_store.rows(dataset_id)]


def cancel_run(run_id, jobs):
    """Stop a queued or running run; it is 'cancelled' at once.

    A queued run never starts (a worker only claims 'queued' runs). A running one stops at
    the end of its current epoch: the server's own workers are told at once, a remote one
    with the answer to its next progress write (at most a heartbeat later). Its history is
    still written then, but its status no longer changes.
    """
    row = get_row(run_id)
    if row["status"] in TERMINAL:
        raise Conflict(f"run {run_id} has already finished (status: {row['status']})")
    run_store.cancel(run_id)
    jobs.cancel(run_id)
    return get_run(run_id)


def delete_run(run_id, jobs):
    """Delete the run, its model, its snapshots and its predictions (their rows go with the run's; a file
    being scored stops at its next chunk, when the scorer finds its prediction gone)."""
    row = get_row(run_id)
    run_store.delete(run_id)
    jobs.cancel(run_id)
    remove_folder_quietly(prediction_folder(run_id))
    remove_folder_quietly(run_snapshots(run_id))
    if row["model_path"]:
        path = model_file(row)
        _models.discard(str(path))
        remove_quietly(path)


# --- the trained model -------------------------------------------------------------------------

def model_file(row):
    return Path(current_app.config["DATA_DIR"]) / row["model_path"]


def completed_row(run_id):
    row = get_row(run_id)
    if row["status"] != "completed" or not row["model_path"]:
        raise Conflict(f"run {run_id} has no trained model (status: {row['status']})")
    return row


def load_model(row):
    """The run's ``nncore.model.Model``, kept in a small in-memory LRU cache."""
    from nncore.model import Model

    path = model_file(row)
    model = _models.get(str(path))
    if model is None:
        try:
            model = Model.load(path)
        except (OSError, ValueError, KeyError) as exc:
            raise Conflict(f"the model file of run {row['id']} is missing or damaged") from exc
        _models.size = current_app.config["MODEL_CACHE_SIZE"]
        _models.put(str(path), model)
    return model


def _features(values, n_features):
    if not isinstance(values, list):
        raise BadRequest(f"features must be a list of {n_features} numbers")
    if len(values) != n_features:
        raise BadRequest(f"features: expected {n_features} numbers, got {len(values)}")
    row = np.empty((1, n_features))
    for i, value in enumerate(values):
        row[0, i] = finite_number(value, f"features[{i}]")
    return row


def _probabilities(model, X):
    try:
        proba = model.predict_proba(X)[0]
    except ValueError as exc:       # values the model cannot read (Model.scale says which)
        raise BadRequest(str(exc)) from exc
    best = int(np.argmax(proba))
    return model.classes[best], {str(c): round(float(p), 6) for c, p in zip(model.classes, proba)}


def predict(run_id, body):
    """One prediction from a feature row or a drawing; see ARCHITECTURE.md "HTTP API"."""
    if not isinstance(body, dict):
        raise BadRequest("request body must be a JSON object")
    row = completed_row(run_id)
    model = load_model(row)
    summary = datasets.get_summary(row["dataset_id"])
    names = summary["display_names"]
    n_features = model.network.layer_sizes[0]
    if model.task == "regression":
        if "features" not in body:
            raise BadRequest("this run predicts a number from a row: send features (a list "
                             "of numbers) or row (the table's columns); it reads no drawing")
        value = model.predict_values(_features(body["features"], n_features))
        return {"value": float(np.ravel(value)[0])}
    if "features" in body:
        label, probabilities = _probabilities(model, _features(body["features"], n_features))
        return {"label": label, "display_label": names.get(label, label),
                "probabilities": probabilities}
    if "strokes" not in body:
        raise BadRequest("send either features (a list of numbers) or a drawing "
                         "(strokes, width, height, line_width)")
    features, n_strokes, geometry = drawings.drawing_features(model, summary, body)
    if features is None:
        return {"label": None, "display_label": None, "probabilities": {},
                "strokes": n_strokes, "processed": None}
    from nncore.digits.drawing import processed_pixels

    features = features.reshape(1, -1)
    label, probabilities = _probabilities(model, features)
    pixels = processed_pixels(features[0], geometry)
    return {"label": label, "display_label": names.get(label, label),
            "probabilities": probabilities, "strokes": n_strokes,
            "processed": {"height": geometry.height, "width": geometry.width,
                          "pixels": [round(float(p), 4) for p in np.ravel(pixels)]}}


def model_path(run_id):
    return model_file(completed_row(run_id))


# --- exports and checks ------------------------------------------------------------------------

def history_csv(run_id):
    history = loads(get_row(run_id)["history"], empty_history())
    regression = any(v is not None for key in REGRESSION_HISTORY_KEYS
                     for v in history.get(key, []))
    drop = CLASSIFICATION_ONLY if regression else REGRESSION_HISTORY_KEYS
    keys = [key for key in HISTORY_KEYS if key not in drop]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(keys)
    for values in zip(*(history.get(key, []) for key in keys)):
        writer.writerow(["" if v is None else v for v in values])
    return out.getvalue()


def gradcheck(run_id):
    """Gradient check of the run's architecture, with widths capped to stay fast."""
    from nncore.nn.gradcheck import conv_gradient_check, gradient_check

    row = get_row(run_id)
    config = loads(row["config"])
    summary = datasets.get_summary(row["dataset_id"])
    regression = summary.get("task") == "regression"       # one linear output unit
    widths = [summary["n_features"], *config["hidden_layers"],
              1 if regression else len(summary["classes"])]
    layer_sizes = [max(1, min(int(w), GRADCHECK_WIDTH)) for w in widths]
    layer_sizes[-1] = 1 if regression else max(layer_sizes[-1], 2)
    common = {"activation": config["activation"],
              "output": "linear" if regression else config["output"],
              "l2": float(config.get("l2") or 0.0), "seed": int(config.get("seed") or 0)}
    try:
        if config.get("conv_filters"):
            # the same blocks and kernel on small pictures, capped widths like the dense check
            filters = [min(int(f), 3) for f in config["conv_filters"]]
            side = 4 * 2 ** len(filters)
            error = conv_gradient_check(height=side, width=side, conv_filters=filters,
                                        hidden_layers=layer_sizes[1:-1],
                                        kernel=int(config.get("conv_kernel") or 3),
                                        padding="same", n_classes=layer_sizes[-1], **common)
        else:
            error = gradient_check(layer_sizes=tuple(layer_sizes), **common)
    except ValueError as exc:
        raise BadRequest(str(exc)) from exc
    error = float(error)
    return {"max_relative_error": error, "layer_sizes": layer_sizes,
            "passed": bool(error < GRADCHECK_THRESHOLD), "threshold": GRADCHECK_THRESHOLD}
