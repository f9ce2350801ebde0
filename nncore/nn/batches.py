"""The mini-batches of an epoch: training rows in shuffled order, gathered into reused buffers.

Scope: which rows each batch holds and where they sit in memory; nothing about the network.
``train`` asks a ``BatchGatherer`` for each epoch's batches and trains on them.

A shuffled epoch must copy each batch's rows out of the training set into one contiguous block
(the matrix products need one): a *gather*, random reads of whole rows from main memory.  It is
not arithmetic, yet on MNIST it costs a noticeable share of the epoch's matrix products
(bench/README.md, "Figures behind the defaults").  So rows are gathered a chunk of several batches at a time on one helper
thread, one chunk ahead of training: while the network trains on chunk ``c``, the helper copies
chunk ``c + 1`` into the other of two chunk buffers (numpy's ``take`` releases the GIL while it
copies).  The copying then overlaps the products instead of adding to them.  A chunk the helper
has not started by the time training needs it (its core was busy with other work) is taken back
and gathered on the training thread: waiting for a descheduled helper would cost more than the
copy.  The batches are the same with or without the helper (``prefetch=False``), bit for bit;
only who copies and the waiting differ.

The helper needs a core of its own.  By default (``prefetch="auto"``) it is used only when the
BLAS library has been limited to fewer threads than the machine has cores (``OPENBLAS_NUM_THREADS``
and friends, e.g. ``bench/bench_training.py --threads 1``); with OpenBLAS's default of one thread
per core the helper would compete with the products and slow the epoch (measured on 2 cores:
bench/README.md).

Without shuffling (``order=None``, e.g. full-batch gradient descent) batches are slices of the
data itself and nothing is copied.
"""

import os
from concurrent.futures import ThreadPoolExecutor

import numpy as np

__all__ = ["BatchGatherer", "spare_core"]

#: bytes of rows per chunk (rounded up to whole batches): a hand-off between the threads costs
#: tens of microseconds, so not one per small batch, but the two chunk buffers should leave the
#: processor's cache to the weights (MNIST, batches of 128: 2 batches, 0.8 MB per chunk; the
#: sizes measured are in bench/README.md)
CHUNK_BYTES = 512 << 10

#: environment variables that cap the BLAS library's threads (OpenBLAS reads them in this order)
BLAS_THREAD_VARIABLES = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


def spare_core():
    """Whether a core is left over by the BLAS threads (so a helper thread costs nothing).

    OpenBLAS, as in numpy's wheels, starts one thread per core unless one of
    ``BLAS_THREAD_VARIABLES`` caps it; a cap below the number of usable cores leaves one free.
    """
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:                     # not on Linux
        cores = os.cpu_count() or 1
    for name in BLAS_THREAD_VARIABLES:
        value = os.environ.get(name, "").strip()
        if value:
            try:
                return int(value.split(",")[0]) < cores
            except ValueError:
                return False
    return False


class BatchGatherer:
    """Yield an epoch's batches ``(lo, hi, X_batch)`` in the order given by a permutation.

    Parameters
    ----------
    X : ndarray (n, d)
        Training rows, C-contiguous.
    batch_size : int
        Rows per batch (the last batch of an epoch may be shorter).
    prefetch : bool or "auto"
        Gather the next chunk on a helper thread while the current one trains; ``"auto"``: when
        ``spare_core()``.  Only used when an epoch spans at least two chunks (smaller data gains
        nothing from a thread).
    chunk_rows : int, optional
        Rows gathered per chunk, rounded up to whole batches; default about ``CHUNK_BYTES``.

    Use it as a context manager (or call ``close``) so the helper thread ends with training::

        with BatchGatherer(X, 128) as batches:
            for epoch in range(epochs):
                for lo, hi, Xb in batches.epoch(rng.permutation(len(X))):
                    ...   # Xb holds the rows X[order[lo:hi]]

    A yielded batch is a view of a reused buffer: it is valid until the next batch is
    requested, so copy it to keep it.
    """

    def __init__(self, X, batch_size, *, prefetch="auto", chunk_rows=None):
        self.X = X
        self.batch_size = int(batch_size)
        if chunk_rows is None:
            chunk_rows = CHUNK_BYTES // max(1, X.shape[1] * X.itemsize)
        batches_per_chunk = max(1, -(-int(chunk_rows) // self.batch_size))
        self.chunk_rows = min(batches_per_chunk * self.batch_size, max(1, X.shape[0]))
        if prefetch == "auto":
            prefetch = spare_core()
        self.prefetch = bool(prefetch) and X.shape[0] > self.chunk_rows
        self._buffers = None
        self._pool = None
        self.stolen = 0                        # chunks the helper had not started when needed

    def __repr__(self):
        return (f"BatchGatherer({self.X.shape[0]} rows, batch_size={self.batch_size}, "
                f"chunk_rows={self.chunk_rows}, prefetch={self.prefetch})")

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self):
        """End the helper thread (after any gather it is doing)."""
        if self._pool is not None:
            self._pool.shutdown(wait=True)
            self._pool = None

    def epoch(self, order=None):
        """Generator of ``(lo, hi, X_batch)`` covering positions ``0..n`` of the epoch.

        ``order`` is a permutation of ``range(n)`` (indices are not range-checked); ``X_batch``
        holds the rows ``X[order[lo:hi]]``, or ``X[lo:hi]`` when ``order`` is ``None`` (a slice
        of ``X``, nothing copied).
        """
        X, n, size = self.X, self.X.shape[0], self.batch_size
        if order is None:
            for lo in range(0, n, size):
                yield lo, min(lo + size, n), X[lo:lo + size]
            return
        if self._buffers is None:
            count = 2 if self.prefetch else 1
            self._buffers = [np.empty((self.chunk_rows, X.shape[1]), X.dtype) for _ in range(count)]
        step = self.chunk_rows
        pending = None
        try:
            if self.prefetch and self._pool is None:
                self._pool = ThreadPoolExecutor(1, thread_name_prefix="nncore-gather")
            for c, start in enumerate(range(0, n, step)):
                if self.prefetch:
                    if pending is None or pending.cancel():
                        # the first chunk, or the helper has not started this one (its core is
                        # busy with other work): gathering here beats waiting for it
                        chunk = self._gather(order, start, self._buffers[c % 2])
                        self.stolen += pending is not None
                    else:
                        chunk = pending.result()
                    pending = None
                    if start + step < n:           # the next chunk, while this one trains
                        pending = self._pool.submit(self._gather, order, start + step,
                                                    self._buffers[(c + 1) % 2])
                else:
                    chunk = self._gather(order, start, self._buffers[0])
                for lo in range(0, chunk.shape[0], size):
                    hi = min(lo + size, chunk.shape[0])
                    yield start + lo, start + hi, chunk[lo:hi]
        finally:
            if pending is not None and not pending.cancel():   # abandoned mid-epoch:
                pending.result()                                # let a started copy finish

    def _gather(self, order, start, buffer):
        """Copy the rows ``X[order[start:start + chunk_rows]]`` into ``buffer``; return them."""
        idx = order[start:start + self.chunk_rows]
        # 'clip' skips take's per-index bounds checks (a permutation is always in range)
        return self.X.take(idx, axis=0, out=buffer[:idx.shape[0]], mode="clip")
