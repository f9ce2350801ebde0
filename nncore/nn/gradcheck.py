"""Central-difference gradient check of ``Network.cost_and_gradients``.

Builds a tiny float64 network and random data from ``seed``, perturbs every weight and bias by
``+-eps`` and compares the numerical derivative ``(J(p + eps) - J(p - eps)) / (2 eps)`` with the
analytic one from back-propagation.  The reported figure is the largest element-wise relative
error ``|a - n| / max(|a| + |n|, tiny)``; a correct back-propagation gives about 1e-9 or less.

The network under test and its back-propagated gradients are float64.  The numerical reference
evaluates the cost of the same weights in ``np.longdouble`` (80-bit extended precision on x86
Linux): a float64 cost carries rounding errors of ~1e-16 that the division by ``2 eps`` turns into
~1e-10 absolute, which is a relative error of 1e-5 for the few gradient elements near 1e-5.  The
extended-precision reference removes that noise so the check can demand 1e-7 element-wise (on
platforms where ``longdouble`` is just float64 the reference falls back to float64 precision).

ReLU has a kink at ``z = 0`` where the two one-sided derivatives differ; the check draws the inputs
again (from the same seeded generator) until no hidden pre-activation is within ``1e-3`` of zero,
far more than any ``eps`` step can move it, so a reported error is a real bug, not the kink.
"""

import numpy as np

from nncore.nn.network import Network
from nncore.nn.outputs import one_hot

__all__ = ["conv_gradient_check", "gradient_check", "numerical_gradients"]


def numerical_gradients(network, X, Y, l2=0.0, eps=1e-6):
    """Central-difference gradients of the cost (as ``network.cost``) matching ``params()``.

    Perturbs each parameter in place and restores it; slow (two cost evaluations per parameter),
    meant for tiny networks.
    """
    n = X.shape[0]
    out = network.output_layer

    def cost():
        # like network.cost, but kept in the network's dtype (no rounding to a Python float)
        P = network.forward(X)[-1]
        penalty = sum(np.vdot(W, W) for W in network.weights) * (l2 / (2 * n))
        return out.total_cost(P, Y) / n + penalty

    grads = []
    for p in network.params():
        g = np.zeros(p.shape, dtype=np.float64)
        flat, gflat = p.reshape(-1), g.reshape(-1)
        for i in range(flat.size):
            old = flat[i]
            flat[i] = old + eps
            plus = cost()
            flat[i] = old - eps
            minus = cost()
            flat[i] = old
            gflat[i] = (plus - minus) / (2 * eps)
        grads.append(g)
    return grads


def _hidden_preactivations(network, X):
    zs, a = [], X
    for W, b in zip(network.weights[:-1], network.biases[:-1]):
        z = a @ W + b
        zs.append(z)
        a = network._f(z)
    return zs


def gradient_check(layer_sizes=(5, 4, 3), activation="sigmoid", output="sigmoid", l2=0.0,
                   n_samples=7, seed=0, eps=1e-6):
    """Largest relative error between back-propagated and numerical gradients.

    Parameters
    ----------
    layer_sizes : sequence of int
        Keep it tiny: the check costs two forward passes per parameter.
    activation, output : str
        Registry names, as for ``Network``.
    l2 : float
        Regularisation strength included in the checked cost.
    n_samples : int
        Rows of random data (standard normal inputs; random classes, or for a ``"linear"``
        output normal targets of standard deviation 2).
    seed : int
        Seeds weights and data.
    eps : float
        Central-difference step.

    Returns
    -------
    float
        ``max |a - n| / max(|a| + |n|, tiny)`` over all parameters, computed in float64.
    """
    rng = np.random.default_rng(seed)
    network = Network(layer_sizes, activation=activation, output=output, rng=rng,
                      dtype=np.float64)
    k = network.layer_sizes[-1]
    for _ in range(100):
        X = rng.standard_normal((n_samples, network.layer_sizes[0]))
        zs = _hidden_preactivations(network, X)
        if activation != "relu" or all(np.abs(z).min() > 1e-3 for z in zs):
            break
    if network.output_layer.task == "regression":     # numbers to predict, any sign and size
        Y = 2.0 * rng.standard_normal((n_samples, k))
    else:
        Y = one_hot(rng.integers(0, k, size=n_samples), k, dtype=np.float64)

    _, analytic = network.cost_and_gradients(X, Y, l2)
    numeric = numerical_gradients(network.copy(np.longdouble), X.astype(np.longdouble),
                                  Y.astype(np.longdouble), l2, eps)
    tiny = np.finfo(np.float64).tiny
    worst = 0.0
    for a, num in zip(analytic, numeric):
        rel = np.abs(a - num) / np.maximum(np.abs(a) + np.abs(num), tiny)
        worst = max(worst, float(rel.max()))
    return worst


def _conv_kinks_clear(network, X, margin=1e-3):
    """Whether no ReLU input and no 2x2 max-pool runner-up is within ``margin`` of its kink."""
    n, a = X.shape[0], network._pictures(X)
    for l, block in enumerate(network.blocks):
        _, z, zp, a = network._block_forward(a, l)
        hp, wp, _ = block["out"]
        corners = np.stack(network._corners(z, hp, wp))           # (4, n, Hp, Wp, F)
        top_two = np.sort(corners, axis=0)[-2:]
        if (top_two[1] - top_two[0]).min() <= margin:
            return False                                          # the max could switch
        if network.activation == "relu" and np.abs(zp).min() <= margin:
            return False
    a = a.reshape(n, -1)
    for W, b in zip(network.weights[len(network.blocks):-1], network.biases[len(network.blocks):-1]):
        z = a @ W + b
        if network.activation == "relu" and np.abs(z).min() <= margin:
            return False
        a = network._f(z)
    return True


def conv_gradient_check(height=8, width=7, order="C", conv_filters=(3,), hidden_layers=(4,),
                        kernel=3, padding="valid", n_classes=3, activation="relu",
                        output="softmax", l2=0.0, n_samples=5, seed=0, eps=1e-6):
    """Largest relative error of ``ConvNetwork`` back-propagation against central differences.

    Same figure as ``gradient_check`` (float64 analytic gradients, ``np.longdouble``
    reference) for a tiny convolutional network on ``height x width`` pictures in pixel
    ``order``.  Besides ReLU's kink at 0, max-pooling has one where a window's two largest
    members swap; inputs are redrawn until every such gap exceeds ``1e-3``.
    """
    from nncore.nn.convnet import ConvNetwork
    from nncore.data.images import ImageGeometry

    rng = np.random.default_rng(seed)
    network = ConvNetwork(ImageGeometry(height, width, order, 0.0, 1.0), n_classes,
                          conv_filters, hidden_layers, kernel=kernel, padding=padding,
                          activation=activation, output=output, rng=rng, dtype=np.float64)
    for _ in range(100):
        X = rng.standard_normal((n_samples, height * width))
        if _conv_kinks_clear(network, X):
            break
    k = network.layer_sizes[-1]
    y = rng.integers(0, network.n_classes, size=n_samples)
    Y = network.targets(y).astype(np.float64) if k == 1 else one_hot(y, k, dtype=np.float64)

    _, analytic = network.cost_and_gradients(X, Y, l2)
    numeric = numerical_gradients(network.copy(np.longdouble), X.astype(np.longdouble),
                                  Y.astype(np.longdouble), l2, eps)
    tiny = np.finfo(np.float64).tiny
    return max(float((np.abs(a - num) / np.maximum(np.abs(a) + np.abs(num), tiny)).max())
               for a, num in zip(analytic, numeric))
