"""Changing a stored dataset: its class names, how its rows read as pictures, its name, the
roles of a table's columns and whether its label is classes or a number to predict (the
columns are read again from the raw cells kept with it), the header row and sheet of a table
(its upload is read again: ``upload_files.change_layout``).

Every change is validated first and refused with a 400 that names the field; the arrays and the
database row are replaced together, so a refused change leaves the dataset as it was.
"""
from __future__ import annotations

import os
import unicodedata


from nncore.data.dataset import TASKS
from webapp.db import transaction
from webapp.errors import BadRequest, Conflict
from webapp.services import finite_number, loads
from webapp.services.datasets import (
    MAX_DISPLAY_NAME_LENGTH, changeable_row, clean_name, committed_with, data_dir,
    default_display_names, get_row, get_summary, raw_frame, save_arrays, summarise,
    table_summary,
)
from webapp.services.upload_files import change_layout
from webapp.stores import datasets as dataset_store

#: the notes on reading the file (its encoding, where the table is), kept when columns change
READER_NOTES = ("The file is not", "The header is", "There is no header", "Read the sheet")
#: what a PATCH may change
FIELDS = ("display_names", "image", "name", "roles", "task", "header_row", "sheet")


def _display_names(value, classes, current):
    if not isinstance(value, dict):
        raise BadRequest("display_names must be an object mapping a class to its shown name")
    names = dict(current)
    for label, shown in value.items():
        if label not in classes:
            raise BadRequest(f"display_names: unknown class {label!r}")
        if shown is None:
            shown = label
        if not isinstance(shown, str):
            raise BadRequest(f"display_names: the name for class {label!r} must be text")
        shown = "".join(ch for ch in shown if not unicodedata.category(ch).startswith("C")).strip()
        if len(shown) > MAX_DISPLAY_NAME_LENGTH:
            raise BadRequest(f"display_names: at most {MAX_DISPLAY_NAME_LENGTH} characters "
                             f"(class {label!r})")
        names[label] = shown or label
    return names


def image_geometry(base, changes):
    """``base`` (a dict) with order/vmin/vmax from ``changes`` validated."""
    if not isinstance(changes, dict):
        raise BadRequest("image must be an object with order, vmin and vmax")
    unknown = set(changes) - {"order", "vmin", "vmax", "height", "width"}
    if unknown:
        raise BadRequest(f"image: unknown field {sorted(unknown)[0]!r} "
                         "(allowed: order, vmin, vmax)")
    geometry = dict(base)
    if changes.get("order") is not None:
        if changes["order"] not in ("C", "F"):
            raise BadRequest("image.order must be 'C' (row by row) or 'F' (column by column)")
        geometry["order"] = changes["order"]
    for field in ("vmin", "vmax"):
        if changes.get(field) is not None:
            geometry[field] = finite_number(changes[field], f"image.{field}")
    for field in ("height", "width"):
        if changes.get(field) is not None and changes[field] != base[field]:
            raise BadRequest(f"image.{field} cannot be changed (it follows the feature count)")
    if not geometry["vmin"] < geometry["vmax"]:
        raise BadRequest("image.vmin (blank paper) must be less than image.vmax (full ink)")
    return geometry


def update_dataset(dataset_id, changes):
    if not isinstance(changes, dict):
        raise BadRequest("request body must be a JSON object")
    unknown = set(changes) - set(FIELDS)
    if unknown:
        raise BadRequest(f"unknown field {sorted(unknown)[0]!r} (allowed: {', '.join(FIELDS)})")
    if "task" in changes and changes["task"] not in TASKS:
        raise BadRequest(f"task must be one of {', '.join(TASKS)}")
    changeable_row(dataset_id)
    if "header_row" in changes or "sheet" in changes:
        change_layout(dataset_id, changes)
    if "roles" in changes or "task" in changes:
        change_roles(dataset_id, changes.get("roles", {}), changes.get("task"))
    row = get_row(dataset_id)
    summary = summarise(row)
    with transaction():     # a refused field leaves the others unchanged too
        if "display_names" in changes:
            names = _display_names(changes["display_names"], summary["classes"],
                                   summary["display_names"])
            dataset_store.set_display_names(dataset_id, names)
        if "image" in changes:
            if summary["image"] is None:
                raise Conflict("this dataset is not a set of images")
            geometry = image_geometry(summary["image"], changes["image"])
            dataset_store.set_image(dataset_id, geometry)
        if "name" in changes:
            if not isinstance(changes["name"], str) or not clean_name(changes["name"]):
                raise BadRequest("name must be non-empty text")
            dataset_store.set_name(dataset_id, clean_name(changes["name"]))
    return get_summary(dataset_id)


def change_roles(dataset_id, roles, task=None):
    """Redo a table's columns with the user's ``roles`` (``{column: number | category |
    ignored | label | auto}``) and ``task`` from its raw cells; the dataset is rewritten in
    place only once the new one is complete, so a refused change leaves it as it was.

    ``task`` ("classification" | "regression") reads the label as classes or as a number to
    predict; None keeps the user's earlier choice for the same label, else the rule of
    ``nncore.data.task.infer_task`` decides (a new label column is decided afresh).
    """
    from nncore.data.frames import from_frame

    if not isinstance(roles, dict) or not all(isinstance(k, str) for k in roles):
        raise BadRequest("roles must be an object mapping a column name to its role")
    row = get_row(dataset_id)
    old = loads(row["summary"], {})
    raw = raw_frame(dataset_id)
    if raw is None:
        raise Conflict("the columns of this dataset cannot be changed (it is not a table, or "
                       "too large for its cells to be kept)")
    label = next((c["name"] for c in old.get("columns") or [] if c.get("kind") == "label"), None)
    roles = {**old.get("roles", {}), **roles}
    if any(r == "label" for c, r in roles.items() if c != label):
        roles.pop(label, None)          # a new label: the old one becomes a column again
    elif label is not None and label not in roles:
        roles[label] = "label"
    new_label = next((c for c, r in roles.items() if r == "label"), label)
    chosen = old.get("task_chosen") or {}
    if task is None and chosen.get("label") == new_label:
        task = chosen.get("task")
    try:
        dataset = from_frame(raw, None, row["name"], "The table", roles=roles, task=task)
    except ValueError as exc:
        raise BadRequest(str(exc)) from exc
    summary = table_summary(dataset)
    if task is not None:
        summary["task_reason"] = "chosen by you"
        summary["task_chosen"] = {"label": new_label, "task": task}
    summary["roles"] = {c: r for c, r in roles.items() if r != "auto"}
    summary["notes"] = [n for n in old.get("notes", []) if n.startswith(READER_NOTES)] \
        + summary["notes"]
    for kept in ("layout", "upload"):           # how the file was read stays as it was
        if kept in old:
            summary[kept] = old[kept]
    tmp = save_arrays(dataset)
    names = default_display_names(dataset.classes)
    with committed_with(tmp):
        dataset_store.set_summary(dataset_id, summary, display_names=names)
        os.replace(tmp, data_dir() / row["path"])
