"""Shared fixtures: a Flask app on a temporary data dir, its test client, a live server for the
browser tests, and small datasets to upload."""
import io
import os
import sys
from pathlib import Path

import numpy as np
import pytest
from openpyxl import Workbook

# The repository root first on the path, so `webapp` is the app even when pytest is started
# as `pytest` (not `python -m pytest`) and tests/webapp/ would otherwise shadow it.
ROOT = Path(__file__).resolve().parent.parent
if sys.path[0] != str(ROOT):
    sys.path.insert(0, str(ROOT))

from webapp import create_app  # noqa: E402

from tests import helpers  # noqa: E402
from tests.helpers import TERMINAL, client_run_getter  # noqa: E402


@pytest.fixture
def app(tmp_path):
    """The app on an empty data dir (no built-in sample, to stay fast)."""
    app = create_app({"DATA_DIR": str(tmp_path / "data"), "REGISTER_SAMPLE": False})
    yield app
    app.extensions["jobs"].shutdown(wait=True)
    app.extensions["scorer"].shutdown()


@pytest.fixture
def make_app(tmp_path):
    """``make_app(**config)``: another app on a fresh data dir under tmp_path (no built-in
    sample unless the config asks), its jobs shut down after the test."""
    apps = []

    def make(**config):
        app = create_app({"DATA_DIR": str(tmp_path / f"app-{len(apps)}"), "REGISTER_SAMPLE": False,
                          **config})
        apps.append(app)
        return app
    yield make
    for app in apps:
        app.extensions["jobs"].shutdown(wait=True)
        app.extensions["scorer"].shutdown()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def wait_for_run(client):
    """``wait_for_run(run_id, timeout=60)``: poll GET /api/runs/<id> until the run has ended;
    fails the test at the timeout."""
    get_run = client_run_getter(client)
    return lambda run_id, timeout=60.0, statuses=TERMINAL: helpers.wait_for_run(
        get_run, run_id, timeout, statuses)


@pytest.fixture
def live_server(tmp_path):
    """A live server with a temporary data dir and the built-in sample registered."""
    app = create_app({"DATA_DIR": str(tmp_path / "live-data"), "REGISTER_SAMPLE": True,
                      "MAX_WORKERS": 2})
    with helpers.serving(app) as url:
        yield url


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """pytest-playwright: use $CHROMIUM when set, with flags for headless CI containers."""
    args = {
        **browser_type_launch_args,
        "args": ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"],
    }
    if os.environ.get("CHROMIUM"):
        args["executable_path"] = os.environ["CHROMIUM"]
    return args


# --- small datasets ----------------------------------------------------------------------------

def blobs_csv(n_per_class=20, seed=0):
    """Three well-separated classes of 4 features, with a header and the label last."""
    rng = np.random.default_rng(seed)
    lines = ["a,b,c,d,label"]
    for k, label in enumerate(["red", "green", "blue"]):
        centre = np.zeros(4)
        centre[k] = 4.0
        for row in centre + rng.normal(scale=0.5, size=(n_per_class, 4)):
            lines.append(",".join(f"{v:.4f}" for v in row) + f",{label}")
    return "\n".join(lines) + "\n"


def bars_csv(n_per_class=30, seed=0):
    """8x8 pictures (values 0..16, row-major, no header): vertical bars "1", horizontal "2"."""
    rng = np.random.default_rng(seed)
    lines = []
    for label in ("1", "2"):
        for _ in range(n_per_class):
            image = np.zeros((8, 8))
            i = rng.integers(2, 6)
            if label == "1":
                image[1:7, i] = 16
            else:
                image[i, 1:7] = 16
            lines.append(",".join(str(int(v)) for v in image.ravel()) + f",{label}")
    return "\n".join(lines) + "\n"


def tutorial_workbook(path, per_class=10, zero=10):
    """A small workbook in the tutorials' layout (sheets X and y, no header; 20x20 pictures
    column-major, 0..1; labels 1..10, the digit 0 labelled ``zero``: 10 as Ng's, or 0), cut
    from the built-in sample."""
    with np.load(ROOT / "data" / "digits_sample.npz", allow_pickle=False) as sample:
        X, y = sample["X"], sample["y"]
    picked = np.concatenate([np.flatnonzero(y == d)[:per_class] for d in range(10)])
    pictures = X[picked].reshape(-1, 28, 28)[:, 4:24, 4:24] / 255.0
    rows = np.round(pictures.transpose(0, 2, 1).reshape(len(picked), -1), 4)
    book = Workbook()
    sheet_x = book.active
    sheet_x.title = "X"
    for row in rows:
        sheet_x.append([float(v) for v in row])
    sheet_y = book.create_sheet("y")
    for digit in y[picked]:
        sheet_y.append([zero if digit == 0 else int(digit)])
    book.save(path)
    return path


@pytest.fixture
def csv_text():
    """The small datasets as CSV text: ``csv_text["blobs"]``, ``csv_text["bars"]``."""
    return {"blobs": blobs_csv(), "bars": bars_csv()}


@pytest.fixture
def upload(client):
    """``upload(text_or_bytes, filename="data.csv", **fields)`` -> the response."""
    def post(content, filename="data.csv", **fields):
        data = content.encode() if isinstance(content, str) else content
        return client.post("/api/datasets", data={"file": (io.BytesIO(data), filename), **fields},
                           content_type="multipart/form-data")
    return post


@pytest.fixture
def blobs(upload):
    """The id of an uploaded 3-class, 4-feature dataset."""
    response = upload(blobs_csv(), "blobs.csv")
    assert response.status_code == 201, response.get_json()
    return response.get_json()["id"]


@pytest.fixture
def bars(upload):
    """The id of an uploaded 8x8-image dataset with classes "1" and "2"."""
    response = upload(bars_csv(), "bars.csv")
    assert response.status_code == 201, response.get_json()
    return response.get_json()["id"]
