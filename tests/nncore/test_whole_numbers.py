"""Records of whole numbers read by numpy (``nncore.data.whole_numbers``) give what pandas
reads, and anything else is left to pandas."""
import io

import numpy as np
import pandas as pd
import pytest

from nncore.data import chunks, whole_numbers


def csv_bytes(values):
    return "".join(",".join(str(v) for v in row) + "\n" for row in values).encode()


def test_random_pixels_and_long_numbers_read_as_pandas_reads_them():
    rng = np.random.default_rng(0)
    values = rng.integers(0, 256, size=(300, 17))
    values[:, 3] = rng.integers(0, 10 ** 9, size=300)        # up to nine digits
    values[::7, 5] = 0
    data = csv_bytes(values)
    parsed = whole_numbers.parse(data, 17)
    expected = pd.read_csv(io.BytesIO(data), header=None).to_numpy()
    assert parsed.values.dtype == np.int32
    np.testing.assert_array_equal(parsed.values, expected)


def test_text_of_a_column_is_as_written():
    parsed = whole_numbers.parse(b"007,1\n10,2\n", 2)
    assert parsed.values.tolist() == [[7, 1], [10, 2]]
    assert parsed.text(0) == ["007", "10"] and parsed.text(1) == ["1", "2"]


@pytest.mark.parametrize("data", [
    b"1,-2\n", b"1,2.5\n", b"1,\n", b'1,"2"\n', b"1,2\r\n", b"1,2 \n", b"1,2",
    b"1,2,3\n", b"1\n2\n", b"1,1234567890\n", b"", b"1;2\n"])
def test_anything_but_whole_numbers_is_left_to_pandas(data):
    assert whole_numbers.parse(data, 2) is None


def test_a_chunk_read_by_numpy_equals_the_chunk_pandas_reads(monkeypatch):
    names = ["label", "a", "b", "c"]
    block = [(n + 2, f"{n % 3},{n},{n * 7 % 256},0\n".encode()) for n in range(50)]
    prepare = lambda numbers: numbers.sum(axis=1)               # noqa: E731
    args = dict(codec="utf-8", delimiter=",", names=names, dtypes={"label": str},
                number_columns=["a", "b", "c"], prepare=prepare)
    fast = chunks._parse_block(block, **args)
    monkeypatch.setattr(whole_numbers, "parse", lambda data, n_cols: None)
    slow = chunks._parse_block(block, **args)
    pd.testing.assert_frame_equal(fast.frame, slow.frame, check_dtype=False)   # int32/int64
    assert fast.frame["label"].tolist() == slow.frame["label"].tolist() == [str(n % 3) for n in range(50)]
    assert fast.lines == slow.lines
    np.testing.assert_array_equal(fast.numbers, slow.numbers)
    np.testing.assert_array_equal(fast.prepared, slow.prepared)
    assert list(fast.frame.index) == list(range(2, 52))


@pytest.mark.parametrize("tail", [b"", b'7,"a\nb"\n8,9\n', b"7,8\n\n \n9,1\n", b"7,8\n  "])
def test_records_are_cut_in_batches_and_numbered_as_lines(monkeypatch, tail):
    monkeypatch.setattr(chunks, "READ_BYTES", 16)       # a few lines a batch
    data = b"".join(f"{n},{n * 3}\n".encode() for n in range(40)) + tail
    got = list(chunks._records(io.BytesIO(data)))
    # what the line-at-a-time reader (quotes joined, blank lines dropped) gives
    expected = list(chunks._records_one_by_one(iter(data.splitlines(keepends=True)), 0))
    assert got == expected and got[0] == (1, b"0,0\n")
    assert [n for n, _ in got][:40] == list(range(1, 41))
