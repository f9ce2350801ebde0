"""Screenshots of every page in a realistic state, into pytest's tmp_path.

With SCREENSHOTS_DIR set (e.g. ``SCREENSHOTS_DIR=docs/screenshots``) the same pictures, cut to
the first 1100x860 pixels so they stay small, are also written there for the README.
"""
from playwright.sync_api import expect

from e2e_helpers import HEIGHT, WIDTH, draw_strokes, save


def test_screenshots_of_every_page(page, live_server, api, pen_samples, tmp_path):
    page.set_viewport_size({"width": WIDTH, "height": HEIGHT})
    dataset = api.sample_dataset()
    first = api.completed_run(dataset["id"], hidden_layers=[25], epochs=4, batch_size=64)
    second = api.completed_run(dataset["id"], hidden_layers=[64], epochs=6, batch_size=64,
                               activation="relu")

    page.goto(live_server + "/")
    expect(page.get_by_test_id("runs-table").locator("tbody tr")).to_have_count(2)
    expect(page.locator("[data-testid=sample-strip] canvas")).to_have_count(10)
    save(page, tmp_path, "home")

    page.goto(f"{live_server}/datasets/{dataset['id']}")
    expect(page.locator("[data-testid=sample-grid] canvas")).to_have_count(80)
    save(page, tmp_path, "dataset")

    page.goto(f"{live_server}/runs/{second['id']}")
    expect(page.locator("[data-testid=mistakes] figure").first).to_be_visible()
    sample = next(s for s in pen_samples if s["label"] == 3 or s["label"] == "3")
    draw_strokes(page, page.get_by_test_id("digit-canvas"), sample["strokes"])
    expect(page.get_by_test_id("prediction")).to_have_attribute("data-strokes", str(len(sample["strokes"])))
    draw = page.get_by_test_id("draw-section").bounding_box()
    save(page, tmp_path, "run", height=int(draw["y"] + draw["height"] + page.evaluate("window.scrollY")) + 24)

    page.goto(f"{live_server}/compare?dataset_id={dataset['id']}&runs={first['id']},{second['id']}")
    expect(page.get_by_test_id("compare-chart")).to_have_attribute("data-points", "6")
    save(page, tmp_path, "compare")

    page.goto(f"{live_server}/runs/{first['id']}/inside")
    expect(page.locator("[data-testid=network-diagram] svg")).to_be_visible()
    for key in "nn":  # forward and cost revealed below the diagram
        page.keyboard.press(key)
    expect(page.get_by_test_id("cost-step")).to_be_visible()
    save(page, tmp_path, "inside")
