"""The pages people use: home, dataset, run, inside a run's network, compare (thin views over
templates).

Each view checks that the thing it shows exists (404 page otherwise) and hands the template the
URLs its script needs, built with ``url_for``; the data itself comes from the JSON API in the
browser (``static/js/*.js``), so the pages stay live without reloading.
"""
from flask import Blueprint, current_app, render_template, send_file, url_for

from webapp.config import ROOT
from webapp.errors import NotFound
from webapp.services import datasets, runs

bp = Blueprint("pages", __name__)

SAMPLE_WORKBOOK = ROOT / "data" / "digits_tutorial.xlsx"
# Stands in for an id inside url_for; the script replaces "{id}" with a real one.
_PLACEHOLDER = 987654321


def url_pattern(endpoint, **values):
    """url_for(endpoint) with the first integer argument left as "{id}" for the script to fill."""
    key = next(iter(values))
    url = url_for(endpoint, **{**values, key: _PLACEHOLDER})
    return url.replace(str(_PLACEHOLDER), "{id}")


def common_urls():
    return {
        "datasets": url_for("datasets.index"),
        "runs": url_for("runs.index"),
        "options": url_for("options.options"),
        "compare": url_for("pages.compare"),
        "datasetPage": url_pattern("pages.dataset_page", dataset_id=0),
        "runPage": url_pattern("pages.run_page", run_id=0),
        "datasetApi": url_pattern("datasets.show", dataset_id=0),
        "samples": url_pattern("datasets.samples", dataset_id=0),
        "run": url_pattern("runs.show", run_id=0),
        "historyCsv": url_pattern("runs.history_csv", run_id=0),
    }


def run_urls(run_id):
    return {
        **common_urls(),
        "run": url_for("runs.show", run_id=run_id),
        "cancel": url_for("runs.cancel", run_id=run_id),
        "restart": url_for("runs.restart", run_id=run_id),
        "report": url_for("runs.report", run_id=run_id),
        "predict": url_for("runs.predict", run_id=run_id),
        "rowForm": url_for("runs.row_form", run_id=run_id),
        "corrections": url_for("runs.correct", run_id=run_id),
        "gradcheck": url_for("runs.gradcheck", run_id=run_id),
        "model": url_for("runs.model", run_id=run_id),
        "historyCsv": url_for("runs.history_csv", run_id=run_id),
        "shares": url_for("shares.index", run_id=run_id),
        "share": url_pattern("shares.revoke", link_id=0),
        "onnx": url_for("predictions.onnx", run_id=run_id),
        "modelCard": url_for("predictions.card", run_id=run_id),
        "modelCardFile": url_for("predictions.card", run_id=run_id, download=1),
        "predictions": url_for("predictions.create", run_id=run_id),
        "prediction": url_pattern("predictions.show", prediction_id=0),
        "predictionFile": url_pattern("predictions.download", prediction_id=0),
    }


def not_found(message):
    return render_template("404.html", message=message), 404


@bp.get("/")
def home():
    return render_template("home.html", active="home", page_data={"urls": common_urls()})


@bp.get("/datasets/<int:dataset_id>")
def dataset_page(dataset_id):
    try:
        datasets.get_row(dataset_id)
    except NotFound:
        return not_found(f"There is no dataset #{dataset_id}.")
    urls = {**common_urls(), "dataset": url_for("datasets.show", dataset_id=dataset_id),
            "samples": url_for("datasets.samples", dataset_id=dataset_id)}
    return render_template("dataset.html", dataset_id=dataset_id,
                           page_data={"dataset_id": dataset_id, "urls": urls})


def missing_run(run_id):
    """The 404 page for a run that does not exist (or is another's), else None."""
    try:
        runs.get_row(run_id)
    except NotFound:
        return not_found(f"There is no run #{run_id}.")
    return None


@bp.get("/runs/<int:run_id>")
def run_page(run_id):
    if missing := missing_run(run_id):
        return missing
    return render_template("run.html", run_id=run_id,
                           page_data={"run_id": run_id, "urls": run_urls(run_id)})


@bp.get("/runs/<int:run_id>/inside")
def inside_page(run_id):
    """One example through the run's network and one step of gradient descent, step by step."""
    if missing := missing_run(run_id):
        return missing
    urls = {**common_urls(), "inside": url_for("inside.show", run_id=run_id),
            "report": url_for("runs.report", run_id=run_id)}
    return render_template("inside.html", run_id=run_id, page_data={"run_id": run_id, "urls": urls})


@bp.get("/compare")
def compare():
    return render_template("compare.html", active="compare", page_data={"urls": common_urls()})


@bp.get("/sample/digits_tutorial.xlsx")
def sample_workbook():
    if not SAMPLE_WORKBOOK.is_file():
        return not_found("The sample workbook has not been built on this server.")
    return send_file(SAMPLE_WORKBOOK, as_attachment=True, download_name="digits_tutorial.xlsx",
                     max_age=current_app.config.get("SEND_FILE_MAX_AGE_DEFAULT"))

