"""Inside the network: one example through a run's network and one step of gradient descent
(``webapp.services.inside`` documents the response)."""
from flask import Blueprint, request

from webapp.api import json_body
from webapp.errors import BadRequest
from webapp.ids import whole_number
from webapp.services import inside

bp = Blueprint("inside", __name__)

WEIGHT_FIELDS = ("layer", "from", "to")


def _whole(value, field):
    """A query value or JSON number that is a whole number >= 0, else 400."""
    number = value if isinstance(value, int) and not isinstance(value, bool) \
        else whole_number(value)
    if number is None or number < 0:
        raise BadRequest(f"{field} must be a whole number of at least 0")
    return number


def _weight(values):
    """``(layer, from, to)`` when all three are given, None when none is; else 400."""
    given = [values.get(field) for field in WEIGHT_FIELDS]
    if all(v is None for v in given):
        return None
    if any(v is None for v in given):
        raise BadRequest("choose a weight with all of layer, from and to")
    return tuple(_whole(v, field) for v, field in zip(given, WEIGHT_FIELDS))


def _epoch(value):
    return None if value is None else _whole(value, "epoch")


@bp.get("/runs/<int:run_id>/inside")
def show(run_id):
    if request.args.get("sample") is None:
        raise BadRequest("sample is required: the index of a validation row, from 0")
    return inside.inside_of_sample(run_id, _whole(request.args["sample"], "sample"),
                                   _epoch(request.args.get("epoch")), _weight(request.args))


@bp.post("/runs/<int:run_id>/inside")
def try_example(run_id):
    body = json_body()
    weight = body.get("weight")
    if weight is not None and not isinstance(weight, dict):
        raise BadRequest("weight must be an object with layer, from and to")
    return inside.inside_of_body(run_id, body, _epoch(body.get("epoch")), _weight(weight or {}))
