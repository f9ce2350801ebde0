"""Network: shapes, initialisation, a hand-worked example, XOR, L2, copies."""

import numpy as np
import pytest

from nncore.nn.initializers import INITIALIZERS, get_initializer, resolve_init
from nncore.nn.network import Network
from nncore.nn.optimizers import make_optimizer
from nncore.nn.outputs import one_hot
from nncore.nn.training import train


@pytest.mark.parametrize("sizes", [[400, 25, 10], [784, 128, 64, 10]])
def test_shapes_and_dtype(sizes):
    net = Network(sizes, output="softmax", rng=0)
    assert [W.shape for W in net.weights] == list(zip(sizes[:-1], sizes[1:]))
    assert [b.shape for b in net.biases] == [(s,) for s in sizes[1:]]
    X = np.random.default_rng(1).random((6, sizes[0]))
    acts = net.forward(X)
    assert [a.shape for a in acts] == [(6, s) for s in sizes]
    assert all(a.dtype == np.float32 for a in acts)
    P = net.predict_proba(X)
    np.testing.assert_allclose(P.sum(axis=1), 1.0, rtol=1e-5)
    assert net.predict(X).shape == (6,)
    assert len(net.params()) == 2 * (len(sizes) - 1)


def test_network_is_trainable():
    from nncore.nn.trainable import Trainable
    net = Network([3, 2, 2], rng=0)
    assert isinstance(net, Trainable)
    assert net.output_layer.name == "sigmoid"
    assert net.as_input([[1, 2, 3]]).dtype == np.float32


def test_repr():
    assert repr(Network([400, 25, 10], rng=0)) == \
        "Network([400, 25, 10], activation='sigmoid', output='sigmoid')"


def test_params_are_the_networks_arrays():
    net = Network([3, 2, 2], rng=0)
    W0 = net.params()[0]
    W0 += 1.0
    np.testing.assert_array_equal(net.weights[0], W0)


def test_hand_worked_example():
    # 2-2-1 network, sigmoid hidden and output, one row x = [1, 2] with target y = 1.
    net = Network([2, 2, 1], activation="sigmoid", output="sigmoid", dtype=np.float64, rng=0)
    net.weights[0][...] = [[1.0, -1.0], [-0.5, 0.5]]
    net.biases[0][...] = [0.0, 0.0]
    net.weights[1][...] = [[2.0], [-1.0]]
    net.biases[1][...] = [-0.5]
    X, Y = np.array([[1.0, 2.0]]), np.array([[1.0]])
    # forward: z1 = [1*1 + 2*(-0.5), 1*(-1) + 2*0.5] = [0, 0] -> a1 = [0.5, 0.5]
    #          z2 = 0.5*2 + 0.5*(-1) - 0.5 = 0 -> p = 0.5
    a0, a1, P = net.forward(X)
    np.testing.assert_array_equal(a1, [[0.5, 0.5]])
    np.testing.assert_array_equal(P, [[0.5]])
    # cost: -(1 * log 0.5 + 0 * log 0.5) = log 2
    cost, grads = net.cost_and_gradients(X, Y)
    assert cost == pytest.approx(0.6931471805599453, abs=1e-15)
    # delta2 = p - y = -0.5
    # nabla_W1 = a1.T @ delta2 = [[-0.25], [-0.25]],  nabla_b1 = [-0.5]
    # delta1 = delta2 * W1.T * a1 (1 - a1) = [-0.5*2, -0.5*(-1)] * 0.25 = [-0.25, 0.125]
    # nabla_W0 = x.T @ delta1 = [[-0.25, 0.125], [-0.5, 0.25]],  nabla_b0 = [-0.25, 0.125]
    expected = [[[-0.25, 0.125], [-0.5, 0.25]], [-0.25, 0.125], [[-0.25], [-0.25]], [-0.5]]
    for g, e in zip(grads, expected):
        np.testing.assert_allclose(g, e, atol=1e-15)
    # one gradient-descent step with learning rate 0.5: p -= 0.5 * nabla
    make_optimizer("gd", 0.5).update(net.params(), grads)
    np.testing.assert_allclose(net.weights[0], [[1.125, -1.0625], [-0.25, 0.375]], atol=1e-15)
    np.testing.assert_allclose(net.biases[0], [0.125, -0.0625], atol=1e-15)
    np.testing.assert_allclose(net.weights[1], [[2.125], [-0.875]], atol=1e-15)
    np.testing.assert_allclose(net.biases[1], [-0.25], atol=1e-15)
    # after the step z1 = [1.125 - 0.5 + 0.125, -1.0625 + 0.75 - 0.0625] = [0.75, -0.375]
    _, a1, P = net.forward(X)
    np.testing.assert_allclose(a1, 1 / (1 + np.exp(-np.array([[0.75, -0.375]]))))
    assert net.cost(X, Y) < cost


def test_xor_is_learned_by_a_2_4_1_network():
    X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
    y = np.array([0, 1, 1, 0])
    net = Network([2, 4, 1], activation="tanh", output="sigmoid", rng=np.random.default_rng(3))
    history = train(net, X, y, optimizer="adam", learning_rate=0.05, epochs=600,
                    rng=np.random.default_rng(0))
    np.testing.assert_array_equal(net.predict(X), y)
    assert history["cost"][-1] < 0.05
    assert history["train_accuracy"][-1] == 1.0


def test_l2_penalty_follows_ng_with_n_total():
    net = Network([3, 4, 2], output="softmax", dtype=np.float64, rng=0)
    rng = np.random.default_rng(1)
    X, Y = rng.random((5, 3)), one_hot([0, 1, 1, 0, 1], 2, np.float64)
    squares = sum((W ** 2).sum() for W in net.weights)       # biases excluded
    assert net.cost(X, Y, l2=0.7) == pytest.approx(net.cost(X, Y) + 0.7 / (2 * 5) * squares)
    cost, grads = net.cost_and_gradients(X, Y, l2=0.7, n_total=50)
    assert cost == pytest.approx(net.cost(X, Y) + 0.7 / (2 * 50) * squares)
    _, plain = net.cost_and_gradients(X, Y)
    np.testing.assert_allclose(grads[0], plain[0] + 0.7 / 50 * net.weights[0])
    np.testing.assert_allclose(grads[1], plain[1])                  # bias gradient unchanged


def test_same_seed_same_weights_different_seed_differs():
    a = Network([400, 25, 10], rng=np.random.default_rng(7))
    b = Network([400, 25, 10], rng=np.random.default_rng(7))
    c = Network([400, 25, 10], rng=np.random.default_rng(8))
    for Wa, Wb, Wc in zip(a.params(), b.params(), c.params()):
        assert Wa.tobytes() == Wb.tobytes()
        assert not np.array_equal(Wa, Wc)


def test_ng_init_range():
    net = Network([400, 25, 10], activation="sigmoid", init="ng", rng=0)
    eps = np.sqrt(6) / np.sqrt(425)                   # 0.1188, Ng's 0.12
    assert eps == pytest.approx(0.12, abs=0.002)
    assert np.abs(net.weights[0]).max() <= eps
    assert np.abs(net.weights[0]).max() > 0.9 * eps


@pytest.mark.parametrize("activation, scheme", [("relu", "he"), ("tanh", "xavier"),
                                                ("sigmoid", "ng")])
def test_auto_init(activation, scheme):
    assert resolve_init("auto", activation) == scheme
    assert Network([4, 3, 2], activation=activation, rng=0).init == scheme


def test_xavier_and_he_scales():
    rng = np.random.default_rng(0)
    W, b = INITIALIZERS["he"](500, 400, rng)
    assert W.std() == pytest.approx(np.sqrt(2 / 500), rel=0.02) and not b.any()
    W, b = INITIALIZERS["xavier"](500, 400, rng)
    assert W.std() == pytest.approx(np.sqrt(2 / 900), rel=0.02) and not b.any()


def test_copy_is_independent():
    net = Network([3, 2, 2], rng=0)
    clone = net.copy()
    clone.weights[0] += 1
    assert not np.array_equal(clone.weights[0], net.weights[0])
    assert repr(clone) == repr(net)


@pytest.mark.parametrize("kwargs, message", [
    ({"activation": "swish"}, "relu, sigmoid, tanh"),
    ({"output": "identity"}, "linear, sigmoid, softmax"),
    ({"init": "orthogonal"}, "he, ng, xavier, auto"),
])
def test_unknown_names_raise(kwargs, message):
    with pytest.raises(ValueError, match=message):
        Network([2, 2, 2], rng=0, **kwargs)


def test_unknown_initializer_lookup():
    with pytest.raises(ValueError, match="valid initializers"):
        get_initializer("zeros")


def test_bad_input_shape():
    net = Network([3, 2, 2], rng=0)
    with pytest.raises(ValueError, match=r"\(n, 3\)"):
        net.predict(np.zeros((2, 4)))


def test_linear_network_predicts_values_and_takes_float_targets():
    network = Network([3, 4, 1], activation="tanh", output="linear", rng=0, dtype=np.float64)
    X = np.arange(6.0).reshape(2, 3)
    values = network.predict_values(X)
    assert values.shape == (2,)
    np.testing.assert_array_equal(values, network.forward(X)[-1][:, 0])
    y = np.array([0.5, -1.5])
    # a column or a flat vector of targets: the same cost, half the mean squared error
    expected = 0.5 * np.mean((values - y) ** 2)
    assert network.cost(X, y) == pytest.approx(expected)
    assert network.cost(X, y[:, None]) == pytest.approx(expected)
    np.testing.assert_array_equal(network.targets(y), y[:, None])
    with pytest.raises(ValueError, match="predict_proba"):
        Network([3, 2], output="softmax").predict_values(X)
