"""Inside the network: one example through a trained network, and one step of gradient descent.

Scope: every number the "Inside the network" view shows, for ONE example (an input row ``x``
already scaled as the network sees it, and its target row ``y``), computed by the functions of
``nncore/reference.py`` on the run's weights (as float64), so that a learner can open that
module beside the page and find each number's line:

1. forward (``forward_prop``): per layer ``z[l] = a[l-1] @ W[l-1] + b[l-1]``, ``a[l] = f(z[l])``;
2. cost (``cost_function``) on this example, split into the data term (cross-entropy, or half
   the squared error for a linear output) and the L2 term ``l2 / (2 m) * sum W**2`` with ``m``
   the TRAINING-set size (the penalty belongs to the whole training set's cost);
3. backward (``backprop``): with one example the bias gradient of a layer IS its error
   ``delta = dJ/dz`` (``dJ/db = delta`` summed over one row), so ``delta`` is read from it; one
   chosen weight's gradient splits into ``a_i * delta_j / 1`` (the data part, ``n = 1``) and
   ``(l2 / m) * w`` (the L2 part);
4. update (``update_parameters``): one step on this example alone at the run's learning rate,
   from a fresh optimiser state (``w - alpha dJ/dw`` for gd, sgd and momentum, whose first step
   from rest is the same; Adam's first step ``w - alpha m_hat / (sqrt(v_hat) + eps)`` with
   ``m_hat = g`` and ``v_hat = g**2``); the example's cost before and after, and, when it did not
   fall, the first of ``rate / 10, / 100, ...`` at which it does (it must, for a small enough
   rate, unless the gradient is zero; a first step is linear in the rate, so the smaller
   steps are the step scaled).

Which units a wide layer shows is ``nncore.inside_units``'s job. Left out: convolutional
networks (their first layers are not ``z = a W + b``), and batches of more than one example.
"""
import numpy as np

from nncore import reference
from nncore.inside_units import choose_units, default_weight, describe_layers

#: the rates tried, as fractions of the run's, when a step at the run's rate does not lower the cost
SMALLER_RATES = (1e-1, 1e-2, 1e-3, 1e-4, 1e-5, 1e-6)
#: what each step of the view calls in nncore/reference.py
REFERENCE = {"forward": "forward_prop", "cost": "cost_function", "backward": "backprop",
             "update": "update_parameters", "module": "nncore/reference.py"}
#: the cost each output is paired with (see ``reference.cost_function``)
COST_NAMES = {"sigmoid": "cross_entropy", "softmax": "cross_entropy", "linear": "squared_error"}


def network_params(network):
    """``[W0, b0, W1, b1, ...]`` of a fully connected ``Network`` as float64 copies.

    Raises ``ValueError`` for a convolutional network (no plain ``z = a W + b`` first layers).
    """
    if hasattr(network, "kernel") or getattr(network, "conv_filters", None):
        raise ValueError("inside the network is not available for convolutional networks")
    params = []
    for W, b in zip(network.weights, network.biases):
        params += [np.asarray(W, dtype=np.float64).copy(), np.asarray(b, dtype=np.float64).copy()]
    return params


def output_of(params, x, activation, output):
    """The output layer's ``a`` (k,) for the example ``x`` (d,): ``forward_prop``'s last."""
    return reference.forward_prop(params, np.asarray(x, dtype=np.float64)[None, :],
                                  activation, output)[0][-1][0]


def example_cost(params, x, y, activation, output, l2, m):
    """``(cost, data, l2_term)`` of the example ``x`` (d,) with target ``y`` (k,):
    ``reference.cost_function`` with the penalty over the training-set size ``m``."""
    X, Y = x[None, :], y[None, :]
    cost = reference.cost_function(params, X, Y, activation, output, l2, n_total=m)
    data = reference.cost_function(params, X, Y, activation, output, 0.0)
    return cost, data, cost - data


def one_step(params, x, y, *, activation, output, l2, m, optimizer, learning_rate):
    """Forward, cost, backward and one update on the example, as arrays.

    Parameters
    ----------
    params : list of ndarray, float64 ``[W0, b0, ...]``
    x : ndarray (d,), the input row scaled as the network sees it
    y : ndarray (k,), its target (one-hot, the class as 0/1 for one sigmoid unit, or the
        number a linear output learns)
    m : int, the training-set size dividing the L2 penalty

    Returns
    -------
    dict
        ``activations`` (a[0] = x, then each layer's a), ``zs``, ``deltas`` (one per z),
        ``grads`` (``backprop``'s), ``cost``, ``data``, ``l2_term``, ``after`` (the params after
        the step), ``cost_after``, ``state`` (the optimiser's state after its first step).
    """
    X, Y = x[None, :], y[None, :]
    activations, zs = reference.forward_prop(params, X, activation, output)
    cost, data, l2_term = example_cost(params, x, y, activation, output, l2, m)
    grads = reference.backprop(params, X, Y, activation, output, l2, n_total=m)
    after, state = reference.update_parameters(params, grads, learning_rate, optimizer)
    cost_after = example_cost(after, x, y, activation, output, l2, m)[0]
    return {"activations": [a[0] for a in activations], "zs": [z[0] for z in zs],
            "deltas": list(grads[1::2]), "grads": grads, "cost": cost, "data": data,
            "l2_term": l2_term, "after": after, "cost_after": cost_after, "state": state}


def smaller_rate(params, after, x, y, cost, *, activation, output, l2, m, learning_rate,
                 **_):
    """The first rate of ``learning_rate * SMALLER_RATES`` whose step lowers the example's cost:
    ``{"learning_rate", "cost_after", "cost_falls"}`` (the smallest tried when none does).

    ``after``: the params after ``update_parameters``' step at ``learning_rate``. A first step
    from a fresh state is the rate times a direction that does not depend on it (sgd: ``-g``;
    Adam: ``-m_hat / (sqrt(v_hat) + eps)``), so the step at a smaller rate is that step scaled.
    """
    for fraction in SMALLER_RATES:
        scaled = [p + fraction * (q - p) for p, q in zip(params, after)]
        cost_after = example_cost(scaled, x, y, activation, output, l2, m)[0]
        if cost_after < cost:
            break
    return {"learning_rate": learning_rate * fraction, "cost_after": cost_after,
            "cost_falls": cost_after < cost}


def weight_step(params, result, weight, *, l2, m, optimizer, learning_rate):
    """The chosen weight ``(layer, i, j)`` (``W[layer - 1][i, j]``, from unit ``i`` of layer
    ``layer - 1`` to unit ``j`` of ``layer``) through back-propagation and the update."""
    layer, i, j = weight
    w = float(params[2 * (layer - 1)][i, j])
    grad_data = float(result["activations"][layer - 1][i] * result["deltas"][layer - 1][j])
    step = {"layer": layer, "from": i, "to": j, "w": w,
            "grad": float(result["grads"][2 * (layer - 1)][i, j]),
            "grad_data": grad_data, "grad_l2": float(l2 / m * w),
            "w_after": float(result["after"][2 * (layer - 1)][i, j]),
            "rule": "adam" if optimizer == "adam" else "sgd", "optimizer": optimizer,
            "learning_rate": float(learning_rate)}
    if optimizer == "adam":
        state = result["state"]
        step["adam"] = {"t": state["t"], "m": float(state["m"][2 * (layer - 1)][i, j]),
                        "v": float(state["v"][2 * (layer - 1)][i, j]),
                        "beta1": 0.9, "beta2": 0.999, "eps": 1e-8}
    return step


def check_weight(sizes, weight):
    """``weight = (layer, from, to)`` within ``sizes``, else ``ValueError`` saying the range."""
    layer, i, j = weight
    if not 1 <= layer < len(sizes):
        raise ValueError(f"layer must be from 1 to {len(sizes) - 1}")
    if not 0 <= i < sizes[layer - 1]:
        raise ValueError(f"from must be a unit of layer {layer - 1}: 0 to {sizes[layer - 1] - 1}")
    if not 0 <= j < sizes[layer]:
        raise ValueError(f"to must be a unit of layer {layer}: 0 to {sizes[layer] - 1}")


def inside(params, x, y, *, activation, output, l2, m, optimizer, learning_rate,
           input_names, output_names, weight=None, max_units=12):
    """Everything the view shows for one example, JSON-ready (see ``webapp.services.inside``
    for the whole response this is the heart of).

    ``weight``: ``(layer, from, to)`` to follow through the step, or None for the largest
    ``|dJ/dw|`` into the target's output unit from a shown unit. ``max_units``: units drawn
    per layer at most (the chosen weight's ends are always drawn).
    """
    x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    sizes = [params[0].shape[0]] + [W.shape[1] for W in params[0::2]]
    if weight is not None:
        check_weight(sizes, weight)
    options = {"activation": activation, "output": output, "l2": float(l2), "m": int(m),
               "optimizer": optimizer, "learning_rate": float(learning_rate)}
    result = one_step(params, x, y, **options)
    shown = choose_units(params, result["activations"], y, max_units)
    weight = weight or default_weight(result["grads"], shown, y)
    shown = [np.union1d(s, [weight[1]]) if l == weight[0] - 1 else
             np.union1d(s, [weight[2]]) if l == weight[0] else s for l, s in enumerate(shown)]
    falls = result["cost_after"] < result["cost"]
    return {
        "network": {"sizes": sizes, "activation": activation, "output": output,
                    "activations": [None] + [activation] * (len(sizes) - 2) + [output],
                    "cost": COST_NAMES[output], **{k: options[k] for k in
                                                   ("l2", "m", "optimizer", "learning_rate")}},
        "names": {"inputs": list(input_names), "outputs": list(output_names)},
        "layers": describe_layers(params, result, shown, input_names, output_names),
        "target": y.tolist(),
        "output": result["activations"][-1].tolist(),
        "cost": result["cost"], "cost_terms": {"data": result["data"], "l2": result["l2_term"]},
        "cost_after": result["cost_after"], "cost_falls": bool(falls),
        "smaller_rate": None if falls else smaller_rate(params, result["after"], x, y,
                                                        result["cost"], **options),
        "step": weight_step(params, result, weight, **{k: options[k] for k in
                                                       ("l2", "m", "optimizer",
                                                        "learning_rate")}),
        "reference": dict(REFERENCE),
    }
