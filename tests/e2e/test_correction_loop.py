"""The correction loop: draw, say the right digit, find the drawing in the derived dataset."""
from playwright.sync_api import expect

from e2e_helpers import draw_strokes


def test_a_corrected_drawing_lands_in_the_derived_dataset(page, live_server, api, pen_samples):
    dataset = api.sample_dataset()
    run = api.completed_run(dataset["id"])
    page.goto(f"{live_server}/runs/{run['id']}")
    canvas = page.get_by_test_id("digit-canvas")
    expect(canvas).to_be_visible()
    correction = page.get_by_test_id("correction")
    expect(correction).to_be_hidden()                      # nothing to correct yet

    sample = next(s for s in pen_samples if len(s["strokes"]) == 1)
    label = str(sample["label"])
    draw_strokes(page, canvas, sample["strokes"])
    expect(page.get_by_test_id("prediction")).to_have_attribute("data-strokes", "1")
    expect(correction).to_be_visible()
    expect(correction).to_contain_text("Wrong? Tell me the right digit")
    buttons = page.get_by_test_id("correction-buttons").get_by_role("button")
    expect(buttons).to_have_count(len(dataset["classes"]))

    page.get_by_test_id(f"correct-{label}").click()
    done = page.get_by_test_id("correction-done")
    expect(done).to_be_visible()
    expect(done).to_contain_text(f"Added as “{label}”")
    expect(done).to_contain_text("1 of your drawings")
    expect(done).to_have_attribute("data-added", "1")
    expect(correction).to_be_hidden()                      # this drawing is in
    expect(page.get_by_test_id("train-on-corrections")).to_be_visible()

    # Another stroke makes a new drawing: the buttons are offered again; clearing hides them.
    draw_strokes(page, canvas, sample["strokes"])
    expect(page.get_by_test_id("prediction")).to_have_attribute("data-strokes", "2")
    expect(correction).to_be_visible()
    page.get_by_test_id("clear-canvas").click()
    expect(correction).to_be_hidden()
    expect(done).to_be_visible()                           # the confirmation stays

    page.get_by_test_id("corrections-link").click()
    expect(page.get_by_test_id("dataset-name")).to_have_text(f"{dataset['name']} + your corrections")
    added = page.get_by_test_id("added-samples")
    expect(added).to_have_attribute("data-added", "1")
    expect(added).to_contain_text("+ 1 of your drawings")
    expect(page.get_by_test_id("parent-link")).to_have_text(dataset["name"])
    expect(page.get_by_test_id("dataset-rows")).to_have_text(str(dataset["n_samples"] + 1))
    expect(page.get_by_test_id("added-sample-row").locator("canvas")).to_have_count(1)
    expect(page.get_by_test_id("added-sample-row").locator("canvas")).to_have_attribute(
        "title", f"your drawing (row {dataset['n_samples']}), labelled “{label}”")
    expect(page.get_by_test_id("start-run")).to_be_visible()   # "Train on it" lands on the form
