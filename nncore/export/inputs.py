"""What a user feeds the ONNX graph, and the preprocessing inside it that makes feature rows.

``layout(model)`` picks one of three:

* ``columns`` (tables, a model with a column encoding): one input per raw column, named by
  the column. A number column is float32 ``[N, 1]``: NaN is a blank, replaced by the column's
  fill value (``IsNaN`` + ``Where``), followed by a 0/1 was-blank unit when the model has one.
  A category column is string ``[N, 1]``: one unit per vocabulary entry ``v``, on when the cell
  means ``v`` as ``columns.category_name`` reads it. That is a ``RegexFullMatch`` against
  ``v`` with Python's ``str.strip`` whitespace around it and, for an integral entry such as
  ``"3"``, also a number equal to it (``"3.0"``, ``"+3"``, ``"3e0"``: the cell is cast to a
  double when it has the form of a float). A blank (the empty string, ``"NA"``, ``"?"``...)
  or an unseen category matches no entry: every unit off, as in the app. Parts are joined in
  the model's feature order (``Encoding.feature_names``).
* ``pixels`` (pictures): one float32 ``[N, d]`` input, the pixel row as the dataset stores it
  (blank pixels, NaN, filled as the encoding fills them when the picture came from a table).
* ``features`` (numeric rows without an encoding: the tutorial layout read from X/y sheets):
  one float32 ``[N, d]`` input.

Known differences from the app, all in category cells a user would not type: digits other
than ASCII ``0-9`` written as a number (``"٣"``), a number with more than 20 digits before or
after its point or an exponent beyond two digits, or a non-ASCII space before a number in a
form other than its vocabulary entry's, read as unseen.
"""
from __future__ import annotations

import re
import string

import numpy as np
from onnx import TensorProto, helper

from nncore.data.encoding import Encoding
from nncore.export.graph import OUTPUT_NAMES

#: every character ``str.isspace`` calls whitespace (what ``str.strip`` removes), for RE2
PYTHON_SPACES = ("\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680"
                 + "".join(chr(c) for c in range(0x2000, 0x200B))
                 + "\u2028\u2029\u202f\u205f\u3000")
#: a float as Python's ``float`` reads it, digits bounded so that ``std::stod`` (onnxruntime's
#: string Cast) neither overflows nor underflows; ASCII whitespace before it (``stod`` skips
#: it), any after it (``stod`` stops there)
_FLOAT = r"[+-]?(?:[0-9]{1,20}(?:\.[0-9]{0,20})?|\.[0-9]{1,20})(?:[eE][+-]?[0-9]{1,2})?"
_INTEGRAL_ENTRY = re.compile(r"-?[0-9]+")


def re2_literal(text: str) -> str:
    """``text`` as an RE2 pattern matching exactly it."""
    out = []
    for ch in text:
        if ch.isalnum() or ord(ch) > 127 and ch.isprintable():
            out.append(ch)
        elif ch in string.punctuation:
            out.append("\\" + ch)
        else:
            out.append(f"\\x{{{ord(ch):x}}}")
    return "".join(out)


_SPACE = "[" + "".join(re2_literal(ch) for ch in PYTHON_SPACES) + "]*"
_CASTABLE = r"[\t\n\x{b}\x{c}\r ]*" + _FLOAT + _SPACE


def layout(model) -> str:
    """``"columns"``, ``"pixels"`` or ``"features"`` (see the module docstring)."""
    if model.image is not None and _pixel_fills(model) is not None:
        return "pixels"
    return "columns" if model.encoding is not None else "features"


def _pixel_fills(model):
    """(d,) fill values of a picture's columns (NaN: no fill), or None when the encoding is
    more than one number column per feature (then the model is a table)."""
    if model.encoding is None:
        return np.full(model.n_features, np.nan)
    used = Encoding.from_dict(model.encoding).used
    if len(used) != model.n_features or any(c.kind != "number" or c.indicator for c in used):
        return None
    return np.array([0.0 if c.fill is None else c.fill for c in used])


def input_names(columns) -> dict:
    """``{column name: input name}``: the column's name, unless it is empty, an output's name
    or already taken; then `` (input)`` is added until it is free."""
    names, taken = {}, set(OUTPUT_NAMES)
    for c in columns:
        name = c.name
        while not name or name in taken:
            name = f"{name} (input)"
        names[c.name] = name
        taken.add(name)
    return names


def describe_inputs(model) -> list[dict]:
    """JSON-ready description of each graph input: ``name``, ``type``, ``shape``, ``kind``
    and, for table columns, ``column``, ``blank`` and ``fill`` or ``categories``."""
    kind = layout(model)
    if kind != "columns":
        return [{"name": kind, "type": "float32", "shape": ["N", model.n_features],
                 "kind": kind, "blank": "NaN" if model.encoding is not None else None}]
    used = Encoding.from_dict(model.encoding).used
    names = input_names(used)
    out = []
    for c in used:
        if c.kind == "number":
            out.append({"name": names[c.name], "column": c.name, "kind": "number",
                        "type": "float32", "shape": ["N", 1], "blank": "NaN",
                        "fill": 0.0 if c.fill is None else c.fill,
                        "was_blank_unit": c.indicator})
        else:
            out.append({"name": names[c.name], "column": c.name, "kind": "category",
                        "type": "string", "shape": ["N", 1], "blank": "empty string",
                        "categories": list(c.categories)})
    return out


def feature_rows(g, model):
    """Add the inputs and the preprocessing to ``g``; returns ``(input value infos, name of
    the float64 feature rows [N, d])``."""
    kind = layout(model)
    if kind != "columns":
        x = helper.make_tensor_value_info(kind, TensorProto.FLOAT, ["N", model.n_features])
        x64 = g.op("Cast", [kind], to=TensorProto.DOUBLE)
        fills = _pixel_fills(model)
        if not np.isnan(fills).all():
            x64 = g.op("Where", [g.op("IsNaN", [x64]), g.const("fill", fills), x64])
        return [x], x64
    used = Encoding.from_dict(model.encoding).used
    names = input_names(used)
    infos, parts = [], []
    for c in used:
        name = names[c.name]
        if c.kind == "number":
            infos.append(helper.make_tensor_value_info(name, TensorProto.FLOAT, ["N", 1]))
            parts.extend(_number_units(g, c, name))
        else:
            infos.append(helper.make_tensor_value_info(name, TensorProto.STRING, ["N", 1]))
            if c.categories:            # a column of blanks only has no unit
                parts.append(_category_units(g, c, name))
    return infos, g.op("Concat", parts, axis=1, stem="features")


def _number_units(g, column, x):
    """A number column's feature (blank filled) and its was-blank unit, float64 [N, 1] each."""
    x64 = g.op("Cast", [x], to=TensorProto.DOUBLE)
    blank = g.op("IsNaN", [x64])
    fill = 0.0 if column.fill is None else column.fill
    units = [g.op("Where", [blank, g.const("fill", np.array(fill, np.float64)), x64])]
    if column.indicator:
        units.append(g.op("Cast", [blank], to=TensorProto.DOUBLE))
    return units


def _category_units(g, column, x):
    """A category column's one-hot units, float64 [N, len(categories)] (all 0: blank or
    unseen)."""
    number = None
    if any(_INTEGRAL_ENTRY.fullmatch(v) for v in column.categories):
        castable = g.op("RegexFullMatch", [x], pattern=_CASTABLE)
        safe = g.op("Where", [castable, x, g.const("zero", np.array("0", dtype=object))])
        number = castable, g.op("Cast", [safe], to=TensorProto.DOUBLE)
    hits = []
    for v in column.categories:
        hit = g.op("RegexFullMatch", [x], pattern=_SPACE + re2_literal(v) + _SPACE)
        if number is not None and _INTEGRAL_ENTRY.fullmatch(v):
            castable, value = number
            equal = g.op("Equal", [value, g.const("entry", np.array(float(v), np.float64))])
            hit = g.op("Or", [hit, g.op("And", [castable, equal])])
        hits.append(hit)
    joined = g.op("Concat", hits, axis=1) if len(hits) > 1 else hits[0]
    return g.op("Cast", [joined], to=TensorProto.DOUBLE)
