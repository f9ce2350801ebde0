"""A sheet as people make it: a title line, a source line and a blank row above the header; a
blank row and a "Total" row below the data. Written as rows of cells, a CSV or an .xlsx."""
import csv

import numpy as np

from tests.nncore.test_loaders import workbook as write_xlsx  # noqa: F401  {sheet: rows} -> .xlsx

HEADER = ["species", "bill_length_mm", "bill_depth_mm", "flipper_length_mm"]
CENTRES = {"Adelie": (38.8, 18.3, 190.0), "Gentoo": (47.5, 15.0, 217.0),
           "Chinstrap": (48.8, 18.4, 196.0)}


def measurements(n=30, seed=0):
    """``n`` rows of three species and three measurements (rounded as a sheet shows them)."""
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(n):
        species = list(CENTRES)[i % 3]
        rows.append([species] + [round(float(c + rng.normal(0, 1.0)), 1)
                                 for c in CENTRES[species]])
    return rows


def people_rows(n=30, seed=0):
    """The sheet of the issue: header on row 4, the data on rows 5..n+4, then a blank row and
    "Total" (row n+6). Blank rows are ``[]``."""
    data = measurements(n, seed)
    total = round(sum(r[3] for r in data), 1)
    return ([["Palmer penguins, 2007-2009"], ["Source: Palmer Station LTER"], [], HEADER]
            + data + [[], ["Total", None, None, total]])


def write_csv(path, rows, delimiter=","):
    """``rows`` as a CSV file, each line padded to the widest row as Excel saves it."""
    width = max(len(r) for r in rows)
    with open(path, "w", newline="") as f:
        writer = csv.writer(f, delimiter=delimiter, lineterminator="\n")
        writer.writerows([["" if v is None else v for v in r] + [""] * (width - len(r))
                          for r in rows])
    return path
