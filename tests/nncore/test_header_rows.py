"""Spreadsheets as people make them: the header found below titles and blank rows, totals and
notes below the data skipped, in every format; the sheet that holds a table; well-formed files,
the tutorial layout and pictures read exactly as before."""
from pathlib import Path

import numpy as np
import pytest

from nncore.data import csvfiles
from nncore.data.header_rows import find_header, footer_count
from nncore.data.loaders import load_dataset
from tests.nncore.test_cli import run
from tests.nncore.test_workbook_formats import ods_table, write_ods, write_xls, write_xlsb
from tests.spreadsheets import HEADER, measurements, people_rows, write_csv, write_xlsx

NOTE = ('The header is row 4; 3 rows above it ("Palmer penguins, 2007-2009", "Source: Palmer '
        'Station LTER" and a blank row) and 2 rows below the data (a blank row and "Total") '
        "were skipped.")


def rectangular(rows, width=4):
    return [list(r) + [None] * (width - len(r)) for r in rows]


WRITERS = {
    "csv": lambda path, rows: write_csv(path.with_suffix(".csv"), rows),
    "tsv": lambda path, rows: write_csv(path.with_suffix(".tsv"), rows, "\t"),
    "xlsx": lambda path, rows: write_xlsx(path.with_suffix(".xlsx"), {"Data": rows}),
    "xls": lambda path, rows: write_xls(path.with_suffix(".xls"), rows),
    "xlsb": lambda path, rows: write_xlsb(path.with_suffix(".xlsb"), rectangular(rows)),
    "ods": lambda path, rows: write_ods(path.with_suffix(".ods"), ods_table(rows)),
}


def expected_features(n=30):
    return np.array([r[1:] for r in measurements(n)], dtype=float)


@pytest.mark.parametrize("kind", WRITERS)
def test_the_header_below_titles_and_the_total_below_the_data_are_found(tmp_path, kind):
    path = WRITERS[kind](tmp_path / "penguins", people_rows())
    dataset = load_dataset(path, label_column="species")
    assert dataset.feature_names == HEADER[1:]
    assert dataset.classes == ["Adelie", "Chinstrap", "Gentoo"]
    assert np.allclose(dataset.X, expected_features())
    assert dataset.notes[0] == NOTE
    layout = dataset.layout
    assert (layout["header_row"], layout["skipped_above"], layout["skipped_below"]) == (4, 3, 2)
    assert layout["note"] == NOTE and not layout["header_chosen"]
    if kind not in ("csv", "tsv"):
        assert layout["sheets"] == [layout["sheet"]]


def test_without_a_label_column_the_last_column_is_the_label(tmp_path):
    # The second refusal: "row 4, column 2: 'bill_length_mm' is not a number".
    dataset = load_dataset(write_xlsx(tmp_path / "p.xlsx", {"Data": people_rows()}))
    assert dataset.task == "regression" and dataset.n_samples == 30
    assert dataset.y.tolist() == [r[3] for r in measurements()]


def test_notes_footnotes_and_totals_below_the_data_are_skipped(tmp_path):
    rows = (people_rows()[:-2] + [["Grand total", 1, 2, 3], [], ["NOTES: measured by hand"],
                                  ["* two birds were measured twice"], ["sum", 9, 9, 9]])
    dataset = load_dataset(write_csv(tmp_path / "p.csv", rows), label_column="species")
    assert dataset.n_samples == 30 and np.allclose(dataset.X, expected_features())
    assert dataset.layout["skipped_below"] == 5
    assert ('5 rows below the data (a blank row, "Grand total", "NOTES: measured by hand", '
            '"* two birds were measured t..." and ...)') in dataset.notes[0]


def test_titles_without_padding_commas_are_read_too(tmp_path):
    lines = ["Palmer penguins", "", ",".join(HEADER)]
    lines += [",".join(str(v) for v in r) for r in measurements()] + ["", "Note: 2008"]
    path = tmp_path / "plain.csv"
    path.write_text("\n".join(lines) + "\n")
    dataset = load_dataset(path, label_column="species")
    assert dataset.layout["header_row"] == 3 and dataset.n_samples == 30
    assert np.allclose(dataset.X, expected_features())


def test_a_short_row_inside_the_data_is_still_refused(tmp_path):
    lines = ["a,b,label", "1,2,x", "3,4", "5,6,y", "Total,10,"]
    path = tmp_path / "short.csv"
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(ValueError, match="row 3 has 2 fields but row 1 has 3"):
        load_dataset(path)


def test_the_fast_csv_reader_finds_the_same_table(tmp_path, monkeypatch):
    rows = people_rows(n=300) + [["Note: the last line"]]
    path = write_csv(tmp_path / "big.csv", rows)
    slow = load_dataset(path, label_column="species")
    monkeypatch.setattr(csvfiles, "FAST_PATH_BYTES", 0)
    assert csvfiles._load_fast(path, "species", "big.csv", None) is not None
    fast = load_dataset(path, label_column="species")
    assert np.allclose(fast.X, slow.X) and fast.y.tolist() == slow.y.tolist()
    assert fast.n_samples == 300 and fast.notes[0] == slow.notes[0]
    assert fast.layout == slow.layout
    assert fast.layout["skipped_below"] == 3


@pytest.mark.parametrize("header_row, message", [
    (3, 'row 3 is blank: it cannot be the header'),
    (99, "has 36 rows: there is no row 99"),
    (0, 'row 4, column 4: "flipper_length_mm" is not a number'),
])
def test_a_header_row_that_gives_no_table_is_refused(tmp_path, header_row, message):
    path = write_xlsx(tmp_path / "p.xlsx", {"Data": people_rows()})
    with pytest.raises(ValueError, match=message):
        load_dataset(path, header_row=header_row)


def test_the_header_row_can_be_given(tmp_path):
    rows = [["Survey"], ["year", "2024", None, None], HEADER] + measurements() + [["Total"]]
    path = write_csv(tmp_path / "p.csv", rows)
    guessed = load_dataset(path, label_column="species")
    assert guessed.layout["header_row"] == 3          # "2024" is a number: row 2 is no header
    chosen = load_dataset(path, label_column="species", header_row=3)
    assert chosen.layout["header_chosen"] and "row 3 (as chosen)" in chosen.notes[0]
    assert np.allclose(chosen.X, guessed.X)
    shifted = load_dataset(path, label_column=1, header_row=4)   # the first data row as header
    assert shifted.n_samples == 29
    assert shifted.feature_names[0] == str(measurements()[0][1])


def test_the_sheet_that_holds_a_table_is_read_and_the_others_listed(tmp_path):
    about = [["About this workbook"], ["Measured at Palmer Station"], [], ["See the sheet Data"]]
    path = write_xlsx(tmp_path / "book.xlsx", {"About": about, "Data": people_rows(),
                                              "Chart data": [["x", "y"], [1, "a"], [2, "b"], [3, "a"]]})
    dataset = load_dataset(path, label_column="species")
    assert dataset.layout["sheet"] == "Data"
    assert dataset.layout["sheets"] == ["About", "Data", "Chart data"]
    assert 'Read the sheet "Data": the first sheet, "About", holds no table.' in dataset.notes
    assert np.allclose(dataset.X, expected_features())
    other = load_dataset(path, x_sheet="Chart data", label_column="y")
    assert other.layout["sheet"] == "Chart data" and other.n_samples == 3


def test_a_first_sheet_with_a_table_stays_the_one_read(tmp_path):
    small = [["a", "b", "label"], [1, 2, "x"], [3, 4, "y"], [5, 6, "x"]]
    path = write_xlsx(tmp_path / "book.xlsx", {"Small": small, "Data": people_rows()})
    dataset = load_dataset(path)
    assert dataset.layout["sheet"] == "Small" and dataset.n_samples == 3
    assert dataset.layout["note"] is None and dataset.notes == []


@pytest.mark.parametrize("text", [
    "a,b,label\n1,2,x\n3,4,y\n5,6,x\n",            # a header on row 1
    "1,2,x\n3,4,y\n5,6,x\n",                       # no header
    "label,a,b\nx,1,2\ny,3,4\nx,5,6\n",
])
def test_well_formed_files_read_as_before(tmp_path, text):
    path = tmp_path / "plain.csv"
    path.write_text(text)
    dataset = load_dataset(path)
    assert dataset.n_samples == 3 and not any("header" in n for n in dataset.notes)
    assert dataset.layout["skipped_above"] == dataset.layout["skipped_below"] == 0
    assert dataset.layout["header_row"] == (None if text[0] == "1" else 1)


def test_the_tutorial_layout_reads_as_before(tmp_path):
    rng = np.random.default_rng(0)
    X = rng.random((12, 5))
    y = [[v] for v in [10, 1, 2] * 4]
    path = write_xlsx(tmp_path / "ex4.xlsx", {"X": X.tolist(), "y": y})
    dataset = load_dataset(path)
    assert np.allclose(dataset.X, X, rtol=1e-14) and dataset.classes == ["1", "2", "10"]
    assert dataset.notes == []


def test_pictures_without_a_header_keep_every_row(tmp_path):
    rng = np.random.default_rng(1)
    pixels = rng.integers(0, 17, (40, 64))
    pixels[:, 0] = 0                                     # a blank first column, as in digits
    rows = [list(map(int, r)) + [i % 10] for i, r in enumerate(pixels)]
    dataset = load_dataset(write_csv(tmp_path / "digits.csv", rows))
    assert dataset.n_samples == 40 and np.array_equal(dataset.X, pixels)
    assert dataset.image is not None and dataset.layout["header_row"] is None


def test_find_header_stops_at_a_first_row_of_data():
    rows = [[1, 2, 3, "x"], ["a", "b", "c", "label"], [4, 5, 6, "y"], [7, 8, 9, "x"]]
    assert find_header(rows) is None
    titled = [["Title", None, None, None]] + rows[1:]
    assert find_header(titled) == 1
    assert footer_count(titled[1:] + [["Total", 11, 13, None]], 4) == 1
    assert footer_count(titled[1:] + [[4, 5, 6, "y"]], 4) == 0


def test_a_first_sheet_of_data_without_a_header_stays_the_one_read(tmp_path):
    rows = [[1, 2, "x"], [3, 4, "y"], [5, 6, "x"]]
    path = write_xlsx(tmp_path / "book.xlsx", {"Numbers": rows, "Data": people_rows()})
    dataset = load_dataset(path)
    assert dataset.layout["sheet"] == "Numbers" and dataset.n_samples == 3


def test_a_last_row_with_a_label_alone_is_data_not_a_note(tmp_path):
    path = tmp_path / "blanks.csv"
    path.write_text("label,a,b\nx,1,2\ny,3,4\nx,,\n")
    dataset = load_dataset(path)
    assert dataset.n_samples == 3 and dataset.layout["skipped_below"] == 0


def test_the_cli_takes_the_header_row(tmp_path):
    path = write_xlsx(tmp_path / "p.xlsx", {"Data": people_rows()})
    trained = run("train", str(path), "--label-column", "species", "--header-row", "4",
                  "--epochs", "1", "--json")
    assert trained.returncode == 0, trained.stderr
    refused = run("train", str(path), "--label-column", "species", "--header-row", "3")
    assert refused.returncode == 2
    assert refused.stderr.strip() == 'error: Sheet "Data", row 3 is blank: it cannot be the header.'
