"""The tutorials' neural network, written to be read from top to bottom.  Start here.

This is the network of the classic tutorials (Andrew Ng's ex4, Nielsen's ``network.py``, the
blog posts that copy them): ``init_params``, ``forward_prop``, ``cost_function``, ``backprop``,
``update_parameters`` and ``train``, then ``predict`` and ``accuracy``, in plain numpy.  Ng's
ex4 network is ``[400, 25, 10]``: 400 pixels, one hidden layer of 25 sigmoid units, 10 sigmoid
outputs with a cross-entropy cost and L2 regularisation.  For numbers to predict (a price, a
score) the output is ``"linear"``, the identity, with half the mean squared error as its cost.

The fast code in ``nncore.nn`` computes exactly this, but keeps its arrays in preallocated
buffers, folds constants into back-propagation and updates one flat parameter array; that makes
it hard to read.  Read this module first, then ``nncore/nn/network.py``.
``tests/nncore/test_reference.py`` checks that both give the same weights step for step.

Conventions (the same as nncore's and scikit-learn's)
-----------------------------------------------------
* Rows are samples: ``X`` is (n, features), ``Y`` (n, k) holds one-hot targets (the target
  numbers for a linear output).
* ``W[l]`` is (fan_in, fan_out) and ``b[l]`` (fan_out,), so a layer is ``z = a @ W + b``.
* ``params`` is the list ``[W0, b0, W1, b1, ...]`` (``layers(params)`` pairs them up); the
  gradients ``grads`` are a list laid out the same way.
* Everything is float64; functions return new arrays and never change their arguments.

Bugs of the tutorials that are absent here: randomness comes from an explicit
``rng = np.random.default_rng(seed)`` (no global ``np.random.seed``); biases are not
regularised; the penalty is divided by the training-set size ``m``, not by the mini-batch size;
probabilities are clipped before ``log`` (no ``log(0)``); softmax subtracts the row maximum.

What is left out: target scaling (the caller standardises the numbers a linear output
learns), single-output binary networks, convolutions, early stopping, learning-rate
schedules, and all speed (see ``nncore.nn`` for those).
"""

import numpy as np

__all__ = ["ACTIVATIONS", "OUTPUTS", "OPTIMIZERS", "init_params", "layers", "forward_prop",
           "cost_function", "backprop", "init_optimizer", "update_parameters", "one_hot",
           "minibatches", "train", "predict_values", "predict", "accuracy"]

# ---------------------------------------------------------------------------- activations


def sigmoid(z):
    """``1 / (1 + exp(-z))``, values in (0, 1)."""
    # exp(-z) overflows float64 below z = -709; clipping at +-500 moves no value by 1e-217
    return 1.0 / (1.0 + np.exp(-np.clip(z, -500.0, 500.0)))


def sigmoid_prime(z):
    """``sigmoid'(z) = s (1 - s)`` with ``s = sigmoid(z)``."""
    s = sigmoid(z)
    return s * (1.0 - s)


def tanh_prime(z):
    """``tanh'(z) = 1 - tanh(z)**2``."""
    return 1.0 - np.tanh(z) ** 2


def relu(z):
    """``max(z, 0)``."""
    return np.maximum(z, 0.0)


def relu_prime(z):
    """1 where ``z > 0``, else 0 (the kink at ``z = 0`` is given slope 0)."""
    return (z > 0).astype(float)


#: hidden activation f and its derivative f'(z), by name
ACTIVATIONS = {"sigmoid": (sigmoid, sigmoid_prime), "tanh": (np.tanh, tanh_prime),
               "relu": (relu, relu_prime)}


def softmax(z):
    """``exp(z) / sum of exp(z)`` per row: each row (n, k) becomes a distribution."""
    e = np.exp(z - z.max(axis=1, keepdims=True))   # a shift per row changes nothing, avoids inf
    return e / e.sum(axis=1, keepdims=True)


def identity(z):
    """The linear output: the pre-activation is the prediction, any real number."""
    return z


#: output layer by name; each is paired with its cost in ``cost_function``
OUTPUTS = {"sigmoid": sigmoid, "softmax": softmax, "linear": identity}
OPTIMIZERS = ("gd", "sgd", "momentum", "adam")


def _check(name, valid, what):
    if name not in valid:
        raise ValueError(f"unknown {what} {name!r}; valid {what}s: {', '.join(valid)}")


# ---------------------------------------------------------------------------- the network


def init_params(layer_sizes, rng):
    """Ng's random initialisation: every W and b uniform in ``[-eps, eps]``.

    ``eps = sqrt(6) / sqrt(fan_in + fan_out)`` (0.12 for 400-25).  Random, not zero: with equal
    weights every hidden unit would compute, and learn, the same thing.  Drawn in the order
    ``W0, b0, W1, b1, ...`` from ``rng``, as ``nncore``'s ``"ng"`` initialiser does.

    Returns ``params = [W0, b0, ...]`` with ``W[l]`` (sizes[l], sizes[l+1]), ``b[l]`` (sizes[l+1],).
    """
    params = []
    for fan_in, fan_out in zip(layer_sizes[:-1], layer_sizes[1:]):
        eps = np.sqrt(6.0) / np.sqrt(fan_in + fan_out)
        params.append(rng.uniform(-eps, eps, size=(fan_in, fan_out)))
        params.append(rng.uniform(-eps, eps, size=fan_out))
    return params


def layers(params):
    """The pairs ``(W[l], b[l])`` of ``params = [W0, b0, W1, b1, ...]``."""
    return list(zip(params[0::2], params[1::2]))


def forward_prop(params, X, activation="sigmoid", output="sigmoid"):
    """Every layer's pre-activation and activation for the rows ``X`` (n, features).

    Returns ``(activations, zs)``: ``activations[0] = X``, ``activations[l + 1] = f(zs[l])``
    with ``zs[l] = activations[l] @ W[l] + b[l]`` (n, sizes[l+1]); the last layer uses the
    output function, so ``activations[-1] = P`` (n, k) holds the probabilities (the
    predicted numbers for ``"linear"``).
    """
    f, _ = ACTIVATIONS[activation]
    out = OUTPUTS[output]
    activations, zs = [X], []
    last = len(params) // 2 - 1
    for l, (W, b) in enumerate(layers(params)):
        z = activations[-1] @ W + b
        zs.append(z)
        activations.append(out(z) if l == last else f(z))
    return activations, zs


def cost_function(params, X, Y, activation="sigmoid", output="sigmoid", l2=0.0, n_total=None):
    """Regularised cost ``J`` on the rows ``X`` with targets ``Y`` (n, k).

    sigmoid outputs (Ng's ex4, each class its own yes/no question)::

        J = -1/n sum_i sum_k [ y log p + (1 - y) log(1 - p) ]  +  l2 / (2 m) sum_l sum W[l]**2

    softmax outputs (one distribution over the classes)::

        J = -1/n sum_i sum_k y log p  +  l2 / (2 m) sum_l sum W[l]**2

    linear outputs (numbers to predict; ``Y`` holds them), half the mean squared error::

        J = 1/(2n) sum_i sum_k (p - y)**2  +  l2 / (2 m) sum_l sum W[l]**2

    ``m = n_total`` is the training-set size (default ``n``): the penalty belongs to the cost of
    the whole training set, and a mini-batch only estimates the data term by its mean.
    """
    n = X.shape[0]
    m = n if n_total is None else n_total
    P = forward_prop(params, X, activation, output)[0][-1]
    if output == "linear":
        data = np.sum((P - Y) ** 2) / (2.0 * n)
    else:
        P = np.clip(P, np.finfo(float).eps, 1.0 - np.finfo(float).eps)  # never log(0)
    if output == "sigmoid":
        data = -np.sum(Y * np.log(P) + (1.0 - Y) * np.log(1.0 - P)) / n
    elif output == "softmax":
        data = -np.sum(Y * np.log(P)) / n
    penalty = l2 / (2.0 * m) * sum(np.sum(W ** 2) for W, _ in layers(params))   # not the b
    return float(data + penalty)


def backprop(params, X, Y, activation="sigmoid", output="sigmoid", l2=0.0, n_total=None):
    """Gradient of ``cost_function`` with respect to every parameter (same arguments).

    With ``delta[l] = dJ/dz[l]`` (n, sizes[l+1]), back-propagation is the chain rule, layer by
    layer from the output::

        delta[L] = (P - Y) / n                  every output/cost pair (see below)
        dJ/dW[l] = a[l].T @ delta[l] + l2 / m * W[l]
        dJ/db[l] = delta[l] summed over the rows          (biases are not regularised)
        delta[l-1] = (delta[l] @ W[l].T) * f'(z[l-1])

    Why the output error is ``a - y`` for all three pairs: each cost is the negative
    log-likelihood of the targets under the output's distribution, and the output function is
    that distribution's canonical link, so the derivative of the output cancels against the
    cost's.  Per row and unit, with ``a = out(z)``:

    * sigmoid + cross-entropy: ``dJ/da = (a - y) / (a (1 - a))`` and ``da/dz = a (1 - a)``;
    * softmax + categorical cross-entropy: the Jacobian of softmax times ``-y / a``, summed
      over the units, leaves ``a - y`` (the rows of ``y`` sum to 1);
    * linear + half squared error (a Gaussian's log-likelihood): ``dJ/da = a - y`` and
      ``da/dz = 1``.

    Returns ``grads = [dW0, db0, dW1, db1, ...]``, shaped like ``params``.
    """
    n = X.shape[0]
    m = n if n_total is None else n_total
    _, f_prime = ACTIVATIONS[activation]
    activations, zs = forward_prop(params, X, activation, output)
    grads = [None] * len(params)
    delta = (activations[-1] - Y) / n
    for l in reversed(range(len(params) // 2)):
        W = params[2 * l]
        grads[2 * l] = activations[l].T @ delta + (l2 / m) * W
        grads[2 * l + 1] = delta.sum(axis=0)
        if l > 0:                              # activations[l] = f(zs[l - 1]) fed W[l]
            delta = (delta @ W.T) * f_prime(zs[l - 1])
    return grads


# ---------------------------------------------------------------------------- optimisers


def init_optimizer(optimizer, params):
    """The optimiser's state before the first step: momentum's velocities, Adam's moments."""
    _check(optimizer, OPTIMIZERS, "optimizer")
    zeros = [np.zeros_like(p) for p in params]
    if optimizer == "momentum":
        return {"v": zeros}
    if optimizer == "adam":
        return {"t": 0, "m": zeros, "v": [np.zeros_like(p) for p in params]}
    return {}


def update_parameters(params, grads, learning_rate, optimizer="gd", state=None,
                      mu=0.9, beta1=0.9, beta2=0.999, eps=1e-8):
    """One step of ``optimizer``; returns ``(new_params, new_state)``.

    * ``gd`` / ``sgd``: ``p = p - lr * g`` (they differ only in the batches ``train`` feeds).
    * ``momentum``: ``v = mu v - lr g``, ``p = p + v``: a ball rolling downhill that keeps
      some of its speed.
    * ``adam`` (Kingma & Ba 2015), at step ``t`` (from 1)::

          m = b1 m + (1 - b1) g             running mean of the gradient
          v = b2 v + (1 - b2) g**2          running mean of its square
          p = p - lr * (m / (1 - b1**t)) / (sqrt(v / (1 - b2**t)) + eps)

      The divisions by ``1 - b**t`` undo the pull towards the zeros ``m`` and ``v`` start at.
    """
    if state is None:
        state = init_optimizer(optimizer, params)
    if optimizer in ("gd", "sgd"):
        return [p - learning_rate * g for p, g in zip(params, grads)], state
    if optimizer == "momentum":
        v = [mu * vel - learning_rate * g for vel, g in zip(state["v"], grads)]
        return [p + vel for p, vel in zip(params, v)], {"v": v}
    t = state["t"] + 1
    m = [beta1 * m + (1 - beta1) * g for m, g in zip(state["m"], grads)]
    v = [beta2 * v + (1 - beta2) * g ** 2 for v, g in zip(state["v"], grads)]
    new = [p - learning_rate * (mi / (1 - beta1 ** t)) / (np.sqrt(vi / (1 - beta2 ** t)) + eps)
           for p, mi, vi in zip(params, m, v)]
    return new, {"t": t, "m": m, "v": v}


# ---------------------------------------------------------------------------- training


def one_hot(y, k):
    """Class indices (n,) -> one-hot rows (n, k)."""
    return np.eye(k)[np.asarray(y)]


def minibatches(n, batch_size, rng):
    """An epoch's batches: index arrays of ``batch_size`` rows (the last may be shorter).

    Rows come in the order ``rng.permutation(n)``, drawn once per call; a batch as large as
    the training set keeps the rows in order and draws nothing, as ``nncore``'s ``train`` does.
    """
    order = np.arange(n) if batch_size >= n else rng.permutation(n)
    return [order[lo:lo + batch_size] for lo in range(0, n, batch_size)]


def train(X, y, params, *, rng, activation="sigmoid", output="sigmoid", l2=0.0,
          optimizer="gd", learning_rate=1.0, epochs=100, batch_size=None):
    """Train from ``params`` and return ``(params, costs)``.

    Parameters
    ----------
    X : ndarray (n, features)
    y : ndarray (n,) of class indices ``0..k-1``; for ``output="linear"`` the target numbers,
        (n,) or (n, k)
    params : list of ndarray
        Initial ``[W0, b0, ...]``, e.g. ``init_params([X.shape[1], 25, k], rng)``.
    rng : numpy.random.Generator
        Shuffles the mini-batches of each epoch.
    activation, output : str
        Keys of ``ACTIVATIONS`` and ``OUTPUTS``.
    l2 : float
        Regularisation strength (lambda in Ng's notes).
    optimizer : str
        ``"gd"`` (full batch), ``"sgd"``, ``"momentum"`` or ``"adam"`` (mini-batches).
    learning_rate : float
    epochs : int
        Passes over the training set.
    batch_size : int, optional
        Rows per step; ``None`` (and always for ``"gd"``) the whole training set.

    Returns
    -------
    params : list of ndarray
        The trained parameters.
    costs : list of float
        ``J`` on the whole training set at the start of each epoch.
    """
    _check(activation, list(ACTIVATIONS), "activation")
    _check(output, list(OUTPUTS), "output")
    X = np.asarray(X, dtype=float)
    n, k = X.shape[0], params[-1].shape[0]
    # class indices become one-hot rows; numbers to predict are the targets themselves
    Y = np.asarray(y, dtype=float).reshape(n, k) if output == "linear" else one_hot(y, k)
    if batch_size is None or optimizer == "gd":
        batch_size = n
    state = init_optimizer(optimizer, params)
    costs = []
    for _ in range(epochs):
        costs.append(cost_function(params, X, Y, activation, output, l2))
        for rows in minibatches(n, batch_size, rng):
            grads = backprop(params, X[rows], Y[rows], activation, output, l2, n_total=n)
            params, state = update_parameters(params, grads, learning_rate, optimizer, state)
    return params, costs


def predict_values(params, X, activation="sigmoid"):
    """The numbers (n, k) a linear output predicts for the rows ``X``."""
    return forward_prop(params, X, activation, "linear")[0][-1]


def predict(params, X, activation="sigmoid", output="sigmoid"):
    """Class index (n,) of the most probable output unit of each row."""
    return np.argmax(forward_prop(params, X, activation, output)[0][-1], axis=1)


def accuracy(params, X, y, activation="sigmoid", output="sigmoid"):
    """Share of the rows whose predicted class is ``y``."""
    return float(np.mean(predict(params, X, activation, output) == np.asarray(y)))
