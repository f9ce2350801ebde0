"""A spreadsheet as people make it, in the browser: the header found below the titles, the note
on what was skipped, and the header row corrected on the dataset page."""
from playwright.sync_api import expect

from tests.e2e.e2e_helpers import save, upload_table
from tests.spreadsheets import people_rows, write_xlsx

ABOUT = [["About this workbook"], ["Measured at Palmer Station"]]


def test_the_header_row_is_found_shown_and_corrected(page, live_server, tmp_path):
    path = write_xlsx(tmp_path / "penguins.xlsx", {"About": ABOUT, "Data": people_rows()})
    table = upload_table(page, live_server, path)
    caption = page.get_by_test_id("layout-caption")
    expect(caption).to_contain_text("The header is row 4; 3 rows above it")
    expect(caption).to_contain_text('2 rows below the data (a blank row and "Total")')
    notes = page.get_by_test_id("dataset-notes")
    expect(notes).to_contain_text('Read the sheet "Data": the first sheet, "About", holds no table.')
    expect(page.get_by_test_id("dataset-rows")).to_have_text("30")
    expect(table.locator("tr[data-column=bill_length_mm]")).to_have_attribute("data-kind", "number")
    row = page.get_by_test_id("header-row")
    expect(row).to_have_value("4")
    expect(page.get_by_test_id("sheet-select")).to_have_value("Data")
    save(page, tmp_path, "header-found", page.get_by_test_id("columns-card"))

    row.fill("3")                                   # a blank row: refused, nothing changes
    page.get_by_test_id("reread").click()
    expect(page.get_by_test_id("layout-error")).to_contain_text("row 3 is blank")
    expect(row).to_have_value("4")
    expect(page.get_by_test_id("dataset-rows")).to_have_text("30")

    row.fill("5")                                   # the first data row as the header
    page.get_by_test_id("reread").click()
    expect(caption).to_contain_text("The header is row 5 (as chosen)")
    expect(page.get_by_test_id("dataset-rows")).to_have_text("29")
    expect(page.get_by_test_id("layout-error")).to_be_hidden()
    expect(table.locator("tr[data-column=bill_length_mm]")).to_have_count(0)

    row.fill("4")
    page.get_by_test_id("reread").click()
    expect(page.get_by_test_id("dataset-rows")).to_have_text("30")
    expect(table.locator("tr[data-column=bill_length_mm]")).to_have_attribute("data-kind", "number")
    expect(caption).to_contain_text("The header is row 4 (as chosen)")
    save(page, tmp_path, "header-corrected", page.get_by_test_id("columns-card"))
