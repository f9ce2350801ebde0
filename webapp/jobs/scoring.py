"""Scoring a file of new rows as pure compute: a model file and a data file in, messages out.

:func:`score_and_report` loads the model, runs ``nncore.scoring.score_file`` and tells its
listener how it goes with plain tuples: ``("rows", n)`` after each chunk, then one ending,
``("done", summary)`` or ``("failed", message, http_status)`` (400 for a file the model
cannot read, 500 for anything unexpected). It writes only the output file it is asked for.

Scoring is numpy between pandas calls, much like training: in a thread of the server it holds
the GIL for long stretches and predictions and pages wait (measured roughly on a busy 2-core
machine while a 1.2-million-row file was scored: a one-row prediction's median 78 ms and p99
320 ms with the scoring in a thread, 26 ms and 210 ms with it in a child process, 20 ms and
120 ms with no scoring). So it is scored in a child process from the training's fork server (``jobs.process``: numpy and nncore are
imported already) at a lower CPU priority, or in a thread with ``TRAINING_PROCESSES = False``
(:func:`start_scoring`).
"""
import logging

from nncore.model import Model
from nncore.scoring import score_file
from webapp.jobs.process import ChannelClosed, ChildProcess, ChildThread

log = logging.getLogger(__name__)


def score_and_report(job, cancel, send):
    """Score ``job`` (``{"model", "input", "output", "label_column", "x_sheet"}``: paths, and
    optionally the label column and a workbook's feature sheet) and report via ``send``.

    ``cancel`` is an Event, read after each chunk; a cancelled scoring writes no output and
    sends no ending. ``send`` raises :class:`ChannelClosed` when nobody listens any more.
    """
    def progress(rows):
        send(("rows", rows))
        return not cancel.is_set()

    try:
        model = Model.load(job["model"])
        summary = score_file(model, job["input"], job["output"],
                             label_column=job.get("label_column"), progress=progress,
                             x_sheet=job.get("x_sheet"))
    except ChannelClosed:
        raise
    except ValueError as exc:
        send(("failed", str(exc), 400))
        return
    except Exception as exc:     # the listener must hear an ending, whatever happened
        log.exception("scoring failed")
        send(("failed", f"scoring failed unexpectedly ({type(exc).__name__}: {exc})", 500))
        return
    if not summary["cancelled"]:
        send(("done", summary))


def _lost(exitcode):
    return ("lost", exitcode)


def start_scoring(job, use_processes=True, nice=0):
    """The scoring of ``job`` in a child process (``jobs.process.ChildProcess``), or in a
    thread when ``use_processes`` is off; ``receive`` gives ``("lost", exit status)`` when it
    ended without an ending message."""
    if use_processes:
        return ChildProcess(score_and_report, (job,), nice, name="scoring", lost=_lost)
    return ChildThread(score_and_report, (job,), name="scoring", lost=_lost)
