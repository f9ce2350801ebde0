"""Home page: the built-in sample, uploading a workbook, a refused upload."""
import json
import re
import urllib.request

import pytest

from playwright.sync_api import expect


def test_home_shows_the_builtin_sample(page, live_server, tmp_path):
    page.goto(live_server + "/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("neural network")
    card = page.get_by_test_id("sample-card")
    expect(card).to_contain_text("ready to train")
    expect(page.get_by_test_id("sample-summary")).to_contain_text("10 classes")
    expect(page.get_by_test_id("train-defaults")).to_be_enabled()
    expect(page.locator("[data-testid=sample-strip] canvas")).to_have_count(10)
    expect(page.get_by_test_id("datasets-table").locator("tbody tr")).to_have_count(1)
    expect(page.get_by_test_id("sample-workbook")).to_have_attribute("href", "/sample/digits_tutorial.xlsx")
    page.screenshot(path=tmp_path / "home.png", full_page=True)

    page.get_by_test_id("sample-link").click()
    expect(page).to_have_url(re.compile(r"/datasets/\d+$"))
    expect(page.get_by_test_id("dataset-rows")).to_have_text("5000")


def test_upload_a_tutorial_workbook_shows_its_summary_and_images(page, live_server, tutorial_workbook, tmp_path):
    page.goto(live_server + "/")
    page.get_by_test_id("upload-input").set_input_files(tutorial_workbook)

    expect(page).to_have_url(re.compile(r"/datasets/\d+$"), timeout=30_000)
    expect(page.get_by_test_id("dataset-rows")).to_have_text("200")
    expect(page.get_by_test_id("dataset-features")).to_have_text("400")
    expect(page.get_by_test_id("dataset-classes")).to_have_text("10")
    expect(page.locator("[data-testid=class-counts] .bar-column")).to_have_count(10)
    # 8 samples for each of the 10 classes, each on its own canvas.
    expect(page.locator("[data-testid=sample-grid] canvas")).to_have_count(80)
    page.screenshot(path=tmp_path / "dataset-upload.png", full_page=True)

    # Switching the pixel order redraws the grid from the server.
    page.get_by_test_id("image-order").select_option("C")
    expect(page.locator("[data-testid=sample-grid] canvas")).to_have_count(80)

    # The tutorial's "10" is shown as "0" by default, and every name can be edited.
    expect(page.get_by_test_id("name-10")).to_have_value("0")
    expect(page.locator("[data-testid=class-counts] .bar-label").last).to_have_text("0")
    page.get_by_test_id("name-10").fill("zero")
    page.get_by_test_id("save-names").click()
    expect(page.get_by_test_id("names-status")).to_have_text("Saved.")
    expect(page.locator("[data-testid=class-counts] .bar-label").last).to_have_text("zero")


def test_a_refused_upload_shows_the_servers_message(page, live_server, tmp_path):
    bad = tmp_path / "notes.xlsx"
    bad.write_text("this is not a spreadsheet\n")
    boundary = "xTESTx"
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"notes.xlsx\"\r\n"
            f"Content-Type: application/octet-stream\r\n\r\n{bad.read_text()}\r\n--{boundary}--\r\n").encode()
    request = urllib.request.Request(live_server + "/api/datasets", data=body, method="POST",
                                     headers={"Content-Type": f"multipart/form-data; boundary={boundary}"})
    try:
        urllib.request.urlopen(request)
        raise AssertionError("the server accepted a text file as a workbook")
    except urllib.error.HTTPError as refused:
        server_message = json.load(refused)["error"]

    page.goto(live_server + "/")
    page.get_by_test_id("upload-input").set_input_files(bad)
    error = page.get_by_test_id("upload-error")
    expect(error).to_be_visible()
    expect(error).to_have_text(server_message)
    expect(page).to_have_url(live_server + "/")
    page.screenshot(path=tmp_path / "home-bad-upload.png", full_page=True)


def test_unknown_ids_get_a_404_page(page, live_server):
    response = page.goto(live_server + "/runs/9999")
    assert response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("Not found")
    response = page.goto(live_server + "/datasets/9999")
    assert response.status == 404


def test_drop_a_csv_with_a_label_column(page, live_server, tmp_path):
    rows = ["height,weight,kind"] + [f"{1 + i % 7},{2 + i % 5},{'cat' if i % 2 else 'dog'}" for i in range(40)]
    page.goto(live_server + "/")
    # What a drag from the desktop delivers: a drop event whose dataTransfer holds the file.
    page.get_by_test_id("dropzone").evaluate(
        """(zone, text) => {
             const transfer = new DataTransfer();
             transfer.items.add(new File([text], "pets.csv", { type: "text/csv" }));
             zone.dispatchEvent(new DragEvent("drop", { dataTransfer: transfer, bubbles: true, cancelable: true }));
           }""", "\n".join(rows) + "\n")
    expect(page).to_have_url(re.compile(r"/datasets/\d+$"), timeout=30_000)
    expect(page.get_by_test_id("dataset-rows")).to_have_text("40")
    expect(page.get_by_test_id("dataset-features")).to_have_text("2")
    expect(page.get_by_test_id("dataset-classes")).to_have_text("2")
    # Not pictures: no image grid, the run form is still there.
    expect(page.get_by_test_id("images-card")).to_be_hidden()
    expect(page.get_by_test_id("start-run")).to_be_visible()
    page.screenshot(path=tmp_path / "dataset-table.png", full_page=True)


def test_the_sample_workbook_downloads(page, live_server):
    response = page.request.get(live_server + "/sample/digits_tutorial.xlsx")
    if response.status == 404:
        pytest.skip("data/digits_tutorial.xlsx has not been built")
    assert response.ok
    assert "attachment" in response.headers["content-disposition"]
    assert response.body()[:2] == b"PK"  # a zip container, as .xlsx files are


def test_train_with_defaults_opens_the_new_run(page, live_server):
    page.goto(live_server + "/")
    page.get_by_test_id("train-defaults").click()
    expect(page).to_have_url(re.compile(r"/runs/\d+$"))
    expect(page.get_by_test_id("run-status")).to_have_attribute("data-status", re.compile("queued|running"))
    expect(page.get_by_test_id("run-config")).to_contain_text("adam")
    # The defaults train for a while; this test only needed to see the run start.
    page.get_by_test_id("cancel-run").click()
    expect(page.get_by_test_id("run-status")).to_have_text("cancelled", timeout=60_000)


def test_the_learning_rate_hint_follows_optimizer_and_activation(page, live_server):
    page.goto(live_server + "/")
    page.get_by_test_id("sample-link").click()
    hint = page.get_by_test_id("lr-hint")
    expect(hint).to_have_text("Empty: adam's default for relu, 0.001.")
    page.get_by_test_id("field-activation").select_option("sigmoid")
    expect(hint).to_have_text("Empty: adam's default for sigmoid, 0.01.")
    page.get_by_test_id("field-optimizer").select_option("sgd")
    expect(hint).to_have_text("Empty: sgd's default, 0.1.")
