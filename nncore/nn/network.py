"""A fully connected feed-forward network: weights, forward pass, cost, back-propagation.

Scope: the maths of one network of any depth, e.g. ``[400, 25, 10]`` or ``[784, 128, 64, 10]``,
vectorised over a batch whose rows are samples.  Layer ``l`` maps ``a[l]`` (n, sizes[l]) to::

    z[l+1] = a[l] @ W[l] + b[l]          W[l] (fan_in, fan_out), b[l] (fan_out,)
    a[l+1] = f(z[l+1])                   f the hidden activation, the output layer's for the last

Back-propagation (Nielsen's ``backprop``, batched) with ``delta[l] = dJ/dz[l]``::

    delta[L] = (P - Y) / n                              same for every output/cost pair
    nabla_W[l] = a[l].T @ delta[l+1] + l2 / n_total * W[l]
    nabla_b[l] = sum over rows of delta[l+1]            (biases are not regularised)
    delta[l] = (delta[l+1] @ W[l].T) * f'(a[l])         not needed for the input layer

What is left out: optimisers (``optimizers.py``), the epoch loop (``training.py``), class names
and feature scaling (``model.py``).  Arithmetic stays in the network's ``dtype`` (float32 by
default, float64 for gradient checks); inputs are cast to it.
"""

import numpy as np

from nncore.nn.activations import get_activation
from nncore.nn.initializers import resolve_init
from nncore.nn.outputs import get_output
from nncore.nn.parameters import FlatParameters

__all__ = ["Network"]


class Network(FlatParameters):
    """Feed-forward network with ``len(layer_sizes) - 1`` weight layers.

    Parameters
    ----------
    layer_sizes : sequence of int
        Units per layer, input first, classes last, e.g. ``[400, 25, 10]``.
    activation : str
        Hidden activation, a key of ``activations.ACTIVATIONS``.
    output : str
        Output layer and cost, a key of ``outputs.OUTPUTS``.
    init : str
        Key of ``initializers.INITIALIZERS`` or ``"auto"`` (chosen from ``activation``).
    rng : numpy.random.Generator or int, optional
        Source of the initial weights; an int is used as a seed.  ``None`` draws fresh entropy
        (not reproducible).
    dtype : numpy dtype
        Floating type of weights and arithmetic.

    Attributes
    ----------
    weights : list of ndarray, ``weights[l]`` (layer_sizes[l], layer_sizes[l+1])
    biases : list of ndarray, ``biases[l]`` (layer_sizes[l+1],)
    output_layer : outputs.Output
        The output layer with its cost, looked up from ``output``.

    It implements ``trainable.Trainable``, the members ``training.train`` uses.
    """

    def __init__(self, layer_sizes, activation="sigmoid", output="sigmoid", init="auto",
                 rng=None, dtype=np.float32):
        sizes = [int(s) for s in layer_sizes]
        if len(sizes) < 2 or min(sizes) < 1:
            raise ValueError(f"layer_sizes needs at least two positive sizes, got {list(layer_sizes)}")
        self.layer_sizes = sizes
        self.activation = activation
        self.output = output
        self._f, self._df = get_activation(activation)
        self.output_layer = get_output(output)
        if sizes[-1] == 1 and output == "softmax":
            raise ValueError("a single output unit needs output='sigmoid' (a binary classifier)")
        self.init = resolve_init(init, activation)
        self.dtype = np.dtype(dtype)
        if self.dtype.kind != "f":
            raise ValueError(f"dtype must be a floating type, got {self.dtype}")
        self._initialise(self.init, rng)

    def weight_shapes(self):
        """``(fan_in, fan_out)`` of each layer's weight matrix: consecutive layer sizes."""
        return list(zip(self.layer_sizes[:-1], self.layer_sizes[1:]))

    def copy(self, dtype=None):
        """Deep copy (weights copied, same configuration)."""
        clone = super().copy(dtype)
        clone.layer_sizes = list(self.layer_sizes)
        return clone

    def __repr__(self):
        return (f"Network({self.layer_sizes}, activation={self.activation!r}, "
                f"output={self.output!r})")

    # ------------------------------------------------------------------ forward
    def as_input(self, X):
        """Rows ``X`` (n, layer_sizes[0]) as an array of the network's dtype (no copy if it is one).

        Raises ``ValueError`` for any other shape.
        """
        X = np.asarray(X, dtype=self.dtype)
        if X.ndim != 2 or X.shape[1] != self.layer_sizes[0]:
            raise ValueError(f"X must have shape (n, {self.layer_sizes[0]}), got {X.shape}")
        return X

    def forward(self, X):
        """All activations for a batch.

        Parameters
        ----------
        X : array-like (n, layer_sizes[0])

        Returns
        -------
        list of ndarray
            ``a[0] = X`` (as the network's dtype), ``a[l]`` (n, layer_sizes[l]),
            ``a[-1] = P`` (n, k) the output probabilities.
        """
        a = self.as_input(X)
        activations = [a]
        last = len(self.weights) - 1
        for l, (W, b) in enumerate(zip(self.weights, self.biases)):
            z = a @ W
            z += b
            a = self.output_layer.activate(z, out=z) if l == last else self._f(z, out=z)
            activations.append(a)
        return activations

    def predict_proba(self, X):
        """Output probabilities (n, k); rows of a softmax output sum to 1."""
        return self.forward(X)[-1]

    def predict_values(self, X):
        """Predicted numbers of a ``"linear"`` (regression) output, in the units it learned.

        Returns (n,) for a single output unit, else (n, k).  ``ValueError`` for a classifier.
        """
        if self.output_layer.task != "regression":
            raise ValueError(f"predict_values needs output='linear', not {self.output!r}: "
                             "use predict or predict_proba for classes")
        P = self.forward(X)[-1]
        return P[:, 0] if P.shape[1] == 1 else P

    def predict(self, X):
        """Predicted class indices (n,) int64: the most probable output unit per row.

        A network with a single sigmoid output unit is a binary classifier: class 1 where
        ``p > 0.5``, else class 0.
        """
        return self.classes_from_proba(self.predict_proba(X))

    @property
    def n_classes(self):
        """Number of classes: the output units, or 2 for a single sigmoid unit."""
        return max(self.layer_sizes[-1], 2)

    def targets(self, y):
        """Class indices (n,) -> target matrix (n, k) in the network's dtype.

        One-hot rows, or for a single output unit the column ``y`` itself (0 or 1).  For a
        ``"linear"`` output ``y`` holds the target numbers, (n,) or (n, k), returned as (n, k).
        """
        if self.output_layer.task == "regression":
            Y = np.asarray(y, dtype=self.dtype)
            Y = Y.reshape(Y.shape[0], -1) if Y.ndim else Y
            if Y.ndim != 2 or Y.shape[1] != self.layer_sizes[-1]:
                raise ValueError(f"targets must have shape (n,) or (n, {self.layer_sizes[-1]}), "
                                 f"got {np.shape(y)}")
            return Y
        y = np.asarray(y)
        if y.size and (y.min() < 0 or y.max() >= self.n_classes):
            raise ValueError(f"labels must be class indices in 0..{self.n_classes - 1}")
        return self.target_table()[y]

    def target_table(self):
        """(n_classes, k) matrix whose row ``c`` is the target of class ``c``."""
        if self.layer_sizes[-1] == 1:
            return np.array([[0.0], [1.0]], dtype=self.dtype)
        return np.eye(self.layer_sizes[-1], dtype=self.dtype)

    @staticmethod
    def classes_from_proba(P, out=None):
        """Predicted class per row of probabilities ``P`` (n, k), written to ``out`` if given."""
        if P.shape[1] == 1:
            return np.greater(P[:, 0], 0.5, out=out) if out is not None else (P[:, 0] > 0.5).astype(np.int64)
        return np.argmax(P, axis=1, out=out)

    # ------------------------------------------------------------------ cost and gradients
    def as_targets(self, X, Y):
        """One-hot targets ``Y`` (n, k) for the rows ``X`` as an array of the network's dtype.

        Raises ``ValueError`` unless ``Y`` has one row per row of ``X`` and ``k`` columns.
        """
        Y = np.asarray(Y, dtype=self.dtype)
        if self.output_layer.task == "regression" and Y.shape == (X.shape[0],):
            Y = Y.reshape(-1, 1)                 # one number per row: a column
        if Y.shape != (X.shape[0], self.layer_sizes[-1]):
            raise ValueError(f"Y must be one-hot with shape ({X.shape[0]}, {self.layer_sizes[-1]}), "
                             f"got {Y.shape}")
        return Y

    def penalty(self, l2, n_total):
        """L2 term ``l2 / (2 n_total) * sum_l sum W[l]**2`` (biases excluded), a float."""
        if not l2:
            return 0.0
        return float(l2) / (2.0 * n_total) * sum(float(np.vdot(W, W)) for W in self.weights)

    def cost(self, X, Y, l2=0.0, n_total=None):
        """Regularised cost ``J`` on a batch.

        Parameters
        ----------
        X : array-like (n, layer_sizes[0])
        Y : array-like (n, k), one-hot targets (target numbers for ``"linear"``)
        l2 : float
            Regularisation strength (lambda in Ng's notes).
        n_total : int, optional
            Training-set size ``m`` dividing the penalty; defaults to ``n``.

        Returns
        -------
        float
            Mean cross-entropy (half squared error for ``"linear"``) over the rows plus ``l2 / (2 m) * sum W**2``.
        """
        X = self.as_input(X)
        Y = self.as_targets(X, Y)
        P = self.forward(X)[-1]
        return self.output_layer.cost(P, Y) + self.penalty(l2, n_total or X.shape[0])

    def cost_and_gradients(self, X, Y, l2=0.0, n_total=None):
        """Cost and its gradient with respect to every parameter.

        Parameters
        ----------
        X : array-like (n, layer_sizes[0])
        Y : array-like (n, k), one-hot targets
        l2 : float
        n_total : int, optional
            Training-set size for the penalty (``train`` passes it so ``l2`` means the same at
            every batch size); defaults to ``n``.

        Returns
        -------
        cost : float
        grads : list of ndarray
            Matching ``params()``: ``[nabla_W0, nabla_b0, nabla_W1, ...]``, fresh arrays.
        """
        X = self.as_input(X)
        Y = self.as_targets(X, Y)
        work = self.workspace(X.shape[0])
        grads = [np.empty_like(p) for p in self.params()]
        with np.errstate(over="ignore", invalid="ignore"):   # the fused softmax may fall back
            data_cost, penalty = self.backprop(X, Y, l2, n_total or X.shape[0], work, grads)
        return data_cost + penalty, grads

    def workspace(self, n_rows):
        """Scratch buffers for ``backprop`` on batches of up to ``n_rows`` rows.

        The training loop allocates one per run and reuses it for every batch (smaller batches
        use leading rows), so the hot path allocates nothing.  Not shared between threads.
        """
        dt, sizes = self.dtype, self.layer_sizes
        return {
            "rows": n_rows,
            # activations a[1..L] and errors delta[1..L], one per non-input layer
            "a": [np.empty((n_rows, s), dt) for s in sizes[1:]],
            "delta": [np.empty((n_rows, s), dt) for s in sizes[1:]],
            # f'(a) of hidden layers, and l2 * W for the penalty gradient
            "df": [np.empty((n_rows, s), dt) for s in sizes[1:-1]],
            # the output layer's z kept apart from P (= a[L]) and a scratch for its cost
            "z_out": np.empty((n_rows, sizes[-1]), dt),
            "scratch_out": np.empty((n_rows, sizes[-1]), dt),
            # ones @ delta sums delta over rows (a BLAS gemv, ~4x faster than delta.sum(axis=0))
            "ones": np.ones(n_rows, dt),
            "scaled_W": [np.empty_like(W) for W in self.weights],
        }

    def backprop(self, X, Y, l2, n_total, work, grads, P_out=None, scale=1.0):
        """Forward and backward pass in ``work``'s buffers; writes ``grads`` times ``scale``.

        The training loop's step (``trainable.Trainable.backprop``); ``cost_and_gradients``
        is the same maths with fresh arrays.  Returns ``(data_cost, penalty)``: the mean
        cross-entropy and the L2 term ``l2 / (2 n_total) * sum W**2``, floats.

        ``X`` and ``Y`` must already be arrays of the network's dtype; ``grads`` matches
        ``params()``.  The output probabilities ``P`` go to ``P_out`` (n, k) when given (the
        training loop keeps them for its accuracy), else to ``work["a"][-1]``.  ``scale``
        multiplies every gradient at no cost (it joins the ``1/n`` of the output error); the
        training loop passes the optimiser's ``gradient_scale()``.  This is the hot
        path of training: every array op writes into a buffer, and on batches of ~100 rows each
        numpy call costs about as much as its arithmetic, so calls are kept few.
        """
        n = X.shape[0]
        L = len(self.weights)
        weights, biases, f = self.weights, self.biases, self._f
        acts = [X]
        for l in range(L - 1):                 # hidden layers: a[l+1] = f(a[l] @ W[l] + b[l])
            z = np.matmul(acts[l], weights[l], out=work["a"][l][:n])
            z += biases[l]
            acts.append(f(z, out=z))
        # output layer: z stays in its own buffer so the output may recompute P from it
        z = np.matmul(acts[-1], weights[-1], out=work["z_out"][:n])
        z += biases[-1]
        P = work["a"][-1][:n] if P_out is None else P_out
        data_cost = self.output_layer.activate_and_cost(z, Y, P, work["scratch_out"][:n])

        delta = self.output_layer.delta(P, Y, out=work["delta"][L - 1][:n])
        delta *= scale / n                    # the cost is a mean over rows
        c = float(l2) / n_total * scale
        ones = work["ones"][:n]
        for l in range(L - 1, -1, -1):
            nabla_W, nabla_b = grads[2 * l], grads[2 * l + 1]
            np.matmul(acts[l].T, delta, out=nabla_W)
            np.matmul(ones, delta, out=nabla_b)
            if c:
                nabla_W += np.multiply(weights[l], c, out=work["scaled_W"][l])
            if l > 0:                          # the input layer needs no delta
                prev = np.matmul(delta, weights[l].T, out=work["delta"][l - 1][:n])
                prev *= self._df(acts[l], out=work["df"][l - 1][:n])
                delta = prev
        return data_cost, self.penalty(l2, n_total)
