"""The scored file's cells built a block at a time agree with the plain one-call-a-cell text."""
import csv
import io

import numpy as np
import pytest

from nncore.data.csvcells import fixed_decimals, join_rows, quote, quote_column


def test_fixed_decimals_read_back_as_numpys_rounding():
    rng = np.random.default_rng(0)
    P = np.vstack([rng.random((500, 4)), rng.random((500, 4)) ** 12,     # many tiny values
                   [[0.0, 1.0, 0.5, 1e-7]], [[0.0000005, 0.9999995, 0.1234565, 0.9999994]]])
    text = fixed_decimals(P, 6)
    assert text.shape == P.shape
    assert all(len(t) == 8 and t[1] == "." for t in text.ravel())
    np.testing.assert_array_equal(text.astype(float), np.round(P, 6))
    assert text[-2].tolist() == ["0.000000", "1.000000", "0.500000", "0.000000"]


def test_fixed_decimals_outside_zero_to_one_fall_back_to_python():
    P = np.array([[1.5, -0.25], [12.0, 0.1]])
    assert fixed_decimals(P, 3).tolist() == [["1.500", "-0.250"], ["12.000", "0.100"]]
    assert fixed_decimals(np.empty((0, 3))).shape == (0, 3)


@pytest.mark.parametrize("cell", ["plain", "", "a,b", 'say "hi"', "two\nlines", " x "])
def test_quote_writes_a_cell_as_the_csv_module_does(cell):
    written = io.StringIO()
    csv.writer(written, lineterminator="\n").writerow([cell, "next"])
    assert f"{quote(cell)},next\n" == written.getvalue()


def test_a_carriage_return_is_quoted_and_reads_back():
    assert quote("cr\rlf") == '"cr\rlf"'
    assert next(csv.reader(io.StringIO(quote("cr\rlf") + ",next\n", newline=""))) == [
        "cr\rlf", "next"]


def test_rows_join_their_quoted_columns():
    rows = join_rows([quote_column(["a", "b,c", "a"]), ["1", "2", "3"], ["", "", 'x"']])
    assert rows == ["a,1,", '"b,c",2,', 'a,3,x"']


@pytest.mark.parametrize("P", [np.random.default_rng(1).random((30, 3)), np.array([[2.5, 0.5]]),
                               np.empty((0, 2))])
def test_joined_rows_are_the_cells_joined_by_commas(P):
    cells = fixed_decimals(P, 6)
    assert fixed_decimals(P, 6, joined=True).tolist() == [",".join(row) for row in cells]
