"""Where the rows to score start and end in a CSV file: the header below any titles, the data
above any totals and notes (``header_rows``' rules, applied to the first records and the last
lines, so that the file is read once, by ``chunks``).
"""
from __future__ import annotations

import csv
import io

from nncore.data import fastcsv, header_rows
from nncore.data.tables import Table, normalise


def known_header(rows, known) -> int | None:
    """The index of the first of ``rows`` that is all text (blank cells aside) and names one
    of ``known`` (a model's columns): the header, whatever stands above it; None if none."""
    return next((i for i, row in enumerate(rows[:header_rows.PROBE_ROWS])
                 if any(str(v).strip() in known for v in row if v is not None)
                 and all(isinstance(v, str) or v is None for v in row)), None)


def probe_records(text, delimiter):
    """The first ``header_rows.PROBE_ROWS`` records of ``text`` that ``chunks._records``
    keeps (not blank lines), and the line each starts on."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows, numbers, line = [], [], 0
    for record in reader:
        start, line = line + 1, reader.line_num
        if record and not (len(record) == 1 and not record[0].strip()):
            rows.append(record)
            numbers.append(start)
            if len(rows) == header_rows.PROBE_ROWS:
                break
    return rows, numbers


def find_header(rows, known) -> tuple[int, bool]:
    """``(records above the header, whether there is a header)``: the first record that is
    all text and names one of the model's columns (``known``); else ``header_rows``' guess
    (row 1 by ``tables.has_header``, or a header below titles); else no header."""
    found = known_header(rows, known)
    if found is not None:
        return found, True
    table = Table("The CSV file", *normalise(rows, list(range(len(rows)))))
    index = header_rows.find_header(table.rows) if table.rows else None
    if index is None:
        return 0, False
    return table.row_numbers[index], True


def footers_below(lines, delimiter, n_cols):
    """The totals and notes that end a file whose last lines are ``lines`` (at most
    ``header_rows.TAIL_ROWS``, ``header_rows.is_footer``), with the blank rows among them:
    ``(their first texts in order, lines after the data, records among those lines (lines
    that are not blank: rows of empty cells count), blank lines ending the file)``."""
    texts, after, records = [], 0, 0
    for line in reversed(lines):
        record = next(csv.reader([line], delimiter=delimiter), []) if line.strip() else []
        if not any(cell.strip() for cell in record):
            records += bool(line.strip())
            after += 1
            continue
        if len(texts) == header_rows.TAIL_ROWS or not header_rows.is_footer(record, n_cols):
            break
        texts.append(header_rows.first_text(record))
        records += 1
        after += 1
    ending = next((i for i, line in enumerate(reversed(lines))
                   if line.strip(delimiter + " \t\r")), len(lines))
    return texts[::-1], after, records, ending


def footer_records(path, delimiter, n_cols, layout) -> int:
    """How many of the file's last records (``chunks._records``': not blank lines) are
    totals or notes below the data, or rows of empty cells among them (``footers_below``);
    what was skipped is recorded in ``layout`` as for a dataset (blank lines between the data
    and the notes counted, those ending the file not)."""
    texts, after, records, ending = footers_below(fastcsv.last_lines(path), delimiter, n_cols)
    if not texts:
        return 0
    layout.skipped_below, layout.below = after - ending, texts
    return records
