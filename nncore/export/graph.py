"""The network part of the ONNX graph: feature rows -> scaling -> layers -> output head.

* the scaler ``(x - offset) / scale`` in float64 (and its smooth clip when it has one), then
  float32 (as ``Scaler.transform``);
* convolutional blocks (``ConvNetwork``): the row as an ``[N, 1, H, W]`` picture, then per block
  ``Conv`` (the im2col kernel ``K`` (k*k*C, F) reshaped to ONNX's ``[F, C, k, k]``), a 2x2
  ``MaxPool`` of stride 2 (it drops an odd last row/column, as the numpy code does) and the
  activation; the last block is flattened channels last, as ``ConvNetwork`` flattens it;
* every dense layer ``a @ W + b`` with its activation (``Sigmoid``, ``Tanh``, ``Relu``);
* the output head, from ``OUTPUT_HEADS`` keyed by the output layer's name: ``sigmoid`` or
  ``softmax`` give ``probabilities`` float32 ``[N, k]``, ``label`` int64 ``[N]`` (the class
  index: the arg-max, or ``p > 0.5`` for a single sigmoid unit) and ``class_name`` string
  ``[N]`` (``label`` looked up in the class names by a ``Gather``); ``linear`` (regression)
  gives ``value`` float64 ``[N]`` in the label's units, the target transform undone inside the
  graph.

A head is ``(graph, z, model) -> [output value infos]``, ``z`` the output layer's
pre-activation ``[N, k]``. ``PLANNED_HEADS`` names outputs the app may train that have no head
yet (none today).
"""
from __future__ import annotations

import numpy as np
from onnx import TensorProto, helper, numpy_helper

from nncore.data.targets import MAX_LOG, TargetTransform
from nncore.nn.convnet import ConvNetwork

ACTIVATION_OPS = {"sigmoid": "Sigmoid", "tanh": "Tanh", "relu": "Relu"}
#: the graph's output names, whatever the head (a column input must be named otherwise)
OUTPUT_NAMES = ("probabilities", "label", "class_name", "value")


class Graph:
    """Nodes and constant tensors being collected, with fresh value names that avoid
    ``reserved`` (the graph's input and output names)."""

    def __init__(self, reserved=()):
        self.nodes, self.initializers, self._count = [], [], 0
        self.reserved = set(reserved) | set(OUTPUT_NAMES)

    def name(self, stem):
        while True:
            self._count += 1
            name = f"{stem}_{self._count}"
            if name not in self.reserved:
                return name

    def const(self, stem, array):
        name = self.name(stem)
        self.initializers.append(numpy_helper.from_array(np.asarray(array), name))
        return name

    def op(self, op_type, inputs, stem=None, outputs=None, **attrs):
        """Append one node; returns its (first) output name."""
        outputs = outputs or [self.name(stem or op_type.lower())]
        self.nodes.append(helper.make_node(op_type, list(inputs), outputs, **attrs))
        return outputs[0]


def scaled(g, model, x64):
    """``(x - offset) / scale`` of float64 rows ``x64`` [N, d], as ``Scaler.transform``, then
    the smooth clip ``u / sqrt(1 + (u / c)**2)`` when the scaler clips, then the network's
    float32."""
    centred = g.op("Sub", [x64, g.const("offset", model.scaler.offset)])
    divided = g.op("Div", [centred, g.const("scale", model.scaler.scale)])
    if model.scaler.clip is not None:
        ratio = g.op("Div", [divided, g.const("clip", np.array(model.scaler.clip))])
        one_plus = g.op("Add", [g.const("one", np.array(1.0)), g.op("Mul", [ratio, ratio])])
        divided = g.op("Div", [divided, g.op("Sqrt", [one_plus])])
    return g.op("Cast", [divided], to=TensorProto.FLOAT, stem="scaled")


def _activation(g, name, x):
    return g.op(ACTIVATION_OPS[name], [x])


def _conv_blocks(g, net: ConvNetwork, x):
    """Rows ``[N, H*W]`` through every conv block to ``[N, Hp*Wp*F]`` (channels last)."""
    h, w = net.height, net.width
    if net.order == "C":
        pictures = g.op("Reshape", [x, g.const("shape", np.array([-1, 1, h, w], np.int64))])
    else:                       # column-major rows: feature index = row + col * height
        cols = g.op("Reshape", [x, g.const("shape", np.array([-1, 1, w, h], np.int64))])
        pictures = g.op("Transpose", [cols], perm=[0, 1, 3, 2])
    a, k = pictures, net.kernel
    for l, block in enumerate(net.blocks):
        c, f, pad = block["in"][2], block["out"][2], block["pad"]
        # K row (i*k + j)*C + c holds offset (i, j) of channel c: ONNX wants [F, C, k, k]
        kernel = net.weights[l].reshape(k, k, c, f).transpose(3, 2, 0, 1)
        z = g.op("Conv", [a, g.const("kernel", np.ascontiguousarray(kernel)),
                          g.const("bias", net.biases[l])],
                 kernel_shape=[k, k], pads=[pad] * 4, strides=[1, 1])
        pooled = g.op("MaxPool", [z], kernel_shape=[2, 2], strides=[2, 2])
        a = _activation(g, net.activation, pooled)
    channels_last = g.op("Transpose", [a], perm=[0, 2, 3, 1])
    return g.op("Reshape", [channels_last, g.const("shape", np.array([0, -1], np.int64))])


def _dense_layers(g, net, a, first):
    """Dense layers ``first..`` of ``net``: returns the output layer's pre-activation ``z``."""
    last = len(net.weights) - 1
    for l in range(first, last + 1):
        z = g.op("Gemm", [a, g.const("W", net.weights[l]), g.const("b", net.biases[l])])
        if l == last:
            return z
        a = _activation(g, net.activation, z)
    raise ValueError("the network has no output layer")


def network_outputs(g, model, x64):
    """The graph from the float64 feature rows ``x64`` [N, d] to the head's outputs; returns
    their value infos. ``ValueError`` for an output layer without a head."""
    net = model.network
    if net.output not in OUTPUT_HEADS:
        planned = PLANNED_HEADS.get(net.output)
        raise ValueError(f"ONNX export has no output head {net.output!r}"
                         + (f" yet ({planned})" if planned else "")
                         + f"; it covers: {', '.join(sorted(OUTPUT_HEADS))}")
    a = scaled(g, model, x64)
    first = 0
    if isinstance(net, ConvNetwork):
        a, first = _conv_blocks(g, net, a), len(net.blocks)
    z = _dense_layers(g, net, a, first)
    return OUTPUT_HEADS[net.output](g, z, model)


def _label_outputs(g, probabilities, classes, single_unit):
    """``label`` (int64 class index) and ``class_name`` (string) from the probabilities."""
    if single_unit:
        above = g.op("Greater", [probabilities, g.const("half", np.array(0.5, np.float32))])
        index = g.op("Cast", [above], to=TensorProto.INT64)
        g.op("Squeeze", [index, g.const("axis", np.array([1], np.int64))], outputs=["label"])
    else:
        g.op("ArgMax", [probabilities], outputs=["label"], axis=1, keepdims=0)
    names = g.const("class_names", np.array(classes, dtype=object))
    g.op("Gather", [names, "label"], outputs=["class_name"], axis=0)
    return [helper.make_tensor_value_info("label", TensorProto.INT64, ["N"]),
            helper.make_tensor_value_info("class_name", TensorProto.STRING, ["N"])]


def _sigmoid_head(g, z, model):
    g.op("Sigmoid", [z], outputs=["probabilities"])
    return _probability_outputs(g, model)


def _softmax_head(g, z, model):
    g.op("Softmax", [z], outputs=["probabilities"], axis=1)
    return _probability_outputs(g, model)


def _probability_outputs(g, model):
    k = model.network.layer_sizes[-1]
    probs = helper.make_tensor_value_info("probabilities", TensorProto.FLOAT, ["N", k])
    return [probs, *_label_outputs(g, "probabilities", model.classes, single_unit=k == 1)]


def _linear_head(g, z, model):
    """Regression: ``value`` float64 ``[N]`` in the label's units, as ``Model.predict_values``:
    the identity output, then the model's ``TargetTransform`` undone (``z * std + mean``, then
    ``Exp`` for a log target, clipped below float64's overflow as ``inverse`` clips)."""
    target = model.target or TargetTransform()
    z64 = g.op("Cast", [z], to=TensorProto.DOUBLE)
    scaled_z = g.op("Mul", [z64, g.const("target_std", np.array(target.std, np.float64))])
    y = g.op("Add", [scaled_z, g.const("target_mean", np.array(target.mean, np.float64))])
    if target.log:
        y = g.op("Exp", [g.op("Min", [y, g.const("max_log", np.array(MAX_LOG))])])
    g.op("Squeeze", [y, g.const("axis", np.array([1], np.int64))], outputs=["value"])
    return [helper.make_tensor_value_info("value", TensorProto.DOUBLE, ["N"])]


#: output layer name (``outputs.OUTPUTS``) -> head ``(graph, z, model) -> output value infos``
OUTPUT_HEADS = {"sigmoid": _sigmoid_head, "softmax": _softmax_head, "linear": _linear_head}
#: output layers the app may grow that have no head yet, with what the head will do
PLANNED_HEADS: dict[str, str] = {}
