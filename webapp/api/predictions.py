"""Predictions of whole files (upload, follow, list, download), the model as ONNX and its
model card."""
import json

from flask import Blueprint, Response, current_app, request, send_file, url_for

from webapp.services import predictions, uploads

bp = Blueprint("predictions", __name__)


def scorer():
    """The app's scorer (``webapp.jobs.scorer.Scorer``)."""
    return current_app.extensions["scorer"]


@bp.post("/runs/<int:run_id>/predictions")
def create(run_id):
    """202 at once; the file is scored while the client polls ``GET /api/predictions/<id>``.
    The run is checked before the body is read: no upload to a run without a model."""
    predictions.check_run(run_id)
    received = uploads.receive(request.environ)
    started = predictions.start_prediction(run_id, received, scorer())
    return {**started, "url": url_for("predictions.show", prediction_id=started["id"])}, 202


@bp.get("/runs/<int:run_id>/predictions")
def index(run_id):
    return {"predictions": predictions.list_predictions(run_id)}


@bp.get("/predictions/<int:prediction_id>")
def show(prediction_id):
    return predictions.get_prediction(prediction_id)


@bp.get("/predictions/<int:prediction_id>/file")
def download(prediction_id):
    path, name = predictions.scored_file(prediction_id)
    return send_file(path, mimetype="text/csv", as_attachment=True, download_name=name)


@bp.get("/runs/<int:run_id>/onnx")
def onnx(run_id):
    data, name = predictions.onnx_model(run_id)
    return Response(data, mimetype="application/octet-stream", headers={
        "Content-Disposition": f"attachment; filename={name}"})


@bp.get("/runs/<int:run_id>/model-card")
def card(run_id):
    """The model card as JSON; ``?download=1`` sends it as ``<dataset>-run<id>-card.json``."""
    data, name = predictions.model_card(run_id)
    if request.args.get("download") not in ("1", "true"):
        return data
    return Response(json.dumps(data, indent=1), mimetype="application/json", headers={
        "Content-Disposition": f"attachment; filename={name}"})
