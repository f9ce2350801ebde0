"""A spreadsheet as people make it through the API: the header found below titles, the upload
kept beside the dataset, the header row and the sheet corrected with PATCH (a bad correction
refused with a 400 that leaves the dataset as it was)."""
from pathlib import Path

import pytest

from tests.spreadsheets import people_rows, write_xlsx

ABOUT = [["About this workbook"], ["Measured at Palmer Station"]]
SMALL = [["x", "kind"], [1, "a"], [2, "b"], [3, "a"], [4, "b"]]


@pytest.fixture
def workbook(tmp_path):
    return write_xlsx(tmp_path / "penguins.xlsx",
                      {"About": ABOUT, "Data": people_rows(), "Small": SMALL}).read_bytes()


def label_of(summary):
    return next(c["name"] for c in summary["columns"] if c["kind"] == "label")


def test_the_upload_finds_the_table_and_is_kept_until_deleted(app, client, upload, workbook):
    response = upload(workbook, "penguins.xlsx", label_column="species")
    assert response.status_code == 201, response.get_json()
    created = response.get_json()
    assert created["n_samples"] == 30 and created["classes"] == ["Adelie", "Chinstrap", "Gentoo"]
    layout = created["layout"]
    assert (layout["header_row"], layout["skipped_above"], layout["skipped_below"]) == (4, 3, 2)
    assert layout["sheet"] == "Data" and layout["sheets"] == ["About", "Data", "Small"]
    assert layout["note"] in created["notes"] and created["layout_changeable"]
    kept = Path(app.config["DATA_DIR"]) / "datasets" / f"{created['id']}.upload.xlsx"
    assert kept.read_bytes() == workbook
    assert client.delete(f"/api/datasets/{created['id']}").status_code == 200
    assert not kept.exists()


def test_the_header_row_is_corrected_and_a_bad_row_changes_nothing(client, upload, workbook):
    created = upload(workbook, "penguins.xlsx", label_column="species").get_json()
    url = f"/api/datasets/{created['id']}"
    shifted = client.patch(url, json={"header_row": 5})
    assert shifted.status_code == 200, shifted.get_json()
    body = shifted.get_json()
    assert body["n_samples"] == 29 and body["layout"]["header_chosen"]
    assert body["layout"]["header_row"] == 5 and "row 5 (as chosen)" in body["notes"][0]
    before = client.get(url).get_json()
    for value, message in [(3, "row 3 is blank"), (99, "there is no row 99"),
                           ("x", "header_row must be a row number"), (True, "header_row"),
                           (-1, "header_row"), (0, "is not a number")]:
        refused = client.patch(url, json={"header_row": value})
        assert refused.status_code == 400 and message in refused.get_json()["error"], value
        assert client.get(url).get_json() == before
    again = client.patch(url, json={"header_row": None}).get_json()
    assert again["layout"]["header_row"] == 4 and not again["layout"]["header_chosen"]
    assert again["n_samples"] == 30 and label_of(again) == "species"


def test_another_sheet_is_read_on_request(client, upload, workbook):
    created = upload(workbook, "penguins.xlsx").get_json()
    url = f"/api/datasets/{created['id']}"
    small = client.patch(url, json={"sheet": "Small"})
    assert small.status_code == 200, small.get_json()
    body = small.get_json()
    assert body["layout"]["sheet"] == "Small" and body["n_samples"] == 4
    assert body["classes"] == ["a", "b"] and body["layout"]["header_row"] == 1
    refused = client.patch(url, json={"sheet": "Nope"})
    assert refused.status_code == 400
    assert '"About", "Data", "Small"' in refused.get_json()["error"]
    assert client.patch(url, json={"sheet": "About"}).status_code == 400
    assert client.get(url).get_json()["layout"]["sheet"] == "Small"


def test_a_role_change_keeps_the_layout(client, upload, workbook):
    created = upload(workbook, "penguins.xlsx", label_column="species").get_json()
    url = f"/api/datasets/{created['id']}"
    changed = client.patch(url, json={"roles": {"bill_depth_mm": "ignored"}}).get_json()
    assert changed["layout"] == created["layout"] and changed["layout_changeable"]
    assert created["layout"]["note"] in changed["notes"]
    assert client.patch(url, json={"header_row": 4}).status_code == 200


def test_the_header_row_can_be_given_with_the_upload(upload, workbook):
    given = upload(workbook, "penguins.xlsx", label_column="species", header_row="4")
    assert given.status_code == 201 and given.get_json()["layout"]["header_chosen"]
    for value in ("four", "-1", "1.5"):
        refused = upload(workbook, "penguins.xlsx", header_row=value)
        assert refused.status_code == 400
        assert "header_row must be a row number" in refused.get_json()["error"]


def test_a_dataset_without_its_upload_cannot_be_read_again(client, upload, csv_text):
    created = upload(csv_text["bars"], "bars.csv").get_json()     # pictures: no cells kept
    assert not created["layout_changeable"]
    refused = client.patch(f"/api/datasets/{created['id']}", json={"header_row": 1})
    assert refused.status_code == 409 and "cannot be read again" in refused.get_json()["error"]
