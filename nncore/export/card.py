"""What goes with an exported model: a small JSON model card and the Python that runs it.

``model_card(model, result, dataset_name, date)`` is a JSON-ready dict: ``card_version``,
``dataset``, ``date`` (given by the caller, so that the card of a model is always the same),
``task``, ``label`` (the label column), ``classes`` (in output order), ``columns`` (the used
columns with their ``kind``: a number's ``fill`` and ``was_blank_unit``, a category's
``categories``), ``ignored_columns`` (with the reason), ``input`` (the layout: columns,
pixels or features), ``n_features``, ``image``, ``network`` (layer sizes, activation,
output, convolutional architecture), ``settings`` (the training configuration), ``metrics``
(the run's scalar training and validation figures, None without a result) and ``onnx``
(opset, IR version, the onnxruntime versions that load it, its inputs and outputs).

``python_snippet(onnx_filename, model)`` is five lines of Python that load the exported file
with onnxruntime and score one sample row (the fill value of each number column, the first
category of each category column, a row of zeros for pixels).
"""
from __future__ import annotations

from onnx import TensorProto

from nncore.data.encoding import Encoding
from nncore.export.inputs import describe_inputs, layout
from nncore.onnx_export import IR_VERSION, ONNXRUNTIME, OPSET, to_onnx_model

CARD_VERSION = 1
#: the result's figures that go on the card (those present and scalar)
METRICS = ("train_accuracy", "val_accuracy", "val_cost", "final_cost", "epochs", "best_epoch",
           "val_r2", "val_mae", "val_rmse", "seconds")
_TYPES = {TensorProto.FLOAT: "float32", TensorProto.DOUBLE: "float64",
          TensorProto.STRING: "string", TensorProto.INT64: "int64"}


def model_card(model, result=None, dataset_name=None, date=None) -> dict:
    """The model card of ``model`` (see the module docstring); ``result`` is the run's result
    (``fitting.run_result``), ``date`` an ISO date string."""
    encoding = None if model.encoding is None else Encoding.from_dict(model.encoding)
    net = model.network
    return {
        "card_version": CARD_VERSION, "dataset": dataset_name, "date": date,
        "task": "regression" if net.output == "linear" else "classification",
        "label": encoding.label if encoding else None, "classes": list(model.classes),
        "columns": _columns(encoding), "ignored_columns": _ignored(encoding),
        "input": layout(model), "n_features": model.n_features,
        "image": model.image.to_dict() if model.image is not None else None,
        "network": {"layer_sizes": list(net.layer_sizes), "activation": net.activation,
                    "output": net.output,
                    "architecture": net.architecture() if hasattr(net, "architecture") else None},
        "settings": dict(model.config), "metrics": _metrics(result),
        "onnx": {"opset": OPSET, "ir_version": IR_VERSION, "onnxruntime": ONNXRUNTIME,
                 "inputs": describe_inputs(model), "outputs": onnx_outputs(model)},
    }


def _columns(encoding) -> list[dict]:
    if encoding is None:
        return []
    out = []
    for c in encoding.used:
        if c.kind == "number":
            out.append({"name": c.name, "kind": "number", "fill": c.fill,
                        "was_blank_unit": c.indicator})
        else:
            out.append({"name": c.name, "kind": "category", "categories": list(c.categories)})
    return out


def _ignored(encoding) -> list[dict]:
    if encoding is None:
        return []
    return [{"name": c.name, "why": c.action} for c in encoding.columns if c.kind == "ignored"]


def _metrics(result):
    if result is None:
        return None
    return {k: result[k] for k in METRICS
            if isinstance(result.get(k), (int, float)) and not isinstance(result.get(k), bool)}


def onnx_outputs(model) -> list[dict]:
    """``[{"name", "type", "shape"}]`` of the exported graph's outputs."""
    out = []
    for value in to_onnx_model(model).graph.output:
        tensor = value.type.tensor_type
        shape = [d.dim_param or d.dim_value for d in tensor.shape.dim]
        out.append({"name": value.name, "type": _TYPES.get(tensor.elem_type, "other"),
                    "shape": shape})
    return out


def python_snippet(onnx_filename, model) -> str:
    """Five lines of Python that run ``onnx_filename`` (the export of ``model``) on one row;
    they print the class and the probabilities, or a regression model's one value."""
    if getattr(model, "task", None) == "regression":
        run = ["(value,) = session.run(None, row)", "print(value[0])"]
    else:
        run = ["probabilities, label, class_name = session.run(None, row)",
               "print(class_name[0], probabilities[0])"]
    return "\n".join([
        "import numpy as np, onnxruntime as ort",
        f"session = ort.InferenceSession({str(onnx_filename)!r})",
        f"row = {{{', '.join(_sample_inputs(model))}}}",
        *run,
    ]) + "\n"


def _sample_inputs(model) -> list[str]:
    """``'name': array`` source of each input, one sample row."""
    out = []
    for d in describe_inputs(model):
        if d["kind"] == "number":
            out.append(f"{d['name']!r}: np.array([[{float(d['fill'])!r}]], np.float32)")
        elif d["kind"] == "category":
            first = d["categories"][0] if d["categories"] else ""
            out.append(f"{d['name']!r}: np.array([[{first!r}]], object)")
        else:
            out.append(f"{d['name']!r}: np.zeros((1, {model.n_features}), np.float32)")
    return out
