"""Which columns a trained model leans on: permutation importance on held-out rows.

The importance of a column is how much the model's score drops when that column's values are
shuffled among the rows, everything else left as it is (Breiman, 2001, "Random forests";
scikit-learn's ``permutation_importance``)::

    drop_c = score(X, y) - mean over r of score(X with column c permuted by pi_r, y)

Shuffling keeps the column's distribution but breaks its link with the label (and with the
other columns), so a column the model ignores drops nothing and one it cannot do without drops
the most. Measured on the validation rows, it tells what the model uses, not what it memorised.
The score is accuracy for classes and R² for a number.

One ORIGINAL column is one group of features: a number column with its was-blank indicator, a
category column with all its one-hot units. A group is shuffled with one permutation, so each
row keeps a valid one-hot (exactly what another row had). Time is bounded: at most
``max_rows`` rows (a random sample), ``repeats`` permutations per column, so the cost is
``n_columns * repeats`` predictions of at most ``max_rows`` rows.
"""
from __future__ import annotations

import numpy as np

from nncore.data.encoding import Encoding
from nncore.nn.metrics import accuracy, r2

MAX_ROWS = 2000
REPEATS = 3


def column_groups(encoding: dict | None, feature_names, n_features: int):
    """``[(column name, [feature index, ...]), ...]`` in feature order.

    ``encoding``: the table's ``Encoding.to_dict()``; each used column owns the features its
    transform writes (a number: 1, plus 1 for a was-blank indicator; a category: one per
    value). Without an encoding every feature is its own column, named by ``feature_names``
    (or ``x1``, ``x2``, ...). ``ValueError`` when the encoding does not add up to
    ``n_features``.
    """
    if encoding is None:
        names = feature_names or [f"x{j + 1}" for j in range(n_features)]
        return [(str(name), [j]) for j, name in enumerate(names)]
    groups, start = [], 0
    for column in Encoding.from_dict(encoding).used:
        if column.kind == "number":
            width = 2 if column.indicator else 1
        else:
            width = len(column.categories)
        groups.append((column.name, list(range(start, start + width))))
        start += width
    if start != n_features:
        raise ValueError(f"the encoding describes {start} features, the rows have {n_features}")
    return groups


def permutation_importance(score, X, y, groups, rng, repeats=REPEATS, max_rows=MAX_ROWS):
    """The drop in ``score`` when each group of columns is shuffled.

    Parameters
    ----------
    score : callable ``(X, y) -> float``, higher is better (accuracy, R²)
    X : ndarray (n, d), the rows as the model reads them (raw features, before its scaling)
    y : ndarray (n,), their labels as ``score`` takes them
    groups : list of ``(name, [feature index, ...])`` (``column_groups``)
    rng : numpy.random.Generator, for the row sample and every permutation
    repeats : int, permutations per group; the drop is their mean
    max_rows : int, rows kept (a sample without replacement) when ``n`` is larger

    Returns
    -------
    dict
        ``{"score": score on the unshuffled rows, "rows": rows used, "repeats",
        "columns": [{"name", "drop", "spread"}, ...]}``, columns sorted by ``drop`` (largest
        first; negative: shuffling happened to help, i.e. the column does not matter);
        ``spread`` is the standard deviation of the drop over the repeats.
    """
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y)
    if len(X) > max_rows:
        keep = np.sort(rng.choice(len(X), size=max_rows, replace=False))
        X, y = X[keep], y[keep]
    base = float(score(X, y))
    columns = []
    for name, features in groups:
        drops = np.empty(repeats)
        for r in range(repeats):
            shuffled = X.copy()
            # one permutation of the rows for the whole group: a one-hot stays one-hot
            shuffled[:, features] = X[rng.permutation(len(X))][:, features]
            drops[r] = base - float(score(shuffled, y))
        columns.append({"name": name, "drop": float(drops.mean()), "spread": float(drops.std())})
    columns.sort(key=lambda c: -c["drop"])
    return {"score": base, "rows": int(len(X)), "repeats": int(repeats), "columns": columns}


def model_importance(model, dataset, indices, rng, repeats=REPEATS, max_rows=MAX_ROWS):
    """Permutation importance of a trained ``nncore.model.Model`` on the dataset's rows
    ``indices`` (the validation rows), one entry per original column; ``None`` for pictures
    (a pixel alone says little; the hidden units show what the network looks for).

    The score is accuracy (classes) or R² in the label's units (a number); the result is
    ``permutation_importance``'s with ``"metric": "accuracy" | "r2"``.
    """
    if dataset.image is not None or len(indices) == 0:
        return None
    groups = column_groups(dataset.encoding, dataset.feature_names, dataset.n_features)
    rows = np.asarray(indices, dtype=np.int64)
    if dataset.task == "regression":
        metric = "r2"
        def score(X, y):
            return r2(y, model.predict_values(X))
    else:
        metric = "accuracy"
        def score(X, y):
            return accuracy(y, model.predict_indices(X))
    found = permutation_importance(score, dataset.X[rows], dataset.y[rows], groups, rng,
                                   repeats=repeats, max_rows=max_rows)
    return {"metric": metric, **found}
