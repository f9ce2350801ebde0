"""The canvas path reads a drawing exactly as the drawn-digit benchmark does.

``bench/bench_drawn_digits.py`` measures how well a model reads digits drawn on the pad by
computing, in Python, what the pad would send. This test keeps it honest: a small real model
is trained on the live server, the same pen digits are drawn with the mouse on the real page,
and the label the page shows must be the one the benchmark's path (``to_canvas`` ->
``nncore.digits.drawing.features_from_strokes`` with the model's geometry and profile -> the model)
gives, digit by digit. It also pins the benchmark's canvas constants to the page's.
"""
import importlib.util
import urllib.request
from collections import defaultdict
from pathlib import Path

import numpy as np
import pytest
from playwright.sync_api import expect

from e2e_helpers import draw_canvas_strokes
from nncore.digits.drawing import features_from_strokes
from nncore.model import Model

ROOT = Path(__file__).resolve().parents[2]
PER_CLASS = 3              # 30 digits over the 10 classes
STEPS = 2                  # mouse events per recorded segment (a real pointer sends several)
RUN = {"hidden_layers": [64], "epochs": 8, "batch_size": 64, "seed": 0}

pytestmark = pytest.mark.slow   # trains a real model, then draws 30 digits (about a minute)


def load_bench():
    spec = importlib.util.spec_from_file_location("bench_drawn_digits",
                                                  ROOT / "bench" / "bench_drawn_digits.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def spread_over_classes(samples, per_class):
    """``per_class`` digits of each class, evenly spaced through the file (so, several
    writers), in a fixed order."""
    by_class = defaultdict(list)
    for sample in samples:
        by_class[sample["label"]].append(sample)
    chosen = []
    for label in sorted(by_class):
        group = by_class[label]
        chosen += [group[(k * len(group)) // per_class] for k in range(per_class)]
    return chosen


@pytest.fixture
def model_run(live_server, api, tmp_path):
    """A small real model on the built-in sample, trained through the API, and its file."""
    run = api.completed_run(api.sample_dataset()["id"], **RUN)
    path = tmp_path / "model.npz"
    with urllib.request.urlopen(f"{live_server}/api/runs/{run['id']}/model", timeout=30) as r:
        path.write_bytes(r.read())
    return run, Model.load(path)


def read_on_both_paths(page, live_server, run, model, samples):
    """Draw each sample on the run's page and read it on the benchmark's path; returns one
    ``{"label", "writer", "bench", "canvas", "drift_px"}`` per sample."""
    bench = load_bench()
    page.goto(f"{live_server}/runs/{run['id']}")
    canvas = page.get_by_test_id("digit-canvas")
    expect(canvas).to_be_visible()
    prediction = page.get_by_test_id("prediction")

    # The benchmark draws on the pad the page has: same pixel size, same pen.
    expect(canvas).to_have_attribute("width", str(bench.CANVAS_SIZE))
    expect(canvas).to_have_attribute("height", str(bench.CANVAS_SIZE))
    expect(canvas).to_have_attribute("data-line-width", str(bench.LINE_WIDTH))

    sent = []  # the drawings the page sent for prediction
    page.on("request", lambda r: sent.append(r.post_data_json) if r.url.endswith("/predict") else None)

    outcomes = []
    for sample in samples:
        strokes = bench.to_canvas(sample["strokes"])
        row = features_from_strokes(strokes, bench.CANVAS_SIZE, bench.CANVAS_SIZE,
                                    bench.LINE_WIDTH, model.image, model.profile)
        bench_label = str(model.predict(row[None])[0])

        page.get_by_test_id("clear-canvas").click()
        expect(prediction).to_have_attribute("data-strokes", "0")
        draw_canvas_strokes(page, canvas, strokes, steps=STEPS)
        expect(prediction).to_have_attribute("data-strokes", str(len(strokes)))
        canvas_label = prediction.get_attribute("data-label")

        drawn = sent[-1]["strokes"]
        # How far the points the page recorded are from the benchmark's strokes (canvas px).
        drift = max(_distance_to_polyline(np.asarray(p), np.asarray(s))
                    for stroke_p, s in zip(drawn, strokes) for p in stroke_p)
        outcomes.append({"label": sample["label"], "writer": sample["writer"],
                         "bench": bench_label, "canvas": canvas_label,
                         "drift_px": round(drift, 2)})
    return outcomes


def assert_same_readings(outcomes):
    agreed = sum(o["bench"] == o["canvas"] for o in outcomes)
    disagreements = [o for o in outcomes if o["bench"] != o["canvas"]]
    assert agreed == len(outcomes), (
        f"canvas and benchmark agreed on {agreed} of {len(outcomes)} digits; "
        f"different: {disagreements}")
    # The points themselves: what the page records lies on the benchmark's strokes, to the
    # tenth of a pixel it rounds to (a border counted as canvas once put them 2 px off).
    worst = max(o["drift_px"] for o in outcomes)
    assert worst <= 0.15, f"the page recorded points up to {worst} px off the strokes drawn"


def test_canvas_and_benchmark_read_the_same_digits(page, live_server, model_run, pen_samples):
    run, model = model_run
    samples = spread_over_classes(pen_samples, PER_CLASS)
    assert_same_readings(read_on_both_paths(page, live_server, run, model, samples))


def test_same_on_a_small_high_density_screen(browser, live_server, model_run, pen_samples):
    """A phone: the pad is shown narrower than its 280 pixels, at two device pixels per CSS
    pixel; the strokes must still arrive in canvas pixels."""
    run, model = model_run
    context = browser.new_context(viewport={"width": 300, "height": 700}, device_scale_factor=2)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        shown = None
        samples = spread_over_classes(pen_samples, 1)
        outcomes = read_on_both_paths(page, live_server, run, model, samples)
        shown = page.get_by_test_id("digit-canvas").evaluate("c => c.clientWidth")
    finally:
        context.close()
    assert shown is not None and shown < 280, f"the pad is shown {shown} px wide"
    assert_same_readings(outcomes)
    assert not errors, errors


def _distance_to_polyline(point, stroke):
    """Distance (canvas px) from ``point`` (2,) to the polyline ``stroke`` (m, 2)."""
    stroke = np.asarray(stroke, dtype=np.float64).reshape(-1, 2)
    if len(stroke) == 1:
        return float(np.hypot(*(point - stroke[0])))
    a, b = stroke[:-1], stroke[1:]
    ab = b - a
    t = np.clip(((point - a) * ab).sum(axis=1) / np.maximum((ab * ab).sum(axis=1), 1e-12), 0, 1)
    nearest = a + t[:, None] * ab
    return float(np.hypot(*(point - nearest).T).min())
