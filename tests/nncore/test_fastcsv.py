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
