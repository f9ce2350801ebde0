"""The whole-array shortcuts of the fast CSV path agree with their plain versions."""
import numpy as np
import pytest

from nncore.data import fastcsv, frames


@pytest.mark.parametrize("rows", [
    [["1", "2.5", "300", " 7 ", "1e2", "inf", "-1", "nan", "255", "0"],
     ["2", "3", "4", "8", "5", "1", "0", "1", "254", "+0"]],
    [["1", "x"], ["2", "3"]],                    # text: column by column
    [["1", "2"], ["3"]],                         # ragged: column by column
    [["1_0", "1E1"], ["2", "3"]],
])
def test_the_dtype_guess_on_whole_arrays_matches_the_cell_by_cell_one(monkeypatch, rows):
    columns = range(len(rows[0]))
    fast = fastcsv.guess_dtypes(rows, columns)
    monkeypatch.setattr(fastcsv, "_guess_numeric", lambda rows, columns: None)
    assert fast == fastcsv.guess_dtypes(rows, columns)


@pytest.mark.parametrize("n", [1, 2, 7, 200])
def test_medians_match_numpy(n):
    rng = np.random.default_rng(n)
    mostly_blank = np.where(rng.random((n, 5)) < 0.7, 0, rng.integers(1, 256, (n, 5)))
    block = np.hstack([mostly_blank, rng.integers(0, 256, (n, 4))]).astype(np.uint8)
    np.testing.assert_array_equal(frames._medians(block), np.median(block, axis=0))
    floats = rng.normal(size=(n, 3)).astype(np.float32)
    floats[: n // 2 + 1, 0] = -5                 # the smallest value fills more than half
    np.testing.assert_array_equal(frames._medians(floats), np.median(floats, axis=0))


def test_a_clean_file_is_read_in_one_call_and_text_stays_text(tmp_path, monkeypatch):
    """No widening re-read for a file whose cells fit; a text column whose later rows look
    like numbers stays text all through."""
    lines = ["kind,pixel,label"] + [f"{'a' if i < 300 else i},{i % 256},{i % 3}"
                                    for i in range(100_000)]
    path = tmp_path / "t.csv"
    path.write_text("\n".join(lines) + "\n")
    monkeypatch.setattr(fastcsv, "_read_widening", None)    # would fail if called
    dtypes = {0: fastcsv.TEXT, 1: fastcsv.UINT8, 2: fastcsv.TEXT}
    frame = fastcsv.read_frame(path, ",", 1, 3, dtypes)
    assert frame[1].dtype == np.uint8 and frame[0].dtype == object
    assert {type(v) for v in frame[0]} == {str} and frame.loc[100_001, 0] == "99999"
    assert frame.index[0] == 2 and len(frame) == 100_000


def test_a_big_file_reports_its_progress_and_a_small_one_reads_on_threads(tmp_path,
                                                                         monkeypatch):
    """From PROGRESS_FROM_BYTES the reading reports the share read, rising to 1; below it the
    share is unknown (None) until the end; the rows are the same either way."""
    lines = ["a,b"] + [f"{i % 256},{i % 7}" for i in range(200_000)]
    path = tmp_path / "t.csv"
    path.write_text("\n".join(lines) + "\n")
    dtypes = {0: fastcsv.UINT8, 1: fastcsv.UINT8}
    heard = []
    threaded = fastcsv.read_frame(path, ",", 1, 2, dtypes, progress=heard.append)
    assert heard == [None, 1.0]
    monkeypatch.setattr(fastcsv, "PROGRESS_FROM_BYTES", path.stat().st_size // 2)
    monkeypatch.setattr(fastcsv, "_read_widening", None)    # still one call, no chunks
    heard = []
    counted = fastcsv.read_frame(path, ",", 1, 2, dtypes, progress=heard.append)
    assert None not in heard and heard[-1] == 1.0 and heard == sorted(heard)
    assert counted.equals(threaded) and counted.index[0] == 2


@pytest.mark.parametrize("body", [
    b"a,b\n1,2\n",
    b"a,b\n1,2",                                 # cut short: the lines are counted
    b"a,b\n1,2\r\n\r\n\n\n",                     # blank lines after the last row
    b"a,b\n" + b"7," * 100_000 + b"7\n\n",       # a last line longer than a block read
    b"x" * 70_000,                               # one line, no line break
    b"",
])
def test_last_line_reads_the_end_only_and_agrees_with_the_whole_file(tmp_path, body):
    path = tmp_path / "f.csv"
    path.write_bytes(body)
    stripped = body.rstrip(b"\r\n")
    expected = (None if body.endswith(b"\n") else body.count(b"\n") + 1,
                stripped.rsplit(b"\n", 1)[-1].decode(), body.endswith(b"\n"))
    assert fastcsv.last_line(path) == expected
    end = body[-10:].rstrip(b"\r\n").rsplit(b"\n", 1)[-1].decode()   # at most 10 bytes read
    assert fastcsv.last_line(path, max_bytes=10)[1:] == (end, expected[2])
