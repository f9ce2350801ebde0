"""Benchmark: one training epoch of nncore against the matrix products that epoch cannot avoid.

Scope: measures speed only (no accuracy).  Each case times nncore's ``train`` for one epoch and,
interleaved with it in the same run, a *reference* doing nothing but the epoch's matrix products
with the same shapes (per batch: ``X @ W`` for each layer forward, ``delta @ W.T`` for every layer
but the first, and ``a.T @ delta`` for every layer's gradient), written into preallocated
outputs on contiguous slices of the data.  The ratio nncore / reference is what the targets
bound; it is robust to the machine's speed because both sides share the same BLAS and load.

Fairness: the reference reads the training data once, in storage order, inside its products
(as any epoch must read it once); nncore reads it in shuffled order, gathering each batch's rows
into a buffer first.  That gather is real work of a shuffled epoch, not a matrix product, so it
counts against nncore; the ``gather s`` column times it alone (nncore's own ``BatchGatherer``
with the helper off) so the reader sees its size.  When BLAS leaves a core free (``--threads 1`` on a machine with two
or more), nncore gathers the next rows on a helper thread while the products run
(``nncore/batches.py``): the ``cpu s`` column is nncore's process CPU time (both threads, the
least of the repeats), so the work moved to the second core stays visible, and ``1 core`` is
the ratio of nncore with the helper turned off (one more interleaved epoch per repeat): the
comparison with equal resources.  The bias gradients
(row sums, done by nncore as BLAS matrix-vector products) are not in the reference either.  Network construction is outside
the timed region; ``train``'s own set-up (optimiser state, buffers, the permutation) is inside.

Statistics: each side runs ``--repeats`` times, interleaved.  ``ratio`` is the fastest nncore
epoch over the fastest reference epoch: as ``timeit``'s documentation puts it, the minimum is
the best estimate of what the code itself costs, slower repeats being other processes getting
in the way (on the shared machine these figures come from, the same product can take 20% longer
from one second to the next).  ``pairs`` is the median of the per-pair ratios (each nncore epoch
over the reference epoch run just before it), which includes that interference on both sides.

Cases (sigmoid hidden layer, softmax output, float32):

* ``sgd``: 60000 x 784 -> 128 -> 10, batch 128, one epoch (target ratio <= 1.3)
* ``adam``: the same with Adam (target <= 1.6)
* ``gd``: 5000 x 400 -> 25 -> 10, full-batch gradient descent, one iteration (reported)

Data: MNIST from ``../shared/data/mnist.npz`` next to the repository when present, otherwise
random data of the same shape (the timing does not depend on the values; the output says which).

Usage::

    .venv/bin/python bench/bench_training.py [--repeats 21] [--threads N] [--json]

``--threads N`` caps the BLAS threads (set before numpy loads).  On a shared 2-core machine with
other jobs running, OpenBLAS's default of one thread per core can slow every matrix product
tenfold while it waits for a descheduled thread; ``--threads 1`` gives steadier figures.
"""

import argparse
import json
import os
import sys
import time


def _blas_threads_from_argv(argv):
    """Apply ``--threads N`` to the BLAS environment; must run before numpy is imported."""
    for i, arg in enumerate(argv):
        value = arg.split("=", 1)[1] if arg.startswith("--threads=") else (
            argv[i + 1] if arg == "--threads" and i + 1 < len(argv) else None)
        if value:
            for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
                os.environ[var] = value


_blas_threads_from_argv(sys.argv[1:])

import numpy as np  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from nncore.nn import batches  # noqa: E402
from nncore.nn.network import Network  # noqa: E402
from nncore.nn.training import train  # noqa: E402

TARGETS = {"sgd": 1.3, "adam": 1.6, "gd": None}
MNIST = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "shared", "data",
                     "mnist.npz")


def load_data(rng):
    """(X (60000, 784) float32 in [0, 1], y (60000,) int, source description)."""
    if os.path.exists(MNIST):
        with np.load(MNIST, allow_pickle=False) as f:
            X = f["x_train"].reshape(len(f["x_train"]), -1).astype(np.float32) / 255.0
            y = f["y_train"].astype(np.int64)
        return X, y, f"MNIST ({os.path.normpath(MNIST)})"
    X = rng.random((60000, 784), dtype=np.float32)
    y = rng.integers(0, 10, size=60000)
    return X, y, "random data (MNIST file not found)"


def reference_epoch(X, sizes, batch_size):
    """Time of the matrix products of one epoch, in preallocated buffers (no other work)."""
    rng = np.random.default_rng(1)
    Ws = [rng.standard_normal((a, b)).astype(np.float32) * 0.01 for a, b in zip(sizes[:-1], sizes[1:])]
    acts = [np.empty((batch_size, s), np.float32) for s in sizes[1:]]
    deltas = [np.empty((batch_size, s), np.float32) for s in sizes[1:]]
    grads = [np.empty_like(W) for W in Ws]
    for d in deltas:
        d.fill(0.001)
    L = len(Ws)
    n = X.shape[0]
    start = time.perf_counter()
    for lo in range(0, n, batch_size):
        Xb = X[lo:lo + batch_size]
        m = Xb.shape[0]
        a = [Xb] + [buf[:m] for buf in acts]
        dl = [buf[:m] for buf in deltas]
        for l in range(L):                               # forward: a[l+1] = a[l] @ W[l]
            np.matmul(a[l], Ws[l], out=a[l + 1])
        for l in range(L - 1, -1, -1):                   # backward
            np.matmul(a[l].T, dl[l], out=grads[l])       # nabla_W[l] = a[l].T @ delta[l+1]
            if l > 0:                                    # delta[l] = delta[l+1] @ W[l].T
                np.matmul(dl[l], Ws[l].T, out=dl[l - 1])
    return time.perf_counter() - start


def gather_epoch(X, batch_size):
    """Time of gathering one epoch's shuffled batches as nncore does it on one core (no helper)."""
    rng = np.random.default_rng(0)
    gatherer = batches.BatchGatherer(X, batch_size, prefetch=False)
    start = time.perf_counter()
    for _ in gatherer.epoch(rng.permutation(X.shape[0])):
        pass
    return time.perf_counter() - start


def nncore_epoch(X, y, sizes, optimizer, batch_size, learning_rate, helper=True):
    """(wall-clock seconds, process CPU seconds) of one epoch of ``train``.

    ``helper=False`` keeps the gather on the training thread even when a core is free (by
    making ``nncore.nn.batches`` see none): nncore on one core, like the reference.
    """
    net = Network(sizes, activation="sigmoid", output="softmax", rng=0)
    saved = batches.spare_core
    if not helper:
        batches.spare_core = lambda: False
    try:
        start, cpu = time.perf_counter(), time.process_time()
        train(net, X, y, optimizer=optimizer, learning_rate=learning_rate, epochs=1,
              batch_size=batch_size, rng=np.random.default_rng(0))
        return time.perf_counter() - start, time.process_time() - cpu
    finally:
        batches.spare_core = saved


def measure(name, X, y, sizes, optimizer, batch_size, learning_rate, repeats):
    ref_times, nn_times, nn_cpu, one_core_times, gather_times = [], [], [], [], []
    helper = batch_size is not None and batches.spare_core()    # else the two runs are the same
    reference_epoch(X, sizes, batch_size or len(X))                      # warm-up both sides
    nncore_epoch(X, y, sizes, optimizer, batch_size, learning_rate)
    for _ in range(repeats):                                             # interleaved
        ref_times.append(reference_epoch(X, sizes, batch_size or len(X)))
        wall, cpu = nncore_epoch(X, y, sizes, optimizer, batch_size, learning_rate)
        nn_times.append(wall)
        nn_cpu.append(cpu)
        if helper:
            one_core_times.append(
                nncore_epoch(X, y, sizes, optimizer, batch_size, learning_rate, helper=False)[0])
        if batch_size:                                                   # full batch: no gather
            gather_times.append(gather_epoch(X, batch_size))
    ratios = [b / a for a, b in zip(ref_times, nn_times)]
    ref, nn = min(ref_times), min(nn_times)
    return {"case": name, "shape": f"{len(X)}x{'->'.join(map(str, sizes))}",
            "batch_size": batch_size, "optimizer": optimizer,
            "reference_s": ref, "nncore_s": nn, "ratio": nn / ref,
            "ratio_pairs_median": float(np.median(ratios)),
            "reference_median_s": float(np.median(ref_times)),
            "nncore_median_s": float(np.median(nn_times)),
            "nncore_cpu_s": min(nn_cpu),
            "one_core_ratio": min(one_core_times) / ref if one_core_times else None,
            "gather_s": float(np.median(gather_times)) if gather_times else None,
            "target": TARGETS[name]}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=21)
    parser.add_argument("--json", action="store_true", help="print one JSON object at the end")
    parser.add_argument("--cases", default="sgd,adam,gd")
    parser.add_argument("--threads", type=int, default=None,
                        help="BLAS threads (default: the library's own choice)")
    args = parser.parse_args(argv)

    rng = np.random.default_rng(0)
    X, y, source = load_data(rng)
    rows = []
    cases = args.cases.split(",")
    if "sgd" in cases:
        rows.append(measure("sgd", X, y, [784, 128, 10], "sgd", 128, 0.1, args.repeats))
    if "adam" in cases:
        rows.append(measure("adam", X, y, [784, 128, 10], "adam", 128, 0.001, args.repeats))
    if "gd" in cases:
        Xs = np.ascontiguousarray(rng.random((5000, 400), dtype=np.float32))
        ys = rng.integers(0, 10, size=5000)
        rows.append(measure("gd", Xs, ys, [400, 25, 10], "gd", None, 1.0, args.repeats * 20))

    threads = os.environ.get("OPENBLAS_NUM_THREADS", "default")
    print(f"data: {source}; gd case: random 5000x400; numpy {np.__version__}; BLAS threads: "
          f"{threads}; helper thread for the gather: {'yes' if batches.spare_core() else 'no'}; "
          f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs; "
          f"repeats: {args.repeats} (gd x20); times: fastest epoch")
    print(f"{'case':<6} {'shape':<22} {'batch':>5} {'matmul s':>9} {'nncore s':>9} {'ratio':>6} "
          f"{'pairs':>6} {'target':>7}         {'cpu s':>7} {'1 core':>6} {'gather s':>8}")
    for r in rows:
        target = f"<={r['target']}" if r["target"] else "-"
        ok = "" if r["target"] is None else ("ok" if r["ratio"] <= r["target"] else "MISSED")
        gather = r["gather_s"] if r["gather_s"] is not None else float("nan")
        one_core = f"{r['one_core_ratio']:.2f}" if r["one_core_ratio"] else "-"
        print(f"{r['case']:<6} {r['shape']:<22} {str(r['batch_size'] or 'full'):>5} "
              f"{r['reference_s']:>9.4f} {r['nncore_s']:>9.4f} {r['ratio']:>6.2f} "
              f"{r['ratio_pairs_median']:>6.2f} {target:>7} {ok:<6} {r['nncore_cpu_s']:>8.4f} "
              f"{one_core:>6} {gather:>8.4f}")
    if args.json:
        print(json.dumps({"data": source, "blas_threads": threads, "results": rows}))


if __name__ == "__main__":
    main()
