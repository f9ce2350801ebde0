"""nncore/inside.py: one example's numbers equal nncore/reference.py's and the fast network's
on the same weights; the step lowers the cost at a small rate; wide layers say "+N more"."""
import numpy as np
import pytest

from nncore import reference
from nncore.inside import inside, network_params
from nncore.nn.network import Network

TOLERANCE = 1e-9
ACTIVATIONS = ("sigmoid", "tanh", "relu")
OUTPUTS = ("sigmoid", "softmax", "linear")


def names(n, prefix):
    return [f"{prefix}{i}" for i in range(n)]


def example(sizes, output, rng):
    x = rng.standard_normal(sizes[0])
    if output == "linear":
        return x, rng.standard_normal(sizes[-1])
    return x, np.eye(sizes[-1])[rng.integers(sizes[-1])]


def look(network, x, y, l2=0.7, m=40, optimizer="sgd", learning_rate=0.5, **kw):
    return inside(network_params(network), x, y, activation=network.activation,
                  output=network.output, l2=l2, m=m, optimizer=optimizer,
                  learning_rate=learning_rate,
                  input_names=names(network.layer_sizes[0], "x"),
                  output_names=names(network.layer_sizes[-1], "c"), **kw)


def close(a, b):
    return np.allclose(np.asarray(a, dtype=float), np.asarray(b, dtype=float),
                       rtol=0, atol=TOLERANCE)


@pytest.mark.parametrize("output", OUTPUTS)
@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_the_numbers_are_the_reference_and_the_fast_network(activation, output):
    rng = np.random.default_rng(hash((activation, output)) % 2 ** 32)
    sizes = [6, 5, 4, 3 if output != "linear" else 2]
    network = Network(sizes, activation=activation, output=output, rng=3, dtype=np.float64)
    x, y = example(sizes, output, rng)
    got = look(network, x, y)
    params = network.params()
    X, Y = x[None, :], y[None, :]
    # the reference, function by function
    activations, zs = reference.forward_prop(params, X, activation, output)
    grads = reference.backprop(params, X, Y, activation, output, 0.7, n_total=40)
    for l, layer in enumerate(got["layers"]):
        assert close(layer["a"], activations[l][0])
        if l:
            assert close(layer["z"], zs[l - 1][0])
            assert close(layer["delta"], grads[2 * l - 1])
    assert got["cost"] == pytest.approx(
        reference.cost_function(params, X, Y, activation, output, 0.7, n_total=40), abs=TOLERANCE)
    # the fast network on the same weights (float64): forward, cost and gradients
    fast = network.forward(X)
    assert all(close(layer["a"], a[0]) for layer, a in zip(got["layers"], fast))
    cost, fast_grads = network.cost_and_gradients(X, Y, l2=0.7, n_total=40)
    assert got["cost"] == pytest.approx(cost, abs=TOLERANCE)
    assert got["cost_terms"]["l2"] == pytest.approx(network.penalty(0.7, 40), abs=TOLERANCE)
    assert got["cost_terms"]["data"] + got["cost_terms"]["l2"] == pytest.approx(got["cost"])
    for l, layer in enumerate(got["layers"][1:]):
        assert close(layer["delta"], fast_grads[2 * l + 1])   # one row: dJ/db = delta
    step = got["step"]
    L, i, j = step["layer"], step["from"], step["to"]
    assert step["grad"] == pytest.approx(fast_grads[2 * (L - 1)][i, j], abs=TOLERANCE)
    assert step["grad_data"] + step["grad_l2"] == pytest.approx(step["grad"], abs=TOLERANCE)
    assert step["grad_l2"] == pytest.approx(0.7 / 40 * step["w"])
    assert step["w_after"] == pytest.approx(step["w"] - 0.5 * step["grad"], abs=TOLERANCE)


@pytest.mark.parametrize("output", OUTPUTS)
@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_a_small_enough_step_lowers_the_cost(activation, output):
    rng = np.random.default_rng(7)
    sizes = [5, 4, 3 if output != "linear" else 1]
    network = Network(sizes, activation=activation, output=output, rng=5, dtype=np.float64)
    x, y = example(sizes, output, rng)
    # a rate far too large overshoots; the view then finds a smaller one that works
    got = look(network, x * 3, y, learning_rate=200.0)
    if got["cost_falls"]:
        assert got["cost_after"] < got["cost"] and got["smaller_rate"] is None
    else:
        smaller = got["smaller_rate"]
        assert smaller["cost_falls"] and smaller["cost_after"] < got["cost"]
        assert smaller["learning_rate"] < 200.0
    gentle = look(network, x, y, learning_rate=1e-3)
    assert gentle["cost_falls"] and gentle["cost_after"] < gentle["cost"]


def test_the_overshoot_is_caught():
    network = Network([3, 2], activation="sigmoid", output="linear", rng=0, dtype=np.float64)
    got = look(network, np.array([3.0, -2.0, 4.0]), np.array([1.0, -1.0]), l2=0.0,
               learning_rate=10.0)
    assert not got["cost_falls"] and got["cost_after"] > got["cost"]
    assert got["smaller_rate"]["cost_falls"]
    # one linear layer: the cost is a quadratic of curvature |x|**2 + 1 = 30 along the
    # gradient, so a step falls for rates below 2 / 30; the first of 1, 0.1, 0.01 is 0.01
    assert got["smaller_rate"]["learning_rate"] == pytest.approx(0.01)


def test_adams_first_step_is_shown_as_such():
    network = Network([4, 3, 2], activation="tanh", output="softmax", rng=2, dtype=np.float64)
    got = look(network, np.array([0.5, -1.0, 2.0, 0.1]), np.array([0.0, 1.0]),
               optimizer="adam", learning_rate=0.01)
    step = got["step"]
    assert step["rule"] == "adam" and step["adam"]["t"] == 1
    # from a fresh state m_hat = g and v_hat = g**2: the step is the rate times g / |g|
    expected = step["w"] - 0.01 * step["grad"] / (abs(step["grad"]) + 1e-8)
    assert step["w_after"] == pytest.approx(expected, abs=1e-12)


def test_wide_layers_say_how_many_more():
    rng = np.random.default_rng(0)
    network = Network([50, 30, 15], activation="relu", output="softmax", rng=1,
                      dtype=np.float64)
    x, y = rng.random(50), np.eye(15)[13]
    got = look(network, x, y)
    inputs, hidden, outputs = got["layers"]
    assert (len(inputs["shown"]), inputs["more"]) == (12, 38)
    assert (len(hidden["shown"]), hidden["more"]) == (12, 18)
    assert (len(outputs["shown"]), outputs["more"]) == (12, 3)
    assert 13 in outputs["shown"]                       # the target's unit is always drawn
    a = np.asarray(hidden["a"])                          # hidden: the most active units
    assert min(a[hidden["shown"]]) >= max(np.delete(a, hidden["shown"]))
    step = got["step"]
    assert step["to"] == 13 and step["from"] in hidden["shown"]
    links = {(k["from"], k["to"]) for k in outputs["links"]}
    assert links == {(i, j) for i in hidden["shown"] for j in outputs["shown"]}
    W1 = network.weights[1]
    for unit, listed in outputs["incoming"].items():
        assert len(listed) == 5
        assert abs(listed[0]["w"]) == pytest.approx(np.abs(W1[:, int(unit)]).max())
    assert inputs["names"] == [f"x{i}" for i in inputs["shown"]]


def test_a_chosen_weight_is_drawn_and_followed():
    network = Network([30, 20, 3], activation="sigmoid", output="sigmoid", rng=4,
                      dtype=np.float64)
    x, y = np.linspace(-1, 1, 30), np.eye(3)[0]
    got = look(network, x, y, weight=(1, 29, 19))
    assert (got["step"]["layer"], got["step"]["from"], got["step"]["to"]) == (1, 29, 19)
    assert 29 in got["layers"][0]["shown"] and 19 in got["layers"][1]["shown"]
    assert got["layers"][0]["more"] == 30 - len(got["layers"][0]["shown"])
    with pytest.raises(ValueError, match="layer must be from 1 to 2"):
        look(network, x, y, weight=(3, 0, 0))
    with pytest.raises(ValueError, match="from must be a unit of layer 0: 0 to 29"):
        look(network, x, y, weight=(1, 30, 0))


def test_convolutional_networks_are_refused():
    from nncore.data.images import ImageGeometry
    from nncore.nn.convnet import ConvNetwork

    conv = ConvNetwork(ImageGeometry(8, 8, "C", 0.0, 1.0), 2, conv_filters=(2,),
                       hidden_layers=(3,), kernel=3, rng=0)
    with pytest.raises(ValueError, match="not available for convolutional networks"):
        network_params(conv)


@pytest.mark.parametrize("optimizer", ["sgd", "momentum", "adam"])
def test_the_smaller_rate_is_update_parameters_at_that_rate(optimizer):
    network = Network([3, 4, 2], activation="tanh", output="linear", rng=0, dtype=np.float64)
    x, y = np.array([3.0, -2.0, 4.0]), np.array([1.0, -1.0])
    got = look(network, x, y, l2=0.3, optimizer=optimizer, learning_rate=30.0)
    smaller = got["smaller_rate"]
    assert not got["cost_falls"] and smaller["cost_falls"]
    params = network_params(network)
    X, Y = x[None, :], y[None, :]
    grads = reference.backprop(params, X, Y, "tanh", "linear", 0.3, n_total=40)
    after, _ = reference.update_parameters(params, grads, smaller["learning_rate"], optimizer)
    expected = reference.cost_function(after, X, Y, "tanh", "linear", 0.3, n_total=40)
    assert smaller["cost_after"] == pytest.approx(expected, abs=1e-12)
