import numpy as np
import pytest

from nncore.data.splits import stratified_split


def test_split_is_stratified_disjoint_and_complete():
    y = np.repeat(np.arange(4), [100, 50, 20, 10])
    train, val = stratified_split(y, 0.2, np.random.default_rng(0))
    assert np.intersect1d(train, val).size == 0
    assert np.array_equal(np.sort(np.concatenate([train, val])), np.arange(y.size))
    assert np.bincount(y[val]).tolist() == [20, 10, 4, 2]
    assert train.dtype == np.int64 and np.all(np.diff(val) > 0)


def test_split_is_seeded():
    y = np.repeat(["a", "b", "c"], 30)
    first = stratified_split(y, 0.3, np.random.default_rng(5))
    again = stratified_split(y, 0.3, np.random.default_rng(5))
    other = stratified_split(y, 0.3, np.random.default_rng(6))
    assert all(np.array_equal(a, b) for a, b in zip(first, again))
    assert not np.array_equal(first[1], other[1])


def test_small_classes_get_one_validation_row_but_keep_one_for_training():
    y = np.array([0, 0, 1, 1, 1, 2])
    train, val = stratified_split(y, 0.01, np.random.default_rng(1))
    assert sorted(y[val].tolist()) == [0, 1]          # the single "2" stays in training
    train, val = stratified_split(y, 0.9, np.random.default_rng(1))
    assert sorted(set(y[train].tolist())) == [0, 1, 2]


def test_fraction_zero_gives_empty_validation():
    train, val = stratified_split(np.arange(10) % 2, 0.0, np.random.default_rng(0))
    assert train.tolist() == list(range(10)) and val.size == 0


@pytest.mark.parametrize("fraction", [-0.1, 1.0, 2])
def test_fraction_out_of_range(fraction):
    with pytest.raises(ValueError, match="validation fraction"):
        stratified_split(np.arange(4) % 2, fraction, np.random.default_rng(0))
