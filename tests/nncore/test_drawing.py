"""Drawings and pictures -> feature rows like the dataset's digits (nncore.digits.drawing)."""
import json

import numpy as np
import pytest

from nncore.digits.drawing import features_from_image, features_from_strokes, processed_pixels
from nncore.digits.ink import default_profile, measure_profile, render_strokes
from nncore.data.images import ImageGeometry

MNIST_GEOM = ImageGeometry(28, 28, "C", 0.0, 255.0)


def synthetic_digit():
    """A 28x28 MNIST-like "7" (ink high, 0..1) drawn at MNIST's size and pen, centred by mass."""
    row = features_from_strokes([[[60, 60], [200, 60], [120, 230]]], 280, 280, 18,
                                ImageGeometry(28, 28))
    return row.reshape(28, 28)


def centre_of_mass(picture):
    ys, xs = np.indices(picture.shape) + 0.5
    m = picture.sum()
    return (ys * picture).sum() / m, (xs * picture).sum() / m


def ink_box(picture, threshold=0.05):
    ys, xs = np.nonzero(picture > threshold)
    return ys.max() - ys.min() + 1, xs.max() - xs.min() + 1


# ------------------------------------------------------------------ render_strokes

def test_render_line_has_pen_width_and_round_caps():
    img = render_strokes([[[20, 50], [80, 50]]], 100, 100, 10)
    assert img.shape == (100, 100) and img.dtype == np.float32
    assert 0.0 <= img.min() and img.max() <= 1.0
    # Ink area = rectangle 60x10 + one disc of radius 5 (two half-disc caps).
    assert img.sum() == pytest.approx(60 * 10 + np.pi * 25, rel=0.02)
    assert img[50, 50] == 1.0 and img[40, 50] == 0.0 and img[50, 90] == 0.0


def test_render_dot_and_scale():
    img = render_strokes([[[50, 50]]], 100, 100, 20)
    assert img.sum() == pytest.approx(np.pi * 100, rel=0.02)
    half = render_strokes([[[50, 50]]], 100, 100, 20, scale=0.5)
    assert half.shape == (50, 50)
    assert half.sum() == pytest.approx(np.pi * 25, rel=0.03)


def test_render_empty_and_thin_pen():
    assert render_strokes([], 40, 30, 5).shape == (30, 40)
    assert render_strokes([[]], 40, 30, 5).sum() == 0
    thin = render_strokes([[[0, 10.5], [40, 10.5]]], 40, 20, 0.5)
    assert thin.sum() == pytest.approx(40 * 0.5, rel=0.05)          # partial ink, not lost


# ------------------------------------------------------------------ measure_profile

def test_measure_profile_of_mnist_like_digits():
    pictures = np.stack([synthetic_digit()] * 3)
    p = measure_profile(pictures)
    json.dumps(p)
    assert p["height"] == 28 and p["width"] == 28 and p["n_images"] == 3
    assert 19 <= p["box"] <= 21
    assert 1.8 <= p["thickness"] <= 3.0
    assert p["center_of_mass"] == pytest.approx([14.5, 14.5], abs=0.2)
    assert p["ink_value"] == pytest.approx(1.0)


def test_measure_profile_pen_width_of_bars():
    pictures = np.zeros((2, 40, 40))
    pictures[0, 5:35, 10:13] = 1.0                                   # 3 px wide bar
    pictures[1, 5:35, 10:15] = 1.0                                   # 5 px wide bar
    p = measure_profile(pictures)
    assert p["thickness"] == pytest.approx(4.0 * 30 / 33, rel=0.05)  # ends shorten it a little


def test_measure_profile_rejects_blank():
    with pytest.raises(ValueError, match="ink"):
        measure_profile(np.zeros((2, 28, 28)))


# ------------------------------------------------------------------ features_from_image

def test_upscaled_digit_comes_back_nearly_identical():
    digit = synthetic_digit()
    big = np.kron(digit, np.ones((10, 10)))                          # 280x280
    profile = measure_profile(digit[None])
    row = features_from_image(big, ImageGeometry(28, 28), profile)
    back = row.reshape(28, 28)
    assert np.corrcoef(back.ravel(), digit.ravel())[0, 1] > 0.9
    assert np.abs(back - digit).mean() < 0.05


def test_image_polarity_and_value_range():
    digit = synthetic_digit()
    paper = 255 * (1 - np.kron(digit, np.ones((5, 5))))               # dark ink on white, 0..255
    row = features_from_image(paper, MNIST_GEOM)
    assert row.min() >= 0 and row.max() == pytest.approx(255)
    assert row.reshape(28, 28)[0, 0] == 0                            # background is blank paper


def test_blank_image_gives_none():
    assert features_from_image(np.zeros((50, 50)), MNIST_GEOM) is None
    assert features_from_image(np.full((50, 50), 7.0), MNIST_GEOM) is None


# ------------------------------------------------------------------ features_from_strokes

def test_blank_drawing_gives_none():
    assert features_from_strokes([], 280, 280, 18, MNIST_GEOM) is None
    assert features_from_strokes([[]], 280, 280, 18, MNIST_GEOM) is None


@pytest.mark.parametrize("offset, size", [((0, 0), 200), ((-100, -90), 40), ((90, 80), 60)])
def test_drawing_lands_centred_at_mnist_size(offset, size):
    """Small or off-centre drawings come out like an MNIST digit: 20 px box, centred by mass."""
    ox, oy = 140 + offset[0], 140 + offset[1]
    stroke = [[ox - size / 4, oy - size / 2], [ox + size / 4, oy - size / 2],
              [ox - size / 8, oy + size / 2]]                      # a "7", twice as tall as wide
    row = features_from_strokes([stroke], 280, 280, 18, ImageGeometry(28, 28))
    picture = row.reshape(28, 28)
    height, width = ink_box(picture)
    assert 19 <= height <= 21 and width < height
    cy, cx = centre_of_mass(picture)
    assert cy == pytest.approx(14.5, abs=0.6) and cx == pytest.approx(14.5, abs=0.6)


def test_pen_width_follows_the_dataset_not_the_canvas():
    stroke = [[[100, 40], [100, 240]], [[100, 40], [60, 90]]]
    thin = features_from_strokes(stroke, 280, 280, 4, ImageGeometry(28, 28))
    thick = features_from_strokes(stroke, 280, 280, 30, ImageGeometry(28, 28))
    assert np.abs(thin - thick).max() < 1e-9
    p = measure_profile(thin.reshape(1, 28, 28))
    assert p["thickness"] == pytest.approx(default_profile(ImageGeometry(28, 28))["thickness"],
                                           rel=0.2)


def test_single_dot_is_a_small_centred_blob():
    row = features_from_strokes([[[30, 200]]], 280, 280, 18, ImageGeometry(28, 28))
    picture = row.reshape(28, 28)
    assert picture.max() > 0.5
    assert max(ink_box(picture)) <= 6
    assert centre_of_mass(picture) == pytest.approx((14.5, 14.5), abs=0.6)


def test_value_range_and_column_major_is_the_transpose():
    strokes = [[[80, 50], [200, 60], [120, 240]], [[90, 150], [170, 150]]]
    c_geom = ImageGeometry(20, 20, "C", -1.0, 2.0)
    f_geom = ImageGeometry(20, 20, "F", -1.0, 2.0)
    c_row = features_from_strokes(strokes, 280, 280, 18, c_geom)
    f_row = features_from_strokes(strokes, 280, 280, 18, f_geom)
    assert c_row.shape == (400,)
    assert c_row.min() == pytest.approx(-1.0) and c_row.max() == pytest.approx(2.0, abs=1e-6)
    np.testing.assert_allclose(f_row.reshape(20, 20), c_row.reshape(20, 20).T)
    assert processed_pixels(f_row, f_geom) == pytest.approx(processed_pixels(c_row, c_geom))


def test_strokes_and_their_rendering_agree():
    strokes = [[[80, 50], [200, 60], [120, 240]], [[90, 150], [170, 150]]]
    from_strokes = features_from_strokes(strokes, 280, 280, 18, ImageGeometry(28, 28))
    from_picture = features_from_image(render_strokes(strokes, 280, 280, 18), ImageGeometry(28, 28))
    assert np.corrcoef(from_strokes, from_picture)[0, 1] > 0.9


def test_profile_box_and_centre_are_followed():
    profile = dict(default_profile(ImageGeometry(28, 28)), box=14.0, center_of_mass=[12.0, 16.0])
    row = features_from_strokes([[[100, 40], [100, 240]], [[60, 140], [160, 140]]], 280, 280, 18,
                                ImageGeometry(28, 28), profile)
    picture = row.reshape(28, 28)
    assert 13 <= max(ink_box(picture)) <= 15
    assert centre_of_mass(picture) == pytest.approx((12.0, 16.0), abs=0.6)


def test_processed_pixels_are_upright_row_major_unit_range():
    geom = ImageGeometry(2, 2, "F", 0.0, 10.0)
    # Column-major row [a(0,0), a(1,0), a(0,1), a(1,1)].
    assert processed_pixels([0.0, 10.0, 5.0, 20.0], geom) == [0.0, 0.5, 1.0, 1.0]
