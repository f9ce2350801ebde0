"""train(): history, callback cancel, early stopping, divergence, augment, reproducibility."""

import json

import numpy as np
import pytest

from nncore import reference
from nncore.nn.network import Network
from nncore.nn.optimizers import DEFAULT_LEARNING_RATES
from nncore.nn.tasks import Regression
from nncore.nn.training import TrainingDiverged, train

KEYS = ["epoch", "cost", "val_cost", "train_accuracy", "val_accuracy", "seconds"]


def blobs(n=120, seed=0):
    """Three Gaussian blobs in 2-d, labels 0..2."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 3, size=n)
    centres = np.array([[0.0, 2.0], [2.0, -1.0], [-2.0, -1.0]])
    return centres[y] + 0.6 * rng.standard_normal((n, 2)), y


def net(seed=0, **kwargs):
    return Network([2, 6, 3], output="softmax", rng=np.random.default_rng(seed), **kwargs)


def test_history_shape_and_json_ready():
    X, y = blobs()
    h = train(net(), X[:90], y[:90], epochs=5, batch_size=16, rng=np.random.default_rng(0),
              X_val=X[90:], y_val=y[90:], optimizer="sgd", learning_rate=0.5)
    assert all(len(h[k]) == 5 for k in KEYS)
    assert h["epoch"] == [1, 2, 3, 4, 5]
    assert h["stopped"] is None and 1 <= h["best_epoch"] <= 5
    assert all(type(v) is float for k in KEYS[1:] for v in h[k])
    assert h["seconds"] == sorted(h["seconds"])
    json.dumps(h)
    assert h["cost"][-1] < h["cost"][0]
    assert h["val_accuracy"][-1] > 0.8


def test_no_validation_gives_none():
    X, y = blobs()
    h = train(net(), X, y, epochs=3, rng=np.random.default_rng(0))
    assert h["val_cost"] == [None] * 3 and h["val_accuracy"] == [None] * 3
    assert h["best_epoch"] == 3


@pytest.mark.parametrize("optimizer", ["gd", "sgd", "momentum", "adam"])
def test_every_optimizer_learns_blobs(optimizer):
    X, y = blobs()
    network = net()
    h = train(network, X, y, optimizer=optimizer, epochs=40, batch_size=20,
              rng=np.random.default_rng(0))
    assert h["cost"][-1] < h["cost"][0]
    assert h["train_accuracy"][-1] > 0.85


def test_same_seed_same_result():
    X, y = blobs()
    a, b = net(), net()
    train(a, X, y, epochs=3, batch_size=10, rng=np.random.default_rng(5))
    train(b, X, y, epochs=3, batch_size=10, rng=np.random.default_rng(5))
    for p, q in zip(a.params(), b.params()):
        assert p.tobytes() == q.tobytes()


def test_callback_receives_records_and_can_cancel():
    X, y = blobs()
    records = []

    def callback(record):
        records.append(record)
        return record["epoch"] < 3

    h = train(net(), X, y, epochs=10, rng=np.random.default_rng(0), callback=callback)
    assert h["stopped"] == "cancelled" and len(h["epoch"]) == 3
    assert [r["epoch"] for r in records] == [1, 2, 3]
    assert set(records[0]) == set(KEYS) | {"epochs"} and records[0]["epochs"] == 10


def test_callback_returning_none_continues():
    X, y = blobs()
    h = train(net(), X, y, epochs=4, rng=np.random.default_rng(0), callback=lambda r: None)
    assert len(h["epoch"]) == 4 and h["stopped"] is None


def test_early_stopping_restores_best_weights():
    # a tiny noisy training set and a big network overfit: the validation cost turns upwards
    rng = np.random.default_rng(1)
    X = rng.standard_normal((30, 2))
    y = rng.integers(0, 3, size=30)                    # labels are noise: nothing generalises
    X_val, y_val = blobs(60, seed=2)
    network = Network([2, 30, 3], output="softmax", rng=0, dtype=np.float64)
    snapshots = {}

    def remember(record):
        snapshots[record["epoch"]] = [p.copy() for p in network.params()]

    h = train(network, X, y, optimizer="adam", learning_rate=0.05, epochs=300,
              rng=np.random.default_rng(0), X_val=X_val, y_val=y_val, patience=5,
              callback=remember)
    assert h["stopped"] == "early_stopping"
    best = h["best_epoch"]
    assert len(h["epoch"]) == best + 5
    assert h["val_cost"][best - 1] == min(h["val_cost"])
    for p, q in zip(network.params(), snapshots[best]):
        np.testing.assert_array_equal(p, q)


def test_patience_needs_validation():
    X, y = blobs()
    with pytest.raises(ValueError, match="validation"):
        train(net(), X, y, epochs=2, rng=np.random.default_rng(0), patience=2)


@pytest.mark.parametrize("activation", ["sigmoid", "relu"])
def test_divergence_raises_quickly(activation):
    X, y = blobs()
    network = net(activation=activation)
    epochs_seen = []
    with pytest.raises(TrainingDiverged, match="learning rate .* too high"):
        train(network, X, y, optimizer="sgd", learning_rate=1e9, epochs=50, batch_size=10,
              rng=np.random.default_rng(0), callback=lambda r: epochs_seen.append(r["epoch"]))
    assert len(epochs_seen) <= 2


def test_augment_is_applied_to_each_batch():
    X, y = blobs(40)
    calls = []

    def augment(Xb, rng):
        calls.append(Xb.shape)
        return Xb + rng.normal(0, 0.01, Xb.shape)

    train(net(), X, y, epochs=2, batch_size=16, rng=np.random.default_rng(0), augment=augment)
    assert calls == [(16, 2), (16, 2), (8, 2)] * 2


def test_l2_shrinks_weights():
    X, y = blobs()
    plain, shrunk = net(), net()
    train(plain, X, y, epochs=30, batch_size=20, rng=np.random.default_rng(0))
    train(shrunk, X, y, epochs=30, batch_size=20, l2=5.0, rng=np.random.default_rng(0))
    assert np.abs(shrunk.weights[0]).sum() < np.abs(plain.weights[0]).sum()


@pytest.mark.parametrize("kwargs, message", [
    ({"epochs": 0}, "epochs"),
    ({"batch_size": 0}, "batch_size"),
    ({"l2": -1}, "l2"),
    ({"optimizer": "lbfgs"}, "valid optimizers"),
    ({"average_last": 1.5}, "average_last must be between 0 and 1"),
    ({"average_last": -0.1}, "average_last must be between 0 and 1"),
])
def test_bad_settings(kwargs, message):
    X, y = blobs(20)
    with pytest.raises(ValueError, match=message):
        train(net(), X, y, rng=np.random.default_rng(0), **{"epochs": 1, **kwargs})


def test_bad_labels():
    X, y = blobs(20)
    with pytest.raises(ValueError, match="0..2"):
        train(net(), X, y + 3, epochs=1, rng=np.random.default_rng(0))


def textbook_training(network, X, y, optimizer, learning_rate, l2, batch_size, epochs, seed):
    """The loop train() runs, in plain steps: the network's own gradients without pre-scaling
    (``cost_and_gradients``), the batches and optimiser steps of nncore/reference.py."""
    rng = np.random.default_rng(seed)
    Y = network.targets(y).astype(np.float64)
    params, state = [p.copy() for p in network.params()], None
    for _ in range(epochs):
        for rows in reference.minibatches(len(X), batch_size, rng):
            _, grads = network.cost_and_gradients(X[rows], Y[rows], l2=l2, n_total=len(X))
            params, state = reference.update_parameters(params, grads, learning_rate, optimizer,
                                                        state)
            for p, new in zip(network.params(), params):
                p[...] = new


@pytest.mark.parametrize("optimizer", ["sgd", "momentum", "adam"])
@pytest.mark.parametrize("kind", ["dense", "conv"])
def test_train_takes_the_textbook_steps(optimizer, kind):
    # train() folds the optimiser's preferred factor into back-propagation (gradient_scale);
    # the weights must come out as from plain gradients and textbook steps, L2 included (the
    # dense network's maths is checked against the reference in test_reference.py too)
    from nncore.nn.convnet import ConvNetwork
    from nncore.data.images import ImageGeometry
    rng = np.random.default_rng(5)
    if kind == "dense":
        X, y = blobs(90)
        make = lambda: Network([2, 5, 3], activation="tanh", output="softmax", rng=1, dtype=np.float64)
    else:
        X, y = rng.random((40, 36)), rng.integers(0, 3, size=40)
        image = ImageGeometry(6, 6, "C", 0.0, 1.0)
        make = lambda: ConvNetwork(image, 3, conv_filters=[2], hidden_layers=[4], kernel=3,
                                   rng=1, dtype=np.float64)
    a, b = make(), make()
    rate = DEFAULT_LEARNING_RATES[optimizer]
    train(a, X, y, optimizer=optimizer, learning_rate=rate, epochs=3, batch_size=16, l2=0.7, rng=7)
    textbook_training(b, X, y, optimizer, rate, 0.7, 16, 3, seed=7)
    for p, q in zip(a.params(), b.params()):
        np.testing.assert_allclose(p, q, rtol=1e-9, atol=1e-12)


def test_cosine_schedule_lowers_the_rate_epoch_by_epoch():
    from nncore.nn.optimizers import SGD
    X, y = blobs()
    seen = []

    class Recording(SGD):
        def _step(self, params, grads, scratch, scale):
            seen.append(self.learning_rate)
            super()._step(params, grads, scratch, scale)

    opt = Recording(0.2)
    train(net(), X, y, optimizer=opt, epochs=4, batch_size=len(X), rng=0, schedule="cosine")
    # one full batch per epoch: lr * (1 + cos(pi * (e - 1) / 4)) / 2 for e = 1..4
    assert seen == pytest.approx([0.2, 0.2 * 0.8535534, 0.1, 0.2 * 0.1464466])
    assert opt.learning_rate == 0.2                  # the optimiser's own rate is left as it was
    with pytest.raises(ValueError, match="valid schedules: constant, cosine"):
        train(net(), X, y, epochs=1, rng=0, schedule="step")


def snapshots_of(network):
    """A callback that keeps a copy of the weights after every epoch, and the copies."""
    kept = {}

    def remember(record):
        kept[record["epoch"]] = [p.astype(np.float64) for p in network.params()]
    return remember, kept


@pytest.mark.parametrize("share, averaged", [(0.5, [4, 6]), (0.25, [5, 6]), (0.01, [6, 6]),
                                             (1.0, [1, 6])])
def test_weight_averaging_returns_the_mean_of_the_last_epochs(share, averaged):
    X, y = blobs()
    network = net()
    remember, kept = snapshots_of(network)
    h = train(network, X, y, optimizer="sgd", learning_rate=0.5, epochs=6, batch_size=16,
              rng=0, callback=remember, average_last=share)
    # round(share * 6) epochs, at least one: 3, 2 (1.5 rounds to even), 1, 6
    assert h["averaged_epochs"] == averaged
    first, last = averaged
    for i, p in enumerate(network.params()):
        mean = np.mean([kept[e][i] for e in range(first, last + 1)], axis=0)
        np.testing.assert_allclose(p, mean, rtol=1e-6, atol=1e-7)
    if first < last:                                # truly a mean, not the last weights
        assert not np.allclose(network.params()[0], kept[last][0], rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize("how", ["off", "cancelled", "early_stopping"])
def test_weight_averaging_only_for_runs_that_finish(how):
    X, y = blobs()
    network = Network([2, 6, 3], output="softmax", rng=0, dtype=np.float64)
    remember, kept = snapshots_of(network)
    kwargs = {"average_last": 0.0 if how == "off" else 0.5}
    callback = remember
    if how == "cancelled":
        callback = lambda record: remember(record) or record["epoch"] < 5
    if how == "early_stopping":
        kwargs.update(X_val=X[:30], y_val=(y[:30] + 1) % 3, patience=1)   # wrong labels
    h = train(network, X, y, optimizer="sgd", learning_rate=0.5, epochs=6, batch_size=16,
              rng=0, callback=callback, **kwargs)
    assert h["averaged_epochs"] is None
    keep = {"off": 6, "cancelled": 5, "early_stopping": h["best_epoch"]}[how]
    assert h["stopped"] == {"off": None, "cancelled": "cancelled",
                            "early_stopping": "early_stopping"}[how]
    for p, q in zip(network.params(), kept[keep]):
        np.testing.assert_array_equal(p, q)


def test_train_uses_only_the_trainable_protocol():
    # a stand-in that passes on the members of Trainable and nothing else trains the same
    from nncore.nn.trainable import Trainable
    members = set(Trainable.__annotations__) | {
        name for name, value in vars(Trainable).items()
        if callable(value) and not name.startswith("_")}

    class OnlyTrainable:
        def __init__(self, network):
            self.network = network

        def __getattr__(self, name):
            if name not in members:
                raise AttributeError(f"train used {name!r}, which is not in Trainable")
            return getattr(self.network, name)

    X, y = blobs()
    wrapped, plain = net(), net()
    kwargs = dict(epochs=3, batch_size=16, l2=0.1, rng=0, X_val=X[:30], y_val=y[:30])
    h = train(OnlyTrainable(wrapped), X, y, **kwargs)
    assert h["cost"] == train(plain, X, y, **kwargs)["cost"]
    assert isinstance(OnlyTrainable(wrapped), Trainable)
    for p, q in zip(wrapped.params(), plain.params()):
        np.testing.assert_array_equal(p, q)


@pytest.mark.parametrize("shape", ["flat", "column"])
def test_train_fits_a_linear_output_to_float_targets(shape):
    # y = 2 x0 - x1 + noise: a small tanh network gets R² near 1, in the label's units
    rng = np.random.default_rng(0)
    X = rng.standard_normal((200, 3))
    y = 2 * X[:, 0] - X[:, 1] + 0.05 * rng.standard_normal(200)
    mean, std = y.mean(), y.std()
    scaled = (y - mean) / std
    targets = scaled if shape == "flat" else scaled[:, None]
    network = Network([3, 8, 1], activation="tanh", output="linear", rng=0)
    history = train(network, X[:150], targets[:150], optimizer="adam", learning_rate=0.01,
                    epochs=60, batch_size=32, rng=1, X_val=X[150:], y_val=targets[150:],
                    task=Regression(inverse=lambda v: v * std + mean))
    assert history["train_accuracy"] == [None] * 60 and history["val_accuracy"] == [None] * 60
    assert history["val_cost"][-1] < 0.05 * history["val_cost"][0]
    assert history["val_r2"][-1] > 0.95
    predicted = network.predict_values(X[150:]) * std + mean
    assert history["val_rmse"][-1] == pytest.approx(np.sqrt(np.mean((predicted - y[150:]) ** 2)),
                                                    rel=1e-4)
    assert set(history) >= {"train_r2", "train_mae", "train_rmse", "val_mae"}


def test_regression_needs_a_linear_output_and_finite_targets():
    X = np.zeros((4, 2))
    with pytest.raises(ValueError, match="output='linear'"):
        train(Network([2, 2]), X, [0.5, 1.0, 2.0, 3.0], rng=0, task="regression")
    with pytest.raises(ValueError, match="finite"):
        train(Network([2, 1], output="linear"), X, [0.5, np.inf, 2.0, 3.0], rng=0,
              task="regression")
    with pytest.raises(ValueError, match="valid tasks"):
        train(Network([2, 1], output="linear"), X, [0.5, 1, 2.0, 3.0], rng=0, task="ranking")


def test_label_smoothing_targets_and_their_gradient():
    """The smoothed targets sum to 1 with epsilon / k off the true class; back-propagation's
    gradient against them matches finite differences of the smoothed cross-entropy; a
    network trained with them is less sure of its rows than one trained without."""
    from nncore.nn.gradcheck import numerical_gradients
    from nncore.nn.network import Network
    from nncore.nn.tasks import smoothed_targets

    rng = np.random.default_rng(0)
    net = Network([4, 6, 3], activation="tanh", output="softmax", rng=rng, dtype=np.float64)
    table = smoothed_targets(net, net.target_table(), 0.1, "classification")
    assert np.allclose(table.sum(axis=1), 1.0)
    assert np.allclose(table, np.where(np.eye(3) == 1, 0.9 + 0.1 / 3, 0.1 / 3))
    X, y = rng.normal(size=(7, 4)), rng.integers(0, 3, size=7)
    _, analytic = net.cost_and_gradients(X, table[y], l2=0.3)
    for a, numeric in zip(analytic, numerical_gradients(net, X, table[y], l2=0.3)):
        np.testing.assert_allclose(a, numeric, rtol=1e-6, atol=1e-9)
    with pytest.raises(ValueError, match="below 0.5"):
        smoothed_targets(net, net.target_table(), 0.5, "classification")

    X, y = rng.normal(size=(60, 4)), rng.integers(0, 3, size=60)
    sure = {}
    for epsilon in (0.0, 0.2):
        model = Network([4, 32, 3], activation="relu", output="softmax",
                        rng=np.random.default_rng(1), dtype=np.float64)
        train(model, X, y, epochs=300, batch_size=None, rng=np.random.default_rng(2),
              learning_rate=0.05, label_smoothing=epsilon)
        sure[epsilon] = model.predict_proba(X).max(axis=1).mean()
    assert sure[0.2] < 0.9 < sure[0.0]
