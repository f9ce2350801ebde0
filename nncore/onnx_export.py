"""A trained `Model` as an ONNX graph, so that any ONNX runtime can score it.

The graph reproduces ``Model.predict_proba`` on the model's feature rows:

* input ``features`` float32 ``[N, d]``: the encoded features in the dataset's feature order
  (for tables, ``Encoding.transform`` of the raw columns: one-hot units, fill values and
  was-blank indicators already applied; for pictures, the pixel row as the dataset stores it);
* the scaler ``(x - offset) / scale`` in float64, then float32 (as ``Scaler.transform``);
* convolutional blocks (``ConvNetwork``): the row as an ``[N, 1, H, W]`` picture, then per block
  ``Conv`` (the im2col kernel ``K`` (k*k*C, F) reshaped to ONNX's ``[F, C, k, k]``), a 2x2
  ``MaxPool`` of stride 2 (it drops an odd last row/column, as the numpy code does) and the
  activation; the last block is flattened channels last, as ``ConvNetwork`` flattens it;
* every dense layer ``a @ W + b`` with its activation (``Sigmoid``, ``Tanh``, ``Relu``);
* the output head, from ``OUTPUT_HEADS`` keyed by the output's name: ``sigmoid`` or
  ``softmax`` give ``probabilities`` float32 ``[N, k]``, ``label`` int64 ``[N]`` (the class
  index: the arg-max, or ``p > 0.5`` for a single sigmoid unit) and ``class_name`` string
  ``[N]`` (``label`` looked up in the class names by a ``Gather``); ``linear`` (regression)
  gives ``value`` float64 ``[N]`` in the label's units: the identity, then the model's
  ``TargetTransform`` undone inside the graph (``z * std + mean``, then ``Exp`` for a log
  target, clipped below float64's overflow as ``TargetTransform.inverse`` clips).

``metadata_props`` carry what a user needs to build the input: ``feature_names`` (JSON list),
``classes`` (JSON list, in output order), ``encoding`` (the column encoding's JSON, tables
only), ``image`` (picture geometry JSON), ``output`` and ``label_convention`` (how the
tutorials' label 10 stands for the digit 0: class names are kept as the dataset wrote them).

Opset 17 and IR version 8 (onnxruntime 1.14 and later load them).
"""
from __future__ import annotations

import json

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from nncore.data.targets import MAX_LOG, TargetTransform
from nncore.nn.convnet import ConvNetwork

OPSET = 17
IR_VERSION = 8
ACTIVATION_OPS = {"sigmoid": "Sigmoid", "tanh": "Tanh", "relu": "Relu"}
LABEL_CONVENTION = ("class names are kept as the training file wrote them; in the tutorials' "
                    "digit data the label 10 stands for the digit 0")


class _Graph:
    """Nodes and constant tensors being collected, with fresh value names."""

    def __init__(self):
        self.nodes, self.initializers, self._count = [], [], 0

    def name(self, stem):
        self._count += 1
        return f"{stem}_{self._count}"

    def const(self, stem, array):
        name = self.name(stem)
        self.initializers.append(numpy_helper.from_array(np.asarray(array), name))
        return name

    def op(self, op_type, inputs, stem=None, outputs=None, **attrs):
        """Append one node; returns its (first) output name."""
        outputs = outputs or [self.name(stem or op_type.lower())]
        self.nodes.append(helper.make_node(op_type, list(inputs), outputs, **attrs))
        return outputs[0]


def _scaled(g, model, x):
    """``(x - offset) / scale`` in float64, as ``Scaler.transform``, then the network's dtype."""
    x64 = g.op("Cast", [x], to=TensorProto.DOUBLE)
    centred = g.op("Sub", [x64, g.const("offset", model.scaler.offset)])
    scaled = g.op("Div", [centred, g.const("scale", model.scaler.scale)])
    return g.op("Cast", [scaled], to=TensorProto.FLOAT, stem="scaled")


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
    """Regression: ``value`` [N] float64, the label's units (``Model.predict_values``)."""
    target = model.target or TargetTransform()
    z64 = g.op("Cast", [z], to=TensorProto.DOUBLE)
    scaled = g.op("Mul", [z64, g.const("target_std", np.array(target.std, np.float64))])
    g_y = g.op("Add", [scaled, g.const("target_mean", np.array(target.mean, np.float64))])
    if target.log:
        g_y = g.op("Exp", [g.op("Min", [g_y, g.const("max_log", np.array(MAX_LOG))])])
    g.op("Squeeze", [g_y, g.const("axis", np.array([1], np.int64))], outputs=["value"])
    return [helper.make_tensor_value_info("value", TensorProto.DOUBLE, ["N"])]


#: output layer name (``outputs.OUTPUTS``) -> head ``(graph, z, model) -> output value infos``
OUTPUT_HEADS = {"sigmoid": _sigmoid_head, "softmax": _softmax_head, "linear": _linear_head}


def feature_names(model) -> list[str]:
    """Names of the ``d`` input features: the encoding's, pixels ``pixel0..``, else ``x1..``."""
    if model.encoding is not None:
        from_encoding = _encoding_names(model.encoding)
        if len(from_encoding) == model.n_features:
            return from_encoding
    if model.image is not None:
        return [f"pixel{i}" for i in range(model.n_features)]
    return [f"x{i + 1}" for i in range(model.n_features)]


def _encoding_names(encoding: dict) -> list[str]:
    names = []
    for c in encoding.get("columns", []):
        if c["kind"] == "number":
            names.append(c["name"])
            if c.get("indicator"):
                names.append(f"{c['name']} was blank")
        elif c["kind"] == "category":
            names.extend(f"{c['name']}={v}" for v in c.get("categories", []))
    return names


def _metadata(model) -> dict:
    meta = {"producer": "nncore", "feature_names": json.dumps(feature_names(model)),
            "classes": json.dumps(model.classes), "output": model.network.output,
            "activation": model.network.activation, "label_convention": LABEL_CONVENTION,
            "input": "features: float32 [N, d], the encoded features in feature_names order"}
    if model.encoding is not None:
        meta["encoding"] = json.dumps(model.encoding)
    if model.image is not None:
        meta["image"] = json.dumps(model.image.to_dict())
    return meta


def to_onnx_model(model) -> onnx.ModelProto:
    """The checked ``onnx.ModelProto`` of ``model`` (see the module docstring).

    Raises ``ValueError`` for an output layer without an ONNX head (``OUTPUT_HEADS``).
    """
    net = model.network
    if net.output not in OUTPUT_HEADS:
        raise ValueError(f"ONNX export has no output head {net.output!r}; it covers: "
                         f"{', '.join(sorted(OUTPUT_HEADS))}")
    g = _Graph()
    a = _scaled(g, model, "features")
    first = 0
    if isinstance(net, ConvNetwork):
        a, first = _conv_blocks(g, net, a), len(net.blocks)
    z = _dense_layers(g, net, a, first)
    outputs = OUTPUT_HEADS[net.output](g, z, model)
    features = helper.make_tensor_value_info("features", TensorProto.FLOAT,
                                             ["N", model.n_features])
    graph = helper.make_graph(g.nodes, "nncore_model", [features], outputs, g.initializers)
    proto = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)],
                              producer_name="nncore", ir_version=IR_VERSION)
    helper.set_model_props(proto, _metadata(model))
    onnx.checker.check_model(proto)
    return proto


def to_onnx(model) -> bytes:
    """The serialised ONNX model of ``model`` (bytes of a ``.onnx`` file)."""
    return to_onnx_model(model).SerializeToString()


def save_onnx(model, path) -> None:
    """Write ``to_onnx(model)`` to ``path``."""
    with open(path, "wb") as fh:
        fh.write(to_onnx(model))
