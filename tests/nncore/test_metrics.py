"""accuracy and confusion_matrix on known values."""

import numpy as np
import pytest

from nncore.nn.metrics import accuracy, confusion_matrix, mae, r2, rmse


def test_accuracy_known_value():
    assert accuracy([0, 1, 2, 2], [0, 2, 2, 2]) == 0.75
    assert accuracy(np.array([], int), np.array([], int)) == 0.0
    assert isinstance(accuracy([1], [1]), float)


def test_accuracy_shape_mismatch():
    with pytest.raises(ValueError, match="shape"):
        accuracy([0, 1], [0])


def test_confusion_matrix_known_value():
    y_true = [0, 0, 1, 2, 2, 2]
    y_pred = [0, 1, 1, 2, 0, 2]
    C = confusion_matrix(y_true, y_pred, 3)
    # rows are the true class, columns the prediction
    np.testing.assert_array_equal(C, [[1, 1, 0],
                                      [0, 1, 0],
                                      [1, 0, 2]])
    assert C.sum() == 6 and np.trace(C) == 4


def test_confusion_matrix_keeps_absent_classes_and_checks_range():
    np.testing.assert_array_equal(confusion_matrix([1], [1], 3), [[0, 0, 0], [0, 1, 0], [0, 0, 0]])
    with pytest.raises(ValueError, match="0..1"):
        confusion_matrix([0, 2], [0, 1], 2)


def test_regression_metrics_on_known_values():
    from_metrics = (r2, mae, rmse)
    y, p = [3.0, -0.5, 2.0, 7.0], [2.5, 0.0, 2.0, 8.0]
    # residuals 0.5, -0.5, 0, -1: SS_res 1.5; mean 2.875, SS_tot 29.1875
    assert r2(y, p) == pytest.approx(1 - 1.5 / 29.1875)       # 0.9486..., as scikit-learn
    assert mae(y, p) == pytest.approx(0.5)
    assert rmse(y, p) == pytest.approx(np.sqrt(1.5 / 4))
    assert r2(y, [2.875] * 4) == pytest.approx(0.0)            # the mean scores 0
    assert r2(y, [-3.0, 5.0, 0.0, 0.0]) < 0                    # worse than the mean
    assert r2([1.0, 1.0], [1.0, 1.0]) == 1.0 and r2([1.0, 1.0], [0.0, 1.0]) == 0.0
    assert all(np.isnan(f([], [])) for f in from_metrics)
    with pytest.raises(ValueError, match="shape"):
        mae([1.0, 2.0], [1.0])
