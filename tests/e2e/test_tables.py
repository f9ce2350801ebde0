"""A user's own table in the browser: text categories and blank cells upload, the column table
says what was done, the default run trains, and 'try a row' predicts from raw values."""
import re

import numpy as np
from playwright.sync_api import expect

from tests.e2e.e2e_helpers import try_row, upload_table, write_lines

TRAINING = 120_000


def penguins_like_csv(path, n=150, seed=0):
    """Three species told apart by two measurements and an island; blanks as users leave them
    (an empty cell, "NA", "?"), a text column and an id column unique per row."""
    rng = np.random.default_rng(seed)
    lines = ["id,species,island,bill_mm,flipper_mm,sex"]
    islands = {"Adelie": "Torgersen", "Gentoo": "Biscoe", "Chinstrap": "Dream"}
    centres = {"Adelie": (38.8, 190.0), "Gentoo": (47.5, 217.0), "Chinstrap": (48.8, 196.0)}
    for i in range(n):
        species = ("Adelie", "Gentoo", "Chinstrap")[i % 3]
        bill, flipper = (c + rng.normal(0, 1.5) for c in centres[species])
        island = islands[species] if rng.random() < 0.8 else "Biscoe"
        sex = ("male", "female")[int(rng.random() < 0.5)]
        bill_text = ("", "NA", "?")[i % 3] if i % 17 == 0 else f"{bill:.1f}"
        lines.append(f"P{i:04d},{species},{island},{bill_text},{flipper:.0f},{sex}")
    return write_lines(path, lines)


def test_a_table_with_categories_and_blanks_trains_and_predicts_a_row(page, live_server, tmp_path):
    # The label is the last column by default; this table's is "species", picked on the page.
    table = upload_table(page, live_server, penguins_like_csv(tmp_path / "penguins.csv"))
    expect(table.locator("tbody tr")).to_have_count(6)
    expect(table.locator("tr[data-column=id]")).to_have_attribute("data-kind", "ignored")
    expect(table.locator("tr[data-column=island]")).to_have_attribute("data-kind", "category")
    expect(table.locator("tr[data-column=bill_mm]")).to_have_attribute("data-kind", "number")
    expect(table.locator("tr[data-column=bill_mm]")).to_contain_text("NA")
    expect(table.locator("tr[data-column=sex]")).to_have_attribute("data-kind", "label")

    table.get_by_label("Role of species").select_option("label")
    page.get_by_test_id("save-roles").click()
    expect(table.locator("tr[data-column=species]")).to_have_attribute("data-kind", "label",
                                                                      timeout=30_000)
    expect(table.locator("tr[data-column=sex]")).to_have_attribute("data-kind", "category")
    expect(page.get_by_test_id("dataset-classes")).to_have_text("3")
    expect(page.get_by_test_id("name-Gentoo")).to_have_value("Gentoo")   # the new label's classes
    expect(page.get_by_test_id("field-hidden_layers")).to_have_value("256")  # the adapted default
    expect(page.get_by_test_id("default-run")).to_contain_text("relu units")
    page.screenshot(path=tmp_path / "table-dataset.png", full_page=True)

    page.get_by_test_id("start-run").click()
    expect(page).to_have_url(re.compile(r"/runs/\d+$"))
    expect(page.get_by_test_id("run-status")).to_have_attribute("data-status", "completed",
                                                                timeout=TRAINING)
    section = page.get_by_test_id("row-section")
    expect(section).to_be_visible()
    prediction = try_row(page, {"island": "Biscoe", "bill_mm": "47.5", "flipper_mm": "217"})
    expect(prediction).to_have_attribute("data-label", "Gentoo")
    expect(page.get_by_test_id("row-probabilities")).to_contain_text("Chinstrap")
    page.screenshot(path=tmp_path / "table-run.png", full_page=True)
