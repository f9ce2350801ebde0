import numpy as np
import pytest

from nncore.data.images import ImageGeometry, detect_image_geometry, from_images, to_images


def tall_strokes(n, side, rng, ink=1.0):
    """Upright digit-like pictures: a tall bar with a short cap, taller than wide."""
    images = np.zeros((n, side, side))
    for k in range(n):
        h, w = rng.integers(side // 2, side - 2), rng.integers(2, max(3, side // 3))
        r, c = rng.integers(0, side - h), rng.integers(0, side - w)
        images[k, r:r + h, c + w // 2] = ink
        images[k, r, c:c + w] = ink
    return images


@pytest.mark.parametrize("side, order", [(8, "C"), (20, "F"), (28, "C"), (28, "F")])
def test_orientation_from_tall_digits(side, order):
    geom = ImageGeometry(side, side, order)
    X = from_images(tall_strokes(50, side, np.random.default_rng(side)), geom)
    assert detect_image_geometry(X) == geom


@pytest.mark.parametrize("lo, hi, expected", [
    (0, 1, (0, 1)), (-0.13, 1.1, (0, 1)), (0, 16, (0, 16)), (0, 255, (0, 255)), (0, 200, (0, 255)),
])
def test_value_range(lo, hi, expected):
    X = from_images(tall_strokes(10, 20, np.random.default_rng(0), ink=hi), ImageGeometry(20, 20))
    X[0, 0] = lo
    geom = detect_image_geometry(X)
    assert (geom.vmin, geom.vmax) == expected


@pytest.mark.parametrize("X", [
    np.zeros((4, 50)),                 # not square
    np.zeros((4, 49)),                 # 7x7: too small to be a picture
    np.full((4, 64), 300.0),           # beyond bytes
    np.full((4, 64), -3.0),            # standardised features
    np.full((4, 64), np.nan),
])
def test_not_images(X):
    assert detect_image_geometry(X) is None


def test_to_and_from_images_round_trip():
    X = np.arange(2 * 12).reshape(2, 12)
    for order in "CF":
        geom = ImageGeometry(3, 4, order)
        images = to_images(X, geom)
        assert images.shape == (2, 3, 4)
        assert np.array_equal(from_images(images, geom), X)
        assert np.array_equal(to_images(X[1], geom), images[1])
        assert np.array_equal(from_images(images[1], geom), X[1])
    # column-major: the second feature is the pixel below the first
    assert to_images(X, ImageGeometry(3, 4, "F"))[0, 1, 0] == 1
    with pytest.raises(ValueError, match="12 features"):
        to_images(np.zeros((1, 10)), ImageGeometry(3, 4))


def test_geometry_dict_and_validation():
    geom = ImageGeometry(20, 20, "F", 0, 1)
    assert ImageGeometry.from_dict(geom.to_dict()) == geom
    with pytest.raises(ValueError, match="order"):
        ImageGeometry(2, 2, "X")
    with pytest.raises(ValueError, match="vmin < vmax"):
        ImageGeometry(2, 2, "C", 1, 1)
    with pytest.raises(ValueError, match="missing height"):
        ImageGeometry.from_dict({"width": 3})
