"""Predictions from a raw table row (``{"row": {column: value}}``), read through the model's
column encoding: text categories as written, blanks filled, unseen categories switched off.

A run reads rows with the columns as they were when it trained; a later change of its dataset's
column roles rewrites the dataset, not the model, so the fields of a run's row form come from
the model (``row_form``), and a refused row says so when the two differ."""
import numpy as np

from webapp.errors import BadRequest
from webapp.services import datasets, runs


def row_form(run_id):
    """``{"fields": [...]}``: the run's own try-a-row fields (``Model.row_form``); ``None``
    fields for a model of numeric features (or pictures) only."""
    model = runs.load_model(runs.completed_row(run_id))
    return {"fields": model.row_form() if model.image is None else None}


def predict_row(run_id, row):
    """``{"label", "display_label", "probabilities": {class: p}, "notes": [...]}``; for a
    regression run ``{"value": number in the label's units, "notes": [...]}``."""
    run = runs.completed_row(run_id)
    model = runs.load_model(run)
    summary = datasets.get_summary(run["dataset_id"])
    try:
        features, notes = model.encode_row(row)
        if model.task == "regression":
            return {"value": float(model.predict_values(features).ravel()[0]), "notes": notes}
        proba = model.predict_proba(features)[0]
    except ValueError as exc:
        raise BadRequest(str(exc) + _roles_changed(model, summary, run_id)) from exc
    names = summary["display_names"]
    label = model.classes[int(np.argmax(proba))]
    return {"label": label, "display_label": names.get(label, label),
            "probabilities": {str(c): round(float(p), 6) for c, p in zip(model.classes, proba)},
            "notes": notes}


def _roles_changed(model, summary, run_id):
    """The explanation to add to a refused row when the dataset's columns have changed since
    the run trained (else "")."""
    encoding = model.encoding or {}
    trained = {c["name"]: c["kind"] for c in encoding.get("columns", [])}
    trained[encoding.get("label")] = "label"
    now = {c["name"]: c["kind"] for c in summary.get("columns") or []}
    if not encoding or not now or trained == now:
        return ""
    changed = sorted(n for n in trained if now.get(n) != trained[n])
    listed = ", ".join(f'"{n}" ({trained[n]} then, {now.get(n, "absent")} now)' for n in changed[:4])
    return (f". This run was trained before the dataset's column roles were changed and reads "
            f"rows as it did then ({listed}): its fields are at "
            f"/api/runs/{run_id}/row-form; train a new run to use the new roles")
