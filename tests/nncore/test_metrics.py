"""accuracy and confusion_matrix on known values."""

import numpy as np
import pytest

from nncore.nn.metrics import accuracy, confusion_matrix


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
