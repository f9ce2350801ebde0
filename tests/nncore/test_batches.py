"""BatchGatherer: an epoch's batches hold the right rows, with and without the helper thread."""

import threading

import numpy as np
import pytest

import nncore.nn.batches as batches_module
from nncore.nn.batches import BatchGatherer, spare_core
from nncore.nn.network import Network
from nncore.nn.training import TrainingDiverged, train
from tests.nncore.test_training import blobs


def data(n=53, d=4, seed=0):
    rng = np.random.default_rng(seed)
    return rng.random((n, d), dtype=np.float32), rng.permutation(n)


def gather_threads():
    return [t for t in threading.enumerate() if t.name.startswith("nncore-gather")]


@pytest.mark.parametrize("prefetch", [False, True])
def test_epoch_yields_the_rows_of_the_order_batch_by_batch(prefetch):
    X, order = data()
    with BatchGatherer(X, 5, prefetch=prefetch, chunk_rows=7) as gatherer:
        assert gatherer.chunk_rows == 10              # rounded up to whole batches
        assert gatherer.prefetch is prefetch          # 53 rows span six chunks
        for _ in range(2):                            # buffers reused across epochs
            spans, rows = [], []
            for lo, hi, Xb in gatherer.epoch(order):
                spans.append((lo, hi))
                rows.append(Xb.copy())                # a view of a reused buffer
            assert spans == [(lo, min(lo + 5, 53)) for lo in range(0, 53, 5)]
            np.testing.assert_array_equal(np.concatenate(rows), X[order])
            order = order[::-1].copy()
    assert gather_threads() == []


def test_without_order_batches_are_slices_of_the_data():
    X, _ = data(20)
    with BatchGatherer(X, 8, prefetch=True, chunk_rows=8) as gatherer:
        got = list(gatherer.epoch(None))
    assert [(lo, hi) for lo, hi, _ in got] == [(0, 8), (8, 16), (16, 20)]
    assert all(np.shares_memory(Xb, X) for _, _, Xb in got)
    assert gather_threads() == []
    (lo, hi, Xb), = BatchGatherer(X, 20).epoch(None)          # full batch: X itself
    assert (lo, hi) == (0, 20) and Xb.shape == X.shape and np.shares_memory(Xb, X)


def test_small_data_uses_no_thread():
    X, order = data(30)
    gatherer = BatchGatherer(X, 8, prefetch=True)             # default chunk > 30 rows
    assert not gatherer.prefetch
    assert sum(hi - lo for lo, hi, _ in gatherer.epoch(order)) == 30
    assert gather_threads() == []


def test_an_abandoned_epoch_leaves_the_next_one_intact():
    X, order = data(100)
    with BatchGatherer(X, 4, prefetch=True, chunk_rows=8) as gatherer:
        first = gatherer.epoch(order)
        for _ in range(3):                                   # stop inside the second chunk
            next(first)
        first.close()
        new_order = np.roll(order, 1)
        rows = np.concatenate([Xb.copy() for _, _, Xb in gatherer.epoch(new_order)])
        np.testing.assert_array_equal(rows, X[new_order])
        assert len(gather_threads()) == 1
    assert gather_threads() == []


def test_chunks_the_helper_has_not_started_are_gathered_by_the_caller():
    # a helper whose core is busy elsewhere must not be waited for: with the helper thread held
    # by another task, every chunk is gathered on the calling thread and the rows are right
    X, order = data(60)
    with BatchGatherer(X, 5, prefetch=True, chunk_rows=10) as gatherer:
        release = threading.Event()
        timer = threading.Timer(10, release.set)      # a broken gatherer would wait; not forever
        timer.start()
        for _ in gatherer.epoch(order):                # a first epoch starts the helper
            pass
        gatherer._pool.submit(release.wait)
        gathered_on, stolen_before = [], gatherer.stolen
        gather = gatherer._gather
        gatherer._gather = lambda *args: (
            gathered_on.append(threading.current_thread().name), gather(*args))[1]
        try:
            rows = np.concatenate([Xb.copy() for _, _, Xb in gatherer.epoch(order)])
        finally:
            release.set()
            timer.cancel()
        np.testing.assert_array_equal(rows, X[order])
        assert gathered_on == [threading.current_thread().name] * 6
        assert gatherer.stolen - stolen_before == 5    # the first chunk is never handed over


@pytest.mark.parametrize("env, cores, expected", [
    ({}, 2, False),                                          # OpenBLAS: one thread per core
    ({"OPENBLAS_NUM_THREADS": "1"}, 2, True),
    ({"OMP_NUM_THREADS": "1"}, 2, True),
    ({"OPENBLAS_NUM_THREADS": "2"}, 2, False),
    ({"OPENBLAS_NUM_THREADS": "1"}, 1, False),
    ({"OPENBLAS_NUM_THREADS": "many"}, 4, False),
])
def test_spare_core_reads_the_blas_thread_cap(monkeypatch, env, cores, expected):
    for name in batches_module.BLAS_THREAD_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr(batches_module.os, "sched_getaffinity", lambda pid: set(range(cores)),
                        raising=False)
    assert spare_core() is expected
    assert BatchGatherer(data(100)[0], 10, prefetch="auto", chunk_rows=10).prefetch is expected


@pytest.mark.parametrize("optimizer", ["sgd", "adam"])
def test_train_is_the_same_with_and_without_the_helper(monkeypatch, optimizer):
    monkeypatch.setattr(batches_module, "CHUNK_BYTES", 2 * 4 * 32)     # 32-row chunks
    X, y = blobs(300)
    runs = []
    for prefetch in (False, True):
        monkeypatch.setattr(batches_module, "spare_core", lambda prefetch=prefetch: prefetch)
        network = Network([2, 6, 3], output="softmax", rng=1)
        history = train(network, X, y, optimizer=optimizer, epochs=3, batch_size=10, rng=4)
        runs.append((network.pack().copy(), history["cost"], history["train_accuracy"]))
        assert gather_threads() == []                 # ended with training
    (w0, c0, a0), (w1, c1, a1) = runs
    np.testing.assert_array_equal(w0, w1)             # bit for bit
    assert c0 == c1 and a0 == a1


def test_train_ends_the_helper_when_training_diverges(monkeypatch):
    monkeypatch.setattr(batches_module, "CHUNK_BYTES", 2 * 4 * 32)
    monkeypatch.setattr(batches_module, "spare_core", lambda: True)
    X, y = blobs(300)
    with pytest.raises(TrainingDiverged):
        train(Network([2, 6, 3], output="softmax", rng=1), X, y, optimizer="sgd",
              learning_rate=1e9, epochs=5, batch_size=10, rng=0)
    assert gather_threads() == []
