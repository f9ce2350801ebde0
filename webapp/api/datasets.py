"""Datasets: upload, list, show, patch (display names, image geometry), samples, delete."""
from flask import Blueprint, request

from webapp.api import jobs, json_body
from webapp.errors import BadRequest
from webapp.services import datasets

bp = Blueprint("datasets", __name__)


@bp.post("/datasets")
def upload():
    form = request.form
    summary = datasets.create_from_upload(
        request.files.get("file"), x_sheet=form.get("x_sheet"), y_sheet=form.get("y_sheet"),
        label_column=form.get("label_column"),
    )
    return summary, 201


@bp.get("/datasets")
def index():
    return {"datasets": datasets.list_datasets()}


@bp.get("/datasets/<int:dataset_id>")
def show(dataset_id):
    return datasets.get_summary(dataset_id)


@bp.patch("/datasets/<int:dataset_id>")
def update(dataset_id):
    return datasets.update_dataset(dataset_id, json_body())


@bp.delete("/datasets/<int:dataset_id>")
def delete(dataset_id):
    datasets.delete_dataset(dataset_id, jobs())
    return {"deleted": dataset_id}


def _query_number(name):
    value = request.args.get(name)
    if value is None or value == "":
        return None
    try:
        return float(value)
    except ValueError:
        raise BadRequest(f"{name} must be a number") from None


@bp.get("/datasets/<int:dataset_id>/samples")
def samples(dataset_id):
    per_class = request.args.get("per_class", "8")
    if not per_class.isdigit():
        raise BadRequest("per_class must be a whole number from 1 to 64")
    overrides = {"order": request.args.get("order") or None,
                 "vmin": _query_number("vmin"), "vmax": _query_number("vmax")}
    return datasets.samples(dataset_id, int(per_class), overrides)
