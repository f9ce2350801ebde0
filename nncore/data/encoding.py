"""The fitted preprocessing of a table: raw cells (numbers, text categories, blanks) -> features.

An `Encoding` is what ``columns.classify`` decided, frozen: for each feature column its kind,
a number column's fill value (and whether a was-blank indicator follows it), a category
column's vocabulary (one-hot, in vocabulary order). It is saved with the model as plain JSON,
so a prediction reads a raw row exactly as training read the file. Unseen categories and blanks
are not errors: an unseen category, like a blank category cell, switches no one-hot unit on;
a blank number is filled.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from nncore.data.columns import (
    CellProblem, Column, category_name, is_blank_token, parse_numbers, shorten,
)


@dataclass
class Encoding:
    """Feature columns in file order (``kind`` number or category; ignored ones kept so the
    page can list them) and the label column's name."""

    columns: list[Column]
    label: str
    decimal_comma: bool = False
    label_blanks: int = 0           # rows dropped because their label was blank
    label_examples: list = field(default_factory=list)
    label_action: str = ""

    @property
    def used(self) -> list[Column]:
        return [c for c in self.columns if c.kind in ("number", "category")]

    @property
    def feature_names(self) -> list[str]:
        """One name per feature: the column, ``"<column> was blank"``, ``"<column>=<value>"``."""
        names = []
        for c in self.used:
            if c.kind == "number":
                names.append(c.name)
                if c.indicator:
                    names.append(f"{c.name} was blank")
            else:
                names.extend(f"{c.name}={v}" for v in c.categories)
        return names

    @property
    def n_features(self) -> int:
        return len(self.feature_names)

    @property
    def is_plain(self) -> bool:
        """True when every column is a number without blanks: features are the cells."""
        return all(c.kind == "number" and not c.blanks for c in self.columns)

    def transform(self, frame: pd.DataFrame, where: str = "") -> np.ndarray:
        """(n, n_features) float64 from a frame with (at least) the feature columns by name.

        A number column's text cell raises ``ValueError`` naming its row (the frame's index)
        and column.
        """
        missing = [c.name for c in self.used if c.name not in frame.columns]
        if missing:
            raise ValueError(f"{where or 'The table'} has no column "
                             f"{', '.join(repr(m) for m in missing[:5])}; the model was "
                             "trained with it")
        parts = []
        for c in self.used:
            values = frame[c.name]
            if c.kind == "number":
                parts.append(self._numbers(c, values, where))
            else:
                parts.append(self._one_hot(c, values))
        if not parts:
            return np.zeros((len(frame), 0))
        return np.hstack(parts)

    def _numbers(self, c, values, where):
        numbers = parse_numbers(values, c.number_format)
        blank = is_blank_token(values)
        data = numbers.to_numpy(dtype=np.float64, copy=True)
        bad = ~blank & ~np.isfinite(data)
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            cell = values.iloc[i]
            problem = (f'"{shorten(str(cell).strip())}" is not a number' if np.isnan(data[i])
                       else f'"{shorten(str(cell))}" is not a finite number')
            raise ValueError(f"{where or 'The table'}, row {values.index[i]}, column "
                             f'"{c.name}": {problem}')
        data[blank] = c.fill if c.fill is not None else 0.0
        out = [data[:, None]]
        if c.indicator:
            out.append(blank.astype(np.float64)[:, None])
        return np.hstack(out)

    def _one_hot(self, c, values):
        index = {v: k for k, v in enumerate(c.categories)}
        blank = is_blank_token(values)
        codes = np.full(len(values), -1, dtype=np.int64)
        if (~blank).any():
            names = values[~blank].map(category_name)
            codes[~blank] = names.map(index).fillna(-1).to_numpy(dtype=np.int64)
        out = np.zeros((len(values), len(c.categories)))
        hit = codes >= 0
        out[np.flatnonzero(hit), codes[hit]] = 1.0
        return out

    def row_frame(self, row: dict) -> tuple[pd.DataFrame, list[str]]:
        """One raw row (``{column: value}``, as in the file) as a 1-row frame, and notes on
        what was assumed (blank, unseen category). ``ValueError`` for unknown columns or
        values of the wrong type."""
        if not isinstance(row, dict):
            raise ValueError("row must be an object mapping column names to values")
        known = {c.name: c for c in self.columns}
        unknown = [k for k in row if k not in known and k != self.label]
        if unknown:
            listed = ", ".join(f'"{c.name}"' for c in self.used[:12])
            raise ValueError(f'row: unknown column "{shorten(str(unknown[0]))}"; the columns '
                             f"are: {listed}")
        cells, notes = {}, []
        for c in self.used:
            value = row.get(c.name)
            if isinstance(value, (dict, list, tuple)):
                raise ValueError(f'row: "{c.name}" must be a single value, not '
                                 f"{type(value).__name__}")
            if isinstance(value, float) and not math.isfinite(value):
                raise ValueError(f'row: "{c.name}" must be a finite number')
            blank = value is None or bool(is_blank_token(pd.Series([value], dtype=object))[0])
            if c.kind == "number" and not blank:
                if isinstance(value, bool) or not np.isfinite(
                        parse_numbers(pd.Series([value], dtype=object), c.number_format)[0]):
                    raise ValueError(f'row: "{c.name}" must be a number (got '
                                     f'"{shorten(str(value))}")')
            if blank:
                notes.append(f'"{c.name}" is blank: '
                             + (f"filled with {c.fill:g}" if c.kind == "number" and c.fill is not None
                                else "no category" if c.kind == "category" else "read as 0"))
            elif c.kind == "category" and category_name(value) not in c.categories:
                notes.append(f'"{c.name}": "{shorten(str(value))}" was not in the training '
                             "data, so no category of it is switched on")
            cells[c.name] = value
        return pd.DataFrame({k: pd.Series([v], dtype=object) for k, v in cells.items()}), notes

    def transform_row(self, row: dict):
        """(1, n_features) float64 and the notes of `row_frame`."""
        frame, notes = self.row_frame(row)
        return self.transform(frame, "row"), notes

    def form(self) -> list[dict]:
        """The try-a-row form: one field per used column (categories with their choices)."""
        return [{"name": c.name, "kind": c.kind, "categories": list(c.categories),
                 "example": c.examples[0] if c.examples else "",
                 "fill": c.fill} for c in self.used]

    def to_dict(self) -> dict:
        return {"label": self.label, "decimal_comma": self.decimal_comma,
                "label_blanks": self.label_blanks, "label_examples": self.label_examples,
                "label_action": self.label_action,
                "columns": [{"name": c.name, "position": c.position, "kind": c.kind,
                             "fill": c.fill, "indicator": c.indicator,
                             "categories": list(c.categories),
                             "number_format": c.number_format, "examples": c.examples,
                             "blanks": c.blanks, "action": c.action,
                             "blank_tokens": c.blank_tokens}
                            for c in self.columns]}

    @classmethod
    def from_dict(cls, d: dict) -> Encoding:
        try:
            columns = [Column(name=str(c["name"]), position=int(c.get("position", 0)),
                              kind=str(c["kind"]), fill=c.get("fill"),
                              indicator=bool(c.get("indicator", False)),
                              categories=[str(v) for v in c.get("categories", [])],
                              number_format=str(c.get("number_format", "")),
                              examples=list(c.get("examples", [])),
                              blanks=int(c.get("blanks", 0)), action=str(c.get("action", "")),
                              blank_tokens=list(c.get("blank_tokens", [])))
                       for c in d["columns"]]
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"the saved column encoding is damaged: {exc}") from None
        for c in columns:
            if c.kind not in ("number", "category", "ignored"):
                raise ValueError(f"the saved column encoding has an unknown kind {c.kind!r}")
        return cls(columns=columns, label=str(d.get("label", "")),
                   decimal_comma=bool(d.get("decimal_comma", False)),
                   label_blanks=int(d.get("label_blanks", 0)),
                   label_examples=list(d.get("label_examples", [])),
                   label_action=str(d.get("label_action", "")))

    def __repr__(self):
        kinds = [c.kind for c in self.columns]
        return (f"Encoding(label={self.label!r}, numbers={kinds.count('number')}, "
                f"categories={kinds.count('category')}, ignored={kinds.count('ignored')}, "
                f"n_features={self.n_features})")


__all__ = ["CellProblem", "Encoding"]
