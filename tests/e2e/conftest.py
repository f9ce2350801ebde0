"""Fixtures for the browser tests: the live server comes from tests/conftest.py; here are a
small JSON client for it (to set up runs without clicking), a tutorial-layout workbook and
pen strokes recorded on a tablet."""
import json
import urllib.request
from pathlib import Path

import numpy as np
import pytest

from tests.helpers import wait_for_run

PENDIGITS = Path(__file__).resolve().parents[2].parent / "shared/data/pendigits_dev.json"
# Small networks keep every training in these tests to a second or two.
TINY_RUN = {"hidden_layers": [16], "epochs": 2, "batch_size": 128, "validation_split": 0.2, "seed": 0,
            "synthetic_digits": 0, "pen_digits": 0}


class Api:
    """Just enough of the JSON API to prepare what a test then looks at in the browser."""

    def __init__(self, base_url):
        self.base_url = base_url

    def request(self, method, path, body=None):
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.base_url + path, data=data, method=method,
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.load(response)

    def sample_dataset(self):
        datasets = self.request("GET", "/api/datasets")["datasets"]
        return next(d for d in datasets if d["source"] == "builtin")

    def start_run(self, dataset_id, **config):
        return self.request("POST", "/api/runs", {"dataset_id": dataset_id, **TINY_RUN, **config})

    def wait_for_run(self, run_id, timeout=90.0):
        return wait_for_run(lambda i: self.request("GET", f"/api/runs/{i}"), run_id, timeout,
                            interval=0.1)

    def completed_run(self, dataset_id, **config):
        run = self.wait_for_run(self.start_run(dataset_id, **config)["id"])
        assert run["status"] == "completed", run.get("error")
        return run


@pytest.fixture(scope="session")
def base_url():
    """Replaces pytest-base-url's fixture (an instance method that pytest 9 warns about, and
    warnings are errors here); tests build URLs from ``live_server`` instead."""
    return None


@pytest.fixture(autouse=True)
def no_script_errors(page):
    """Fail a test when a page logs a script error or a Content-Security-Policy violation.
    (Refused requests log "Failed to load resource"; those are expected in some tests.)"""
    problems = []
    page.on("pageerror", lambda error: problems.append(f"uncaught: {error}"))
    page.on("console", lambda message: problems.append(f"console: {message.text}")
            if message.type == "error" and "Failed to load resource" not in message.text else None)
    yield
    assert not problems, problems


@pytest.fixture
def api(live_server):
    return Api(live_server)


def digitish_images(n_per_class=20, size=20, seed=0):
    """(n, size*size) images in 0..1 and labels "1".."10": each class a line through the middle
    at its own angle (plus a ring for "10"), jittered and noisy, so they look like pictures."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:size, 0:size] - (size - 1) / 2
    images, labels = [], []
    for k in range(1, 11):
        for _ in range(n_per_class):
            angle = np.pi * k / 10 + rng.normal(scale=0.05)
            dx, dy = rng.normal(scale=0.8, size=2)
            distance = np.abs((xx - dx) * np.sin(angle) - (yy - dy) * np.cos(angle))
            image = np.clip(1.6 - distance, 0, 1) * (np.hypot(xx, yy) < size * 0.42)
            if k == 10:
                image = np.clip(1.6 - np.abs(np.hypot(xx - dx, yy - dy) - 6), 0, 1)
            image = np.clip(image + rng.normal(scale=0.04, size=image.shape), 0, 1)
            images.append(image.ravel(order="F"))  # column-major, as MATLAB stores the tutorial's
            labels.append(k)
    return np.array(images), np.array(labels)


@pytest.fixture
def tutorial_workbook(tmp_path):
    """A .xlsx in the tutorial layout: sheet X (200 x 400, no header), sheet y (labels 1..10)."""
    from openpyxl import Workbook

    X, y = digitish_images()
    workbook = Workbook()
    sheet_x = workbook.active
    sheet_x.title = "X"
    for row in X:
        sheet_x.append([round(float(v), 4) for v in row])
    sheet_y = workbook.create_sheet("y")
    for label in y:
        sheet_y.append([int(label)])
    path = tmp_path / "tutorial_digits.xlsx"
    workbook.save(path)
    return path


@pytest.fixture(scope="session")
def pen_samples():
    """Recorded pen strokes: [{"label", "writer", "strokes": [[[x, y], ...], ...]}] with y up."""
    if not PENDIGITS.is_file():
        pytest.skip(f"pen strokes not found at {PENDIGITS}")
    return json.loads(PENDIGITS.read_text())["samples"]
