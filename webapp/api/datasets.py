"""Datasets: upload (with parse progress), list, show, patch (display names, image geometry), samples, delete."""
from flask import Blueprint, request, url_for

from webapp.api import jobs, json_body
from webapp.errors import BadRequest
from webapp.ids import whole_number
from webapp.services import dataset_edits, datasets, upload_files, uploads
from webapp.services.samples import samples_of

bp = Blueprint("datasets", __name__)


@bp.post("/datasets")
def upload():
    """201 with the dataset; with ``?progress=1``, 202 at once and the rows are read while
    the client polls ``GET /api/uploads/<id>``."""
    received = uploads.receive(request.environ)
    options = {k: received.form.get(k)
               for k in ("x_sheet", "y_sheet", "label_column", "header_row")}

    def parse(progress):
        return upload_files.create_from_upload(received, progress=progress, **options)

    if request.args.get("progress") in ("1", "true"):
        upload_id = uploads.start(parse)
        return {"id": upload_id, "status": "reading",
                "url": url_for("datasets.upload_status", upload_id=upload_id)}, 202
    return uploads.parse_now(parse), 201


@bp.get("/uploads/<upload_id>")
def upload_status(upload_id):
    return uploads.status(upload_id)


@bp.get("/datasets")
def index():
    return {"datasets": datasets.list_datasets()}


@bp.get("/datasets/<int:dataset_id>")
def show(dataset_id):
    return datasets.get_summary(dataset_id)


@bp.patch("/datasets/<int:dataset_id>")
def update(dataset_id):
    return dataset_edits.update_dataset(dataset_id, json_body())


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
    per_class = whole_number(request.args.get("per_class", "8"))
    if per_class is None:
        raise BadRequest("per_class must be a whole number from 1 to 64")
    overrides = {"order": request.args.get("order") or None,
                 "vmin": _query_number("vmin"), "vmax": _query_number("vmax")}
    return samples_of(dataset_id, per_class, overrides)
