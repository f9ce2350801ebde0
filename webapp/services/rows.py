"""Predictions from a raw table row (``{"row": {column: value}}``), read through the model's
column encoding: text categories as written, blanks filled, unseen categories switched off."""
import numpy as np

from webapp.errors import BadRequest
from webapp.services import datasets, runs


def predict_row(run_id, row):
    """``{"label", "display_label", "probabilities": {class: p}, "notes": [...]}``."""
    run = runs.completed_row(run_id)
    model = runs.load_model(run)
    try:
        features, notes = model.encode_row(row)
        proba = model.predict_proba(features)[0]
    except ValueError as exc:
        raise BadRequest(str(exc)) from exc
    names = datasets.get_summary(run["dataset_id"])["display_names"]
    label = model.classes[int(np.argmax(proba))]
    return {"label": label, "display_label": names.get(label, label),
            "probabilities": {str(c): round(float(p), 6) for c, p in zip(model.classes, proba)},
            "notes": notes}
