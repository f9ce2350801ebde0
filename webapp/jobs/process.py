"""One training as pure compute: a dataset file and a configuration in, messages out.

:func:`fit_and_report` trains and tells its listener how it goes, with the messages of
:mod:`webapp.jobs.messages`. It writes no database and no server file (only the model file
and the folder of per-epoch snapshots it is asked for, ``nncore.snapshots``) and imports
nothing of the server's: the relay turns its messages into calls on the server.

Training is CPU-bound Python between numpy calls; in a thread of the server it would hold
the GIL often enough to make predictions and pages wait (a prediction p99 of about 200 ms was
measured with four trainings in threads). So :class:`ChildProcess` runs it in a child
process, started by a ``forkserver`` that has numpy and nncore imported already (a start
costs a fork, not an import), at a lower CPU priority, with one BLAS thread. When its parent
dies, the child's next message fails (the parent held the only read end of the pipe) and it
stops. :class:`ChildThread` trains in a thread instead (``TRAINING_PROCESSES = False``),
for tests that patch nncore. Both have one interface: ``receive``, ``cancel``, ``join``;
the scoring of a file (``jobs.scoring``) runs in them too.
"""
import json
import logging
import multiprocessing
import os
import queue
import threading
import zipfile
from multiprocessing import forkserver

import nncore.fitting
from nncore.auto import fit_auto
from nncore.config import TrainConfig
from nncore.data.dataset import Dataset
from nncore.data.images import ImageGeometry
from nncore.data.npzfiles import load as load_arrays
from nncore.nn.training import TrainingDiverged
from nncore.snapshots import Snapshots
from webapp.jobs.messages import (Candidate, Done, Epoch, Failed, Lost, ModelNotSaved, Phase,
                                  Stopped)
from webapp.jobs.summary import result_summary

log = logging.getLogger(__name__)

# Imported once by the fork server, so that every training (and scoring) process starts ready.
PRELOAD = [__name__, "nncore.fitting", "nncore.model", "webapp.jobs.scoring"]
BLAS_THREAD_VARIABLES = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")

_context = None
_context_lock = threading.Lock()


def process_context():
    """The multiprocessing context for training: forkserver (preloaded) where available."""
    global _context
    with _context_lock:
        if _context is None:
            # One BLAS thread per training process: several trainings already fill the cores,
            # and idle BLAS threads spin. Read by numpy when the fork server imports it (the
            # host's own numpy was initialised before, so it keeps its threads).
            for name in BLAS_THREAD_VARIABLES:
                os.environ.setdefault(name, "1")
            if "forkserver" in multiprocessing.get_all_start_methods():
                _context = multiprocessing.get_context("forkserver")
                _context.set_forkserver_preload(PRELOAD)
            else:
                _context = multiprocessing.get_context("spawn")
        return _context


def warm_up():
    """Start the fork server now (it imports numpy and nncore: seconds on a busy machine), so
    that the first run does not wait for it."""
    if process_context().get_start_method() == "forkserver":
        forkserver.ensure_running()


class ChannelClosed(Exception):
    """The parent stopped listening (it died): the training ends without a word."""


def read_dataset(path, meta):
    """A dataset file as the server stores it (X, y, classes[, feature_names, encoding,
    task]) -> Dataset; ``task`` "regression" keeps ``y`` as float64 numbers.

    ``meta``: ``{"name", "image"}`` from the server (the geometry lives in its database so
    that the user can correct it without rewriting the arrays).
    """
    try:
        arrays = load_arrays(path)    # X memory-mapped: pages from the shared file cache
    except (EOFError, ValueError, zipfile.BadZipFile) as exc:
        raise ValueError(f"{os.path.basename(path)} is not a dataset sent by the server: "
                         f"the archive is damaged ({exc})") from None
    names = arrays.get("feature_names")
    image = meta.get("image")
    task = str(arrays["task"]) if "task" in arrays else "classification"
    return Dataset(X=arrays["X"], task=task,
                   y=arrays["y"].astype("float64" if task == "regression" else "int64"),
                   classes=[str(c) for c in arrays["classes"]], name=meta.get("name"),
                   feature_names=None if names is None else [str(n) for n in names],
                   image=ImageGeometry.from_dict(image) if image else None,
                   encoding=(json.loads(str(arrays["encoding"])) if "encoding" in arrays
                             else None))


def fit_and_report(spec, dataset_path, model_path, snapshot_folder, cancel, send):
    """Train ``spec`` (``{"config", "dataset": {"name", "image"}}``), reporting via ``send``.

    ``snapshot_folder``: where to keep the model after each epoch (None: nowhere; never for a
    convolutional network, which "Inside the network" does not show, nor for an auto run,
    whose candidates would mix). ``cancel`` is an Event; ``send(message)`` raises
    :class:`ChannelClosed` when nobody listens any more. Failures of the training become a
    :class:`Failed`. A config with ``"auto": {"budget": seconds}`` is an auto run (:func:`train`).
    """
    def callback(record):
        send(Epoch({key: value for key, value in record.items() if key != "epochs"},
                   record.get("epochs")))
        return not cancel.is_set()

    try:
        dataset = read_dataset(dataset_path, spec["dataset"])
        model, result = train(dataset, spec["config"], callback, send, snapshot_folder)
    except ChannelClosed:
        raise
    except TrainingDiverged as exc:
        send(Failed(str(exc)))
        return
    except ValueError as exc:
        send(Failed(f"training failed: {exc}"))
        return
    if cancel.is_set():
        send(Stopped())
        return
    try:
        model.save(model_path)  # writes a temporary file, then renames it into place
    except OSError as exc:
        send(ModelNotSaved(exc.errno, exc.strerror or str(exc)))
        return
    send(Done(result.get("history") or {}, result_summary(model, dataset, result)))


def train(dataset, settings, callback, send, snapshot_folder=None):
    """``fit`` with ``settings`` (the run's stored config), or for an auto run (``settings``
    with ``"auto": {"budget"}``) ``fit_auto`` from the other settings, each candidate
    announced with a :class:`Candidate`; ``(model, result)``."""
    settings = dict(settings)
    auto = settings.pop("auto", None)
    config = TrainConfig.from_dict(settings)
    if auto:
        return fit_auto(dataset, config, float(auto["budget"]), callback,
                        on_candidate=lambda status: send(Candidate(status)),
                        names=auto.get("variations"))
    keeper = (Snapshots(snapshot_folder) if snapshot_folder and not config.conv_filters
              else None)
    return nncore.fitting.fit(dataset, config, callback, phase=lambda text: send(Phase(text)),
                              snapshots=keeper)


def fit_reporting_crashes(spec, dataset_path, model_path, snapshot_folder, cancel, send):
    """:func:`fit_and_report`, with an unexpected exception reported as a failure."""
    try:
        fit_and_report(spec, dataset_path, model_path, snapshot_folder, cancel, send)
    except ChannelClosed:
        raise
    except Exception as exc:  # never let a run take the worker down, nor stay "running"
        log.exception("training failed")
        send(Failed(f"training failed unexpectedly ({type(exc).__name__}: {exc})"))


def _child_main(target, args, cancel, conn, nice):
    """Entry point of a child process: ``target(*args, cancel, send)`` at priority ``nice``."""
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
        target(*args, cancel, send)
    except ChannelClosed:
        pass
    finally:
        conn.close()


class ChildProcess:
    """``target(*args, cancel, send)`` in a child process at CPU priority ``nice``.

    ``target`` must be a module-level function (it is sent to the child by name).
    ``receive(timeout)`` returns the next message, or None when none came within ``timeout``
    seconds; when the child ended without an ending message (it was killed) it returns
    ``lost(exit status)``.
    """

    def __init__(self, target, args, nice=0, name="training", lost=Lost):
        context = process_context()
        self._cancel = context.Event()
        self._lost = lost
        self._conn, child_end = context.Pipe(duplex=False)
        self._process = context.Process(
            target=_child_main, args=(target, args, self._cancel, child_end, nice),
            name=name, daemon=True)
        self._process.start()
        child_end.close()      # the child holds the only write end now

    def receive(self, timeout):
        try:
            return self._conn.recv() if self._conn.poll(timeout) else None
        except (EOFError, OSError):
            self.join()
            return self._lost(self._process.exitcode)

    def cancel(self):
        self._cancel.set()

    def clear_cancel(self):
        """Before a process kept for more work (``jobs.scoring.WarmScoring``) takes the next."""
        self._cancel.clear()

    @property
    def pid(self):
        return self._process.pid

    def join(self, timeout=None):
        self._process.join(timeout)
        if self._process.is_alive():
            self._process.kill()
            self._process.join()
        self._conn.close()


class ChildThread:
    """``target(*args, cancel, send)`` in a thread of this process, with
    :class:`ChildProcess`'s interface (``lost(None)`` once the target returned)."""

    _END = object()

    def __init__(self, target, args, name="training", lost=Lost):
        self._cancel = threading.Event()
        self._messages = queue.Queue()
        self._lost = lost
        self._thread = threading.Thread(target=self._main, args=(target, args), name=name,
                                        daemon=True)
        self._thread.start()

    def _main(self, target, args):
        try:
            target(*args, self._cancel, self._messages.put)
        finally:
            self._messages.put(self._END)

    def receive(self, timeout):
        try:
            message = self._messages.get(timeout=timeout)
        except queue.Empty:
            return None
        if message is self._END:
            self.join()
            return self._lost(None)
        return message

    def cancel(self):
        self._cancel.set()

    def join(self):
        self._thread.join()


def start_training(spec, dataset_path, model_path, snapshot_folder=None, use_processes=True,
                   nice=0):
    """The training in a :class:`ChildProcess`, or a :class:`ChildThread` when
    ``use_processes`` is off."""
    args = (spec, dataset_path, model_path, snapshot_folder)
    if use_processes:
        return ChildProcess(fit_reporting_crashes, args, nice)
    return ChildThread(fit_reporting_crashes, args)
