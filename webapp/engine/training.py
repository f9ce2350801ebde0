"""One training as pure compute: a dataset file and a configuration in, messages out.

The messages, in order: ``("phase", text)`` before a preparation step, ``("epoch", record,
epochs)`` after each epoch (``record``: the :data:`HISTORY_KEYS` values, JSON-ready), then
exactly one ending: ``("done", history, summary)`` (the model is in the file asked for),
``("failed", message)`` or ``("stopped",)`` (cancel was set; stops after the current epoch).

Training is CPU-bound Python between numpy calls; in a thread of the server it would hold
the GIL often enough to make predictions and pages wait (a prediction p99 of about 200 ms was
measured with four trainings in threads). So it runs in a child process, started by a
``forkserver`` that has numpy and nncore imported already (a start costs a fork, not an
import), at a lower CPU priority, with one BLAS thread. The child writes no database and no
server file: when its parent dies, its next message fails (the parent held the only read end
of the pipe) and it stops. ``TRAINING_PROCESSES = False`` trains in a thread instead, for
tests that patch nncore.
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
from nncore.config import TrainConfig
from nncore.data.dataset import Dataset
from nncore.data.images import ImageGeometry
from nncore.data.npzfiles import load as load_arrays
from nncore.nn.training import TrainingDiverged
from webapp.services import storage_error
from webapp.services.reports import result_summary
from webapp.stores.runs import HISTORY_KEYS, json_number

log = logging.getLogger(__name__)

# Imported once by the fork server, so that every training process starts ready.
PRELOAD = [__name__, "nncore.fitting", "nncore.model"]
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
    """A dataset file as the server stores it (X, y, classes[, feature_names]) -> Dataset.

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
    return Dataset(X=arrays["X"], y=arrays["y"].astype("int64"),
                   classes=[str(c) for c in arrays["classes"]], name=meta.get("name"),
                   feature_names=None if names is None else [str(n) for n in names],
                   image=ImageGeometry.from_dict(image) if image else None,
                   encoding=(json.loads(str(arrays["encoding"])) if "encoding" in arrays
                             else None))


def train(spec, dataset_path, model_path, cancel, send):
    """Train ``spec`` (``{"config", "dataset": {"name", "image"}}``), reporting via ``send``.

    ``cancel`` is an Event; ``send(message)`` raises :class:`ChannelClosed` when nobody
    listens any more. Failures of the training become a ``("failed", message)``.
    """
    def callback(record):
        send(("epoch", {key: json_number(record.get(key)) for key in HISTORY_KEYS},
              record.get("epochs")))
        return not cancel.is_set()

    try:
        config = TrainConfig.from_dict(spec["config"])
        dataset = read_dataset(dataset_path, spec["dataset"])
        model, result = nncore.fitting.fit(dataset, config, callback,
                                           phase=lambda text: send(("phase", text)))
    except ChannelClosed:
        raise
    except TrainingDiverged as exc:
        send(("failed", str(exc)))
        return
    except ValueError as exc:
        send(("failed", f"training failed: {exc}"))
        return
    if cancel.is_set():
        send(("stopped",))
        return
    try:
        model.save(model_path)  # writes a temporary file, then renames it into place
    except OSError as exc:
        send(("failed", storage_error(exc, "the model").message))
        return
    # fit's own history is final (early stopping may end it at the kept epoch)
    history = {key: [json_number(v) for v in values]
               for key, values in (result.get("history") or {}).items() if key in HISTORY_KEYS}
    send(("done", history, result_summary(model, dataset, result)))


def train_reporting_crashes(spec, dataset_path, model_path, cancel, send):
    """:func:`train`, with an unexpected exception reported as a failure, never raised."""
    try:
        train(spec, dataset_path, model_path, cancel, send)
    except ChannelClosed:
        raise
    except Exception as exc:  # never let a run take the worker down, nor stay "running"
        log.exception("training failed")
        send(("failed", f"training failed unexpectedly ({type(exc).__name__}: {exc})"))


def _process_main(spec, dataset_path, model_path, cancel, conn, nice):
    """Entry point of a training process."""
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
        train_reporting_crashes(spec, dataset_path, model_path, cancel, send)
    except ChannelClosed:
        pass
    finally:
        conn.close()


class Training:
    """A training started in a child process (or a thread): ``receive``, ``cancel``, ``join``.

    ``receive(timeout)`` returns the next message, or None when none came within
    ``timeout`` seconds; when the child ended without an ending message (it was killed) it
    returns ``("lost", exit status)``.
    """

    _END = object()

    def __init__(self, spec, dataset_path, model_path, use_processes=True, nice=0):
        if use_processes:
            context = process_context()
            self._cancel = context.Event()
            self._conn, child_end = context.Pipe(duplex=False)
            self._worker = context.Process(
                target=_process_main,
                args=(spec, dataset_path, model_path, self._cancel, child_end, nice),
                name="training", daemon=True)
            self._worker.start()
            child_end.close()      # the child holds the only write end now
        else:
            self._cancel = threading.Event()
            self._conn = queue.Queue()
            self._worker = threading.Thread(
                target=self._thread_main, args=(spec, dataset_path, model_path),
                name="training", daemon=True)
            self._worker.start()

    def _thread_main(self, spec, dataset_path, model_path):
        try:
            train_reporting_crashes(spec, dataset_path, model_path, self._cancel, self._conn.put)
        finally:
            self._conn.put(self._END)

    def cancel(self):
        self._cancel.set()

    def _next(self, timeout):
        if isinstance(self._conn, queue.Queue):
            try:
                return self._conn.get(timeout=timeout)
            except queue.Empty:
                return None
        try:
            return self._conn.recv() if self._conn.poll(timeout) else None
        except (EOFError, OSError):
            return self._END

    def receive(self, timeout):
        message = self._next(timeout)
        if message is self._END:
            self.join()
            return ("lost", getattr(self._worker, "exitcode", None))
        return message

    def join(self):
        self._worker.join()
        if not isinstance(self._conn, queue.Queue):
            self._conn.close()
