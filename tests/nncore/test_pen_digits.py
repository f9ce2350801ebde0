"""Synthetic pen digits: every template draws a recognisable digit, rows look like the
dataset's, labels follow its class order, seeds reproduce; fit adds them to training only."""
import numpy as np
import pytest

from nncore.config import TrainConfig, check_for_dataset
from nncore.data.dataset import Dataset
from nncore.digits.drawing import features_from_strokes
from nncore.digits.extras import AUTO_SYNTHETIC_DIGITS, drawing_profile, synthetic_digit_count
from nncore.fitting import fit
from nncore.data.images import ImageGeometry
from nncore.data.loaders import load_sample
from nncore.digits.pen_digits import (CANVAS, DIGITS, TEMPLATES, draw_digit, is_digit_classes,
                               synthetic_digits)


@pytest.fixture(scope="module")
def sample():
    return load_sample()


@pytest.fixture(scope="module")
def profile(sample):
    """The sample's drawing profile (box size, pen width), measured on all its pictures."""
    return drawing_profile(sample, np.arange(len(sample.y)))


@pytest.fixture(scope="module")
def centroids(sample):
    """Mean picture of each class of the built-in MNIST sample, scaled 0..1."""
    X = sample.X / 255.0
    return np.array([X[sample.y == k].mean(axis=0) for k in range(10)])


def test_every_digit_has_templates_and_each_fits_the_pad():
    assert list(TEMPLATES) == DIGITS
    rng = np.random.default_rng(0)
    for digit, options in TEMPLATES.items():
        assert options and all(share > 0 for _, share in options)
        for t in range(len(options)):
            strokes = draw_digit(digit, rng, t)
            pts = np.vstack(strokes)
            assert np.all(np.isfinite(pts))
            # scaled so the longer side takes 3/4 of the pad, centred
            extent = pts.max(axis=0) - pts.min(axis=0)
            assert extent.max() == pytest.approx(0.75 * CANVAS)
            assert np.allclose((pts.max(axis=0) + pts.min(axis=0)) / 2, CANVAS / 2)


# templates drawing a style MNIST hardly has: their mean picture correlates better with another
# digit's MNIST mean (a 9 whose tail sweeps back left looks, to MNIST, most like a 3 or a 2)
UNLIKE_MNIST = {("9", 2), ("9", 3), ("9", 4)}


@pytest.mark.parametrize("digit", DIGITS)
def test_templates_look_like_their_digit(digit, sample, profile, centroids):
    # a template that drew, say, a 6 upside down would correlate poorly with MNIST's 6s:
    # compare each template's mean synthetic picture with the MNIST class means
    rng = np.random.default_rng(1)
    for t in range(len(TEMPLATES[digit])):
        rows = [features_from_strokes(draw_digit(digit, rng, t), CANVAS, CANVAS, 18,
                                      sample.image, profile) for _ in range(12)]
        mean = np.mean(rows, axis=0) / 255.0
        r = [np.corrcoef(mean, c)[0, 1] for c in centroids]
        own = r[sample.classes.index(digit)]
        assert own > 0.5, f"template {t} of {digit}: correlation {own:.2f} with MNIST's {digit}s"
        if (digit, t) not in UNLIKE_MNIST:
            best = sample.classes[int(np.argmax(r))]
            assert best == digit, f"template {t} of {digit} looks most like MNIST's {best}s"


def test_rows_look_like_the_datasets_and_labels_follow_its_class_order(sample, profile):
    classes = ["3", "1", "4", "0", "5", "9", "2", "6", "8", "7"]       # any order
    X, y = synthetic_digits(40, classes, sample.image, profile,
                            np.random.default_rng(2))
    assert X.shape == (40, 784) and y.dtype == np.int64
    assert np.bincount(y, minlength=10).tolist() == [4] * 10          # evenly spread
    assert X.min() >= 0 and X.max() <= 255 and X.max() > 200        # the sample's 0..255
    # row k draws DIGITS[k % 10]; its label must name that digit in the given order
    assert [classes[i] for i in y[:10]] == DIGITS


def test_same_seed_same_digits_and_column_major_geometry(sample):
    tutorial = ImageGeometry(20, 20, "F", 0.0, 1.0)
    a = synthetic_digits(10, DIGITS, tutorial, None, np.random.default_rng(3))
    b = synthetic_digits(10, DIGITS, tutorial, None, np.random.default_rng(3))
    assert np.array_equal(a[0], b[0]) and np.array_equal(a[1], b[1])
    assert a[0].shape == (10, 400) and a[0].max() <= 1.0
    # the 1 (row 1) is taller than wide once laid out column-major
    one = a[0][1].reshape(20, 20, order="F") > 0.3
    rows, cols = np.flatnonzero(one.any(axis=1)), np.flatnonzero(one.any(axis=0))
    assert np.ptp(rows) > 2 * np.ptp(cols)


def test_only_digit_classes():
    assert is_digit_classes([str(d) for d in range(9, -1, -1)])
    assert not is_digit_classes([str(d) for d in range(1, 11)])     # the tutorial's 1..10
    with pytest.raises(ValueError, match="digits 0-9"):
        synthetic_digits(5, ["a", "b"], ImageGeometry(8, 8, "C", 0.0, 1.0), None,
                         np.random.default_rng(0))


def test_auto_count(sample):
    tiny = Dataset(X=np.zeros((4, 3)), y=[0, 1, 0, 1], classes=["0", "1"])
    assert synthetic_digit_count(sample, TrainConfig()) == AUTO_SYNTHETIC_DIGITS
    assert synthetic_digit_count(sample, TrainConfig(augment=False)) == 0
    assert synthetic_digit_count(sample, TrainConfig(synthetic_digits=30, augment=False)) == 30
    assert synthetic_digit_count(tiny, TrainConfig()) == 0
    # a count asked for data that is not digit pictures is refused before fit counts anything
    with pytest.raises(ValueError, match="synthetic_digits: synthetic pen digits are only"):
        check_for_dataset(TrainConfig(synthetic_digits=10), tiny.summary())
    with pytest.raises(ValueError, match="synthetic_digits: synthetic pen digits are only"):
        fit(tiny, TrainConfig(synthetic_digits=10, epochs=1))


def test_fit_adds_them_to_training_rows_only(sample):
    rows = np.arange(0, sample.n_samples, 25)
    small = Dataset(X=sample.X[rows], y=sample.y[rows], classes=sample.classes, image=sample.image)
    plain = TrainConfig(hidden_layers=[8], epochs=1, augment=False, synthetic_digits=0)
    extra = TrainConfig(hidden_layers=[8], epochs=1, augment=False, synthetic_digits=50)
    phases = []
    _, without = fit(small, plain, phase=phases.append)
    assert phases == []
    _, with_digits = fit(small, extra, phase=phases.append)
    assert phases == ["drawing 50 synthetic pen digits"]
    assert (without["synthetic_digits"], with_digits["synthetic_digits"]) == (0, 50)
    # the same rows are held out, and validation is the dataset's own rows
    assert with_digits["val_indices"] == without["val_indices"]
    assert len(with_digits["val_predictions"]) == len(without["val_indices"])
    # the history's training cost saw 50 more rows; the figures differ
    assert with_digits["history"]["cost"] != without["history"]["cost"]
