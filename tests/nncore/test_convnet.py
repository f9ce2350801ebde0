"""ConvNetwork: gradients against central differences, shapes, pixel order, training drop-in."""

import numpy as np
import pytest

from nncore.nn.activations import ACTIVATIONS
from nncore.nn.convnet import ConvNetwork
from nncore.nn.gradcheck import conv_gradient_check
from nncore.data.images import ImageGeometry, from_images
from nncore.nn.outputs import OUTPUTS
from nncore.nn.training import train


def geometry(h=28, w=28, order="C"):
    return ImageGeometry(h, w, order, 0.0, 1.0)


@pytest.mark.parametrize("l2", [0.0, 0.7])
@pytest.mark.parametrize("output", sorted(OUTPUTS))
@pytest.mark.parametrize("activation", sorted(ACTIVATIONS))
def test_gradients_match_central_differences(activation, output, l2):
    assert conv_gradient_check(activation=activation, output=output, l2=l2) < 1e-7


@pytest.mark.parametrize("options", [
    {"order": "F"},
    {"padding": "same", "kernel": 3},
    {"padding": "same", "kernel": 5, "height": 9, "width": 10},
    {"conv_filters": (2, 3), "height": 12, "width": 11, "hidden_layers": (3, 2)},
    {"hidden_layers": ()},
    {"n_classes": 1, "output": "sigmoid"},
])
def test_gradients_of_other_shapes(options):
    assert conv_gradient_check(l2=0.3, seed=2, **options) < 1e-7


def test_check_detects_a_wrong_kernel_gradient(monkeypatch):
    # a check that cannot fail proves nothing: break the first kernel's gradient
    original = ConvNetwork.backprop

    def broken(self, X, Y, l2, n_total, work, grads, P_out=None):
        result = original(self, X, Y, l2, n_total, work, grads, P_out)
        grads[0] *= 1.01
        return result

    monkeypatch.setattr(ConvNetwork, "backprop", broken)
    assert conv_gradient_check() > 1e-3


def test_shapes_sizes_and_repr():
    net = ConvNetwork(geometry(), 10, conv_filters=(8, 16), hidden_layers=(32,), kernel=5, rng=0)
    # 28 -conv5-> 24 -pool-> 12 -conv5-> 8 -pool-> 4
    assert net.layer_sizes == [784, 12 * 12 * 8, 4 * 4 * 16, 32, 10]
    assert [W.shape for W in net.weights] == [(25, 8), (25 * 8, 16), (256, 32), (32, 10)]
    assert [b.shape for b in net.biases] == [(8,), (16,), (32,), (10,)]
    X = np.random.default_rng(1).random((6, 784))
    acts = net.forward(X)
    assert [a.shape for a in acts] == [(6, s) for s in net.layer_sizes]
    assert all(a.dtype == np.float32 for a in acts)
    np.testing.assert_allclose(net.predict_proba(X).sum(axis=1), 1.0, rtol=1e-5)
    assert net.predict(X).shape == (6,)
    assert repr(net) == ("ConvNetwork(28x28, conv_filters=[8, 16], kernel=5, padding='valid', "
                         "hidden_layers=[32], n_classes=10, activation='relu', output='softmax')")
    same = ConvNetwork(geometry(), 10, conv_filters=(4, 4), kernel=3, padding="same", rng=0)
    assert same.layer_sizes[1:3] == [14 * 14 * 4, 7 * 7 * 4]


def test_conv_network_is_trainable():
    from nncore.nn.trainable import Trainable
    net = ConvNetwork(geometry(8, 8), 3, conv_filters=(2,), hidden_layers=(4,), kernel=3, rng=0)
    assert isinstance(net, Trainable)
    assert net.output_layer.name == "softmax"
    with pytest.raises(ValueError, match="shape"):
        net.as_input(np.zeros((2, 63)))


def test_params_are_views_of_one_flat_array():
    net = ConvNetwork(geometry(8, 8), 3, conv_filters=(2,), hidden_layers=(4,), kernel=3, rng=0)
    flat = net.pack()
    assert all(p.base is flat for p in net.params())
    net.params()[0][...] = 1.0
    np.testing.assert_array_equal(net.weights[0], 1.0)
    clone = net.copy()
    clone.weights[0][...] = 2.0
    np.testing.assert_array_equal(net.weights[0], 1.0)


def test_pixel_order_is_respected():
    # the same upright pictures as C rows and as F rows give the same outputs
    rng = np.random.default_rng(0)
    pictures = rng.random((5, 10, 9))
    c_net = ConvNetwork(geometry(10, 9, "C"), 4, (3,), (5,), kernel=3, rng=7, dtype=np.float64)
    f_net = ConvNetwork(geometry(10, 9, "F"), 4, (3,), (5,), kernel=3, rng=7, dtype=np.float64)
    P_c = c_net.predict_proba(from_images(pictures, c_net.image))
    P_f = f_net.predict_proba(from_images(pictures, f_net.image))
    np.testing.assert_allclose(P_c, P_f, rtol=1e-12)


def test_batched_prediction_matches_one_pass():
    net = ConvNetwork(geometry(8, 8), 3, (2,), (4,), kernel=3, rng=0, dtype=np.float64)
    X = np.random.default_rng(2).random((11, 64))
    np.testing.assert_allclose(net.predict_proba(X, batch_size=4), net.forward(X)[-1])


def test_bad_settings_are_refused():
    with pytest.raises(ValueError, match="padding"):
        ConvNetwork(geometry(), 10, padding="full")
    with pytest.raises(ValueError, match="nothing to pool"):
        ConvNetwork(geometry(8, 8), 10, conv_filters=(4, 4, 4), kernel=5)
    with pytest.raises(ValueError, match="odd"):
        ConvNetwork(geometry(), 10, kernel=4, padding="same")
    with pytest.raises(ValueError, match="shape"):
        ConvNetwork(geometry(8, 8), 3, (2,), kernel=3, rng=0).forward(np.zeros((2, 65)))


def _toy_images(rng, n=120):
    """Vertical bar vs horizontal bar, at random positions, 10x10."""
    X = np.zeros((n, 10, 10), np.float32)
    y = rng.integers(0, 2, n)
    for i in range(n):
        p = rng.integers(2, 8)
        if y[i]:
            X[i, 1:9, p] = 1.0
        else:
            X[i, p, 1:9] = 1.0
    return X.reshape(n, 100), y


def test_trains_with_train_and_is_deterministic():
    X, y = _toy_images(np.random.default_rng(0))

    def run():
        net = ConvNetwork(geometry(10, 10), 2, (4,), (8,), kernel=3, rng=np.random.default_rng(1))
        history = train(net, X, y, optimizer="adam", learning_rate=0.01, epochs=15,
                        batch_size=16, l2=0.1, rng=np.random.default_rng(2), X_val=X[:30],
                        y_val=y[:30])
        return net, history

    net, history = run()
    assert history["cost"][-1] < history["cost"][0]
    assert history["val_accuracy"][-1] == 1.0
    again, history_again = run()
    assert history_again["cost"] == history["cost"]
    for a, b in zip(net.params(), again.params()):
        np.testing.assert_array_equal(a, b)
