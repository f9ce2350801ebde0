"""Scoring a file of new rows as pure compute: a model file and a data file in, messages out.

:func:`score_and_report` loads the model, runs ``nncore.scoring.score_file`` and tells its
listener how it goes with plain tuples: ``("rows", n)`` after each chunk, then one ending,
``("done", summary)`` or ``("failed", message, http_status)`` (400 for a file the model
cannot read, 500 for anything unexpected). It writes only the output file it is asked for.

Scoring is numpy between pandas calls, much like training: in a thread of the server it holds
the GIL for long stretches and predictions and pages wait (measured roughly on a busy 2-core
machine while a 1.2-million-row file was scored: a one-row prediction's median 78 ms and p99
320 ms with the scoring in a thread, 26 ms and 210 ms with it in a child process, 20 ms and
120 ms with no scoring). So it is scored in a child process from the training's fork server
(``jobs.process``: numpy and nncore are imported already) at a lower CPU priority, or in a
thread with ``TRAINING_PROCESSES = False`` (:func:`start_scoring`).

The process is kept for the next file (:class:`WarmScoring`, :func:`serve_scorings`): a fresh
process pays for its start, the model's load and, above all, for faulting in the memory of its
first chunks (0.05-0.1 s of a 0.5 s scoring of the 10,000-row MNIST test file, measured in
one process scoring it twice). After each file it says ``("ended",)`` and hands its freed
memory back to the system (``malloc_trim``: an idle process holds little); after a file of
more than ``RETIRE_CELLS`` cells it is not kept at all.
"""
import ctypes
import ctypes.util
import logging
import os
import time

from nncore.model import Model
from nncore.scoring import score_file
from webapp.jobs.process import (ChannelClosed, ChildProcess, ChildThread, process_context)

log = logging.getLogger(__name__)

#: a process that scored a file of more cells than this is let go rather than kept
RETIRE_CELLS = 50_000_000
#: seconds to wait for a finished scoring's ("ended",)
END_SECONDS = 30.0
#: a kept process not given a job for this long is let go by the server (``Scorer``) ...
KEEP_IDLE_SECONDS = 300.0
#: ... and ends by itself after twice that (a server that died or never asked again)
EXIT_IDLE_SECONDS = 2 * KEEP_IDLE_SECONDS


def score_and_report(job, cancel, send, models=None):
    """Score ``job`` (``{"model", "input", "output", "label_column", "x_sheet"}``: paths, and
    optionally the label column and a workbook's feature sheet) and report via ``send``.

    ``cancel`` is an Event, read after each chunk; a cancelled scoring writes no output and
    sends no ending. ``send`` raises :class:`ChannelClosed` when nobody listens any more.
    ``models``: a dict a kept process reuses the last model file from (by path, size and time).
    """
    def progress(rows):
        send(("rows", rows))
        return not cancel.is_set()

    try:
        model = _load(job["model"], models)
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


def _load(path, models):
    if models is None:
        return Model.load(path)
    stat = os.stat(path)
    key = (path, stat.st_size, stat.st_mtime_ns)
    if key not in models:
        models.clear()
        models[key] = Model.load(path)
    return models[key]


def serve_scorings(jobs, cancel, send):
    """A kept scoring process: score each job that arrives on ``jobs`` (a Connection) as
    :func:`score_and_report` does, then send ``("ended",)``; stop when ``jobs`` is closed."""
    models = {}
    while True:
        try:
            if not jobs.poll(EXIT_IDLE_SECONDS):
                return
            job = jobs.recv()
        except (EOFError, OSError):
            return
        score_and_report(job, cancel, send, models)
        send(("ended",))
        _give_memory_back()


def _give_memory_back():
    """glibc keeps freed memory for the process; ``malloc_trim(0)`` returns it (elsewhere:
    nothing to do)."""
    try:
        ctypes.CDLL(ctypes.util.find_library("c")).malloc_trim(0)
    except (AttributeError, OSError, TypeError):
        pass


def _lost(exitcode):
    return ("lost", exitcode)


class WarmScoring:
    """A scoring process (:func:`serve_scorings`) that takes one job after another, with the
    interface of ``jobs.process.ChildProcess`` (``receive``, ``cancel``) plus ``send(job)``
    and ``finish()``: whether it ended its job and may take another."""

    def __init__(self, nice=0):
        jobs_end, self._jobs = process_context().Pipe(duplex=False)
        self._child = ChildProcess(serve_scorings, (jobs_end,), nice, name="scoring",
                                   lost=_lost)
        jobs_end.close()           # the child holds the only read end now
        self.cells = 0
        self.alive = True
        self.idle_since = time.monotonic()

    @property
    def pid(self):
        return self._child.pid

    def send(self, job):
        """Start scoring ``job``; returns self (the scoring to follow)."""
        self._child.clear_cancel()
        self.cells = 0
        self._jobs.send(job)
        return self

    def receive(self, timeout):
        message = self._child.receive(timeout)
        if message is not None and message[0] == "done":
            summary = message[1]
            self.cells = summary.get("rows", 0) * len(summary.get("columns") or ())
        if message is not None and message[0] == "lost":
            self.alive = False
        return message

    def cancel(self):
        self._child.cancel()

    def finish(self) -> bool:
        """After the ending (done/failed): wait for ``("ended",)``; True when the process may
        take another job."""
        while self.alive:
            message = self.receive(END_SECONDS)
            if message is None:
                self.alive = False
            elif message[0] == "ended":
                return True
        self.close()
        return False

    def keep(self) -> bool:
        """Whether to keep the process for another file (it ended this one, which was not
        huge); from now on it is idle."""
        self.idle_since = time.monotonic()
        return self.alive and self.cells <= RETIRE_CELLS

    def fresh(self) -> bool:
        """Whether a kept process may still take a job (not idle past KEEP_IDLE_SECONDS)."""
        return self.alive and time.monotonic() - self.idle_since < KEEP_IDLE_SECONDS

    def close(self):
        """No more jobs: the process ends (and is waited for)."""
        self.alive = False
        try:
            self._jobs.close()
        except OSError:
            pass
        self._child.join(timeout=10)


def start_scoring(job, use_processes=True, nice=0):
    """The scoring of ``job`` in a child process of its own (``jobs.process.ChildProcess``),
    or in a thread when ``use_processes`` is off; ``receive`` gives ``("lost", exit status)``
    when it ended without an ending message. (The app's scorer keeps processes instead:
    :class:`WarmScoring`.)"""
    if use_processes:
        return ChildProcess(score_and_report, (job,), nice, name="scoring", lost=_lost)
    return ChildThread(score_and_report, (job,), name="scoring", lost=_lost)
