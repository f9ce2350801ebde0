"""The auto run: a few named variations of a dataset's default settings trained in turn on the
same split within a time budget, the best kept by its validation score.

Scope: which settings are tried (``VARIATIONS``, a registry keyed by the names a leaderboard
shows), in which order, how long they may take (``auto_budget``, ``check_budget``) and the
search itself (``fit_auto``). It builds on ``fit`` and leaves everything else to it: every
candidate is an ordinary run, so the kept one can be trained again from its settings alone.

Why these variations, in this order. The hyperparameters the literature finds matter most
for MLPs on tables are the regularisation strength and the capacity (Kadra et al., 2021,
"Well-tuned simple nets excel on tabular datasets": regularisation is what lets a plain MLP
beat boosted trees; Gorishniy et al., 2021, "Revisiting deep learning models for tabular
data": tuned MLPs search width, depth, weight decay and learning rate), then the learning rate
(Bengio, 2012, "Practical recommendations for gradient-based training": often the single most
important one, though Adam with early stopping is forgiving). So after the default: twice the
width (capacity is cheap to test and the default's L2 then keeps it in check), weight decay
ten times weaker and stronger (the default's L2 fades as 1/n, and tables differ in how much
they need), a run twice as long (large tables stop at their row-pass cap before they
converge), a learning rate three times higher and lower, two layers in place of one, and tanh
units last (on tables the activation moves results least).

Every candidate is built FROM the defaults (``variation.change(config)``): when the defaults
change, the candidates follow. Each trains with the same seed, hence the same split and the
same validation rows, so their scores compare like with like.

Budget. Candidates run in order while the measured time of those already trained says the
next can finish: its estimate is the largest seconds-per-unit-of-work measured so far times
its work relative to the default (parameters x epochs, ``relative_work``). One that cannot
fit is skipped (a cheaper one further down may still fit); the default always runs. A
candidate still training when the budget runs out is stopped and not kept (its settings,
trained again, would not give the model it scored with).
"""
from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass
from typing import Callable

from nncore.config import LIMITS, TrainConfig, parameter_count
from nncore.figures import SCORES, validation_score
from nncore.fitting import fit
from nncore.nn.training import TrainingDiverged

#: seconds an auto run takes on a table under ``AUTO_ROWS`` rows
AUTO_SECONDS = 30
AUTO_ROWS = 10_000
#: seconds added per 1,000 rows from ``AUTO_ROWS`` on, up to ``AUTO_MAX_SECONDS``
AUTO_SECONDS_PER_1000_ROWS = 3
AUTO_MAX_SECONDS = 180
#: what a request may ask for (seconds)
MIN_BUDGET, MAX_BUDGET = 1, 600
#: the rule of ``auto_budget`` in words, for the pages and the CLI's help
BUDGET_RULE = (f"{AUTO_SECONDS} s under {AUTO_ROWS:,} rows, {AUTO_SECONDS_PER_1000_ROWS} s per "
               f"1,000 rows above, at most {AUTO_MAX_SECONDS} s")

@dataclass(frozen=True)
class Variation:
    """A named change of the default settings: ``change(config)`` -> the candidate's
    ``TrainConfig``, or None when it does not apply (e.g. no hidden layer to widen)."""

    name: str
    why: str
    change: Callable[[TrainConfig], TrainConfig | None]

    def __repr__(self):
        return f"Variation({self.name!r}: {self.why})"


def _replace(config, **changes):
    return dataclasses.replace(config, **changes)


def _wider(config):
    if not config.hidden_layers:
        return None
    top = LIMITS["max_layer_size"]
    return _replace(config, hidden_layers=[min(2 * w, top) for w in config.hidden_layers])


def _deeper(config):
    """Each hidden layer split into two of half its width: depth at a few times the work
    (two full-width layers of 256 cost about 20 times one on a table of ten columns)."""
    if not config.hidden_layers or 2 * len(config.hidden_layers) > LIMITS["max_layers"]:
        return None
    return _replace(config, hidden_layers=[max(1, w // 2) for w in config.hidden_layers
                                           for _ in range(2)])


def _l2_times(factor):
    def change(config):
        if config.l2 == 0:
            # nothing to weaken; "stronger" starts from the table defaults' strength
            return None if factor < 1 else _replace(config, l2=1.0)
        return _replace(config, l2=config.l2 * factor)
    return change


def _longer(config, factor=2):
    epochs = min(config.epochs * factor, LIMITS["max_epochs"])
    patience = None if config.patience is None else config.patience * factor
    return _replace(config, epochs=epochs, patience=patience)


def _rate_times(factor):
    def change(config):
        changed = _replace(config, learning_rate=config.effective_learning_rate * factor)
        # a smaller step needs more of them to arrive
        return _longer(changed) if factor < 1 else changed
    return change


def _tanh(config):
    if config.activation == "tanh":
        return None
    # the learning rate follows the activation (config.ADAM_RATE_BY_ACTIVATION) unless given
    return _replace(config, activation="tanh", init="auto")


#: the variations an auto run tries, most promising first (the module docstring says why)
VARIATIONS = {v.name: v for v in (
    Variation("default", "the settings this dataset gets by default", lambda config: config),
    Variation("wider", "twice the hidden units", _wider),
    Variation("weaker L2", "a tenth of the weight decay", _l2_times(0.1)),
    Variation("stronger L2", "ten times the weight decay", _l2_times(10.0)),
    Variation("longer", "twice the epochs and the patience", _longer),
    Variation("higher learning rate", "three times the step", _rate_times(3.0)),
    Variation("lower learning rate", "a third of the step, twice the epochs", _rate_times(1 / 3)),
    Variation("deeper", "two hidden layers of half the width", _deeper),
    Variation("tanh", "tanh hidden units instead", _tanh),
)}


def candidates(config: TrainConfig, names=None) -> list[tuple[str, TrainConfig]]:
    """``[(name, TrainConfig), ...]``: the variations of ``config`` in ``VARIATIONS``' order
    (or ``names``' order), those that do not apply or repeat an earlier one left out.

    ``names``: a subset of ``VARIATIONS``; an unknown one raises ``ValueError`` listing them.
    """
    names = list(VARIATIONS) if names is None else list(names)
    unknown = [name for name in names if name not in VARIATIONS]
    if unknown:
        raise ValueError(f"unknown variation(s): {', '.join(unknown)}; valid ones are: "
                         f"{', '.join(VARIATIONS)}")
    found, seen = [], []
    for name in names:
        changed = VARIATIONS[name].change(config)
        if changed is not None and changed.to_dict() not in seen:
            seen.append(changed.to_dict())
            found.append((name, changed))
    return found


def relative_work(config: TrainConfig, base: TrainConfig, n_features: int, n_outputs: int):
    """The training work of ``config`` relative to ``base``'s: parameters x epochs.

    Each epoch's forward and backward passes cost about as many multiply-adds per row as the
    network has weights, so (parameters x planned epochs) divided by the same for ``base``.
    Early stopping makes both shorter; the ratio stays a fair guess.
    """
    def work(c):
        return parameter_count([n_features, *c.hidden_layers, n_outputs]) * c.epochs
    return work(config) / max(1, work(base))


def auto_budget(n_rows: int) -> int:
    """Seconds an auto run of a table of ``n_rows`` rows takes (``BUDGET_RULE``)."""
    if n_rows < AUTO_ROWS:
        return AUTO_SECONDS
    return int(min(AUTO_MAX_SECONDS, round(AUTO_SECONDS_PER_1000_ROWS * n_rows / 1000)))


def check_budget(value, high=MAX_BUDGET) -> float:
    """A budget in seconds from a request (a number from ``MIN_BUDGET`` to ``high``, at most
    ``MAX_BUDGET``); ``ValueError`` naming the field otherwise."""
    high = min(high, MAX_BUDGET)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"budget must be a number of seconds (got {value!r})")
    if not MIN_BUDGET <= value <= high:
        raise ValueError(f"budget must be from {MIN_BUDGET} to {high:g} seconds "
                         f"(got {value!r})")
    return float(value)


def fit_auto(dataset, config: TrainConfig, budget: float, callback=None, on_candidate=None,
             names=None):
    """Train the candidates of ``config`` (``candidates``) in turn within ``budget`` seconds;
    ``(model, result)`` of the best by validation score, with ``result["auto"]``.

    ``dataset``: as for ``fit`` (rows ``X`` (n, d), labels ``y`` (n,)); ``config``: the
    defaults (every candidate is a variation of it; its seed and validation split are all
    candidates'). ``callback(record)``: ``fit``'s, each epoch of every candidate; returning
    ``False`` cancels the whole search (the best so far is returned, its result's
    ``"stopped"`` is "cancelled"). ``on_candidate(status)`` before each candidate and once at
    the end, with ``auto_status``. ``names``: the variations to try (default: all).

    ``result["auto"]``: ``{"budget", "seconds", "score", "chosen", "settings",
    "leaderboard"}``; the leaderboard lists every candidate in order: ``{"name", "why",
    "changes" (settings that differ from the default), "settings", "status" ("kept",
    "trained", "out of time", "diverged", "skipped"), "score", "seconds", "epochs",
    "estimate", "error" (why it diverged)}``. ``TrainingDiverged`` only when every candidate
    tried diverged.
    """
    if not config.validation_split:
        raise ValueError("validation_split: an auto run keeps the settings with the best "
                         "validation score, so it needs validation rows (above 0)")
    search = _Search(dataset, config, budget, callback, on_candidate, names)
    for entry, candidate in zip(search.board, search.configs):
        if search.cancelled:
            break
        search.run(entry, candidate)
    return search.finish()


class _Search:
    """The state of one auto run: the leaderboard, the clock, the best fit so far."""

    def __init__(self, dataset, config, budget, callback, on_candidate, names=None):
        self.dataset, self.budget = dataset, float(budget)
        self.callback, self.on_candidate = callback, on_candidate
        found = candidates(config, names)
        self.configs = [c for _, c in found]
        n_outputs = 1 if dataset.task == "regression" else len(dataset.classes)
        base = config.to_dict()
        self.board = [{
            "name": name, "why": VARIATIONS[name].why,
            "changes": {k: v for k, v in c.to_dict().items() if base.get(k) != v},
            "settings": c.to_dict(), "status": "waiting", "score": None, "seconds": None,
            "epochs": None, "work": relative_work(c, config, dataset.n_features, n_outputs),
            "estimate": None, "error": None} for name, c in found]
        self.started = time.perf_counter()
        self.best, self.cancelled, self.error = None, False, None

    def elapsed(self):
        return time.perf_counter() - self.started

    def estimate(self, entry):
        """Seconds ``entry`` should take: the slowest seconds per unit of work measured so far
        times its work; None before anything was measured."""
        rates = [e["seconds"] / e["work"] for e in self.board
                 if e["status"] == "trained" and e["seconds"] and e["work"]]
        return max(rates) * entry["work"] if rates else None

    def run(self, entry, config):
        """Train one candidate, or skip it when it cannot finish within the budget."""
        first = entry is self.board[0]
        entry["estimate"] = self.estimate(entry)
        left = self.budget - self.elapsed()
        if not first and (left <= 0 or (entry["estimate"] or 0) > left):
            entry["status"] = "skipped"
            return
        entry["status"] = "training"
        self.tell(entry)
        started = time.perf_counter()
        try:
            model, result = fit(self.dataset, config, self.guard(first))
        except TrainingDiverged as exc:
            entry["status"], entry["error"] = "diverged", str(exc)
            entry["seconds"] = round(time.perf_counter() - started, 3)
            self.error = self.error or exc
            return
        entry["seconds"] = round(time.perf_counter() - started, 3)
        entry["epochs"], entry["score"] = result["epochs"], validation_score(result)
        stopped = result.get("stopped") == "cancelled"
        entry["status"] = "out of time" if stopped and not self.cancelled else "trained"
        if entry["status"] == "trained" and (self.best is None or _better(entry, self.best[0])):
            self.best = (entry, model, result)

    def guard(self, first):
        """fit's callback: the caller's, and the budget's end for every candidate but the
        first (the default always finishes)."""
        def callback(record):
            if self.callback is not None and self.callback(record) is False:
                self.cancelled = True
                return False
            return first or self.elapsed() < self.budget
        return callback

    def tell(self, current):
        if self.on_candidate is not None:
            self.on_candidate(auto_status(self.board, current, self.elapsed(), self.budget))

    def finish(self):
        if self.best is None:       # every candidate tried diverged
            raise self.error
        entry, model, result = self.best
        entry["status"] = "kept"
        for left in self.board:            # a cancelled search leaves some untried
            if left["status"] == "waiting":
                left["status"] = "skipped"
        self.tell(None)
        board = [{k: v for k, v in e.items() if k != "work"} for e in self.board]
        result = {**result, "auto": {
            "budget": self.budget, "seconds": round(self.elapsed(), 3), "score": SCORES[
                result.get("task") or "classification"], "chosen": entry["name"],
            "settings": entry["settings"], "leaderboard": board}}
        if self.cancelled:
            result["stopped"] = "cancelled"
        return model, result


def _better(entry, best) -> bool:
    """A higher score wins; a tie keeps the earlier (more promising, usually cheaper) one."""
    if entry["score"] is None:
        return False
    return best["score"] is None or entry["score"] > best["score"]


def auto_status(board, current, elapsed, budget) -> dict:
    """Where an auto run stands, JSON-ready: ``{"budget", "elapsed", "index", "count",
    "candidate", "best": {"name", "score"} or None, "leaderboard": [{"name", "changes",
    "status", "score", "seconds"}, ...]}``; ``current``: the entry starting now (None at
    the end)."""
    done = [e for e in board if e["status"] in ("trained", "kept")]
    best = max(done, key=lambda e: e["score"] if e["score"] is not None else -1e300,
               default=None)
    return {
        "budget": budget, "elapsed": round(elapsed, 2),
        "index": None if current is None else board.index(current),
        "count": len(board), "candidate": None if current is None else current["name"],
        "best": None if best is None else {"name": best["name"], "score": best["score"]},
        "leaderboard": [{k: e[k] for k in ("name", "changes", "status", "score", "seconds")}
                        for e in board],
    }
