"""Predictions of whole files: a completed run's model scores an uploaded file of new rows.

:func:`start_prediction` checks the run and, for a CSV file, its header (columns the model
needs, the pixel count) at once, stores a 'running' prediction and hands the file to the app's
scorer (``webapp.jobs.scorer``, passed in by the view: the services never import the jobs),
which scores it in a child process and reports back through the ``record_*`` functions. The
scored CSV (``nncore.scoring.score_file``: the input's columns, ``predicted_<label>``,
``probability_<class>``..., ``error``) lives in the run's prediction folder and is deleted with
the run. :func:`onnx_model` gives the run's model as ONNX, :func:`model_card` its JSON model
card with the Python that runs the ONNX file.
"""
import csv
import re
from pathlib import Path

from flask import current_app

from nncore.data.chunks import open_rows
from nncore.data.loaders import CSV_EXTENSIONS
from nncore.data.rows import row_reader
from nncore.export.card import model_card as build_card, python_snippet
from nncore.onnx_export import to_onnx

from webapp.errors import BadRequest, Conflict, NotFound
from webapp.services import loads, prediction_folder, remove_quietly
from webapp.services import datasets, runs
from webapp.stores import predictions as store
from webapp.stores import runs as run_store

PREVIEW_ROWS = 20
SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")


def _data_dir():
    return Path(current_app.config["DATA_DIR"])


def safe_stem(name, default="predictions"):
    """A file name's stem reduced to letters, digits, dots, dashes and underscores."""
    stem = SAFE_NAME.sub("-", Path((name or "").replace("\\", "/")).stem).strip("-.")
    return stem[:80] or default


# --- starting ----------------------------------------------------------------------------------

def check_run(run_id):
    """The run's row when it has a trained model; 404 for an unknown run, 409 otherwise."""
    return runs.completed_row(run_id)


def _check_header(model, path, label_column):
    """The model's columns and the label column against a CSV file's header (cheap: the
    header and the last line are read); 400 naming what is wrong. Workbooks are checked by
    the scoring itself."""
    if Path(path).suffix.lower() not in CSV_EXTENSIONS:
        return
    known = {c["name"] for c in (model.encoding or {}).get("columns", [])}
    try:
        row_reader(model, open_rows(path, known=known), label_column)
    except ValueError as exc:
        raise BadRequest(str(exc)) from exc


def start_prediction(run_id, received, scorer):
    """Score ``received`` (``uploads.Received``) with run ``run_id``'s model in the
    background; ``{"id", "status": "running"}``. The upload is removed in every case."""
    try:
        row = check_run(run_id)
        label_column = (received.form.get("label_column") or "").strip() or None
        _check_header(runs.load_model(row), received.path, label_column)
        prediction_id = store.insert(run_id, received.filename or "upload")
        folder = prediction_folder(run_id)
        folder.mkdir(parents=True, exist_ok=True)
        output = folder / f"{prediction_id}.csv"
        store.set_path(prediction_id, str(output.relative_to(_data_dir())))
    except BaseException:
        received.discard()
        raise
    x_sheet = (received.form.get("x_sheet") or "").strip() or None
    scorer.start(prediction_id, {"model": str(runs.model_file(row)), "input": received.path,
                                 "output": str(output), "label_column": label_column,
                                 "x_sheet": x_sheet})
    return {"id": prediction_id, "status": "running"}


# --- what the scorer reports -------------------------------------------------------------------

def record_rows(prediction_id, rows=None):
    """Rows scored so far (None: only ask); False when the prediction is no longer wanted."""
    if rows is None:
        row = store.get(prediction_id)
        return row is not None and row["status"] == "running"
    return store.set_rows(prediction_id, int(rows)) > 0


def record_done(prediction_id, summary):
    row = store.get(prediction_id)
    if row is None or not store.complete(prediction_id, summary):
        if row is not None and row["path"]:
            remove_quietly(_data_dir() / row["path"])


def record_failure(prediction_id, message, status):
    store.fail(prediction_id, message, int(status))


def fail_interrupted(message):
    store.fail_running(message)


# --- reading -----------------------------------------------------------------------------------

def get_row(prediction_id):
    """The prediction's row; 404 when there is none, or when its run is one the viewer may
    not see (a prediction belongs to its run's owner, the same answer as a missing id)."""
    row = store.get(prediction_id)
    if row is None or run_store.get(row["run_id"]) is None:
        raise NotFound(f"prediction {prediction_id} not found")
    return row


def _preview(path):
    """The scored file's header and first rows: ``{"columns", "rows"}``."""
    try:
        with open(path, newline="", encoding="utf-8") as fh:
            reader = csv.reader(fh)
            columns = next(reader, [])
            rows = [r for _, r in zip(range(PREVIEW_ROWS), reader)]
    except OSError:
        return None
    return {"columns": columns, "rows": rows}


def describe(row, with_preview=False):
    summary = loads(row["summary"])
    out = {"id": row["id"], "run_id": row["run_id"], "status": row["status"],
           "rows": row["rows"], "error": row["error"], "error_status": row["error_status"],
           "summary": None if summary is None else {k: v for k, v in summary.items()
                                                      if k != "metrics"},
           "metrics": None if summary is None else summary.get("metrics"),
           "file_name": row["file_name"], "created_at": row["created_at"],
           "finished_at": row["finished_at"]}
    if with_preview and row["status"] == "completed":
        out["preview"] = _preview(_data_dir() / row["path"])
    return out


def get_prediction(prediction_id):
    return describe(get_row(prediction_id), with_preview=True)


def list_predictions(run_id):
    runs.get_row(run_id)
    return [describe(row) for row in store.for_run(run_id)]


def scored_file(prediction_id):
    """``(path, download name)`` of a completed prediction's CSV; 409 before it is done."""
    row = get_row(prediction_id)
    if row["status"] != "completed":
        raise Conflict(f"prediction {prediction_id} has no file (status: {row['status']})")
    path = _data_dir() / row["path"]
    if not path.is_file():
        raise Conflict(f"the file of prediction {prediction_id} is missing")
    return path, f"{safe_stem(row['file_name'])}-predictions.csv"


# --- the model as ONNX -------------------------------------------------------------------------

def onnx_model(run_id):
    """``(bytes, download name)``: the run's model as ONNX, named ``<dataset>-run<id>.onnx``."""
    row = runs.completed_row(run_id)
    try:
        data = to_onnx(runs.load_model(row))
    except ValueError as exc:
        raise Conflict(f"this model cannot be exported to ONNX: {exc}") from exc
    return data, f"{_export_stem(row)}.onnx"


def _export_stem(row):
    """``<dataset>-run<id>``: the stem of the run's exported files."""
    name = safe_stem(datasets.get_row(row["dataset_id"])["name"], default="model")
    return f"{name}-run{row['id']}"


def model_card(run_id):
    """``(card, download name)``: the run's model card (``nncore.export.card.model_card``:
    the run's result, its dataset's name, the day it finished) with ``onnx_file`` (the ONNX
    download's name) and ``python`` (the lines that run that file); 404/409 as the ONNX."""
    row = runs.completed_row(run_id)
    model = runs.load_model(row)
    stem = _export_stem(row)
    onnx_file = f"{stem}.onnx"
    try:
        card = build_card(model, result=loads(row["result"]),
                          dataset_name=datasets.get_row(row["dataset_id"])["name"],
                          date=(row["finished_at"] or "")[:10] or None)
    except ValueError as exc:
        raise Conflict(f"this model cannot be exported to ONNX: {exc}") from exc
    return {**card, "onnx_file": onnx_file, "python": python_snippet(onnx_file, model)}, \
        f"{stem}-card.json"
