"""Drawing with a finger on a phone: touch events draw strokes, the page does not scroll."""
import pytest
from playwright.sync_api import expect

from e2e_helpers import canvas_frame
from nncore.digits.pen_strokes import load_pen_strokes

PHONE = {"viewport": {"width": 390, "height": 700}, "has_touch": True, "is_mobile": True,
         "device_scale_factor": 2}


@pytest.fixture
def phone_page(browser, live_server, api):
    run = api.completed_run(api.sample_dataset()["id"])
    context = browser.new_context(**PHONE)
    page = context.new_page()
    page.goto(f"{live_server}/runs/{run['id']}")
    yield page
    context.close()


def touch_strokes(page, canvas, strokes):
    """Each stroke as a finger: touchStart at its first point, touchMove through the rest,
    touchEnd, sent through Chromium's input pipeline (so the browser may scroll for it)."""
    cdp = page.context.new_cdp_session(page)
    left, top, ratio = canvas_frame(canvas)
    for stroke in strokes:
        points = [{"x": left + x * ratio, "y": top + y * ratio} for x, y in stroke]
        cdp.send("Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": [points[0]]})
        for point in points[1:]:
            cdp.send("Input.dispatchTouchEvent", {"type": "touchMove", "touchPoints": [point]})
        cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})


def on_pad(strokes, size, margin=40):
    """Pen strokes (y down) scaled into the pad with a margin, aspect ratio kept."""
    import numpy as np
    points = np.vstack(strokes)
    low, high = points.min(axis=0), points.max(axis=0)
    scale = (size - 2 * margin) / max(1.0, *(high - low))
    return [((s - (low + high) / 2) * scale + size / 2).tolist() for s in strokes]


def test_a_finger_draws_a_digit_and_the_page_stays_put(phone_page, tmp_path):
    page = phone_page
    canvas = page.get_by_test_id("digit-canvas")
    prediction = page.get_by_test_id("prediction")
    expect(canvas).to_be_visible()
    canvas.scroll_into_view_if_needed()
    page.evaluate("window.scrollBy(0, 60)")          # the page can scroll here, and did
    before = page.evaluate("window.scrollY")
    assert before > 0
    pen = load_pen_strokes().of_writers(["tra-7"])
    two_strokes = next(i for i, s in enumerate(pen.strokes) if len(s) == 2)
    size = canvas.evaluate("c => c.width")
    strokes = on_pad(pen.strokes[two_strokes], size)
    touch_strokes(page, canvas, strokes)
    expect(prediction).to_have_attribute("data-strokes", "2")
    assert prediction.get_attribute("data-label") in [str(d) for d in range(10)]
    assert page.evaluate("window.scrollY") == before   # vertical strokes did not scroll it
    # the ink landed under the finger: the pad's centre pixel row holds dark pixels
    dark = canvas.evaluate("""c => { const d = c.getContext('2d').getImageData(0, 0, c.width,
        c.height).data; let n = 0; for (let i = 0; i < d.length; i += 4) if (d[i] < 128) n++;
        return n; }""")
    assert dark > 500
    page.screenshot(path=tmp_path / "phone-drawing.png", full_page=False)
