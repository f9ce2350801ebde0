"""nncore/data/targets.py: standardising the regression target, with a log when skewed."""

import json
import math

import numpy as np
import pytest

from nncore.data.targets import TargetTransform, skewness, wants_log


def test_standardises_with_the_training_mean_and_std():
    t = TargetTransform.fit([1.0, 2.0, 3.0, 4.0])
    assert not t.log
    assert (t.mean, t.std) == (2.5, pytest.approx(math.sqrt(1.25)))
    np.testing.assert_allclose(t.transform([2.5, 4.0]), [0.0, 1.5 / math.sqrt(1.25)])
    np.testing.assert_allclose(t.inverse(t.transform([7.0, -3.0])), [7.0, -3.0])
    assert "standardised" in t.reason


def test_skewness_on_known_values():
    assert skewness([1.0, 2.0, 3.0]) == 0.0
    # deviations -1, -1, -1, 3: m2 = 3, m3 = 6, g1 = 6 / 3**1.5
    assert skewness([0.0, 0.0, 0.0, 4.0]) == pytest.approx(6 / 3 ** 1.5)
    assert skewness([5.0, 5.0]) == 0.0


@pytest.mark.parametrize("values, expected", [
    (np.exp(np.linspace(0.0, 5.0, 200)), True),           # a price-like tail: log
    (np.linspace(1.0, 10.0, 200), False),                  # symmetric: no log
    (np.r_[np.exp(np.linspace(0.0, 5.0, 199)), 0.0], False),   # a zero: no log
    (np.r_[np.exp(np.linspace(0.0, 5.0, 199)), -1.0], False),  # a negative: no log
    (100.0 - np.exp(np.linspace(0.0, 4.0, 200)), False),   # skewed to the left
])
def test_the_log_is_taken_for_positive_right_skewed_targets(values, expected):
    assert wants_log(values) is expected
    assert TargetTransform.fit(values).log is expected


def test_log_transform_round_trips_and_survives_json():
    y = np.exp(np.linspace(0.0, 6.0, 100))
    t = TargetTransform.fit(y)
    assert t.log and "log" in t.reason
    scaled = t.transform(y)
    assert scaled.mean() == pytest.approx(0.0, abs=1e-12) and scaled.std() == pytest.approx(1.0)
    back = TargetTransform.from_dict(json.loads(json.dumps(t.to_dict())))
    assert back.to_dict() == t.to_dict()
    np.testing.assert_allclose(back.inverse(scaled), y, rtol=1e-12)
    assert np.isfinite(back.inverse([1e6])).all()          # no overflow far outside


def test_constant_and_bad_targets():
    assert TargetTransform.fit([3.0, 3.0]).std == 1.0
    for bad in ([], [1.0, np.nan], [np.inf, 1.0]):
        with pytest.raises(ValueError, match="finite"):
            TargetTransform.fit(bad)
    with pytest.raises(ValueError, match="above 0"):
        TargetTransform.fit([0.0, 1.0], log=True)
    with pytest.raises(ValueError, match="not a target transform"):
        TargetTransform.from_dict({"log": False})
