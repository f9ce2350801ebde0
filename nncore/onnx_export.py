"""A trained `Model` as an ONNX graph that takes what a user has and gives the app's answers.

The graph is ``export.inputs`` (the raw columns of a table, or the pixel row, turned into the
model's feature rows inside the graph: fill values, was-blank units, one-hot vocabularies)
followed by ``export.graph`` (scaling, the layers, the output head). For a classifier it
outputs ``probabilities`` float32 ``[N, k]``, ``label`` int64 ``[N]`` (the class index) and
``class_name`` string ``[N]``; onnxruntime's probabilities equal ``Model.predict_proba`` on
the same raw rows to 1e-5.

``metadata_props`` carry what a user needs to build the input: ``inputs`` (JSON list, see
``export.inputs.describe_inputs``), ``feature_names`` (JSON list), ``classes`` (JSON list, in
output order), ``encoding`` (the column encoding's JSON, tables only), ``image`` (picture
geometry JSON), ``output``, ``activation``, ``opset``, ``ir_version``, ``onnxruntime`` (the
versions that load it) and ``label_convention`` (how the tutorials' label 10 stands for the
digit 0: class names are kept as the dataset wrote them).

Opset 20 (``RegexFullMatch`` reads the category cells) and IR version 9: onnxruntime 1.17 and
later load it (tested with the version in requirements-dev.txt).
"""
from __future__ import annotations

import json

import onnx
from onnx import helper

from nncore.data.encoding import Encoding
from nncore.export.graph import OUTPUT_HEADS, PLANNED_HEADS, Graph, network_outputs
from nncore.export.inputs import describe_inputs, feature_rows, layout

OPSET = 20
IR_VERSION = 9
ONNXRUNTIME = "1.17 or later"
LABEL_CONVENTION = ("class names are kept as the training file wrote them; in the tutorials' "
                    "digit data the label 10 stands for the digit 0")

__all__ = ["IR_VERSION", "ONNXRUNTIME", "OPSET", "OUTPUT_HEADS", "PLANNED_HEADS", "feature_names",
           "layout", "save_onnx", "to_onnx", "to_onnx_model"]


def feature_names(model) -> list[str]:
    """Names of the ``d`` features: the encoding's, pixels ``pixel0..``, else ``x1..``."""
    if model.encoding is not None:
        from_encoding = Encoding.from_dict(model.encoding).feature_names
        if len(from_encoding) == model.n_features:
            return from_encoding
    if model.image is not None:
        return [f"pixel{i}" for i in range(model.n_features)]
    return [f"x{i + 1}" for i in range(model.n_features)]


def _metadata(model) -> dict:
    meta = {"producer": "nncore", "inputs": json.dumps(describe_inputs(model)),
            "feature_names": json.dumps(feature_names(model)),
            "classes": json.dumps(model.classes), "output": model.network.output,
            "activation": model.network.activation, "label_convention": LABEL_CONVENTION,
            "opset": str(OPSET), "ir_version": str(IR_VERSION), "onnxruntime": ONNXRUNTIME}
    if model.encoding is not None:
        meta["encoding"] = json.dumps(model.encoding)
    if model.image is not None:
        meta["image"] = json.dumps(model.image.to_dict())
    return meta


def to_onnx_model(model) -> onnx.ModelProto:
    """The checked ``onnx.ModelProto`` of ``model`` (see the module docstring).

    Raises ``ValueError`` for an output layer without an ONNX head (``OUTPUT_HEADS``).
    """
    g = Graph(reserved=[d["name"] for d in describe_inputs(model)])
    inputs, x64 = feature_rows(g, model)
    outputs = network_outputs(g, model, x64)
    graph = helper.make_graph(g.nodes, "nncore_model", inputs, outputs, g.initializers)
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
