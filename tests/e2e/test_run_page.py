"""Run page: start from the form, watch the charts, cancel, reload mid-training, the report."""
import re

from playwright.sync_api import expect

TRAINING = 90_000  # ms: generous for a slow CI machine; tiny runs take a second or two


def fill_run_form(page, hidden="16", epochs="3", batch="128"):
    page.get_by_test_id("field-hidden_layers").fill(hidden)
    page.get_by_test_id("field-epochs").fill(epochs)
    page.get_by_test_id("field-batch_size").fill(batch)


def test_form_checks_fields_before_sending(page, live_server, api):
    dataset = api.sample_dataset()
    page.goto(f"{live_server}/datasets/{dataset['id']}")
    expect(page.get_by_test_id("field-optimizer")).to_have_value("adam")
    page.get_by_test_id("field-hidden_layers").fill("16, x")
    page.get_by_test_id("field-epochs").fill("0")
    page.get_by_test_id("field-learning_rate").fill("-1")
    page.get_by_test_id("field-validation_split").fill("1.5")
    page.get_by_test_id("field-conv_filters").fill("16, 99")
    page.get_by_test_id("field-synthetic_digits").fill("lots")
    page.get_by_test_id("field-pen_digits").fill("-3")
    expect(page.get_by_test_id("field-average_last")).to_have_value("0.25")   # the default
    page.get_by_test_id("field-average_last").fill("1.5")
    page.get_by_test_id("start-run").click()
    for field in ("hidden_layers", "epochs", "learning_rate", "validation_split", "conv_filters",
                  "synthetic_digits", "pen_digits", "average_last"):
        expect(page.locator(f"[data-error-for={field}]")).not_to_be_empty()
    expect(page.get_by_test_id("run-error")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/datasets/\d+$"))


def test_form_shows_the_servers_refusal_next_to_the_field(page, live_server, api):
    dataset = api.sample_dataset()
    page.goto(f"{live_server}/datasets/{dataset['id']}")
    expect(page.get_by_test_id("field-optimizer")).to_have_value("adam")
    page.get_by_test_id("field-seed").fill("99999999999999999999")  # a whole number, but too big
    page.get_by_test_id("start-run").click()
    message = page.get_by_test_id("run-error")
    expect(message).to_contain_text("seed")
    expect(page.locator("[data-error-for=seed]")).to_have_text(message.inner_text())
    expect(page).to_have_url(re.compile(r"/datasets/\d+$"))


def test_a_run_started_from_the_form_trains_live_and_reports(page, live_server, api, tmp_path):
    dataset = api.sample_dataset()
    page.goto(f"{live_server}/datasets/{dataset['id']}")
    fill_run_form(page, epochs="3")
    page.get_by_test_id("field-average_last").fill("0.67")   # round(0.67 * 3) = the last 2
    page.get_by_test_id("start-run").click()

    expect(page).to_have_url(re.compile(r"/runs/\d+$"))
    chart = page.get_by_test_id("cost-chart")
    expect(chart.locator("canvas")).to_have_count(1)
    expect(chart).not_to_have_attribute("data-points", "0", timeout=TRAINING)
    expect(page.get_by_test_id("run-status")).to_have_attribute("data-status", "completed", timeout=TRAINING)
    expect(chart).to_have_attribute("data-points", "3")
    expect(page.get_by_test_id("accuracy-chart")).to_have_attribute("data-points", "3")
    expect(page.get_by_test_id("epoch-counter")).to_have_text(
        "epoch 3 of 3 · weights averaged over epochs 2–3")

    expect(page.get_by_test_id("val-accuracy")).to_contain_text("%")
    matrix = page.get_by_test_id("confusion-matrix")
    expect(matrix.locator("tbody tr")).to_have_count(10)
    expect(matrix.locator("tbody tr").first.locator("td")).to_have_count(10)
    expect(page.get_by_test_id("download-model")).to_have_attribute("href", re.compile(r"/api/runs/\d+/model$"))
    expect(page.get_by_test_id("history-csv")).to_have_attribute("href", re.compile(r"/history\.csv$"))
    expect(page.locator("[data-testid=hidden-units] canvas")).to_have_count(16)
    expect(page.get_by_test_id("cancel-run")).to_be_hidden()

    page.get_by_test_id("gradcheck").click()
    expect(page.get_by_test_id("gradcheck-result")).to_contain_text("max relative error", timeout=30_000)
    page.screenshot(path=tmp_path / "run-completed.png", full_page=True)


def test_cancel_a_running_run(page, live_server, api, tmp_path):
    dataset = api.sample_dataset()
    run = api.start_run(dataset["id"], epochs=1000, batch_size=32)
    page.goto(f"{live_server}/runs/{run['id']}")
    expect(page.get_by_test_id("run-status")).to_have_attribute("data-status", "running", timeout=TRAINING)
    expect(page.get_by_test_id("cost-chart")).not_to_have_attribute("data-points", "0", timeout=TRAINING)

    page.get_by_test_id("cancel-run").click()
    expect(page.get_by_test_id("run-status")).to_have_text("cancelled", timeout=TRAINING)
    expect(page.get_by_test_id("cancel-run")).to_be_hidden()
    expect(page.get_by_test_id("restart-run")).to_be_visible()
    page.screenshot(path=tmp_path / "run-cancelled.png", full_page=True)

    page.get_by_test_id("restart-run").click()
    expect(page).not_to_have_url(re.compile(rf"/runs/{run['id']}$"))
    expect(page.get_by_test_id("run-status")).to_have_attribute("data-status", re.compile("queued|running"))
    page.get_by_test_id("cancel-run").click()
    expect(page.get_by_test_id("run-status")).to_have_text("cancelled", timeout=TRAINING)


def test_reloading_mid_training_keeps_updating(page, live_server, api):
    dataset = api.sample_dataset()
    epochs = 24  # about a third of a second each here: long enough to reload in the middle
    run = api.start_run(dataset["id"], epochs=epochs, batch_size=32)
    page.goto(f"{live_server}/runs/{run['id']}")
    chart = page.get_by_test_id("cost-chart")
    expect(chart).not_to_have_attribute("data-points", "0", timeout=TRAINING)

    page.reload()
    # Straight after the reload the page shows the history so far, then keeps polling to the end.
    expect(page.get_by_test_id("run-status")).to_have_attribute("data-status", "running")
    expect(chart).not_to_have_attribute("data-points", "0")
    shown = int(chart.get_attribute("data-points"))
    assert shown < epochs
    expect(page.get_by_test_id("run-status")).to_have_attribute("data-status", "completed", timeout=TRAINING)
    expect(chart).to_have_attribute("data-points", str(epochs))
    expect(page.get_by_test_id("epoch-counter")).to_have_attribute("data-epoch", str(epochs))


def test_the_page_says_what_happens_before_the_first_epoch(page, live_server, api):
    # drawing synthetic pen digits takes seconds before training starts: the counter says so
    dataset = api.sample_dataset()
    run = api.start_run(dataset["id"], epochs=1, synthetic_digits=3000)
    page.goto(f"{live_server}/runs/{run['id']}")
    counter = page.get_by_test_id("epoch-counter")
    expect(counter).to_have_text("drawing 3,000 synthetic pen digits…", timeout=TRAINING)
    # a network of one's own (16 units) with pen digits asked for: the page says which apply
    expect(page.get_by_test_id("run-extras")).to_have_text(
        "Extras for the drawing pad: on (synthetic pen digits), as asked for a network of your "
        "own; augmentation: on.")
    expect(page.get_by_test_id("run-status")).to_have_attribute("data-status", "completed", timeout=TRAINING)
    expect(counter).to_have_text("epoch 1 of 1")


def test_the_counter_says_where_early_stopping_ended(page, live_server, api):
    dataset = api.sample_dataset()
    run = api.completed_run(dataset["id"], epochs=200, patience=1, learning_rate=0.05,
                            average_last=0.5)
    stopped_at, best = len(run["history"]["epoch"]), run["result"]["best_epoch"]
    assert run["result"]["stopped"] == "early_stopping" and stopped_at < 200
    page.goto(f"{live_server}/runs/{run['id']}")
    # early stopping keeps the best epoch's weights (no averaging), and the page says so
    expect(page.get_by_test_id("epoch-counter")).to_have_text(
        f"stopped early at epoch {stopped_at} of 200 (best: epoch {best})")


def test_the_gradient_check_verdict_is_the_servers(page, live_server, api):
    """The page says what the API's ``passed`` says, against the API's ``threshold``: an error of
    5e-6 passes a threshold of 1e-5 however small the page might think errors should be."""
    run = api.completed_run(api.sample_dataset()["id"])
    answers = [{"max_relative_error": 5e-6, "passed": True, "threshold": 1e-5},
               {"max_relative_error": 5e-6, "passed": False, "threshold": 1e-6}]
    page.route("**/gradcheck", lambda route: route.fulfill(json=answers.pop(0)))
    page.goto(f"{live_server}/runs/{run['id']}")
    result = page.get_by_test_id("gradcheck-result")
    page.get_by_test_id("gradcheck").click()
    expect(result).to_have_text("max relative error 5.00e-6: backpropagation agrees with finite "
                                "differences")
    expect(result).to_have_attribute("data-passed", "true")
    page.get_by_test_id("gradcheck").click()
    expect(result).to_have_text("max relative error 5.00e-6: larger than expected (threshold 1e-6)")
    expect(result).to_have_attribute("data-passed", "false")
