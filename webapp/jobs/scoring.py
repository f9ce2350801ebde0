"""Scoring a file of new rows as pure compute: a model file and a data file in, messages out.

:func:`score_and_report` loads the model, runs ``nncore.scoring.score_file`` and tells its
listener how it goes with plain tuples: ``("rows", n)`` after each chunk, then one ending,
``("done", summary)`` or ``("failed", message, http_status)`` (400 for a file the model
cannot read, 500 for anything unexpected). It writes only the output file it is asked for.

Scoring is numpy between pandas calls, much like training: in a thread of the server it holds
the GIL for long stretches and predictions and pages wait. So :class:`ScoringProcess` scores
in a child process from the training's fork server (``jobs.process``: numpy and nncore are
imported already) at a lower CPU priority. :class:`ScoringThread` scores in a thread instead
(``TRAINING_PROCESSES = False``). Both have one interface: ``receive``, ``cancel``, ``join``.
"""
import logging
import os
import queue
import threading

from nncore.model import Model
from nncore.scoring import score_file
from webapp.jobs.process import ChannelClosed, process_context

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


def _process_main(job, cancel, conn, nice):
    """Entry point of a scoring process."""
    try:
        os.nice(nice)
    except OSError:
        pass

    def send(message):
        try:
            conn.send(message)
        except OSError as exc:     # BrokenPipeError: the parent died
            raise ChannelClosed() from exc

    try:
        score_and_report(job, cancel, send)
    except ChannelClosed:
        pass
    finally:
        conn.close()


class ScoringProcess:
    """A scoring in a child process at CPU priority ``nice``; ``receive(timeout)`` returns the
    next message, None when none came in time, ``("lost", exitcode)`` when the child died."""

    def __init__(self, job, nice=0):
        context = process_context()
        self._cancel = context.Event()
        self._conn, child_end = context.Pipe(duplex=False)
        self._process = context.Process(target=_process_main,
                                        args=(job, self._cancel, child_end, nice),
                                        name="scoring", daemon=True)
        self._process.start()
        child_end.close()

    def receive(self, timeout):
        try:
            return self._conn.recv() if self._conn.poll(timeout) else None
        except (EOFError, OSError):
            self.join()
            return ("lost", self._process.exitcode)

    def cancel(self):
        self._cancel.set()

    def join(self):
        self._process.join()
        self._conn.close()


class ScoringThread:
    """A scoring in a thread of this process, with :class:`ScoringProcess`'s interface."""

    _END = ("lost", None)

    def __init__(self, job):
        self._cancel = threading.Event()
        self._messages = queue.Queue()
        self._thread = threading.Thread(target=self._main, args=(job,), name="scoring",
                                        daemon=True)
        self._thread.start()

    def _main(self, job):
        try:
            score_and_report(job, self._cancel, self._messages.put)
        finally:
            self._messages.put(self._END)

    def receive(self, timeout):
        try:
            message = self._messages.get(timeout=timeout)
        except queue.Empty:
            return None
        if message is self._END:
            self.join()
        return message

    def cancel(self):
        self._cancel.set()

    def join(self):
        self._thread.join()


def start_scoring(job, use_processes=True, nice=0):
    """A :class:`ScoringProcess`, or a :class:`ScoringThread` when ``use_processes`` is off."""
    return ScoringProcess(job, nice) if use_processes else ScoringThread(job)
