"""A corpus of bad input, posted through the real routes of one app.

Every file and body is generated here (no stored blobs). Before the corpus runs, the app holds
an uploaded 8x8-image dataset and a completed tiny run; after every case the server must still
answer, that dataset must have the same summary, the run the same history, and its model the
same prediction. Each case must end in a 4xx ``{"error": message}`` with a human message (a
fragment of which is asserted), never a 500 or a traceback; a few inputs that are merely
unusual (a BOM, cp1252 text, a hostile file name) must load (201).

``CORPUS_TABLE=docs/bad-input-corpus.md`` makes the module write the table case -> status ->
message to that file (``python scripts/corpus_table.py`` does exactly that).
"""
import io
import json
import os
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np
import openpyxl
import pytest

from tests.conftest import bars_csv, blobs_csv
from tests.helpers import client_run_getter, wait_for_run
from tests.hostile_xml import EXTERNAL, LAUGHS, ROWS
from tests.nncore.test_workbook_formats import ods_cell, ods_row, write_ods
from webapp import create_app

MAX_UPLOAD = 256 * 1024          # small, so that "too large" is cheap to send
MAX_JSON = 200 * 1024
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
SHEET = "xl/worksheets/sheet1.xml"
SHEET_HEAD = ('<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">')


# --- generated files ---------------------------------------------------------------------------

def workbook_bytes(sheets, merge=None):
    """An .xlsx with ``sheets`` = {name: rows}; ``merge`` = (sheet, "A1:B2") merges cells."""
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        for row in rows:
            ws.append(row)
    if merge:
        wb[merge[0]].merge_cells(merge[1])
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def small_table(n=8):
    return [[k, k * 2, k % 3, "ab"[k % 2]] for k in range(n)]


def with_sheet_xml(xml: str, sheets=None):
    """A real workbook whose first sheet's XML is replaced by ``xml``."""
    data = workbook_bytes(sheets or {"data": small_table()})
    with zipfile.ZipFile(io.BytesIO(data)) as src:
        parts = {i.filename: src.read(i) for i in src.infolist()}
    parts[SHEET] = xml.encode()
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as dst:
        for name, content in parts.items():
            dst.writestr(name, content)
    return out.getvalue()


def sheet(body, prolog='<?xml version="1.0" encoding="UTF-8"?>'):
    return prolog + SHEET_HEAD + body + "</worksheet>"




def zip_bomb():
    # ~36 MB of sheet XML that deflates about 1000-fold into a small upload.
    return with_sheet_xml(sheet("<sheetData>" + "<row/>" * (6 * 2 ** 20) + "</sheetData>"))


def formulas_without_values():
    cells = "".join(f'<row r="{r}"><c r="A{r}"><f>ROW()*2</f></c><c r="B{r}"><v>{r % 2}</v></c>'
                    f"</row>" for r in range(1, 7))
    return with_sheet_xml(sheet(f"<sheetData>{cells}</sheetData>"))


def repeated_ods(repeat):
    """An .ods of a few hundred bytes whose second row declares ``repeat`` columns."""
    rows = ods_row([ods_cell(1), ods_cell(2), ods_cell("a")])
    rows += ods_row([ods_cell(3), ods_cell(4, repeat), ods_cell("b")])
    return write_ods(io.BytesIO(), rows).getvalue()


def encrypted_workbook():
    # What Excel writes for a password-protected workbook: an OLE compound file holding an
    # "EncryptedPackage" stream instead of the zip.
    return OLE_MAGIC + bytes(504) + "EncryptedPackage".encode("utf-16-le") + bytes(512)


# --- requests ----------------------------------------------------------------------------------

@dataclass
class Ctx:
    """What the corpus may refer to: the earlier dataset and run, and the data dir."""
    dataset_id: int
    run_id: int
    n_features: int
    data_dir: Path


def upload(content, filename, **fields):
    def make(ctx):
        data = content(ctx) if callable(content) else content
        data = data.encode() if isinstance(data, str) else data
        return {"method": "POST", "path": "/api/datasets", "content_type": "multipart/form-data",
                "data": {"file": (io.BytesIO(data), filename), **fields}}
    return make


def post_json(path, body, raw=False):
    """POST ``body`` (a dict, a callable of ctx, or raw text) to ``path`` (may use {run})."""
    def make(ctx):
        value = body(ctx) if callable(body) else body
        text = value if raw else json.dumps(value)  # json.dumps writes NaN/Infinity bare
        return {"method": "POST", "path": path.format(run=ctx.run_id, dataset=ctx.dataset_id),
                "data": text, "content_type": "application/json"}
    return make


def new_run(**fields):
    return post_json("/api/runs", lambda ctx: {"dataset_id": ctx.dataset_id, "hidden_layers": [4],
                                               "epochs": 3, **fields})


def predict(body):
    return post_json("/api/runs/{run}/predict", body)


def row(ctx, value=0.0):
    return [value] * ctx.n_features


def wait_until_ended(client, ctx, response):
    """For runs accepted with 202: they must end (not hang) as 'failed' with a message."""
    run = wait_for_run(client_run_getter(client), response.get_json()["id"], timeout=60)
    return run["status"], run["error"]


@dataclass
class Case:
    id: str
    make: Callable
    status: int
    fragment: str
    # Optional follow-up: (client, ctx, response) -> (status, message) shown in the table.
    follow: Callable | None = None
    extra: dict = field(default_factory=dict)


CASES = [
    # --- files: not a spreadsheet, or a broken one
    Case("empty file", upload(b"", "empty.csv"), 400, "The file is empty"),
    Case("empty .xlsx", upload(b"", "empty.xlsx"), 400, "The file is empty"),
    Case(".png renamed .xlsx", upload(b"\x89PNG\r\n\x1a\n" + bytes(300), "photo.xlsx"), 400,
         "it looks like a PNG image"),
    Case(".exe renamed .xlsx", upload(b"MZ\x90\x00\x03" + bytes(300), "setup.xlsx"), 400,
         "it looks like a Windows program"),
    Case("truncated .xlsx", upload(lambda ctx: workbook_bytes({"d": small_table()})[:3000],
                                   "cut.xlsx"), 400, "damaged or incomplete"),
    Case(".xlsx renamed .csv", upload(lambda ctx: workbook_bytes({"d": small_table()}),
                                      "book.csv"), 400, "Excel workbook"),
    Case("unsupported extension", upload(b"a,b\n1,2\n", "data.json"), 400,
         "Unsupported file type .json"),
    # --- hostile workbooks
    Case("xlsx zip bomb", upload(lambda ctx: zip_bomb(), "bomb.xlsx"), 400, "zip bomb"),
    Case("xml billion laughs", upload(lambda ctx: with_sheet_xml(
        sheet("<sheetData><row><c><v>&lol9;</v></c></row></sheetData>", LAUGHS)), "laughs.xlsx"),
        400, "declares a DTD or XML entities"),
    Case("xml external entity", upload(lambda ctx: with_sheet_xml(sheet(
        '<sheetData><row><c t="inlineStr"><is><t>&ext;</t></is></c></row></sheetData>',
        EXTERNAL)), "xxe.xlsx"), 400, "declares a DTD or XML entities"),
    Case("10^6 columns declared", upload(lambda ctx: with_sheet_xml(sheet(
        f'<dimension ref="A1:BDWGN1"/><sheetData>{ROWS}</sheetData>')), "wide.xlsx"), 400,
        "columns"),
    Case("10^6 columns used", upload(lambda ctx: with_sheet_xml(sheet(
        f'<sheetData>{ROWS}<row r="7"><c r="BDWGN7"><v>1</v></c></row></sheetData>')),
        "wide2.xlsx"), 400, "columns"),
    Case("10^7 cells declared", upload(lambda ctx: with_sheet_xml(sheet(
        f'<dimension ref="A1:J1000001"/><sheetData>{ROWS}</sheetData>')), "tall.xlsx"), 400,
        "10,000,010 cells"),
    Case("formulas without cached values", upload(lambda ctx: formulas_without_values(),
                                                  "formulas.xlsx"), 400,
         "formula (=ROW()*2) with no saved result"),
    Case("merged cells", upload(lambda ctx: workbook_bytes(
        {"d": [["a", "b", "label"]] + small_table()}, merge=("d", "A3:B4")), "merged.xlsx"),
        400, "merged"),
    Case("password-protected workbook", upload(encrypted_workbook(), "secret.xlsx"), 400,
         "password-protected"),
    Case("damaged .xls (OLE) workbook", upload(OLE_MAGIC + bytes(1024), "old.xls"), 400,
         "The workbook could not be read"),
    Case("X and y sheets of different lengths", upload(lambda ctx: workbook_bytes(
        {"X": [[k, k + 1] for k in range(6)], "y": [[k % 2] for k in range(5)]}), "xy.xlsx"),
        400, 'Sheet "X" has 6 rows but Sheet "y" has 5 labels'),
    Case("unknown sheet name", upload(lambda ctx: workbook_bytes({"d": small_table()}), "s.xlsx",
                                      x_sheet="X", y_sheet="y"), 400, 'no sheet named "X"'),
    Case(".ods with a billion repeated columns", upload(lambda ctx: repeated_ods(10 ** 9),
                                                        "repeat.ods"), 400,
         "declares 1,000,000,002 columns"),
    # --- CSV content
    Case("csv truncated mid-row", upload(lambda ctx: bars_csv()[:-40], "cut.csv"), 400,
         "has 45 fields but row 1 has 65"),
    Case("csv ragged rows", upload("1,2,a\n3,4,b\n5,6\n", "ragged.csv"), 400,
         "row 3 has 2 fields but row 1 has 3"),
    Case("csv wrong delimiter", upload("1:2:a\n3:4:b\n5:6:a\n", "colons.csv"), 400,
         "only one column"),
    Case("csv text in feature cells", upload("1,2,a\n3,x,b\n5,6,a\n", "text.csv"), 400,
         'row 2, column 2: "x" is not a number'),
    # blanks (and NaN, NA, ?) in a number column are filled with its median, plus a was-blank
    # feature: spreadsheets as people have them
    Case("csv NaN cell", upload("1,2,a\n3,nan,b\n5,6,a\n", "nan.csv"), 201, "",
         extra={"n_features": 3}),
    Case("csv empty cell", upload("1,2,a\n3,,b\n5,6,a\n", "hole.csv"), 201, "",
         extra={"n_features": 3}),
    Case("csv with a BOM", upload(lambda ctx: "\ufeff" + blobs_csv(5), "bom.csv"), 201, "",
         extra={"n_features": 4, "classes": ["blue", "green", "red"]}),
    Case("csv in cp1252", upload(("a,b,label\n1,2,caf\u00e9\n3,4,na\u00efve\n5,6,caf\u00e9\n"
                                  ).encode("cp1252"), "latin.csv"), 201, "",
         extra={"classes": ["caf\u00e9", "na\u00efve"]}),
    Case("csv binary junk", upload(b"1,2\x00\x01\x02\xff\xfe\x00" * 20, "junk.csv"), 400,
         "not a CSV text file"),
    Case("csv only one class", upload("1,2,7\n3,4,7\n5,6,7\n", "one.csv"), 400,
         "every row has the same label"),
    Case("csv labels only", upload("label\n1\n2\n", "labels.csv"), 400, "only one column"),
    Case("csv one row", upload("1,2,a\n", "row.csv"), 400, "only one data row"),
    Case("csv header only", upload("a,b,label\n", "header.csv"), 400, "header row but no data"),
    Case("unknown label column", upload(lambda ctx: blobs_csv(3), "b.csv", label_column="nope"),
         400, 'no column "nope"'),
    Case("upload over the size limit", upload(b"1,2,a\n" * (MAX_UPLOAD // 6 + 100), "big.csv"),
         413, "the upload is too large: the limit is 256 KB"),
    Case("no file field", lambda ctx: {"method": "POST", "path": "/api/datasets",
                                       "content_type": "multipart/form-data", "data": {}},
         400, "multipart field 'file'"),
    # --- file names: never a path; stored under a generated name, shown sanitised
    Case("file name ../../etc/passwd.csv", upload(lambda ctx: blobs_csv(3),
                                                  "../../etc/passwd.csv"), 201, "",
         extra={"name": "passwd.csv"}),
    Case("file name with NUL a\\x00b.csv", upload(lambda ctx: blobs_csv(3), "a\x00b.csv"), 201,
         "", extra={"name": "ab.csv"}),
    Case("file name with backslashes", upload(lambda ctx: blobs_csv(3),
                                              "..\\..\\windows\\x.csv"), 201, "",
         # (werkzeug's multipart parser reads a backslash as an escape, as browsers quote)
         extra={"name": lambda name: name.endswith("x.csv") and not set("/\\") & set(name)}),
    # --- the runs API
    Case("malformed JSON", post_json("/api/runs", "{not json", raw=True), 400,
         "request body is not valid JSON"),
    Case("JSON array body", post_json("/api/runs", [1, 2]), 400,
         "request body must be a JSON object"),
    Case("missing dataset_id", post_json("/api/runs", {"epochs": 3}), 400,
         "dataset_id is required"),
    Case("layer size 0", new_run(hidden_layers=[0]), 400,
         "hidden layer size must be between 1 and 4096"),
    Case("layer size negative", new_run(hidden_layers=[-3]), 400,
         "hidden layer size must be between 1 and 4096"),
    Case("layer size 10^7", new_run(hidden_layers=[10 ** 7]), 400,
         "hidden layer size must be between 1 and 4096"),
    Case("500 layers", new_run(hidden_layers=[2] * 500), 400, "at most 10 hidden layers"),
    Case("non-numeric learning rate", new_run(learning_rate="fast"), 400,
         "learning_rate must be a number"),
    Case("learning rate 1e9", new_run(learning_rate=1e9, optimizer="gd", activation="relu",
                                      hidden_layers=[16], epochs=50), 202, "",
         follow=wait_until_ended),
    Case("epochs 10^9", new_run(epochs=10 ** 9), 400, "epochs must be between 1 and 2000"),
    Case("unknown activation", new_run(activation="swish"), 400,
         "activation must be one of: relu, sigmoid, tanh"),
    Case("unknown dataset id", post_json("/api/runs", {"dataset_id": 999999}), 404,
         "dataset 999999 not found"),
    Case("unknown run id", post_json("/api/runs/999999/predict", {"features": [1]}), 404,
         "run 999999 not found"),
    Case("unknown run id (cancel)", post_json("/api/runs/999999/cancel", {}), 404,
         "run 999999 not found"),
    # --- predictions
    Case("wrong number of features", predict({"features": [1, 2, 3]}), 400,
         "features: expected 64 numbers, got 3"),
    Case("NaN in features", predict(lambda ctx: {"features": [float("nan")] + row(ctx)[1:]}),
         400, "features[0] must be a finite number"),
    Case("inf in features", predict(lambda ctx: {"features": row(ctx)[1:] + [float("inf")]}),
         400, "features[63] must be a finite number"),
    Case("text in features", predict(lambda ctx: {"features": ["a"] + row(ctx)[1:]}), 400,
         "features[0] must be a number"),
    Case("strokes not a list", predict({"strokes": "abc", "width": 280, "height": 280}), 400,
         "strokes must be a list"),
    Case("stroke not a list", predict({"strokes": [5], "width": 280, "height": 280}), 400,
         "each stroke must be a list"),
    Case("too many strokes", predict({"strokes": [[[1, 1]]] * 501, "width": 280,
                                      "height": 280}), 400, "at most 500 strokes"),
    Case("JSON body over its limit", predict({"strokes": [[[1, 2]] * 30000], "width": 280,
                                              "height": 280}), 413,
         "the request body is too large: the limit is 200 KB"),
    Case("too many points", predict({"strokes": [[[1, 1]] * 20001], "width": 280,
                                     "height": 280}), 400, "too many points (at most 20000)"),
]


# --- the app, the earlier data, and the invariants ---------------------------------------------

@pytest.fixture(scope="module")
def corpus_app(tmp_path_factory):
    root = tmp_path_factory.mktemp("corpus")
    app = create_app({"DATA_DIR": str(root / "data"), "REGISTER_SAMPLE": False,
                      "MAX_CONTENT_LENGTH": MAX_UPLOAD, "MAX_JSON_BYTES": MAX_JSON})
    yield app
    app.extensions["jobs"].shutdown(wait=True)


@pytest.fixture(scope="module")
def earlier(corpus_app):
    """A dataset and a completed run made before the corpus, and what they looked like."""
    client = corpus_app.test_client()
    created = client.post("/api/datasets", data={"file": (io.BytesIO(bars_csv().encode()),
                                                          "bars.csv")},
                          content_type="multipart/form-data")
    assert created.status_code == 201, created.get_json()
    dataset_id = created.get_json()["id"]
    run = client.post("/api/runs", json={"dataset_id": dataset_id, "hidden_layers": [4],
                                         "epochs": 3, "batch_size": 16, "seed": 1})
    assert run.status_code == 202
    run_id = run.get_json()["id"]
    ctx = Ctx(dataset_id, run_id, 64, Path(corpus_app.config["DATA_DIR"]))
    wait_for_run(client_run_getter(client), run_id)
    snapshot = observe(client, ctx)
    assert snapshot["run"]["status"] == "completed"
    return ctx, snapshot


def probe_rows():
    vertical = np.zeros((8, 8))
    vertical[1:7, 3] = 16
    return [vertical.ravel().tolist(), vertical.T.ravel().tolist()]


def observe(client, ctx):
    """Everything about the earlier dataset and run that the corpus must not change."""
    run = client.get(f"/api/runs/{ctx.run_id}").get_json()
    return {
        "dataset": client.get(f"/api/datasets/{ctx.dataset_id}").get_json(),
        "run": {k: run[k] for k in ("status", "config", "history", "result", "error")},
        "predictions": [client.post(f"/api/runs/{ctx.run_id}/predict",
                                    json={"features": r}).get_json() for r in probe_rows()],
        "drawing": client.post(f"/api/runs/{ctx.run_id}/predict", json={
            "strokes": [[[140, 40], [140, 240]]], "width": 280, "height": 280,
            "line_width": 20}).get_json(),
    }


def stored_files(data_dir):
    return {p.relative_to(data_dir).as_posix() for p in data_dir.rglob("*") if p.is_file()}


def files_are_expected(data_dir):
    """Only the database, the key, <id>.npz files, a run's snapshots and a table's kept upload
    (named by its id and a plain extension): no user-named file, no leftovers."""
    allowed = {"app.db", "app.db-wal", "app.db-shm", "secret_key"}
    for name in stored_files(data_dir):
        folder, _, base = name.rpartition("/")
        ok = name in allowed or (folder in ("datasets", "models") and base.endswith(".npz")
                                 and base[:-4].isdigit()) \
            or (folder == "datasets" and re.fullmatch(r"\d+\.upload\.[a-z0-9]{1,8}", base)) \
            or (re.fullmatch(r"models/\d+-epochs", folder)          # a run's snapshots
                and re.fullmatch(r"model\.npz|epoch-\d{5}\.npz|run\.json", base))
        assert ok, f"unexpected file in the data dir: {name}"


RESULTS = {}


@pytest.fixture(scope="module", autouse=True)
def write_table():
    yield
    target = os.environ.get("CORPUS_TABLE")
    if target and RESULTS:
        lines = ["# Bad-input corpus", "",
                 "Generated by `python scripts/corpus_table.py` from "
                 "`tests/webapp/test_bad_input_corpus.py`: each input is sent to the real "
                 "routes of one app that already holds a dataset and a completed run; after "
                 "every case the server still answers and that dataset and run are unchanged "
                 "(same summary, history and predictions).", "",
                 "| # | Case | Status | Message |", "|---|---|---|---|"]
        for k, case in enumerate(CASES, 1):
            if case.id in RESULTS:
                status, message = RESULTS[case.id]
                message = message.replace("|", "\\|").replace("\n", " ")
                lines.append(f"| {k} | {case.id} | {status} | {message} |")
        Path(target).write_text("\n".join(lines) + "\n", encoding="utf-8")


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_input(corpus_app, earlier, case):
    ctx, before = earlier
    client = corpus_app.test_client()
    outside = stored_files(ctx.data_dir.parent)
    request = case.make(ctx)
    response = client.open(request.pop("path"), **request)
    body = response.get_data(as_text=True)

    assert response.status_code == case.status, body
    assert "Traceback" not in body and 'File "' not in body
    assert response.is_json
    if case.status >= 400:
        assert set(response.get_json()) == {"error"}
        message = response.get_json()["error"]
        assert isinstance(message, str) and len(message) > 10
        assert case.fragment in message
        shown = message
    elif case.follow is not None:
        status, message = case.follow(client, ctx, response)
        assert status == "failed" and "diverged" in message, (status, message)
        shown = f"run then {status}: {message}"
    else:
        created = response.get_json()
        for key, value in case.extra.items():
            assert value(created[key]) if callable(value) else created[key] == value, \
                created[key]
        shown = f"loaded as {created['name']!r}: {created['n_samples']} rows, " \
                f"{created['n_features']} features, classes {created['classes']}"
    RESULTS[case.id] = (response.status_code, shown)

    # Nothing outside the data dir, nothing unexpected or half-written inside it.
    new_outside = stored_files(ctx.data_dir.parent) - outside
    assert all(name.startswith("data/") for name in new_outside), new_outside
    files_are_expected(ctx.data_dir)
    assert not list((ctx.data_dir / "tmp").iterdir())
    # The server still serves, and the earlier dataset and run are untouched.
    assert client.get("/api/health").get_json() == {"status": "ok"}
    assert observe(client, ctx) == before


def test_corpus_is_large_enough():
    assert len(CASES) >= 35
    assert len({c.id for c in CASES}) == len(CASES)
