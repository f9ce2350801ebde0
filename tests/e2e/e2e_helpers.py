"""Helpers for the browser tests: scaling recorded pen strokes onto the drawing pad."""
import numpy as np


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


def draw_strokes(page, canvas, strokes):
    """Draw tablet strokes on the canvas with the mouse (pointer down, moves, up per stroke)."""
    canvas.scroll_into_view_if_needed()  # mouse coordinates are viewport coordinates
    box = canvas.bounding_box()
    size = canvas.evaluate("c => c.width")
    ratio = box["width"] / size
    for stroke in to_canvas(strokes, size):
        x0, y0 = stroke[0]
        page.mouse.move(box["x"] + x0 * ratio, box["y"] + y0 * ratio)
        page.mouse.down()
        for x, y in stroke[1:]:
            page.mouse.move(box["x"] + x * ratio, box["y"] + y * ratio)
        page.mouse.up()
