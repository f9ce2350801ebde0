"""Random affine / pen-width augmentation of image rows (nncore.digits.augment)."""
import numpy as np
import pytest

from nncore.digits.augment import make_augmenter
from nncore.digits.drawing import features_from_strokes
from nncore.data.images import ImageGeometry

GEOM = ImageGeometry(28, 28, "C", 0.0, 1.0)


def digits(n=16):
    """(n, 784) float32 MNIST-like rows, 0..1 ink high: a few different stroke drawings."""
    shapes = [[[[60, 60], [200, 60], [120, 230]]],
              [[[140, 40], [140, 240]]],
              [[[80, 80], [140, 40], [200, 80], [80, 230], [210, 230]]],
              [[[70, 40], [70, 150], [210, 150]], [[170, 60], [170, 240]]]]
    rows = [features_from_strokes(shapes[i % 4], 280, 280, 18, GEOM) for i in range(n)]
    return np.array(rows, dtype=np.float32)


def test_shape_dtype_and_range_preserved():
    X = digits()
    out = make_augmenter(GEOM)(X, np.random.default_rng(0))
    assert out.shape == X.shape and out.dtype == np.float32
    assert out.min() >= 0.0 and out.max() <= 1.0 + 1e-6
    assert not np.allclose(out, X)


def test_deterministic_with_the_same_rng():
    X = digits()
    augment = make_augmenter(GEOM, elastic=1.0)
    a = augment(X, np.random.default_rng(42))
    b = augment(X, np.random.default_rng(42))
    c = augment(X, np.random.default_rng(43))
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(a, c)


def test_identity_at_strength_zero():
    X = digits()
    out = make_augmenter(GEOM, strength=0.0)(X, np.random.default_rng(0))
    np.testing.assert_array_equal(out, X)
    assert out is not X


def test_identity_transform_when_all_ranges_are_zero():
    X = digits()
    augment = make_augmenter(GEOM, rotation=0, shift=0, scale=0, shear=0, thickness=0)
    np.testing.assert_allclose(augment(X, np.random.default_rng(0)), X, atol=1e-6)


@pytest.mark.parametrize("elastic", [0.0, 1.0])
def test_mass_roughly_preserved(elastic):
    X = digits(64)
    out = make_augmenter(GEOM, elastic=elastic)(X, np.random.default_rng(1))
    ratio = out.sum(axis=1) / X.sum(axis=1)
    assert 0.8 < np.median(ratio) < 1.25
    assert ratio.min() > 0.5 and ratio.max() < 2.0


def test_column_major_rows_are_augmented_as_pictures():
    X = digits(8)
    f_geom = ImageGeometry(28, 28, "F", 0.0, 1.0)
    Xf = X.reshape(-1, 28, 28).transpose(0, 2, 1).reshape(len(X), -1)
    out_c = make_augmenter(GEOM)(X, np.random.default_rng(5))
    out_f = make_augmenter(f_geom)(Xf, np.random.default_rng(5))
    np.testing.assert_allclose(out_f.reshape(-1, 28, 28).transpose(0, 2, 1).reshape(len(X), -1),
                               out_c, atol=1e-6)


def test_shift_moves_the_centre_of_mass():
    X = digits(32)
    augment = make_augmenter(GEOM, rotation=0, scale=0, shear=0, thickness=0, shift=2.0)
    out = augment(X, np.random.default_rng(3))
    xs = np.arange(28) + 0.5

    def com_x(rows):
        pictures = rows.reshape(-1, 28, 28)
        return pictures.sum(axis=1) @ xs / pictures.sum(axis=(1, 2))

    moved = np.abs(com_x(out) - com_x(X))
    assert moved.max() <= 2.2 and moved.mean() > 0.3


def test_negative_strength_rejected():
    with pytest.raises(ValueError, match="strength"):
        make_augmenter(GEOM, strength=-1)
