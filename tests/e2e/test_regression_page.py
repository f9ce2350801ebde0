"""A number to predict in the browser: a price table (a text column, blank labels) uploads as
"number to predict", trains with the defaults, draws the R² chart and the predicted-against-
actual scatter, and "try a row" answers a number; screenshots at desktop and phone width."""
import re

import numpy as np
from playwright.sync_api import expect

from tests.e2e.e2e_helpers import try_row, upload_table, write_lines

TRAINING = 120_000
PHONE = {"width": 390, "height": 844}


def prices_csv(path, n=300, seed=0):
    """Flats: floor area, rooms, a district (text) and the price (many distinct values); two
    prices left blank, as a user's sheet has them."""
    rng = np.random.default_rng(seed)
    lines = ["area_m2,rooms,district,price"]
    for i in range(n):
        area = rng.uniform(25, 160)
        rooms = int(rng.integers(1, 6))
        district = ("centre", "harbour", "hills")[i % 3]
        price = 40 + 3.1 * area + 12 * rooms + (60 if district == "centre" else 0) \
            + rng.normal(0, 8)
        shown = "" if i in (7, 111) else f"{price:.1f}"
        lines.append(f"{area:.1f},{rooms},{district},{shown}")
    return write_lines(path, lines)


def test_a_price_table_trains_as_a_number_to_predict(page, live_server, tmp_path):
    table = upload_table(page, live_server, prices_csv(tmp_path / "prices.csv"))
    label = table.locator("tr[data-column=price]")
    expect(label).to_have_attribute("data-kind", "label")
    expect(label.get_by_test_id("task-select")).to_have_value("regression")
    expect(label).to_contain_text("number to predict")
    expect(page.get_by_test_id("dataset-classes")).to_have_text("number")
    expect(page.get_by_test_id("target-card")).to_be_visible()
    expect(page.get_by_test_id("target-count")).to_have_text("298")
    expect(page.get_by_test_id("target-blanks")).to_have_text("2")
    expect(page.get_by_test_id("counts-card")).to_be_hidden()
    expect(page.get_by_test_id("field-output")).to_be_hidden()
    page.screenshot(path=tmp_path / "regression-dataset.png", full_page=True)

    page.get_by_test_id("start-run").click()
    expect(page).to_have_url(re.compile(r"/runs/\d+$"))
    expect(page.get_by_test_id("run-status")).to_have_attribute("data-status", "completed",
                                                                timeout=TRAINING)
    expect(page.get_by_test_id("r2-chart")).not_to_have_attribute("data-points", "0")
    expect(page.get_by_test_id("regression-scatter")).to_have_attribute("data-points",
                                                                        re.compile(r"^[1-9]"))
    expect(page.get_by_test_id("val-r2")).not_to_have_text("–")
    # a small table of numbers trains with L2 1 and 10 and says which it kept, and why
    expect(page.get_by_test_id("regression-note")).to_contain_text(re.compile(
        r"L2 (1|10) kept: validation R² -?[0-9.]+ against -?[0-9.]+ with L2 (10|1)\."))
    expect(page.get_by_test_id("baseline-rmse")).to_contain_text("mean")
    expect(page.get_by_test_id("largest-errors").locator("tbody tr").first).to_be_visible()
    expect(page.get_by_test_id("confusion-matrix")).to_be_hidden()

    prediction = try_row(page, {"area_m2": "80", "rooms": "3", "district": "centre"})
    expect(prediction).to_have_attribute("data-value", re.compile(r"^-?[0-9.e+-]+$"))
    value = float(prediction.get_attribute("data-value"))
    assert 200 < value < 500          # 40 + 248 + 36 + 60 = 384 in the price's units
    expect(page.get_by_test_id("row-prediction-note")).to_contain_text("RMSE")
    page.screenshot(path=tmp_path / "regression-run.png", full_page=True)
    page.get_by_test_id("compare-link").click()
    expect(page.get_by_test_id("compare-score-head")).to_contain_text("R²")
    expect(page.get_by_test_id("compare-table").locator("tbody")).to_contain_text("RMSE")
    page.go_back()
    page.set_viewport_size(PHONE)
    page.screenshot(path=tmp_path / "regression-run-phone.png", full_page=True)
    page.go_back()
    page.screenshot(path=tmp_path / "regression-dataset-phone.png", full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.go_forward()
    page.get_by_test_id("share-create").click()
    expect(page.get_by_test_id("share-url")).to_contain_text("/shared/")
    page.goto(page.get_by_test_id("share-url").inner_text())
    expect(page.get_by_test_id("r2-chart")).not_to_have_attribute("data-points", "0")
    expect(page.get_by_test_id("second-chart-title")).to_contain_text("R²")
    expect(page.get_by_test_id("val-r2")).to_have_text(re.compile(r"^-?0?\.\d{4}$|^1\.0000$"))
    page.screenshot(path=tmp_path / "regression-shared.png", full_page=True)
