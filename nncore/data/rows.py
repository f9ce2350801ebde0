"""New rows as a trained model reads them: a chunk of a file's rows -> features, row by row.

``row_reader(model, source, label_column)`` picks one of two readers for the columns of a
``chunks.RowSource``:

* `EncodedRows`, for a model with a column encoding (a table with a header): the columns it
  was trained with are found by name, in any order, others pass through; the features are
  ``Encoding.transform``'s, as the "try a row" form reads one row (blank numbers filled, blank
  or unseen categories switch no unit on; both counted per column). A number column's cell that
  is not a number makes its row's ``error`` and is read as a blank, so the other rows of the
  chunk are still scored.
* `NumericRows`, for a model of numeric features only (pictures, the tutorial layout): every
  column but the label, in order, must be the model's ``n_features`` numbers; a blank or text
  cell makes its row's ``error``.

``features(chunk, numbers)`` returns ``(X (n, d) float64, errors (n,) object)`` with ``""`` for
the rows that could be read (their ``X`` rows are what ``Model.predict_proba`` takes).
``numbers``, when given, is ``chunks.number_block`` of the reader's ``number_columns`` (the
columns it reads as one block, None when it has none), already built by the thread that
parsed the chunk.
"""
from __future__ import annotations

from collections import Counter

import numpy as np
import pandas as pd

from nncore.data.chunks import number_block
from nncore.data.columns import category_name, is_blank_token, parse_numbers, shorten
from nncore.data.encoding import Encoding
from nncore.data.tables import label_index


def row_reader(model, source, label_column=None):
    """`EncodedRows` or `NumericRows` for ``model`` and ``source``; ``ValueError`` when the
    file lacks columns the model needs, or has the wrong number of them."""
    if model.encoding is not None and source.has_header:
        return EncodedRows(model, source, label_column)
    encoding = None if model.encoding is None else Encoding.from_dict(model.encoding)
    if encoding is not None and not encoding.is_plain:
        listed = ", ".join(f'"{c.name}"' for c in encoding.used[:8])
        raise ValueError(f"{source.where} needs a header row naming its columns ({listed}"
                         f"{', ...' if len(encoding.used) > 8 else ''}), as the training file "
                         "did")
    return NumericRows(model, source, label_column)


class EncodedRows:
    """Rows of a table read through the model's column encoding (see the module docstring)."""

    def __init__(self, model, source, label_column=None):
        self.encoding = Encoding.from_dict(model.encoding)
        self.used = self.encoding.used
        present = set(source.columns)
        missing = [c.name for c in self.used if c.name not in present]
        if missing:
            listed = ", ".join(f'"{m}"' for m in missing[:8])
            more = f" and {len(missing) - 8} more" if len(missing) > 8 else ""
            raise ValueError(f"{source.where} has no column {listed}{more}: the model was "
                             "trained with " + ("them" if len(missing) > 1 else "it"))
        wanted = self.encoding.label if label_column is None else label_column
        self.label = _find_label(wanted, source, required=label_column is not None)
        self.label_name = self.encoding.label or "label"
        numbers = {c.name for c in self.used if c.kind == "number"}
        self.text_columns = frozenset(n for n in source.columns if n not in numbers)
        self.blanks, self.unseen = Counter(), Counter()
        # numbers only, no was-blank units: the features are the cells (pictures, say)
        self.number_columns = [c.name for c in self.used] if all(
            c.kind == "number" and not c.indicator for c in self.used) else None

    def features(self, chunk: pd.DataFrame, numbers=None):
        errors = np.full(len(chunk), "", dtype=object)
        if numbers is None:
            numbers = number_block(chunk, self.number_columns)
        if numbers is not None and np.isfinite(numbers).all():   # every cell a number
            return numbers, errors
        cells = {}
        for c in self.used:
            values = chunk[c.name]
            blank = is_blank_token(values)
            self.blanks[c.name] += int(blank.sum())
            if c.kind == "number":
                values = _drop_bad_numbers(c, values, blank, errors)
            else:
                names = values[~blank].map(category_name)
                self.unseen[c.name] += int((~names.isin(c.categories)).sum())
            cells[c.name] = values
        return self.encoding.transform(pd.DataFrame(cells, index=chunk.index)), errors


def _drop_bad_numbers(column, values, blank, errors):
    """``values`` with the cells that are no number blanked; their rows' ``errors`` say why."""
    data = parse_numbers(values, column.number_format).to_numpy(dtype=np.float64)
    bad = ~blank & ~np.isfinite(data)
    if not bad.any():
        return values
    for i in np.flatnonzero(bad):
        if not errors[i]:
            errors[i] = (f'column "{column.name}": "{shorten(str(values.iloc[i]).strip())}" '
                         "is not a number")
    return values.astype(object).where(~bad, None)


class NumericRows:
    """Rows of numbers only: every column but the label is a feature, in order."""

    def __init__(self, model, source, label_column=None):
        n, width = model.n_features, len(source.columns)
        header = source.columns if source.has_header else None
        if label_column is not None:
            label = label_index(label_column, header, width, source.where)
        elif width == n + 1:
            label = label_index(None, header, width, source.where)
        else:
            label = None
        self.label = None if label is None else source.columns[label]
        self.label_name = "label"
        self.feature_columns = [c for c in source.columns if c != self.label]
        if len(self.feature_columns) != n:
            raise ValueError(f"The model expects {n} features per row (plus, optionally, a "
                             f"label column), but {source.where} has {width} columns.")
        self.text_columns = frozenset([] if self.label is None else [self.label])
        self.number_columns = self.feature_columns
        self.blanks, self.unseen = Counter(), Counter()

    def features(self, chunk: pd.DataFrame, numbers=None):
        errors = np.full(len(chunk), "", dtype=object)
        if numbers is not None and np.isfinite(numbers).all():
            return numbers, errors
        block = chunk[self.feature_columns]
        try:
            X = block.to_numpy(dtype=np.float64)
            if np.isfinite(X).all():
                return X, errors
        except (TypeError, ValueError):
            pass
        X = np.empty(block.shape)
        for j, name in enumerate(self.feature_columns):
            values = block[name]
            blank = is_blank_token(values)
            self.blanks[name] += int(blank.sum())
            X[:, j] = parse_numbers(values).to_numpy(dtype=np.float64)
            for i in np.flatnonzero(~np.isfinite(X[:, j])):
                if not errors[i]:
                    errors[i] = (f'column "{name}" is blank' if blank[i] else
                                 f'column "{name}": "{shorten(str(values.iloc[i]).strip())}" '
                                 "is not a number")
        X[errors != ""] = 0.0
        return X, errors


def _find_label(wanted, source, required):
    """The label column's name in ``source`` (exact, else one match in any case), or None."""
    if wanted in source.columns:
        return wanted
    folded = [str(c).lower() for c in source.columns]
    if wanted and folded.count(str(wanted).lower()) == 1:
        return source.columns[folded.index(str(wanted).lower())]
    if required:
        raise ValueError(f'{source.where} has no column "{wanted}" (the label column)')
    return None
