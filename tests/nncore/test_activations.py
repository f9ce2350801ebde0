"""Activations, outputs and costs: known values, derivatives, stability for huge |z|."""

import numpy as np
import pytest

from nncore.nn.activations import ACTIVATIONS, DERIVATIVES, get_activation
from nncore.nn.outputs import OUTPUTS, get_output, one_hot


def test_sigmoid_known_values():
    f, df = get_activation("sigmoid")
    z = np.array([0.0, 2.0, -2.0])
    a = f(z)
    np.testing.assert_allclose(a, [0.5, 0.8807970779778823, 0.11920292202211755], rtol=1e-14)
    np.testing.assert_allclose(df(a), a * (1 - a))
    assert df(np.array([0.5]))[0] == 0.25


def test_tanh_and_relu_known_values():
    z = np.array([-1.0, 0.0, 3.0])
    np.testing.assert_allclose(ACTIVATIONS["tanh"](z), np.tanh(z))
    np.testing.assert_allclose(DERIVATIVES["tanh"](np.tanh(z)), 1 - np.tanh(z) ** 2)
    np.testing.assert_array_equal(ACTIVATIONS["relu"](z), [0.0, 0.0, 3.0])
    np.testing.assert_array_equal(DERIVATIVES["relu"](ACTIVATIONS["relu"](z)), [0.0, 0.0, 1.0])


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_derivative_matches_finite_difference(name):
    f, df = get_activation(name)
    z = np.array([-2.3, -0.7, 0.4, 1.9])          # away from relu's kink
    h = 1e-6
    numeric = (f(z + h) - f(z - h)) / (2 * h)
    np.testing.assert_allclose(df(f(z)), numeric, rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_out_argument_works_in_place(name):
    f, _ = get_activation(name)
    z = np.linspace(-3, 3, 7).astype(np.float32)
    expected = f(z.copy())
    result = f(z, out=z)
    assert result is z
    np.testing.assert_array_equal(z, expected)
    assert z.dtype == np.float32


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_huge_z_does_not_warn(dtype):
    # pytest turns warnings into errors, so any overflow / divide warning fails here
    z = np.array([[-1e4, 0.0, 1e4], [1e4, 1e4, -1e4]], dtype=dtype)
    for name in ACTIVATIONS:
        assert np.all(np.isfinite(ACTIVATIONS[name](z)))
    s = ACTIVATIONS["sigmoid"](z)
    assert s[0, 0] == 0.0 and s[0, 2] == 1.0
    Y = np.array([[1, 0, 0], [0, 0, 1]], dtype=dtype)
    for name, output in OUTPUTS.items():
        P = output.activate(z)
        assert np.all(np.isfinite(P))
        cost = output.cost(P, Y)
        assert np.isfinite(cost) and cost > 0
    P = OUTPUTS["softmax"].activate(z)
    np.testing.assert_allclose(P.sum(axis=1), 1.0)
    np.testing.assert_allclose(P[1], [0.5, 0.5, 0.0])


def test_softmax_rows_sum_to_one_and_shift_invariant():
    softmax = get_output("softmax")
    Z = np.array([[1.0, 2.0, 3.0], [0.0, 0.0, 0.0]])
    P = softmax.activate(Z)
    np.testing.assert_allclose(P[1], [1 / 3] * 3)
    np.testing.assert_allclose(P[0], np.exp([1, 2, 3]) / np.exp([1, 2, 3]).sum())
    np.testing.assert_allclose(softmax.activate(Z + 100.0), P)


def test_costs_known_values():
    P = np.array([[0.8, 0.2], [0.4, 0.6]])
    Y = np.array([[1.0, 0.0], [0.0, 1.0]])
    # softmax CE: -(log 0.8 + log 0.6) / 2
    assert get_output("softmax").cost(P, Y) == pytest.approx(-(np.log(0.8) + np.log(0.6)) / 2)
    # Ng: -(log 0.8 + log 0.8 + log 0.6 + log 0.6) / 2 (each row: right unit p, wrong unit 1-p)
    assert get_output("sigmoid").cost(P, Y) == pytest.approx(-(np.log(0.8) + np.log(0.6)))
    np.testing.assert_allclose(get_output("sigmoid").delta(P, Y), P - Y)


def test_one_hot():
    np.testing.assert_array_equal(one_hot([2, 0], 3), [[0, 0, 1], [1, 0, 0]])
    with pytest.raises(ValueError, match="0..2"):
        one_hot([3], 3)


@pytest.mark.parametrize("lookup, bad, listed", [
    (get_activation, "softplus", "relu, sigmoid, tanh"),
    (get_output, "identity", "linear, sigmoid, softmax"),
])
def test_unknown_names_list_valid_ones(lookup, bad, listed):
    with pytest.raises(ValueError, match=listed):
        lookup(bad)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_fused_activate_and_cost_matches_activate_then_cost(dtype):
    # the training loop's fused path must agree with activate + cost, including rows that
    # overflow (z ~ 1e4) or underflow entirely (every z ~ -1e4), where it falls back
    rng = np.random.default_rng(0)
    Y = np.eye(4, dtype=dtype)[rng.integers(0, 4, 6)]
    for scale, shift in [(3.0, 0.0), (1e4, 0.0), (1.0, -1e4)]:
        Z = (rng.standard_normal((6, 4)) * scale + shift).astype(dtype)
        for name, output in OUTPUTS.items():
            out, scratch = np.empty_like(Z), np.empty_like(Z)
            Z_before = Z.copy()
            with np.errstate(all="ignore"):          # as in train(): the fast path may overflow
                cost = output.activate_and_cost(Z, Y, out, scratch)
            np.testing.assert_array_equal(Z, Z_before)          # Z is left intact
            np.testing.assert_allclose(out, output.activate(Z), rtol=1e-5, atol=1e-7)
            assert np.isfinite(cost)
            assert cost == pytest.approx(output.cost(output.activate(Z), Y), rel=1e-5, abs=1e-6)


def test_linear_output_is_the_identity_with_half_the_squared_error():
    linear = get_output("linear")
    Z = np.array([[1.0], [2.0], [-1.0]])
    Y = np.array([[0.0], [2.5], [1.0]])
    P = linear.activate(Z)
    np.testing.assert_array_equal(P, Z)
    # (1 + 0.25 + 4) / (2 * 3)
    assert linear.cost(P, Y) == pytest.approx(5.25 / 6)
    np.testing.assert_allclose(linear.delta(P, Y), [[1.0], [-0.5], [-2.0]])
    assert linear.task == "regression" and get_output("softmax").task == "classification"
