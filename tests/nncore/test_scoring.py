"""score_file: a file of new rows in, the same rows with their predictions out."""
import csv

import numpy as np
import openpyxl
import pandas as pd
import pytest

from nncore.scoring import score_file
from tests.churn_tables import picture_model, train_churn_model


@pytest.fixture(scope="module")
def churn(tmp_path_factory):
    """A model trained on a table with a number column (with blanks), a category and an id."""
    return train_churn_model(tmp_path_factory.mktemp("scoring"))[0]


NEW_ROWS = [["note", "plan", "age", "churn"],        # reordered, one extra column, no id
            ["007", "pro", "30", "yes"],
            ["x", "gold", "41", "no"],                # unseen category
            ["y", "max", "abc", "yes"],               # a cell that is not a number
            ["z", "", "", ""],                        # blanks, no label
            ["w", "basic", "55", "no"]]


def write_csv(path, rows):
    with open(path, "w", newline="") as fh:
        csv.writer(fh).writerows(rows)
    return path


def single_row(model, row):
    features, _ = model.encode_row(row)
    return model.predict_proba(features)[0]


def test_table_rows_are_scored_as_the_try_a_row_form_scores_them(churn, tmp_path):
    source = write_csv(tmp_path / "new.csv", NEW_ROWS)
    summary = score_file(churn, source, tmp_path / "out.csv", chunk_rows=2)
    out = pd.read_csv(tmp_path / "out.csv", dtype=str, keep_default_na=False)
    assert list(out.columns) == ["note", "plan", "age", "churn", "predicted_churn",
                                 "probability_no", "probability_yes", "error"]
    assert summary["columns"] == list(out.columns)
    assert list(out["note"]) == ["007", "x", "y", "z", "w"]      # passed through as text
    for i, (note, plan, age, _) in enumerate(NEW_ROWS[1:]):
        if note == "y":
            continue
        expected = single_row(churn, {"plan": plan, "age": age})
        got = out.loc[i, ["probability_no", "probability_yes"]].astype(float).to_numpy()
        np.testing.assert_allclose(got, expected, atol=1e-6)
        assert out.loc[i, "predicted_churn"] == churn.classes[int(np.argmax(expected))]
    bad = out.loc[2]
    assert bad["error"] == 'column "age": "abc" is not a number'
    assert bad["predicted_churn"] == "" and bad["probability_no"] == ""
    assert summary["rows"] == 5 and summary["scored"] == 4 and summary["errors"] == 1
    assert summary["error_examples"] == ['row 4: column "age": "abc" is not a number']
    assert summary["blanks"] == {"age": 1, "plan": 1} and summary["unseen"] == {"plan": 1}
    metrics = summary["metrics"]
    assert metrics["rows"] == 3 and metrics["classes"] == churn.classes   # rows 1, 2 and 5
    assert np.sum(metrics["confusion"]) == 3
    assert metrics["accuracy"] == np.trace(metrics["confusion"]) / 3


def test_a_workbook_scores_like_the_csv(churn, tmp_path):
    write_csv(tmp_path / "new.csv", NEW_ROWS)
    score_file(churn, tmp_path / "new.csv", tmp_path / "from_csv.csv")
    book = openpyxl.Workbook()
    for row in NEW_ROWS:
        book.active.append([float(v) if v.isdigit() and len(v) < 3 else v for v in row])
    book.save(tmp_path / "new.xlsx")
    summary = score_file(churn, tmp_path / "new.xlsx", tmp_path / "from_xlsx.csv")
    a = pd.read_csv(tmp_path / "from_csv.csv", dtype=str, keep_default_na=False)
    b = pd.read_csv(tmp_path / "from_xlsx.csv", dtype=str, keep_default_na=False)
    columns = ["predicted_churn", "probability_no", "probability_yes", "error"]
    assert a[columns].equals(b[columns])
    assert summary["errors"] == 1 and summary["metrics"]["rows"] == 3


def test_without_the_label_column_there_are_no_metrics(churn, tmp_path):
    rows = [[r[1], r[2]] for r in NEW_ROWS]
    summary = score_file(churn, write_csv(tmp_path / "new.csv", rows), tmp_path / "out.csv")
    assert summary["metrics"] is None and summary["label_column"] is None
    assert summary["columns"][:3] == ["plan", "age", "predicted_churn"]


@pytest.mark.parametrize("rows, message", [
    ([["plan", "churn"], ["pro", "yes"]], 'has no column "age": the model was trained with it'),
    ([["note", "other"], ["a", "3"], ["b", "4"]],
     'has no column "age", "plan": the model was trained with them'),
    ([["pro", "3"], ["max", "4"]], r'needs a header row naming its columns \("age", "plan"\)'),
    ([["plan", "age"]], "no rows to score"),
])
def test_bad_files_are_refused_with_a_clear_message(churn, tmp_path, rows, message):
    out = tmp_path / "out.csv"
    with pytest.raises(ValueError, match=message):
        score_file(churn, write_csv(tmp_path / "new.csv", rows), out)
    assert list(tmp_path.iterdir()) == [tmp_path / "new.csv"]      # nothing left behind


def test_a_csv_cut_mid_row_is_refused(churn, tmp_path):
    path = tmp_path / "cut.csv"
    path.write_text("plan,age,churn\npro,30,yes\nmax,4")
    with pytest.raises(ValueError, match="ends in the middle of row 3"):
        score_file(churn, path, tmp_path / "out.csv")


def test_progress_hears_rows_done_and_can_cancel(churn, tmp_path):
    rows = [NEW_ROWS[0]] + [NEW_ROWS[1]] * 10
    source = write_csv(tmp_path / "new.csv", rows)
    heard = []
    summary = score_file(churn, source, tmp_path / "out.csv", chunk_rows=4,
                         progress=lambda done: heard.append(done) is None)
    assert heard == [4, 8, 10] and summary["rows"] == 10
    summary = score_file(churn, source, tmp_path / "cancelled.csv", chunk_rows=4,
                         progress=lambda done: done < 8)
    assert summary["cancelled"] and summary["rows"] == 8
    assert not (tmp_path / "cancelled.csv").exists()


@pytest.fixture(scope="module")
def pictures():
    """A model of 3x3 pictures (numeric features only), untrained: scoring only reads it."""
    return picture_model(20, 5, "relu", 1)


def test_a_picture_csv_with_the_label_first_scores(pictures, tmp_path):
    model, X = pictures
    labels = ["2", "1", "3", "2"]
    rows = [["label"] + [f"pixel{i}" for i in range(9)]]
    rows += [[y] + [str(int(v)) for v in x] for y, x in zip(labels, X[:4])]
    rows[3][5] = "ink"
    summary = score_file(model, write_csv(tmp_path / "p.csv", rows), tmp_path / "out.csv")
    out = pd.read_csv(tmp_path / "out.csv", dtype=str, keep_default_na=False)
    assert list(out.columns[:2]) == ["label", "pixel0"] and out.columns[10] == "predicted_label"
    expected = model.predict_proba(X[:4])
    got = out[["probability_1", "probability_2", "probability_3"]]
    np.testing.assert_allclose(got.loc[[0, 1, 3]].astype(float), expected[[0, 1, 3]], atol=1e-6)
    assert out.loc[2, "error"] == 'column "pixel4": "ink" is not a number'
    assert summary["label_column"] == "label" and summary["metrics"]["rows"] == 3


def test_the_tutorial_workbook_layout_scores(pictures, tmp_path):
    model, X = pictures
    book = openpyxl.Workbook()
    book.active.title = "X"
    for x in X[:5]:
        book.active.append(list(x))
    labels = book.create_sheet("y")
    for y in ["1", "2", "3", "1", "2"]:
        labels.append([int(y)])
    book.save(tmp_path / "tutorial.xlsx")
    summary = score_file(model, tmp_path / "tutorial.xlsx", tmp_path / "out.csv")
    out = pd.read_csv(tmp_path / "out.csv")
    assert list(out.columns[:10]) == [f"column {j}" for j in range(1, 10)] + ["y"]
    assert list(out["predicted_label"].astype(str)) == list(model.predict(X[:5]))
    assert summary["metrics"]["rows"] == 5


def test_a_picture_file_of_the_wrong_width_is_refused(pictures, tmp_path):
    model, _ = pictures
    rows = [[f"pixel{i}" for i in range(5)], ["0"] * 5]
    with pytest.raises(ValueError, match="expects 9 features per row .* has 5 columns"):
        score_file(model, write_csv(tmp_path / "p.csv", rows), tmp_path / "out.csv")


def test_csv_rows_pass_through_as_written(churn, tmp_path):
    source = tmp_path / "new.csv"
    source.write_bytes(b'plan,age,remark\r\npro,030,"two\r\nlines, one comma"\r\n\r\n'
                       b'max,41.50,plain\r\n')
    summary = score_file(churn, source, tmp_path / "out.csv")
    text = (tmp_path / "out.csv").read_bytes().decode("utf-8")
    lines = text.split("\n")
    assert lines[0].startswith("plan,age,remark,predicted_churn,probability_")
    assert lines[1] == "pro,030,\"two\r"                   # the quoted line break is kept
    assert lines[2].startswith('lines, one comma",')
    assert lines[3].startswith("max,41.50,plain,")
    assert summary["rows"] == 2 and summary["errors"] == 0
    expected = single_row(churn, {"plan": "max", "age": "41.5"})
    np.testing.assert_allclose([float(v) for v in lines[3].split(",")[4:6]], expected,
                               atol=1e-6)


def test_a_semicolon_csv_in_cp1252_is_written_as_comma_separated_utf8(churn, tmp_path):
    source = tmp_path / "new.csv"
    source.write_text("plan;age;churn;café\npro;30;yes;crème\nmax;x;no;\n", encoding="cp1252")
    summary = score_file(churn, source, tmp_path / "out.csv")
    out = pd.read_csv(tmp_path / "out.csv", dtype=str, keep_default_na=False, encoding="utf-8")
    assert list(out["café"]) == ["crème", ""]
    assert list(out["age"]) == ["30", "x"] and out.loc[1, "error"].endswith("is not a number")
    expected = single_row(churn, {"plan": "pro", "age": 30})
    np.testing.assert_allclose(out.loc[0, ["probability_no", "probability_yes"]].astype(float),
                               expected, atol=1e-6)
    assert summary["metrics"]["rows"] == 1


@pytest.mark.parametrize("chunk_rows", [2, None])
def test_titles_above_the_header_and_totals_below_the_data_are_not_scored(churn, tmp_path,
                                                                           chunk_rows):
    # an export as people make it: a title, a source line and a blank row above the header,
    # a blank row and a "Total" row below the data (the model's columns name the header)
    data = [["age", "plan", "id", "churn"], ["30", "pro", "a", "yes"],
            ["41", "basic", "b", "no"], ["55", "max", "c", "no"]]
    rows = [["Churn by customer, March"], ["Source: CRM export"], []] + data + [
        [], ["Total", "", "3", ""]]
    path = write_csv(tmp_path / "export.csv", rows)
    summary = score_file(churn, path, tmp_path / "out.csv", chunk_rows=chunk_rows)
    out = pd.read_csv(tmp_path / "out.csv", dtype=str, keep_default_na=False)
    assert summary["rows"] == 3 and list(out["id"]) == ["a", "b", "c"]
    assert summary["metrics"]["rows"] == 3 and summary["errors"] == 0
    assert summary["skipped"] == ('The header is row 4; 3 rows above it ("Churn by customer, '
                                  'March", "Source: CRM export" and a blank row) and 2 rows '
                                  'below the data (a blank row and "Total") were skipped.')
    # the same rows without them: the same predictions, nothing said
    plain = score_file(churn, write_csv(tmp_path / "plain.csv", data), tmp_path / "p.csv")
    assert plain["skipped"] is None
    assert (tmp_path / "p.csv").read_text() == (tmp_path / "out.csv").read_text()


def test_a_picture_file_without_a_header_keeps_every_row(pictures, tmp_path):
    model, X = pictures
    rows = [[str(i % 3 + 1)] + [str(int(v)) for v in x] for i, x in enumerate(X[:6])]
    summary = score_file(model, write_csv(tmp_path / "p.csv", rows), tmp_path / "o.csv")
    assert summary["rows"] == 6 and summary["skipped"] is None


def test_a_workbook_export_with_titles_and_totals_scores_its_data_rows(churn, tmp_path):
    data = [["age", "plan", "id", "churn"], [30, "pro", "a", "yes"], [41, "basic", "b", "no"]]
    book = openpyxl.Workbook()
    for row in [["Churn by customer"], [None]] + data + [[None], ["Total", None, 2, None]]:
        book.active.append(row)
    book.save(tmp_path / "export.xlsx")
    summary = score_file(churn, tmp_path / "export.xlsx", tmp_path / "out.csv")
    assert summary["rows"] == 2 and summary["metrics"]["rows"] == 2
    assert summary["skipped"].startswith("The header is row 3; 2 rows above it")
    assert '"Total"' in summary["skipped"]
