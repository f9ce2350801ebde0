"""Back-propagation against central differences for every activation x output x L2."""

import numpy as np
import pytest

from nncore.nn.activations import ACTIVATIONS
from nncore.nn.gradcheck import gradient_check
from nncore.nn.outputs import OUTPUTS


@pytest.mark.parametrize("l2", [0.0, 0.7])
@pytest.mark.parametrize("output", sorted(OUTPUTS))
@pytest.mark.parametrize("activation", sorted(ACTIVATIONS))
def test_gradients_match_central_differences(activation, output, l2):
    error = gradient_check((5, 4, 3), activation=activation, output=output, l2=l2)
    assert error < 1e-7


@pytest.mark.parametrize("activation", sorted(ACTIVATIONS))
def test_deeper_network(activation):
    error = gradient_check((4, 5, 3, 2), activation=activation, output="softmax", l2=0.3,
                           n_samples=5, seed=3)
    assert error < 1e-7


def test_check_detects_a_wrong_gradient(monkeypatch):
    # a check that cannot fail proves nothing: break the bias gradient and expect a large error
    from nncore.nn.network import Network

    original = Network.backprop

    def broken(self, X, Y, l2, n_total, work, grads):
        result = original(self, X, Y, l2, n_total, work, grads)
        grads[1] *= 1.01
        return result

    monkeypatch.setattr(Network, "backprop", broken)
    assert gradient_check((3, 2, 2)) > 1e-3


def test_result_is_a_float():
    assert isinstance(gradient_check((2, 2, 2), n_samples=3), float)
    assert np.isfinite(gradient_check((2, 2, 2), n_samples=3))


@pytest.mark.parametrize("l2", [0.0, 0.7])
@pytest.mark.parametrize("activation", sorted(ACTIVATIONS))
@pytest.mark.parametrize("layer_sizes", [(5, 4, 1), (4, 5, 3, 2)])
def test_linear_output_for_regression(activation, l2, layer_sizes):
    # squared error with an identity output: one target number (the usual case) or several
    error = gradient_check(layer_sizes, activation=activation, output="linear", l2=l2, seed=4)
    assert error < 1e-7
