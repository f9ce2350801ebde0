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


def test_balanced_accuracy_known_values():
    from nncore.nn.metrics import balanced_accuracy
    # 4 "No" and 1 "Yes", always answered "No": accuracy 0.8, but the "Yes" class is never found
    assert balanced_accuracy([0, 0, 0, 0, 1], [0, 0, 0, 0, 0]) == 0.5
    # recalls 2/3 (class 0), 1/1 (class 1), 1/2 (class 2): mean 13/18
    assert balanced_accuracy([0, 0, 0, 1, 2, 2], [0, 0, 1, 1, 2, 0]) == pytest.approx(13 / 18)
    # a class never in y_true is left out of the mean (its recall is undefined)
    assert balanced_accuracy([0, 0, 1], [2, 0, 1]) == pytest.approx((1 / 2 + 1) / 2)
    assert balanced_accuracy([], []) == 0.0
    with pytest.raises(ValueError, match="shape"):
        balanced_accuracy([0, 1], [0])


def test_majority_baseline_counts_on_training_rows_and_scores_on_others():
    from nncore.nn.metrics import majority_baseline
    assert majority_baseline([1, 1, 0], [1, 0, 0, 0], 2) == (1, 0.25)
    assert majority_baseline([0, 1], [1, 1], 2) == (0, 0.0)     # a tie: the lowest index
    assert majority_baseline([2, 2], [], 3) == (2, 0.0)


@pytest.mark.parametrize("share, k, high", [
    (0.948, 2, True), (0.75, 2, True), (0.74, 2, False), (0.5, 2, False),
    (0.625, 4, True), (0.6, 4, False), (0.55, 10, True), (0.5, 10, False), (1.0, 1, False),
])
def test_majority_is_high_halfway_between_an_even_share_and_every_row(share, k, high):
    from nncore.nn.metrics import majority_is_high
    assert majority_is_high(share, k) is high
