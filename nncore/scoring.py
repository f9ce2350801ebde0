"""Score a whole file of new rows with a trained `Model`, a chunk of rows at a time.

``score_file(model, path, out_path)`` reads ``path`` (CSV or workbook, ``data.chunks``) in
chunks of at most ``chunk_rows`` rows (by default about ``chunks.CHUNK_CELLS`` cells, so a 1 GB file
is never held whole) and writes ``out_path``, a UTF-8 CSV with, per input row:

* the input's columns as read (extra columns untouched, as text);
* ``predicted_<label>``: the predicted class as the dataset names it (``<label>`` the training
  label column's name, ``label`` for a model without one); for a regression model the
  predicted number in the label's units;
* ``probability_<class>`` for every class, in the model's class order (6 decimals, as
  ``0.250000``; none for a regression model);
* ``error``: empty, or what made the row unreadable (its prediction columns are then empty).

Rows are read as the model read its training file (``data.rows``): a table model matches
its columns by name in any order (a missing column is a ``ValueError`` naming it), fills blank
numbers, and switches no unit on for a blank or unseen category (both counted); a model of
numeric features only (pictures, the tutorial layout) takes every column but the label in
order. When the label column is present, the summary scores the predictions on the rows that
have a label: accuracy and a confusion matrix (rows: true class, columns: predicted); for a
regression model R², MAE and RMSE in the label's units (``_NumberMetrics``).

Speed (the 10,000-row MNIST test CSV, ``bench/bench_predict.py``): a CSV file's chunks are
parsed on ``chunks.PARSE_THREADS`` threads ahead of the writing, and a chunk whose feature
cells are all numbers is scored there too (``predict_ahead``; numpy and pandas' parser release
the GIL); a comma-separated file's rows pass through as written, and the probabilities are
written as fixed 6-decimal text built by numpy (``csvcells``): no Python call per cell.
"""
from __future__ import annotations

import csv
import os
import tempfile

import numpy as np
import pandas as pd

from nncore.data.chunks import open_rows
from nncore.data.csvcells import fixed_decimals, join_rows, quote_column
from nncore.data.dataset import class_name
from nncore.data.columns import is_blank_token
from nncore.data.rows import row_reader
from nncore.data.task import MAX_TARGET

MAX_ERROR_EXAMPLES = 5


class _Metrics:
    """Running confusion matrix over the labelled rows (true class x predicted class)."""

    def __init__(self, classes):
        self.classes = list(classes)
        self.index = {c: i for i, c in enumerate(self.classes)}
        self.confusion = np.zeros((len(classes), len(classes)), dtype=np.int64)
        self.unknown = 0            # labelled rows whose class the model does not know

    def add(self, labels: pd.Series, predicted, ok):
        blank = is_blank_token(labels)
        keep = ok & ~blank
        labels = labels[keep]
        names = {v: self.index.get(class_name(v)) for v in pd.unique(labels)}   # once a value
        truth = labels.map(names)
        known = truth.notna().to_numpy()
        self.unknown += int((~known).sum())
        np.add.at(self.confusion, (truth[known].to_numpy(dtype=np.int64),
                                   predicted[keep][known]), 1)

    def result(self):
        rows = int(self.confusion.sum()) + self.unknown
        if not rows:
            return None
        return {"rows": rows, "accuracy": float(np.trace(self.confusion)) / rows,
                "classes": self.classes, "confusion": self.confusion.tolist(),
                "unknown_labels": self.unknown}


class _NumberMetrics:
    """Running sums over the labelled rows of a regression model, for R², MAE and RMSE.

    ``R² = 1 - SS_res / SS_tot`` with ``SS_tot = sum y**2 - (sum y)**2 / n``: one pass, the
    file never held whole. Labels that are not finite numbers count as ``unknown_labels``.
    """

    def __init__(self, classes=None):
        self.n = self.unknown = 0
        self.abs_error = self.sq_error = self.total = self.sq_total = 0.0

    def add(self, labels: pd.Series, predicted, ok):
        keep = ok & ~is_blank_token(labels)
        y = pd.to_numeric(labels[keep].astype(str).str.strip(), errors="coerce").to_numpy(
            dtype=np.float64)
        known = np.isfinite(y) & (np.abs(y) <= MAX_TARGET)
        self.unknown += int((~known).sum())
        y, error = y[known], predicted[keep][known] - y[known]
        self.n += len(y)
        self.abs_error += float(np.abs(error).sum())
        self.sq_error += float((error * error).sum())
        self.total += float(y.sum())
        self.sq_total += float((y * y).sum())

    def result(self):
        if not self.n + self.unknown:
            return None
        n = max(self.n, 1)
        ss_tot = self.sq_total - self.total ** 2 / n
        r2 = (1.0 - self.sq_error / ss_tot if ss_tot > 0
              else float(self.sq_error == 0.0))
        return {"rows": self.n + self.unknown, "accuracy": None,
                "r2": r2 if self.n else None, "mae": self.abs_error / n if self.n else None,
                "rmse": (self.sq_error / n) ** 0.5 if self.n else None,
                "unknown_labels": self.unknown}


#: the running metrics of each model task
METRICS = {"classification": _Metrics, "regression": _NumberMetrics}


def prediction_columns(model, label_name) -> list[str]:
    """The columns ``score_file`` adds after the input's: predicted label, probabilities (none
    for a regression model), error."""
    return ([f"predicted_{label_name}"] + [f"probability_{c}" for c in model.classes]
            + ["error"])


def predict_ahead(model):
    """What a chunk's parsing thread computes from its number block (``RowSource.chunks``'s
    ``prepare``): the model's outputs for every row when every cell is a finite number (the
    features are then the cells), else None. numpy releases the GIL: the next chunks are
    scored beside the writing of this one."""
    def outputs(numbers):
        if not np.isfinite(numbers).all():
            return None
        try:
            return (model.predict_values(numbers) if model.task == "regression"
                    else model.predict_proba(numbers))
        except ValueError:       # the scoring thread meets it again and says which row
            return None
    return outputs


def score_chunk(model, reader, chunk, metrics=None, numbers=None, outputs=None) -> pd.DataFrame:
    """One chunk of input rows (a DataFrame) -> its prediction columns (same index);
    ``numbers``: the reader's number columns as one array, and ``outputs`` the model's for
    them (``predict_ahead``), when already computed."""
    X, errors = reader.features(chunk, numbers)
    ok = errors == ""
    if outputs is None or not ok.all():
        outputs = None
    if model.task == "regression":
        return _number_columns(model, reader, chunk, metrics, X, errors, outputs)
    k = len(model.classes)
    P = np.full((len(chunk), k), np.nan)
    predicted = np.zeros(len(chunk), dtype=np.int64)
    if ok.any():
        proba = model.predict_proba(X[ok]) if outputs is None else outputs
        if proba.shape[1] == 1 and k == 2:      # a single sigmoid unit is P(second class)
            proba = np.hstack([1 - proba, proba])
        P[ok] = proba
        predicted[ok] = np.argmax(proba, axis=1)
    names = np.asarray(model.classes, dtype=object)[predicted]
    names[~ok] = None
    if metrics is not None:
        metrics.add(chunk[reader.label], predicted, ok)
    added = {f"predicted_{reader.label_name}": names}
    added.update({f"probability_{c}": np.round(P[:, j], 6) for j, c in enumerate(model.classes)})
    added["error"] = errors
    return pd.DataFrame(added, index=chunk.index)


def _number_columns(model, reader, chunk, metrics, X, errors, outputs) -> pd.DataFrame:
    """A regression model's prediction columns for one chunk: the number, then the error."""
    ok = errors == ""
    values = np.full(len(chunk), np.nan)
    if ok.any():
        values[ok] = model.predict_values(X[ok]) if outputs is None else outputs
    if metrics is not None:
        metrics.add(chunk[reader.label], values, ok)
    return pd.DataFrame({f"predicted_{reader.label_name}": values, "error": errors},
                        index=chunk.index)


def prediction_text(model, added, joined=False) -> list:
    """``score_chunk``'s columns as the scored file's cells (unquoted text): the predicted
    class (or number, as Python writes it), each probability with 6 decimals, the error; empty
    where a row has no prediction. A list of one sequence of n str per column; with
    ``joined``, the probabilities come as one column, each row's cells joined by commas."""
    errors = added["error"].to_numpy(dtype=object)
    ok = errors == ""
    first = added.iloc[:, 0].to_numpy()
    if model.task == "regression":
        shown = ok & ~np.isnan(first)
        return [np.where(shown, first.astype(str), "").tolist(), errors.tolist()]
    P = added.iloc[:, 1:-1].to_numpy(dtype=np.float64)
    names = np.where(ok, first, "").tolist()
    if joined:
        probabilities = np.full(len(P), "," * (P.shape[1] - 1), dtype=object)
        probabilities[ok] = fixed_decimals(P[ok], 6, joined=True)
        return [names, probabilities.tolist(), errors.tolist()]
    probabilities = np.full(P.shape, "", dtype=object)
    probabilities[ok] = fixed_decimals(P[ok], 6)
    return [names, *probabilities.T.tolist(), errors.tolist()]


def _write(fh, chunk, added, delimiter, model):
    """The chunk's rows, then their prediction columns: a CSV file's rows pass through as
    written (when comma-separated), other rows as pandas writes their cells."""
    if chunk.lines is None or delimiter != ",":
        cells = prediction_text(model, added)
        text = pd.DataFrame(dict(zip(added.columns, cells)), index=added.index)
        pd.concat([chunk.frame, text], axis=1).to_csv(fh, header=False, index=False,
                                                      lineterminator="\n")
        return
    cells = prediction_text(model, added, joined=True)
    cells[0], cells[-1] = quote_column(cells[0]), quote_column(cells[-1])
    tails = join_rows(cells)
    fh.write("".join(f"{line},{tail}\n" for line, tail in zip(chunk.lines, tails)))


def score_file(model, path, out_path, *, label_column=None, progress=None, chunk_rows=None,
               x_sheet=None) -> dict:
    """Score every row of ``path`` and write them with their predictions to ``out_path`` (CSV).

    Parameters
    ----------
    model : nncore.model.Model
    path : str or Path
        CSV/TSV/text file or workbook (.xlsx, .xls, .xlsb, .ods) of new rows.
    out_path : str or Path
        Where the scored CSV goes (written to a temporary file, then renamed).
    label_column : str, optional
        The column holding the true classes; default: the training label's column name (or,
        for a model of numeric features only, the column the dataset loaders would take).
    progress : callable, optional
        ``progress(rows_done)`` after each chunk; returning ``False`` cancels (the output is
        not written and the summary says ``"cancelled": True``).
    chunk_rows : int, optional
        Rows per chunk; default ``chunks.default_chunk_rows`` of the file's width.

    Returns
    -------
    dict
        ``{"rows", "scored", "errors", "error_examples", "blanks": {column: n},
        "unseen": {column: n}, "skipped", "label_column", "columns", "metrics",
        "cancelled"}``; ``skipped``: for a CSV file, the sentence naming the title rows
        above its header and the totals or notes below its data that were not scored
        (``header_rows.Layout.note``), else None;
        ``metrics`` is None without labels, else ``{"rows", "accuracy", "classes",
        "confusion", "unknown_labels"}``; for a regression model ``{"rows", "accuracy":
        None, "r2", "mae", "rmse", "unknown_labels"}`` (label units).
    """
    known = {c["name"] for c in (model.encoding or {}).get("columns", [])}
    source = open_rows(path, chunk_rows=chunk_rows, x_sheet=x_sheet, known=known)
    reader = row_reader(model, source, label_column)
    metrics = METRICS[model.task](model.classes) if reader.label is not None else None
    summary = {"rows": 0, "scored": 0, "errors": 0, "error_examples": [], "cancelled": False,
               "label_column": reader.label,
               "columns": list(source.columns) + prediction_columns(model, reader.label_name)}
    directory = os.path.dirname(os.path.abspath(out_path))
    fd, tmp = tempfile.mkstemp(suffix=".csv.tmp", dir=directory)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            _score_rows(fh, model, source, reader, metrics, summary, progress)
        if summary["rows"] == 0:
            raise ValueError(f"{source.where} has no rows to score.")
        if summary["cancelled"]:
            os.unlink(tmp)
        else:
            os.replace(tmp, out_path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    summary.update(blanks=dict(reader.blanks), unseen=dict(reader.unseen),
                   skipped=source.layout.note() if source.layout is not None else None,
                   metrics=metrics.result() if metrics is not None else None)
    return summary


def _score_rows(fh, model, source, reader, metrics, summary, progress):
    """Write the header and every chunk's scored rows to ``fh``, counting into ``summary``."""
    csv.writer(fh, lineterminator="\n").writerow(summary["columns"])
    chunks = source.chunks(reader.text_columns, reader.number_columns, predict_ahead(model))
    for chunk in chunks:
        added = score_chunk(model, reader, chunk.frame, metrics, chunk.numbers, chunk.prepared)
        _write(fh, chunk, added, source.delimiter, model)
        _count(summary, added["error"], chunk.frame.index)
        if progress is not None and progress(summary["rows"]) is False:
            summary["cancelled"] = True
            return


def _count(summary, errors, row_numbers):
    bad = np.flatnonzero(errors.to_numpy() != "")
    summary["rows"] += len(errors)
    summary["errors"] += len(bad)
    summary["scored"] += len(errors) - len(bad)
    room = MAX_ERROR_EXAMPLES - len(summary["error_examples"])
    summary["error_examples"] += [f"row {row_numbers[i]}: {errors.iloc[i]}" for i in bad[:room]]
