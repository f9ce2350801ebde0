"""Issue 22 in the browser: a run trained on a table with categories and blanks predicts a
whole file (columns shuffled, an extra one, a bad row, the label present); the downloaded CSV
agrees with the API's single-row predictions and the page shows the file's accuracy."""
import csv
import io
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.e2e.test_tables import penguins_like_csv

SCORING = 60_000
WIDTHS = {"desktop": (1280, 900), "phone": (390, 844)}


def new_rows_csv(path, training):
    """The training file's first 30 rows with shuffled columns, an extra column, one bad
    number and the label kept; exported as people do: a title and a blank line above the
    header, a blank line and a total below the data (neither is scored)."""
    rows = list(csv.DictReader(training.read_text().splitlines()))[:30]
    rows[4]["bill_mm"] = "long"
    columns = ["note", "sex", "flipper_mm", "species", "island", "bill_mm"]
    out = io.StringIO("Penguins next season\n\n")
    out.seek(0, io.SEEK_END)
    writer = csv.DictWriter(out, columns, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    for i, row in enumerate(rows):
        writer.writerow({**row, "note": f"customer {i}"})
    out.write("\nTotal,30\n")
    path.write_text(out.getvalue())
    return path


@pytest.fixture
def table_run(page, live_server, api, tmp_path):
    training = penguins_like_csv(tmp_path / "penguins.csv")
    created = page.request.post(live_server + "/api/datasets", multipart={
        "file": {"name": "penguins.csv", "mimeType": "text/csv",
                 "buffer": training.read_bytes()}, "label_column": "species"})
    assert created.status == 201, created.text()
    run = api.completed_run(created.json()["id"], hidden_layers=[8], epochs=60, batch_size=32)
    return run["id"], training


@pytest.mark.parametrize("width", ["desktop", "phone"])
def test_a_file_is_predicted_on_the_run_page(page, live_server, tmp_path, table_run, width):
    run_id, training = table_run
    new_file = new_rows_csv(tmp_path / "next season.csv", training)
    page.set_viewport_size(dict(zip(("width", "height"), WIDTHS[width])))
    page.goto(f"{live_server}/runs/{run_id}")
    expect(page.get_by_test_id("download-onnx")).to_have_attribute("href", f"/api/runs/{run_id}/onnx")
    section = page.get_by_test_id("predict-file-section")
    expect(section).to_be_visible(timeout=SCORING)
    expect(page.get_by_test_id("download-card")).to_have_attribute(
        "href", f"/api/runs/{run_id}/model-card?download=1")
    snippet = page.get_by_test_id("onnx-snippet")
    expect(snippet).to_contain_text("onnxruntime")
    expect(snippet).to_contain_text(f"penguins-run{run_id}.onnx")
    page.get_by_test_id("predict-file-input").set_input_files(new_file)

    preview = page.get_by_test_id("predictions-preview")
    expect(preview.locator("tbody tr")).to_have_count(20, timeout=SCORING)
    expect(preview.locator("th.is-predicted")).to_have_count(5)   # label, 3 classes, error
    expect(preview.locator("th").first).to_have_text("predicted_species")
    expect(page.get_by_test_id("predictions-notes")).to_contain_text("30 rows scored")
    expect(page.get_by_test_id("predictions-notes")).to_contain_text("1 row could not be read")
    expect(page.get_by_test_id("predictions-notes")).to_contain_text(
        'The header is row 3; 2 rows above it ("Penguins next season" and a blank '
        'row) and 2 rows below the data (a blank row and "Total") were skipped.')
    accuracy = page.get_by_test_id("predictions-accuracy")
    expect(accuracy).to_have_text(re.compile(r"^\d+\.\d %$"))
    shown_accuracy = accuracy.inner_text()
    assert float(shown_accuracy[:-2]) > 50
    expect(page.get_by_test_id("predictions-confusion").locator("tbody tr")).to_have_count(3)
    section.scroll_into_view_if_needed()
    page.screenshot(path=tmp_path / f"predict-file-{width}.png", full_page=True)
    section.screenshot(path=tmp_path / f"predict-card-{width}.png")

    with page.expect_download() as download_info:
        page.get_by_test_id("predictions-download").click()
    download = download_info.value
    assert download.suggested_filename == "next-season-predictions.csv"
    rows = list(csv.DictReader(Path(download.path()).read_text(encoding="utf-8").splitlines()))
    assert list(rows[0]) == ["note", "sex", "flipper_mm", "species", "island", "bill_mm",
                             "predicted_species", "probability_Adelie",
                             "probability_Chinstrap", "probability_Gentoo", "error"]
    assert [r["note"] for r in rows] == [f"customer {i}" for i in range(30)]
    assert [i for i, r in enumerate(rows) if r["error"]] == [4] and "long" in rows[4]["error"]
    right = 0
    for row in rows:
        if row["error"]:
            continue
        single = page.request.post(f"{live_server}/api/runs/{run_id}/predict", data={"row": {
            k: row[k] for k in ("island", "bill_mm", "flipper_mm", "sex")}}).json()
        assert row["predicted_species"] == single["label"]
        for name, p in single["probabilities"].items():
            assert float(row[f"probability_{name}"]) == pytest.approx(p, abs=2e-6)
        right += row["predicted_species"] == row["species"]
    assert shown_accuracy == f"{100 * right / 29:.1f} %"
