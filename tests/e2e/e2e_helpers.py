"""Helpers for the browser tests: scaling recorded pen strokes onto the drawing pad, uploading
a table from the home page, and saving screenshots (into tmp_path, and SCREENSHOTS_DIR when
set)."""
import os
import re
from pathlib import Path

import numpy as np
from playwright.sync_api import expect


def write_lines(path, lines):
    """``lines`` as a text file at ``path`` (one a line, a final newline); returns ``path``."""
    path.write_text("\n".join(lines) + "\n")
    return path


def try_row(page, values):
    """Fill the run page's "try a row" fields (``{column: text}``; a select takes the option)
    and press Predict; returns the prediction's locator."""
    fields = page.get_by_test_id("row-fields")
    for name, value in values.items():
        field = fields.locator(f"[name={name}]")
        if field.evaluate("node => node.tagName") == "SELECT":
            field.select_option(value)
        else:
            field.fill(value)
    page.get_by_test_id("row-predict").click()
    return page.get_by_test_id("row-prediction")


def upload_table(page, live_server, path):
    """Upload the file at ``path`` from the home page; the dataset page's column table once it
    has opened."""
    page.goto(live_server + "/")
    page.get_by_test_id("upload-input").set_input_files(path)
    expect(page).to_have_url(re.compile(r"/datasets/\d+$"), timeout=30_000)
    return page.get_by_test_id("column-table")

WIDTH, HEIGHT = 1100, 860


def save(page, tmp_path, name, locator=None, height=HEIGHT):
    """Full page into tmp_path; into SCREENSHOTS_DIR a WIDTH x height cut from the page's top,
    or from just above ``locator``."""
    page.screenshot(path=tmp_path / f"{name}.png", full_page=True)
    target = os.environ.get("SCREENSHOTS_DIR")
    if not target:
        return
    Path(target).mkdir(parents=True, exist_ok=True)
    top = 0
    if locator is not None:
        box = locator.bounding_box()
        top = max(0, box["y"] + page.evaluate("window.scrollY") - 24)
    page_height = page.evaluate("document.documentElement.scrollHeight")
    page.screenshot(path=Path(target) / f"{name}.png", full_page=True,
                    clip={"x": 0, "y": top, "width": WIDTH, "height": min(height, page_height - top)})


def to_canvas(strokes, size, margin=40):
    """Tablet strokes (y up, ~500 box) scaled into a size x size canvas (y down) with a margin,
    keeping the aspect ratio and centring the digit."""
    points = np.array([p for stroke in strokes for p in stroke], dtype=float)
    low, high = points.min(axis=0), points.max(axis=0)
    scale = (size - 2 * margin) / max(1.0, *(high - low))
    centre = (low + high) / 2
    out = []
    for stroke in strokes:
        s = np.asarray(stroke, dtype=float)
        x = size / 2 + (s[:, 0] - centre[0]) * scale
        y = size / 2 - (s[:, 1] - centre[1]) * scale  # screen y grows downward
        out.append(list(zip(x.tolist(), y.tolist())))
    return out


def canvas_frame(canvas):
    """Where the canvas's pixels are on screen: ``(left, top, css_px_per_canvas_px)``.

    The pixels fill the content box (inside border and padding), in viewport coordinates."""
    canvas.scroll_into_view_if_needed()  # mouse coordinates are viewport coordinates
    return canvas.evaluate("""c => {
        const r = c.getBoundingClientRect(), s = getComputedStyle(c), px = (v) => parseFloat(v);
        const left = r.left + c.clientLeft + px(s.paddingLeft);
        const top = r.top + c.clientTop + px(s.paddingTop);
        const width = c.clientWidth - px(s.paddingLeft) - px(s.paddingRight);
        return [left, top, width / c.width];
    }""")


def draw_canvas_strokes(page, canvas, strokes, steps=1):
    """Draw strokes given in canvas pixels (y down) with the mouse: per stroke, move to its
    first point, press, move through the others (``steps`` mouse events each), release."""
    left, top, ratio = canvas_frame(canvas)
    for stroke in strokes:
        x0, y0 = stroke[0]
        page.mouse.move(left + x0 * ratio, top + y0 * ratio)
        page.mouse.down()
        for x, y in stroke[1:]:
            page.mouse.move(left + x * ratio, top + y * ratio, steps=steps)
        page.mouse.up()


def draw_strokes(page, canvas, strokes):
    """Draw tablet strokes on the canvas with the mouse (pointer down, moves, up per stroke)."""
    size = canvas.evaluate("c => c.width")
    draw_canvas_strokes(page, canvas, to_canvas(strokes, size))
