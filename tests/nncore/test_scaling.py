import json

import numpy as np
import pytest

from nncore.data.images import ImageGeometry
from nncore.data import scaling
from nncore.data.scaling import Scaler


def test_image_scaling_maps_paper_to_zero_and_ink_to_one():
    X = np.array([[0, 255, 51], [255, 0, 0]], dtype=np.float64)
    Z = Scaler().fit(X, image=ImageGeometry(1, 3, "C", 0, 255)).transform(X)
    assert Z.dtype == np.float32
    np.testing.assert_allclose(Z, [[0, 1, 0.2], [1, 0, 0]], rtol=1e-6)


def test_standardise_with_constant_feature():
    rng = np.random.default_rng(0)
    X = np.column_stack([rng.normal(5, 3, 200), np.full(200, 7.0)])
    scaler = Scaler().fit(X)
    Z = scaler.transform(X, dtype=np.float64)
    np.testing.assert_allclose(Z[:, 0].mean(), 0, atol=1e-12)
    np.testing.assert_allclose(Z[:, 0].std(), 1, atol=1e-12)
    assert scaler.scale[1] == 1.0 and np.all(Z[:, 1] == 0)


def test_round_trip_through_dict_and_inverse():
    X = np.random.default_rng(1).normal(size=(20, 4))
    scaler = Scaler().fit(X)
    restored = Scaler.from_dict(json.loads(json.dumps(scaler.to_dict())))
    np.testing.assert_array_equal(restored.transform(X), scaler.transform(X))
    np.testing.assert_allclose(restored.inverse_transform(restored.transform(X, np.float64)), X)
    assert restored.transform(X[0]).shape == (4,)


@pytest.mark.parametrize("image", [None, ImageGeometry(2, 3, "C", 0, 255)])
def test_narrow_rows_scale_as_their_float64_copy_does(monkeypatch, image):
    """uint8 pixels and float32 numbers need no float64 copy; blocks of rows change nothing."""
    rng = np.random.default_rng(2)
    for X in (rng.integers(0, 256, size=(50, 6), dtype=np.uint8),
              rng.normal(100, 3, size=(50, 6)).astype(np.float32)):
        wide = X.astype(np.float64)
        expected = Scaler().fit(wide, image=image)
        rows, row = expected.transform(wide), expected.transform(wide[3])
        monkeypatch.setattr(scaling, "BLOCK_ROWS", 7)
        scaler = Scaler().fit(X, image=image)
        np.testing.assert_array_equal(scaler.offset, expected.offset)
        np.testing.assert_allclose(scaler.scale, expected.scale, rtol=1e-15)
        np.testing.assert_array_equal(scaler.transform(X), rows)
        np.testing.assert_array_equal(scaler.transform(X[3]), row)
        monkeypatch.undo()


def test_errors():
    with pytest.raises(ValueError, match="not fitted"):
        Scaler().transform(np.zeros((1, 2)))
    with pytest.raises(ValueError, match="expected 2 features"):
        Scaler([0, 0], [1, 1]).transform(np.zeros((1, 3)))
    with pytest.raises(ValueError, match="non-zero"):
        Scaler([0], [0])
    assert Scaler.from_dict(Scaler().to_dict()).fitted is False
