"""Training runs: create, list, show, cancel, restart, delete, predict, correct, report, downloads."""
from flask import Blueprint, Response, request, send_file

from webapp.api import jobs, json_body
from webapp.errors import BadRequest
from webapp.ids import check_id, whole_number
from webapp.services import corrections, reports, rows, runs

bp = Blueprint("runs", __name__)


@bp.post("/runs")
def create():
    return runs.create_run(json_body(), jobs()), 202


@bp.get("/runs")
def index():
    text = request.args.get("dataset_id")
    dataset_id = None if text is None else whole_number(text)
    if text is not None and dataset_id is None:
        raise BadRequest("dataset_id must be a whole number")
    return {"runs": runs.list_runs(None if text is None else check_id(dataset_id, "dataset"))}


@bp.get("/runs/<int:run_id>")
def show(run_id):
    return runs.get_run(run_id)


@bp.post("/runs/<int:run_id>/cancel")
def cancel(run_id):
    return runs.cancel_run(run_id, jobs())


@bp.post("/runs/<int:run_id>/restart")
def restart(run_id):
    return runs.restart_run(run_id, jobs()), 202


@bp.delete("/runs/<int:run_id>")
def delete(run_id):
    runs.delete_run(run_id, jobs())
    return {"deleted": run_id}


@bp.post("/runs/<int:run_id>/predict")
def predict(run_id):
    body = json_body()
    if isinstance(body, dict) and "row" in body:
        return rows.predict_row(run_id, body["row"])
    return runs.predict(run_id, body)


@bp.get("/runs/<int:run_id>/row-form")
def row_form(run_id):
    return rows.row_form(run_id)


@bp.post("/runs/<int:run_id>/corrections")
def correct(run_id):
    return corrections.add_correction(run_id, json_body()), 201


@bp.get("/runs/<int:run_id>/report")
def report(run_id):
    return reports.build_report(run_id)


@bp.post("/runs/<int:run_id>/gradcheck")
def gradcheck(run_id):
    return runs.gradcheck(run_id)


@bp.get("/runs/<int:run_id>/model")
def model(run_id):
    return send_file(runs.model_path(run_id), mimetype="application/octet-stream",
                     as_attachment=True, download_name=f"run-{run_id}-model.npz")


@bp.get("/runs/<int:run_id>/history.csv")
def history_csv(run_id):
    return Response(runs.history_csv(run_id), mimetype="text/csv", headers={
        "Content-Disposition": f"attachment; filename=run-{run_id}-history.csv"})
