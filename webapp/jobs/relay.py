"""The relay: what a worker does with one queued run, wherever it runs.

1. ``server.claim(run_id)`` -> the run's spec, or None (cancelled or deleted while queued,
   or already claimed: the message was a duplicate).
2. ``server.dataset_file(spec)`` -> a local path to the dataset's arrays (the server's own
   file for its embedded workers; a download, kept in a small cache, for remote ones).
3. Start the training (``webapp.jobs.process``) and relay its epochs with
   ``server.report_progress(run_id, start, columns, progress)`` at most every
   ``write_interval`` seconds, and at least every ``heartbeat`` seconds even without news:
   that is the heartbeat, and its answer says whether to stop (the run was cancelled).
4. ``server.complete(run_id, model_path, history, summary)`` or
   ``server.end(run_id, status, error, history)``.

``server`` is the one :class:`~webapp.jobs.servers.Server` interface: direct calls into the
services for the server's own workers, HTTP for remote ones (``webapp.jobs.remote``). A
server that cannot be reached is retried by the server object; ``report_progress`` answers
None then, and the training goes on. The relay also turns the process's values into the
server's JSON (only the :data:`HISTORY_KEYS` columns; NaN and infinities as null).
"""
import logging
import math
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass

from webapp.jobs.messages import (Candidate, Done, Epoch, Failed, Lost, ModelNotSaved, Phase,
                                  Stopped)
from webapp.jobs.process import start_training
from webapp.jobs.servers import Refused, RunGone
from webapp.services import storage_error
from webapp.stores.runs import HISTORY_KEYS, empty_history, json_number

log = logging.getLogger(__name__)

LOST_MESSAGE = "the training process ended unexpectedly (exit status {})"
TICK = 0.05                 # how often the relay looks at its stop flags (seconds)
RETRY_SECONDS = 1.0         # between two progress writes the server did not take


@dataclass
class Settings:
    """How a relay paces its reports, and how its training runs."""
    write_interval: float = 0.2       # seconds between two progress writes, at most
    heartbeat: float = 1.0            # seconds between two progress writes, at least
    give_up: float = 600.0            # stop a training the server has not heard for this long
    use_processes: bool = True
    nice: int = 10
    stopped_message: str = "the worker stopped during training"


def history_columns(history):
    """The :data:`HISTORY_KEYS` columns of a history, JSON-ready (absent ones left out)."""
    return {key: [json_number(v) for v in history[key]] for key in HISTORY_KEYS
            if key in history}


class Outbox:
    """The epochs the training reported, and how far the server has them."""

    def __init__(self, run_id, server, settings, epochs):
        self.run_id, self.server, self.settings = run_id, server, settings
        self.history = empty_history()
        self.sent = 0                      # history entries the server has
        self.progress = {"epoch": 0, "epochs": epochs, "eta_seconds": None}
        self.started = time.monotonic()
        self.last_try = -math.inf
        self.last_heard = time.monotonic()
        self.failing = self.dirty = self.urgent = False
        self.auto = None                   # an auto run's status (budget, leaderboard so far)
        self.auto_clock = None             # when its search started (monotonic seconds)

    def add(self, record, epochs):
        epoch = record.get("epoch") or 0
        if self.history["epoch"] and epoch <= self.history["epoch"][-1]:
            # epochs count again from 1: another training of the same run (fit's next L2
            # candidate) whose chart starts afresh, the server's too, as an auto run's does
            self.history, self.sent = empty_history(), 0
            self.started = time.monotonic()
        for key in HISTORY_KEYS:
            self.history[key].append(json_number(record.get(key)))
        epochs = epochs or self.progress["epochs"]
        # The training's own clock: loading the data and drawing synthetic digits before
        # the first epoch would otherwise be spread over every epoch still to come. After the
        # last epoch, predicting every row and storing the model take about 0.4 of an epoch.
        elapsed = record.get("seconds") or (time.monotonic() - self.started)
        eta = elapsed / epoch * (epochs - epoch + 0.4) if epoch and epochs else None
        if self.auto is not None:          # an auto run ends with its budget, not this epoch
            eta = max(0.0, self.auto["budget"] - (time.monotonic() - self.auto_clock))
        self.progress = {"epoch": epoch, "epochs": epochs,
                         "eta_seconds": None if eta is None else round(eta, 1)}
        if self.auto is not None:
            self.progress["auto"] = self.auto
        self.dirty = True

    def candidate(self, status):
        """An auto run's next candidate: the history starts again (the server's too, from
        index 0) and the progress carries ``status``; at the end of the search, the
        history stays for ``final_history`` to replace with the kept candidate's."""
        if self.auto_clock is None:
            self.auto_clock = time.monotonic() - status["elapsed"]
        self.auto = status
        if status["candidate"] is not None:
            self.history, self.sent = empty_history(), 0
            self.started = time.monotonic()
        self.progress = {**self.progress, "epoch": 0, "auto": status}
        self.dirty = self.urgent = True

    def phase(self, text):
        # a step between trainings (the next L2 candidate, the refit) shows as a step
        self.progress = {**self.progress, "phase": text, "epoch": 0}
        self.dirty = self.urgent = True

    def due(self):
        since = time.monotonic() - self.last_try
        if self.failing:
            return since >= RETRY_SECONDS
        return self.urgent or since >= self.settings.heartbeat or (
            self.dirty and since >= self.settings.write_interval)

    def lost_touch(self):
        return time.monotonic() - self.last_heard > self.settings.give_up

    def flush(self):
        """Send what the server lacks; returns True when the server says stop.

        Raises :class:`RunGone` when the run is no longer this worker's.
        """
        self.last_try = time.monotonic()
        self.urgent = False
        columns = {key: self.history[key][self.sent:] for key in HISTORY_KEYS}
        reply = self.server.report_progress(self.run_id, self.sent, columns, self.progress)
        if reply is None:
            self.failing = True
            return False
        self.failing = False
        self.last_heard = time.monotonic()
        self.sent = min(int(reply["have"]), len(self.history["epoch"]))
        self.dirty = self.sent < len(self.history["epoch"])
        return bool(reply["stop"])

    def final_history(self, history=None):
        """The relayed history, with what fit returned in its place where it did."""
        final = history_columns(history or {})
        return {key: final.get(key, self.history[key]) for key in HISTORY_KEYS}


def relay_run(run_id, server, settings, stop, stopping):
    """Train ``run_id`` for ``server`` until it ends; never raises for a failed training.

    ``stop``: an Event set to cancel this run (the server's own workers); ``stopping``: an
    Event set when the worker shuts down (the run then ends as 'interrupted').
    Returns the run's final status, or None when the run was not this worker's to train.
    """
    spec = server.claim(run_id)
    if spec is None:
        return None
    outbox = Outbox(run_id, server, settings, spec["config"].get("epochs"))
    training = None
    try:
        with _heartbeats(outbox):            # a download and a process start take a while
            training = start_training(spec, server.dataset_file(spec), server.model_path(run_id),
                                      server.snapshot_folder(run_id),
                                      use_processes=settings.use_processes, nice=settings.nice)
        ending = _pass_on(training, outbox, stop, stopping)
        return _report_end(server, run_id, outbox, ending, stopping, settings)
    except RunGone:
        log.info("run %s is no longer this worker's: training stopped", run_id)
        return None
    except Refused:
        raise
    except Exception as exc:  # never let a run take the worker down, nor stay "running"
        log.exception("training run %s failed", run_id)
        try:
            server.end(run_id, "failed",
                       f"training failed unexpectedly ({type(exc).__name__}: {exc})",
                       outbox.final_history())
        except Exception:
            log.exception("could not record the failure of run %s", run_id)
        return "failed"
    finally:
        if training is not None:
            training.cancel()
            training.join()


@contextmanager
def _heartbeats(outbox):
    """Keep the run's lease while the block prepares the training (nothing to relay yet)."""
    done, gone = threading.Event(), []

    def beat():
        while not done.wait(outbox.settings.heartbeat):
            try:
                outbox.flush()
            except RunGone:
                gone.append(True)
                return
            except Exception:              # the relay loop will meet it again, and say so
                log.exception("run %s: heartbeat failed", outbox.run_id)

    beater = threading.Thread(target=beat, name=f"heartbeat-{outbox.run_id}", daemon=True)
    beater.start()
    try:
        yield
    finally:
        done.set()
        beater.join()
    if gone:
        raise RunGone()


def _pass_on(training, outbox, stop, stopping):
    """Pass the training's messages on until it ends; returns its ending message."""
    ending = None
    while ending is None:
        if stop.is_set() or stopping.is_set():
            training.cancel()
        message = training.receive(TICK)
        if isinstance(message, Epoch):
            outbox.add(message.record, message.epochs)
        elif isinstance(message, Phase):
            outbox.phase(message.text)
        elif isinstance(message, Candidate):
            outbox.candidate(message.status)
        elif message is not None:
            ending = message
        if outbox.due() and outbox.flush():
            training.cancel()
        if outbox.lost_touch():
            log.error("run %s: the server has not answered for %.0f s; giving up",
                      outbox.run_id, outbox.settings.give_up)
            training.cancel()
            raise RunGone()
    return ending


def _report_end(server, run_id, outbox, ending, stopping, settings):
    """Report how the training ended; returns the status reported."""
    outbox.flush()
    if isinstance(ending, Done):
        server.complete(run_id, server.model_path(run_id), outbox.final_history(ending.history),
                        ending.summary)
        return "completed"
    status, error = _unfinished(run_id, ending, stopping, settings)
    server.end(run_id, status, error, outbox.final_history())
    return status


def _unfinished(run_id, ending, stopping, settings):
    """(status, error) of a training that did not complete."""
    if isinstance(ending, Failed):
        return "failed", ending.error
    if isinstance(ending, ModelNotSaved):
        return "failed", storage_error(OSError(ending.errno, ending.reason), "the model").message
    if stopping.is_set():
        return "interrupted", settings.stopped_message
    if isinstance(ending, Stopped):
        return "cancelled", None
    if not isinstance(ending, Lost):
        raise TypeError(f"not a training's ending: {ending!r}")
    log.error("the training process of run %s exited with %s", run_id, ending.exit_status)
    return "failed", LOST_MESSAGE.format(ending.exit_status)
