"""Which units of a wide layer the "Inside the network" view draws, and what it says about them.

A trained network of any size can be drawn: each layer shows at most ``max_units`` units and
says how many more it has. For the chosen example the units that matter are drawn:

* output units: all of them up to ``max_units``; beyond, the most active ones, always with
  the target's unit and the predicted one;
* hidden units: the largest ``|a|`` (what lights up for this example);
* inputs: the largest contribution ``|a_i| * sum_j |W0[i, j]|`` to the hidden units drawn
  (a blank pixel contributes nothing whatever its weights), ties broken by ``|a_i|``.

For each drawn unit of a layer ``l >= 1``: its bias, its ``TOP_INCOMING`` largest incoming
weights from any unit of layer ``l - 1`` (``incoming``), and the weights between the drawn
units of the two layers (``links``), so that connections can be drawn without the full matrix.
Indices count from 0 in each layer; ``W[l - 1][i, j]`` joins unit ``i`` of layer ``l - 1`` to
unit ``j`` of layer ``l``.
"""
import numpy as np

#: incoming weights listed per drawn unit
TOP_INCOMING = 5


def _top(score, count, must=()):
    """Indices (sorted) of the ``count`` largest ``score``, ``must`` among them."""
    order = np.argsort(-np.asarray(score), kind="stable")
    rest = [int(i) for i in order if int(i) not in must]
    return np.array(sorted([*must, *rest[:max(count - len(must), 0)]]), dtype=np.int64)


def choose_units(params, activations, y, max_units=12):
    """The drawn units of every layer: a list of sorted index arrays, input layer first.

    ``activations``: each layer's ``a`` for the example (a[0] the input row); ``y``: its
    target (the output unit of the target class is always drawn).
    """
    L = len(params) // 2
    a_out = activations[-1]
    must = {int(np.argmax(a_out))}
    if len(y) > 1:
        must.add(int(np.argmax(y)))
    shown = [None] * (L + 1)
    shown[L] = _top(a_out, max_units, sorted(must))
    for l in range(1, L):
        shown[l] = _top(np.abs(activations[l]), max_units)
    a0 = np.abs(activations[0])
    contribution = a0 * np.abs(params[0][:, shown[1]]).sum(axis=1)
    # lexsort's last key is the primary one: contribution first, then |a|
    order = np.lexsort((-a0, -contribution))
    shown[0] = np.sort(order[:max_units]).astype(np.int64)
    return shown


def default_weight(grads, shown, y):
    """``(layer, from, to)`` of the largest ``|dJ/dw|`` into the target's output unit (unit 0
    for a single output) from a drawn unit of the last hidden layer (or input layer)."""
    L = len(grads) // 2
    to = int(np.argmax(y)) if len(y) > 1 else 0
    column = np.abs(grads[2 * (L - 1)][shown[L - 1], to])
    return L, int(shown[L - 1][int(np.argmax(column))]), to


def unit_names(sizes, input_names, output_names):
    """A function ``name(layer, unit)``: the inputs' and outputs' own names, hidden units as
    ``"hidden l, unit i"``."""
    last = len(sizes) - 1

    def name(layer, unit):
        if layer == 0:
            return input_names[unit]
        if layer == last:
            return output_names[unit]
        return f"hidden {layer}, unit {unit}"
    return name


def _incoming(W, shown_to, layer, name):
    """``{str(j): [{"from", "name", "w"}, ...]}``: each drawn unit's largest incoming weights."""
    incoming = {}
    for j in shown_to:
        column = W[:, j]
        top = np.argsort(-np.abs(column), kind="stable")[:TOP_INCOMING]
        incoming[str(int(j))] = [{"from": int(i), "name": name(layer - 1, int(i)),
                                  "w": float(column[i])} for i in top]
    return incoming


def describe_layers(params, result, shown, input_names, output_names):
    """The ``layers`` list of the view: layer 0 ``{"a", "shown", "more", "names"}``, each later
    layer also ``z``, ``delta``, ``b`` (every unit's), ``incoming`` and ``links``."""
    sizes = [len(a) for a in result["activations"]]
    name = unit_names(sizes, input_names, output_names)
    layers = []
    for l, units in enumerate(shown):
        layer = {"a": result["activations"][l].tolist(), "shown": units.tolist(),
                 "more": sizes[l] - len(units), "names": [name(l, int(i)) for i in units]}
        if l > 0:
            W = params[2 * (l - 1)]
            layer.update({
                "z": result["zs"][l - 1].tolist(), "delta": result["deltas"][l - 1].tolist(),
                "b": params[2 * (l - 1) + 1].tolist(),
                "incoming": _incoming(W, units, l, name),
                "links": [{"from": int(i), "to": int(j), "w": float(W[i, j])}
                          for i in shown[l - 1] for j in units]})
        layers.append(layer)
    return layers
