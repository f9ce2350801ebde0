"""Optimisers: each reduces the cost, Adam's first step, defaults, unknown names."""

import numpy as np
import pytest

from nncore import reference
from nncore.nn.network import Network
from nncore.nn.optimizers import DEFAULT_LEARNING_RATES, OPTIMIZERS, make_optimizer
from nncore.nn.outputs import one_hot


def small_problem():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((40, 4))
    y = (X[:, 0] + X[:, 1] > 0).astype(int) + (X[:, 2] > 1)
    return X, one_hot(y, 3, np.float64)


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_each_optimizer_reduces_cost(name):
    X, Y = small_problem()
    net = Network([4, 5, 3], output="softmax", dtype=np.float64, rng=0)
    opt = make_optimizer(name)
    start = net.cost(X, Y)
    for _ in range(50):
        _, grads = net.cost_and_gradients(X, Y)
        opt.update(net.params(), grads)
    assert net.cost(X, Y) < 0.9 * start


def test_adam_first_step_has_magnitude_lr():
    params = [np.array([1.0, -2.0, 3.0])]
    grads = [np.array([0.5, -1e-3, 40.0])]
    make_optimizer("adam", 0.01).update(params, grads)
    # m_hat = g and v_hat = g**2 on the first step, so each parameter moves lr * sign(g)
    np.testing.assert_allclose(params[0], [0.99, -1.99, 2.99], rtol=1e-6)


def textbook_adam(p, grads, lr):
    """``p`` after Adam steps on ``grads`` as the textbook takes them (nncore/reference.py)."""
    params, state = [p], None
    for g in grads:
        params, state = reference.update_parameters(params, [g], lr, "adam", state)
    return params[0]


def test_adam_matches_textbook_for_several_steps():
    rng = np.random.default_rng(0)
    p = rng.standard_normal(5)
    mine = [p.copy()]
    opt = make_optimizer("adam", 0.1)
    grads = [rng.standard_normal(5) for _ in range(5)]
    for g in grads:
        opt.update(mine, [g])
    np.testing.assert_allclose(mine[0], textbook_adam(p, grads, 0.1), rtol=1e-10)


def test_gd_and_momentum_rules():
    p, g = [np.array([1.0])], [np.array([2.0])]
    make_optimizer("gd", 0.1).update(p, g)
    assert p[0][0] == pytest.approx(0.8)
    p = [np.array([1.0])]
    mom = make_optimizer("momentum", 0.1)
    mom.update(p, g)            # v = -0.2
    mom.update(p, g)            # v = 0.9 * -0.2 - 0.2 = -0.38
    assert p[0][0] == pytest.approx(1.0 - 0.2 - 0.38)


def test_float32_stays_float32():
    p, g = [np.ones(3, np.float32)], [np.ones(3, np.float32)]
    for name in OPTIMIZERS:
        opt = make_optimizer(name)
        opt.update(p, g)
        assert p[0].dtype == np.float32


def test_defaults_and_repr():
    assert set(DEFAULT_LEARNING_RATES) == set(OPTIMIZERS) == {"gd", "sgd", "momentum", "adam"}
    opt = make_optimizer("adam")
    assert opt.learning_rate == DEFAULT_LEARNING_RATES["adam"]
    assert repr(opt) == "Adam(learning_rate=0.001)"


def test_unknown_name_lists_valid_ones():
    with pytest.raises(ValueError, match="gd, sgd, momentum, adam"):
        make_optimizer("rmsprop")


@pytest.mark.parametrize("rate", [0, -1, float("nan")])
def test_bad_learning_rate(rate):
    with pytest.raises(ValueError, match="learning_rate"):
        make_optimizer("sgd", rate)


def twin_runs(name, rate, steps, size, seed, variant_update):
    """Parameters after ``steps`` updates by two fresh optimisers ``name`` on the same random
    gradients: plain ``update(params, [g])``, and ``variant_update(opt, params, g)``."""
    rng = np.random.default_rng(seed)
    p = rng.standard_normal(size)
    plain, variant = [p.copy()], [p.copy()]
    a, b = make_optimizer(name, rate), make_optimizer(name, rate)
    for _ in range(steps):
        g = rng.standard_normal(size)
        a.update(plain, [g.copy()])
        variant_update(b, variant, g)
    return plain[0], variant[0]


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_grads_as_scratch_gives_the_same_steps(name):
    # train() lets the optimiser overwrite the gradients; the parameters must not notice
    plain, scratch = twin_runs(name, 0.1, 4, 7, 1, lambda opt, params, g: opt.update(
        params, [g.copy()], grads_are_scratch=True))
    np.testing.assert_array_equal(plain, scratch)


@pytest.mark.parametrize("prescaled", [False, True])
def test_adam_matches_textbook_across_rescalings(prescaled):
    # 200 steps cross the moments' rescaling (every 64 steps) three times; gradients of very
    # different sizes make eps matter
    rng = np.random.default_rng(2)
    p0 = rng.standard_normal(6)
    grads = [rng.standard_normal(6) * np.array([1, 1e-3, 1e-6, 10, 1e-9, 0.1]) for _ in range(200)]
    opt = make_optimizer("adam", 0.01)
    mine = [p0.copy()]
    for g in grads:
        scale = opt.gradient_scale() if prescaled else 1.0
        opt.update(mine, [g * scale], scale=scale)
    np.testing.assert_allclose(mine[0], textbook_adam(p0, grads, 0.01), rtol=1e-9)


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
@pytest.mark.parametrize("scale", ["preferred", 3.0])
def test_prescaled_gradients_give_the_same_steps(name, scale):
    # train() folds gradient_scale() into back-propagation; any declared scale must give the
    # steps of the unscaled gradients
    def prescaled_update(opt, params, g):
        s = opt.gradient_scale() if scale == "preferred" else scale
        opt.update(params, [g * s], grads_are_scratch=True, scale=s)

    plain, scaled = twin_runs(name, 0.05, 70, 9, 3, prescaled_update)
    np.testing.assert_allclose(scaled, plain, rtol=1e-12, atol=1e-14)


def test_sgd_prefers_its_learning_rate_and_adam_a_power_of_beta1():
    assert make_optimizer("sgd", 0.25).gradient_scale() == 0.25
    assert make_optimizer("momentum", 0.5).gradient_scale() == 0.5
    adam = make_optimizer("adam")
    assert adam.gradient_scale() == pytest.approx(1 / 0.9)
    adam.update([np.zeros(2)], [np.ones(2)])
    assert adam.gradient_scale() == pytest.approx(0.9 ** -2)
