"""The drawing pad on a completed run: real pen strokes drawn with the mouse, clear, blank."""
import pytest
from playwright.sync_api import expect

from e2e_helpers import draw_strokes


@pytest.fixture
def completed_run_page(page, live_server, api):
    dataset = api.sample_dataset()
    run = api.completed_run(dataset["id"])
    page.goto(f"{live_server}/runs/{run['id']}")
    expect(page.get_by_test_id("digit-canvas")).to_be_visible()
    return page, dataset


def pick_samples(pen_samples):
    """A one-stroke, a two-stroke and (when there is one) a three-stroke digit."""
    picked = {}
    for sample in pen_samples:
        picked.setdefault(len(sample["strokes"]), sample)
    return [picked[n] for n in sorted(picked)]


def test_drawing_predicts_after_every_stroke(completed_run_page, pen_samples, tmp_path):
    page, dataset = completed_run_page
    canvas = page.get_by_test_id("digit-canvas")
    prediction = page.get_by_test_id("prediction")
    expect(canvas).to_have_css("touch-action", "none")

    for sample in pick_samples(pen_samples):
        page.get_by_test_id("clear-canvas").click()
        expect(prediction).to_have_attribute("data-strokes", "0")
        draw_strokes(page, canvas, sample["strokes"])
        expect(prediction).to_have_attribute("data-strokes", str(len(sample["strokes"])))
        label = prediction.get_attribute("data-label")
        assert label in dataset["classes"], label
        expect(page.locator("[data-testid=probabilities] .prob-row")).to_have_count(len(dataset["classes"]))
    page.screenshot(path=tmp_path / "run-drawing.png", full_page=True)


def test_a_late_answer_for_fewer_strokes_is_not_shown(completed_run_page, pen_samples):
    page, _ = completed_run_page
    sample = next(s for s in pen_samples if len(s["strokes"]) == 2)
    held = []

    def hold_the_first(route):
        if held:
            route.continue_()
        else:
            held.append(route)

    page.route("**/predict", hold_the_first)
    prediction = page.get_by_test_id("prediction")
    draw_strokes(page, page.get_by_test_id("digit-canvas"), sample["strokes"])
    expect(prediction).to_have_attribute("data-strokes", "2")
    assert len(held) == 1
    with page.expect_response("**/predict"):
        held[0].continue_()  # the answer for stroke 1 now arrives after the one for strokes 1-2
    expect(prediction).to_have_attribute("data-dropped", "1")
    expect(prediction).to_have_attribute("data-strokes", "2")


def test_clear_removes_strokes_and_prediction(completed_run_page, pen_samples):
    page, _ = completed_run_page
    prediction = page.get_by_test_id("prediction")
    draw_strokes(page, page.get_by_test_id("digit-canvas"), pen_samples[0]["strokes"])
    expect(prediction).to_have_attribute("data-strokes", str(len(pen_samples[0]["strokes"])))

    page.get_by_test_id("clear-canvas").click()
    expect(prediction).to_have_attribute("data-strokes", "0")
    assert prediction.get_attribute("data-label") is None
    expect(prediction).to_contain_text("draw a digit")
    ink = page.get_by_test_id("digit-canvas").evaluate(
        """c => { const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
                  let dark = 0; for (let i = 0; i < d.length; i += 4) if (d[i] < 128) dark++; return dark; }""")
    assert ink == 0


def test_blank_canvas_predicts_nothing(completed_run_page):
    page, _ = completed_run_page
    prediction = page.get_by_test_id("prediction")
    expect(prediction).to_have_attribute("data-strokes", "0")
    expect(prediction).to_contain_text("draw a digit")
    assert prediction.get_attribute("data-label") is None
