"""``python -m nncore train DATA --auto [--budget S]``: an auto run from the command line.

The settings the command line gives (or the dataset's defaults) are the base every variation
changes (``nncore.auto``); the leaderboard goes to stdout as a table, or with ``--json`` as
the last line: the train command's keys for the kept candidate plus ``budget``, ``chosen``,
``settings`` and ``leaderboard``.
"""
from __future__ import annotations

import json

from nncore.auto import auto_budget, check_budget, fit_auto


def train_auto(dataset, config, args) -> int:
    """Run ``fit_auto`` on ``dataset`` from ``config`` within ``args.budget`` (or the
    dataset's ``auto_budget``); save the kept model to ``args.out``; print the leaderboard."""
    budget = check_budget(args.budget if args.budget is not None
                          else auto_budget(dataset.n_samples))
    model, result = fit_auto(dataset, config, budget)
    if args.out:
        model.save(args.out)
    auto = result["auto"]
    if args.json:
        numbers = {key: result[key] for key in ("val_r2", "val_mae", "val_rmse")
                   if result["task"] == "regression"}
        print(json.dumps({
            "train_accuracy": result["train_accuracy"], "val_accuracy": result["val_accuracy"],
            "final_cost": result["final_cost"], "epochs": result["epochs"],
            "seconds": auto["seconds"], **numbers, "budget": auto["budget"],
            "chosen": auto["chosen"], "settings": auto["settings"],
            "leaderboard": auto["leaderboard"]}))
        return 0
    print(leaderboard_text(auto))
    if args.out:
        print(f"model saved to {args.out}")
    return 0


def leaderboard_text(auto) -> str:
    """The leaderboard as a plain table: candidate, what changed, score, seconds, epochs."""
    score = auto["score"].replace("val_", "validation ")
    rows = [("candidate", "changes", score, "seconds", "epochs")]
    for entry in auto["leaderboard"]:
        mark = " *" if entry["status"] == "kept" else ""
        rows.append((entry["name"] + mark, settings_summary(entry["changes"]) or "-",
                     "-" if entry["score"] is None else f"{entry['score']:.4f}",
                     "-" if entry["seconds"] is None else f"{entry['seconds']:.1f}",
                     entry["status"] if entry["epochs"] is None else str(entry["epochs"])))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip() for row in rows]
    lines.append(f"kept (*): {auto['chosen']}; {auto['seconds']:.1f} s of a "
                 f"{auto['budget']:g} s budget")
    return "\n".join(lines)


def settings_summary(changes: dict) -> str:
    """``{"l2": 10.0, "epochs": 890}`` -> "l2 10, epochs 890" (numbers to 3 digits)."""
    def short(value):
        return f"{value:.3g}" if isinstance(value, float) else str(value)
    return ", ".join(f"{key} {short(value)}" for key, value in changes.items())
