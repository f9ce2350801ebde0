"""nncore/reference.py: its gradients against central differences, and the fast path against it.

The fast path (``Network`` + ``training.train``) must take the reference's steps: same data,
same initial weights, same batches, and the weights after every run agree to rounding.

Tolerance.  Both sides compute in float64 (machine epsilon 2.2e-16) and differ only in rounding:
the fast sigmoid is ``(1 + tanh(z/2)) / 2``, its gradients come pre-multiplied by the
optimiser's factor, its Adam keeps rescaled moments.  Over these runs (12 to 20 steps) the
weights measured agree to ~1e-15 of the distance they moved.  The test allows 1e-10 of that
distance: 10^5 times the rounding seen, and 10^4 times tighter than the error of a learning
rate wrong by one part in a million (which moves the weights 1e-6 of the distance off).
Measuring against the distance moved, not the weights' size, keeps the test from passing
because the steps were tiny.
"""

import numpy as np
import pytest

from nncore import reference
from nncore.nn.network import Network
from nncore.nn.training import train

#: allowed disagreement, as a share of how far the weights moved (see the module docstring)
STEP_TOLERANCE = 1e-10

#: (activation, output, l2): Ng's ex4 network, and two others of the workbench's choices
COMBINATIONS = [("sigmoid", "sigmoid", 1.0), ("tanh", "softmax", 0.0), ("relu", "softmax", 0.5)]

#: optimiser -> (learning rate, epochs, batch size); 60 rows in batches of 16 give 4 steps per
#: epoch, the last one of 12 rows (the penalty must still be divided by the 60)
RUNS = {"gd": (0.5, 20, None), "sgd": (0.3, 3, 16), "momentum": (0.1, 3, 16),
        "adam": (0.01, 3, 16)}


def three_classes(n=60, seed=0):
    """Rows (n, 8) of noise; the class is read off the first three features."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, 8))
    return X, (X[:, 0] > 0).astype(int) + (X[:, 1] + X[:, 2] > 0.5)


def distance(a, b):
    return max(float(np.abs(p - q).max()) for p, q in zip(a, b))


@pytest.mark.parametrize("optimizer", sorted(RUNS))
@pytest.mark.parametrize("activation, output, l2", COMBINATIONS)
def test_fast_path_takes_the_reference_steps(activation, output, l2, optimizer):
    X, y = three_classes()
    learning_rate, epochs, batch_size = RUNS[optimizer]
    network = Network([8, 25, 3], activation=activation, output=output, rng=1, dtype=np.float64)
    start = [p.copy() for p in network.params()]
    history = train(network, X, y, optimizer=optimizer, learning_rate=learning_rate,
                    epochs=epochs, batch_size=batch_size, l2=l2, rng=7)
    params, costs = reference.train(X, y, start, rng=np.random.default_rng(7),
                                    activation=activation, output=output, l2=l2,
                                    optimizer=optimizer, learning_rate=learning_rate,
                                    epochs=epochs, batch_size=batch_size)
    moved = distance(params, start)
    assert moved > 0.05                        # the runs did go somewhere
    assert distance(network.params(), params) <= STEP_TOLERANCE * moved
    if optimizer == "gd":                      # full batch: train's cost is J at the epoch start
        np.testing.assert_allclose(history["cost"], costs, rtol=1e-12)


@pytest.mark.parametrize("optimizer", sorted(RUNS))
@pytest.mark.parametrize("activation, l2", [("sigmoid", 0.0), ("tanh", 0.5), ("relu", 1.0)])
def test_fast_path_takes_the_reference_steps_for_regression(activation, l2, optimizer):
    # a linear output with half the squared error: the number is a smooth function of X
    X, _ = three_classes()
    y = np.sin(X[:, 0]) + 0.5 * X[:, 1] * X[:, 2]
    learning_rate, epochs, batch_size = RUNS[optimizer]
    network = Network([8, 25, 1], activation=activation, output="linear", rng=1,
                      dtype=np.float64)
    start = [p.copy() for p in network.params()]
    history = train(network, X, y, optimizer=optimizer, learning_rate=learning_rate / 5,
                    epochs=epochs, batch_size=batch_size, l2=l2, rng=7, task="regression")
    params, costs = reference.train(X, y, start, rng=np.random.default_rng(7),
                                    activation=activation, output="linear", l2=l2,
                                    optimizer=optimizer, learning_rate=learning_rate / 5,
                                    epochs=epochs, batch_size=batch_size)
    moved = distance(params, start)
    assert moved > 0.01
    assert distance(network.params(), params) <= STEP_TOLERANCE * moved
    np.testing.assert_allclose(network.predict_values(X),
                               reference.predict_values(params, X, activation)[:, 0],
                               rtol=1e-9, atol=1e-12)
    if optimizer == "gd":
        np.testing.assert_allclose(history["cost"], costs, rtol=1e-12)


def test_every_output_error_is_a_minus_y():
    # the canonical links: dJ/dz of the output layer is (a - y) / n for all three pairs
    rng = np.random.default_rng(5)
    params = reference.init_params([4, 3], rng)             # no hidden layer: z = X W + b
    X = rng.standard_normal((6, 4))
    for output, Y in [("sigmoid", reference.one_hot(rng.integers(0, 3, 6), 3)),
                      ("softmax", reference.one_hot(rng.integers(0, 3, 6), 3)),
                      ("linear", rng.standard_normal((6, 3)))]:
        a = reference.forward_prop(params, X, output=output)[0][-1]
        db = reference.backprop(params, X, Y, output=output)[1]
        np.testing.assert_allclose(db, (a - Y).sum(axis=0) / 6, rtol=1e-12, atol=1e-15)


def numerical_gradients(params, X, Y, activation, output, l2, n_total, h=1e-5):
    """Central differences ``(J(p + h) - J(p - h)) / 2h`` of ``reference.cost_function``."""
    def J(ps):
        return reference.cost_function(ps, X, Y, activation, output, l2, n_total)

    grads = []
    for i, p in enumerate(params):
        g = np.zeros_like(p)
        for j in np.ndindex(p.shape):
            step = np.zeros_like(p)
            step[j] = h
            plus, minus = list(params), list(params)
            plus[i], minus[i] = p + step, p - step
            g[j] = (J(plus) - J(minus)) / (2 * h)
        grads.append(g)
    return grads


@pytest.mark.parametrize("l2", [0.0, 0.7])
@pytest.mark.parametrize("output", sorted(reference.OUTPUTS))
@pytest.mark.parametrize("activation", sorted(reference.ACTIVATIONS))
def test_backprop_matches_central_differences(activation, output, l2):
    # Ng's check, ||a - n|| / ||a + n||.  With h = 1e-5 the difference quotient is off by
    # ~h**2 (truncation) plus ~eps_machine / h (rounding of J): about 1e-10 measured, so 1e-8
    # leaves room, while a gradient 1% wrong in one layer scores ~1e-3.  n_total = 20 with a
    # batch of 7 rows checks that the penalty's gradient is divided by the same m as its cost.
    rng = np.random.default_rng(3)
    params = reference.init_params([5, 4, 3, 3], rng)
    X, Y = rng.standard_normal((7, 5)), reference.one_hot(rng.integers(0, 3, 7), 3)
    _, zs = reference.forward_prop(params, X, activation, output)
    # relu's kink at 0: no hidden pre-activation may sit within a step of it
    assert min(np.abs(z).min() for z in zs[:-1]) > 1e-3
    analytic = reference.backprop(params, X, Y, activation, output, l2, n_total=20)
    numeric = numerical_gradients(params, X, Y, activation, output, l2, n_total=20)
    a = np.concatenate([g.ravel() for g in analytic])
    n = np.concatenate([g.ravel() for g in numeric])
    assert np.linalg.norm(a - n) / np.linalg.norm(a + n) < 1e-8


def test_init_params_draws_what_nncore_draws():
    # Ng's uniform init, drawn W0, b0, W1, b1 from the same generator: nncore's "ng"
    network = Network([400, 25, 10], init="ng", rng=np.random.default_rng(4), dtype=np.float64)
    params = reference.init_params([400, 25, 10], np.random.default_rng(4))
    assert [p.shape for p in params] == [(400, 25), (25,), (25, 10), (10,)]
    for p, q in zip(network.params(), params):
        np.testing.assert_array_equal(p, q)
    assert np.abs(params[0]).max() <= np.sqrt(6) / np.sqrt(425)


def test_ex4_network_learns_and_predicts():
    rng = np.random.default_rng(2)
    y = rng.integers(0, 3, 150)
    X = 2.0 * np.eye(3, 8)[y] + rng.standard_normal((150, 8))     # three blobs in 8-d
    params = reference.init_params([8, 25, 3], np.random.default_rng(0))
    params, costs = reference.train(X[:100], y[:100], params, rng=np.random.default_rng(0),
                                    l2=1.0, optimizer="adam", learning_rate=0.01, epochs=60,
                                    batch_size=20)
    assert costs[-1] < 0.5 * costs[0]
    assert reference.predict(params, X[100:]).shape == (50,)
    assert reference.accuracy(params, X[100:], y[100:]) > 0.8


def test_biases_are_not_regularised_and_nothing_is_changed_in_place():
    rng = np.random.default_rng(5)
    params = reference.init_params([3, 2, 2], rng)
    X, Y = rng.standard_normal((4, 3)), reference.one_hot([0, 1, 1, 0], 2)
    plain = reference.backprop(params, X, Y)
    with_l2 = reference.backprop(params, X, Y, l2=2.0, n_total=8)
    for l in range(2):                         # dW gains l2 / m * W, db nothing
        np.testing.assert_allclose(with_l2[2 * l] - plain[2 * l], 2.0 / 8 * params[2 * l])
        np.testing.assert_array_equal(with_l2[2 * l + 1], plain[2 * l + 1])
    before = [p.copy() for p in params]
    reference.train(X, [0, 1, 1, 0], params, rng=rng, epochs=2)
    for p, q in zip(params, before):
        np.testing.assert_array_equal(p, q)


@pytest.mark.parametrize("kwargs, message", [
    ({"optimizer": "lbfgs"}, "valid optimizers: gd, sgd, momentum, adam"),
    ({"activation": "elu"}, "valid activations: sigmoid, tanh, relu"),
    ({"output": "identity"}, "valid outputs: sigmoid, softmax, linear"),
])
def test_unknown_names_list_the_valid_ones(kwargs, message):
    params = reference.init_params([2, 2, 2], np.random.default_rng(0))
    with pytest.raises(ValueError, match=message):
        reference.train(np.zeros((2, 2)), [0, 1], params, rng=np.random.default_rng(0),
                        epochs=1, **kwargs)
