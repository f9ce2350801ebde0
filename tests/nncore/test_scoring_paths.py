"""score_file's fast path (a comma-separated file: its lines passed through, the prediction
cells built by numpy, chunks parsed on threads ahead) writes what its plain path (other
delimiters: every cell through pandas' ``to_csv``) writes, chunk by chunk or in one chunk."""
import csv
import threading

import numpy as np
import pandas as pd
import pytest

from nncore import scoring
from nncore.data import chunks
from nncore.scoring import score_file
from tests.churn_tables import picture_model, train_churn_model

TABLE = [["note", "plan", "age", "churn"],
         ["a, quoted", "pro", "30", "yes"],
         ["b", "gold", "41", "no"],                 # unseen category
         ["c", "max", "abc", "yes"],                # not a number: the row's error
         ["d", "", "", ""],                         # blanks, no label
         ['say "e"', "basic", "55", "no"],
         ["f", "pro", "", "maybe"]]                 # a label the model does not know


@pytest.fixture(scope="module")
def churn(tmp_path_factory):
    return train_churn_model(tmp_path_factory.mktemp("paths"))[0]


@pytest.fixture(scope="module")
def pictures():
    return picture_model(40, 6, "tanh", 2)


def write(path, rows, delimiter):
    with open(path, "w", newline="") as fh:
        csv.writer(fh, delimiter=delimiter).writerows(rows)
    return path


def score_both_ways(model, rows, tmp_path, chunk_rows):
    """``(fast output, plain output, fast summary, plain summary)``: the rows as a comma CSV
    in chunks of ``chunk_rows``, and as a semicolon CSV in one chunk."""
    fast = score_file(model, write(tmp_path / "in.csv", rows, ","), tmp_path / "fast.csv",
                      chunk_rows=chunk_rows)
    plain = score_file(model, write(tmp_path / "in;.csv", rows, ";"), tmp_path / "plain.csv")
    read = lambda name: pd.read_csv(tmp_path / name, dtype=str,   # noqa: E731
                                    keep_default_na=False)
    return read("fast.csv"), read("plain.csv"), fast, plain


@pytest.mark.parametrize("chunk_rows", [1, 2, None])
def test_a_table_with_categories_blanks_and_bad_rows_scores_alike(churn, tmp_path,
                                                                     chunk_rows):
    fast, plain, fast_summary, plain_summary = score_both_ways(churn, TABLE, tmp_path,
                                                              chunk_rows)
    assert fast.equals(plain)
    assert fast_summary == plain_summary
    assert list(fast["note"]) == [r[0] for r in TABLE[1:]]
    assert fast.loc[2, "error"] == 'column "age": "abc" is not a number'
    assert fast.loc[2, "probability_no"] == "" and fast.loc[2, "predicted_churn"] == ""
    assert fast_summary["unseen"] == {"plan": 1} and fast_summary["blanks"] == {"plan": 1,
                                                                                 "age": 2}
    assert fast_summary["metrics"]["unknown_labels"] == 1
    for i in (0, 1, 3, 4, 5):                      # 6 decimals: numpy's rounding, as text
        features, _ = churn.encode_row({"plan": TABLE[i + 1][1], "age": TABLE[i + 1][2]})
        expected = np.round(churn.predict_proba(features)[0].astype(np.float64), 6)
        got = fast.loc[i, ["probability_no", "probability_yes"]]
        assert all(len(v) == 8 for v in got)
        np.testing.assert_array_equal(got.astype(float), expected)


@pytest.mark.parametrize("chunk_rows", [3, None])
def test_a_picture_csv_scores_alike(pictures, tmp_path, chunk_rows):
    model, X = pictures
    rows = [["label"] + [f"pixel{i}" for i in range(9)]]
    rows += [[str(i % 3 + 1)] + [str(int(v)) for v in x] for i, x in enumerate(X)]
    rows[5][3], rows[9][1] = "ink", ""
    fast, plain, fast_summary, plain_summary = score_both_ways(model, rows, tmp_path,
                                                              chunk_rows)
    assert fast.equals(plain) and fast_summary == plain_summary
    assert fast_summary["errors"] == 2 and fast_summary["metrics"]["rows"] == 38
    ok = fast["error"] == ""
    expected = np.round(model.predict_proba(X[ok.to_numpy()]).astype(np.float64), 6)
    got = fast.loc[ok, ["probability_1", "probability_2", "probability_3"]].astype(float)
    np.testing.assert_array_equal(got.to_numpy(), expected)
    assert list(fast.loc[ok, "predicted_label"]) == list(model.predict(X[ok.to_numpy()]))


def test_outputs_computed_on_the_parsing_threads_equal_the_scoring_threads(
        pictures, tmp_path, monkeypatch):
    model, X = pictures
    rows = [["label"] + [f"pixel{i}" for i in range(9)]]
    rows += [[str(i % 3 + 1)] + [str(int(v)) for v in x] for i, x in enumerate(X)]
    rows[7][2] = "ink"
    source = write(tmp_path / "in.csv", rows, ",")
    ahead = []
    real = scoring.predict_ahead
    monkeypatch.setattr(scoring, "predict_ahead", lambda m: lambda numbers: ahead.append(
        len(numbers)) or real(m)(numbers))
    summary = score_file(model, source, tmp_path / "ahead.csv", chunk_rows=8)
    assert ahead == [8] * 4 and summary["errors"] == 1     # the chunk with "ink": no block
    monkeypatch.setattr(scoring, "predict_ahead", lambda m: None)
    assert score_file(model, source, tmp_path / "here.csv", chunk_rows=8) == summary
    assert (tmp_path / "ahead.csv").read_bytes() == (tmp_path / "here.csv").read_bytes()


def test_a_bad_row_in_a_later_chunk_names_its_row_and_leaves_no_thread(churn, tmp_path):
    source = write(tmp_path / "in.csv", [TABLE[0]] + [TABLE[2]] * 9, ",")
    with open(source, "a") as fh:
        fh.write('x,pro,"3,yes\n')                 # a quote never closed
    before = threading.active_count()
    with pytest.raises(ValueError, match="could not be read from row 11 on"):
        score_file(churn, source, tmp_path / "out.csv", chunk_rows=3)
    assert threading.active_count() == before
    assert not (tmp_path / "out.csv").exists()


def test_a_cancel_stops_the_parsing_threads(churn, tmp_path, monkeypatch):
    monkeypatch.setattr(chunks, "PARSE_THREADS", 3)
    rows = [TABLE[0]] + [TABLE[1]] * 40
    before = threading.active_count()
    summary = score_file(churn, write(tmp_path / "in.csv", rows, ","), tmp_path / "out.csv",
                         chunk_rows=2, progress=lambda done: done < 6)
    assert summary["cancelled"] and summary["rows"] == 6
    assert threading.active_count() == before
