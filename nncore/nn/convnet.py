"""A small convolutional network for image rows: conv blocks, then a fully connected network.

Scope: the maths of ``conv -> activation -> 2x2 max-pool`` blocks (one or more) followed by fully
connected hidden layers and an output layer from ``outputs.py``, vectorised over a batch whose
rows are pictures flattened in the dataset's pixel order (``ImageGeometry.order``).  It is a
drop-in for ``Network`` in ``training.train`` and ``model.Model``: it implements the same
``trainable.Trainable`` protocol (``params`` / ``pack`` / ``workspace`` / ``backprop`` ...),
with every weight stored as a ``(fan_in, fan_out)`` matrix.

A convolution is a matrix product on patches (im2col).  Pictures are kept as ``(n, H, W, C)``
(channels last).  Block ``l`` with a ``k x k`` kernel and ``F`` filters computes::

    cols[(m, y, x), (i, j, c)] = a[m, y + i, x + j, c]            (n*Ho*Wo, k*k*C)
    z = cols @ K[l] + b[l]                                        (n*Ho*Wo, F) = (n, Ho, Wo, F)
    zp[m, y, x, f] = max over the 2x2 window (2y..2y+1, 2x..2x+1) of z[m, ., ., f]
    a' = f(zp)                                                    (n, Ho/2, Wo/2, F)

``K[l]`` has shape ``(k*k*C, F)``: row ``(i*k + j)*C + c`` holds the weight of pixel offset
``(i, j)`` in input channel ``c``.  Pooling before the activation is the same as after it
because every hidden activation (sigmoid, tanh, relu) is non-decreasing, and it applies ``f``
to a quarter of the values.  ``'valid'`` convolution gives ``Ho = H - k + 1``; ``'same'`` pads
``k // 2`` zeros around so ``Ho = H``; an odd ``Ho`` drops its last row before pooling.

Back-propagation with ``delta = dJ/d(pre-activation)``::

    dzp = dJ/da' * f'(a')
    dz  = dzp routed to the one element of each window that was the maximum (the first one on
          ties, e.g. blank paper where every z equals the bias), zero elsewhere
    nabla_K[l] = cols.T @ dz + l2 / n_total * K[l]        nabla_b[l] = sum of dz over rows
    dJ/da = col2im(dz @ K[l].T)     each patch gradient added back onto the pixels it read

The fully connected part is ``Network``'s maths on the flattened last block ``(n, Hp*Wp*F)``.
L2 applies to every weight matrix including the kernels; biases are not regularised.

What is left out: strides other than 1, pooling other than 2x2 max, batch normalisation.
Arithmetic stays in ``dtype`` (float32 for training, float64 or longdouble for gradient checks).
"""

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from nncore.nn.activations import get_activation
from nncore.nn.initializers import resolve_init
from nncore.nn.network import Network
from nncore.nn.outputs import get_output
from nncore.nn.parameters import FlatParameters

__all__ = ["ConvNetwork", "PADDINGS"]

PADDINGS = ("valid", "same")


class ConvNetwork(FlatParameters):
    """Convolutional blocks followed by a fully connected network.

    Parameters
    ----------
    image : ImageGeometry
        Picture layout of the input rows: ``height``, ``width`` and pixel ``order`` ('C'/'F').
    n_classes : int
        Output units (``1`` for a binary sigmoid output, else the number of classes).
    conv_filters : sequence of int
        Filters per conv block, e.g. ``(16,)`` or ``(16, 32)``.
    hidden_layers : sequence of int
        Fully connected hidden layers after the last block, e.g. ``(128,)``.
    kernel : int
        Side of the square kernels (odd for ``'same'``).
    padding : {'valid', 'same'}
    activation, output, init : str
        Registry names, as for ``Network`` (activation of conv and hidden layers).
    rng : numpy.random.Generator or int, optional
        Source of the initial weights.
    dtype : numpy dtype
        Floating type of weights and arithmetic.

    Attributes
    ----------
    weights : list of ndarray
        ``[K0, ..., K_{B-1}, W0, ..., W_out]``; ``K[l]`` (k*k*C_l, F_l), ``W`` (fan_in, fan_out).
    biases : list of ndarray
        Matching ``(fan_out,)`` vectors.
    output_layer : outputs.Output
        The output layer with its cost, looked up from ``output``.
    layer_sizes : list of int
        ``[H*W, units after each block (Hp*Wp*F), *hidden_layers, k]``: the input width,
        the width of every layer's output, classes last (what ``train`` and ``Model`` read).
    """

    def __init__(self, image, n_classes, conv_filters=(16,), hidden_layers=(128,), kernel=5,
                 padding="valid", activation="relu", output="softmax", init="auto", rng=None,
                 dtype=np.float32):
        self.image = image
        self.height, self.width, self.order = int(image.height), int(image.width), image.order
        self.conv_filters = [int(f) for f in conv_filters]
        self.hidden_layers = [int(h) for h in hidden_layers]
        self.kernel = int(kernel)
        if padding not in PADDINGS:
            raise ValueError(f"padding must be one of: {', '.join(PADDINGS)} (got {padding!r})")
        self.padding = padding
        if not self.conv_filters or min(self.conv_filters) < 1:
            raise ValueError(f"conv_filters needs at least one positive count, got {conv_filters}")
        if self.kernel < 1 or (padding == "same" and self.kernel % 2 == 0):
            raise ValueError(f"kernel must be a positive (odd, for 'same') size, got {kernel}")
        if int(n_classes) == 1 and output != "sigmoid":
            raise ValueError("a single output unit needs output='sigmoid' (a binary classifier)")
        self.activation, self.output = activation, output
        self._f, self._df = get_activation(activation)
        self.output_layer = get_output(output)
        self.init = resolve_init(init, activation)
        self.dtype = np.dtype(dtype)
        if self.dtype.kind != "f":
            raise ValueError(f"dtype must be a floating type, got {self.dtype}")

        # spatial shapes: blocks[l] = (H, W, C) in, (Ho, Wo) conv out, (Hp, Wp, F) pooled out
        self.blocks, (h, w, c) = [], (self.height, self.width, 1)
        pad = self.kernel // 2 if padding == "same" else 0
        for f in self.conv_filters:
            ho, wo = h + 2 * pad - self.kernel + 1, w + 2 * pad - self.kernel + 1
            if ho < 2 or wo < 2:
                raise ValueError(f"a {self.kernel}x{self.kernel} kernel with {padding!r} padding "
                                 f"leaves nothing to pool of a {h}x{w} picture; use fewer conv "
                                 f"blocks or a smaller kernel")
            self.blocks.append({"in": (h, w, c), "conv": (ho, wo), "out": (ho // 2, wo // 2, f),
                                "pad": pad})
            h, w, c = ho // 2, wo // 2, f
        flat = h * w * c
        self.layer_sizes = [self.height * self.width,
                            *[int(np.prod(b["out"])) for b in self.blocks],
                            *self.hidden_layers, int(n_classes)]
        if min(self.layer_sizes) < 1:
            raise ValueError(f"layer sizes must be positive, got {self.layer_sizes}")
        # weight matrix shapes, in params() order
        kk = self.kernel * self.kernel
        self._shapes = [(kk * b["in"][2], b["out"][2]) for b in self.blocks]
        fc = [flat, *self.hidden_layers, int(n_classes)]
        self._shapes += list(zip(fc[:-1], fc[1:]))

        self._initialise(self.init, rng)

    def weight_shapes(self):
        """``(fan_in, fan_out)`` of each weight matrix: kernels ``(k*k*C_in, F)``, then dense."""
        return self._shapes

    def architecture(self):
        """JSON-ready description that rebuilds this network (with ``n_classes``)."""
        return {"conv_filters": list(self.conv_filters), "hidden_layers": list(self.hidden_layers),
                "kernel": self.kernel, "padding": self.padding,
                "n_classes": self.layer_sizes[-1], "image": self.image.to_dict()}

    def __repr__(self):
        return (f"ConvNetwork({self.height}x{self.width}, conv_filters={self.conv_filters}, "
                f"kernel={self.kernel}, padding={self.padding!r}, "
                f"hidden_layers={self.hidden_layers}, n_classes={self.layer_sizes[-1]}, "
                f"activation={self.activation!r}, output={self.output!r})")

    # ------------------------------------------------------------------ shared with Network
    n_classes = Network.n_classes
    targets = Network.targets
    target_table = Network.target_table
    classes_from_proba = staticmethod(Network.classes_from_proba)
    penalty = Network.penalty
    as_input = Network.as_input
    as_targets = Network.as_targets
    predict = Network.predict

    def _pictures(self, X):
        """Rows (n, H*W) in the dataset's order -> upright pictures (n, H, W, 1), a view."""
        n = X.shape[0]
        if self.order == "C":
            return X.reshape(n, self.height, self.width, 1)
        # column-major rows: feature index = row + col * height
        return X.reshape(n, self.width, self.height, 1).transpose(0, 2, 1, 3)

    # ------------------------------------------------------------------ one block
    def _im2col(self, a, block):
        """Pictures (n, H, W, C) -> patches (n*Ho*Wo, k*k*C), columns ordered (i, j, c)."""
        pad, k = block["pad"], self.kernel
        if pad:
            a = np.pad(a, ((0, 0), (pad, pad), (pad, pad), (0, 0)))
        windows = sliding_window_view(a, (k, k), axis=(1, 2))      # (n, Ho, Wo, C, k, k)
        n, ho, wo, c = windows.shape[:4]
        cols = np.empty((n, ho, wo, k, k, c), a.dtype)
        np.copyto(cols, windows.transpose(0, 1, 2, 4, 5, 3))
        return cols.reshape(n * ho * wo, k * k * c)

    def _col2im(self, dcols, n, block):
        """Patch gradients (n*Ho*Wo, k*k*C) -> picture gradient (n, H, W, C) (adjoint of im2col)."""
        (h, w, c), (ho, wo), pad, k = block["in"], block["conv"], block["pad"], self.kernel
        dcols = dcols.reshape(n, ho, wo, k, k, c)
        da = np.zeros((n, h + 2 * pad, w + 2 * pad, c), dcols.dtype)
        for i in range(k):                    # pixel (y + i, x + j) was read by patch (y, x)
            for j in range(k):
                da[:, i:i + ho, j:j + wo, :] += dcols[:, :, :, i, j, :]
        return da[:, pad:pad + h, pad:pad + w, :] if pad else da

    @staticmethod
    def _corners(z, hp, wp):
        """The four members of every 2x2 window of z (n, Ho, Wo, F), each (n, Hp, Wp, F)."""
        return [z[:, dy:2 * hp:2, dx:2 * wp:2, :] for dy in (0, 1) for dx in (0, 1)]

    def _block_forward(self, a, l):
        """Block ``l``: (n, H, W, C) -> (cols, z, zp, a'), see the module docstring."""
        block = self.blocks[l]
        n = a.shape[0]
        (ho, wo), (hp, wp, f) = block["conv"], block["out"]
        cols = self._im2col(a, block)
        z = cols @ self.weights[l]
        z += self.biases[l]
        z = z.reshape(n, ho, wo, f)
        c0, c1, c2, c3 = self._corners(z, hp, wp)
        zp = np.maximum(c0, c1)
        np.maximum(zp, c2, out=zp)
        np.maximum(zp, c3, out=zp)
        a_out = self._f(zp)
        return cols, z, zp, a_out

    def _block_backward(self, l, cols, z, zp, a_out, d_a, grads, c, need_input):
        """Gradients of block ``l`` from ``d_a = dJ/da'``; returns ``dJ/da`` of its input or None."""
        block = self.blocks[l]
        n = z.shape[0]
        (ho, wo), (hp, wp, f) = block["conv"], block["out"]
        dzp = d_a * self._df(a_out)
        # route each window's gradient to its first maximal member
        dz = np.zeros_like(z)
        remaining = dzp
        for corner, d_corner in zip(self._corners(z, hp, wp), self._corners(dz, hp, wp)):
            hit = corner == zp
            d_corner[...] = np.where(hit, remaining, 0)
            remaining = np.where(hit, 0, remaining)
        dz2 = dz.reshape(n * ho * wo, f)
        np.matmul(cols.T, dz2, out=grads[2 * l])
        grads[2 * l + 1][...] = dz2.sum(axis=0)
        if c:
            grads[2 * l] += c * self.weights[l]
        if not need_input:
            return None
        return self._col2im(dz2 @ self.weights[l].T, n, block)

    # ------------------------------------------------------------------ forward
    def forward(self, X):
        """Activations for a batch.

        Parameters
        ----------
        X : array-like (n, H*W), rows in the dataset's pixel order

        Returns
        -------
        list of ndarray
            ``a[0] = X``, then each block's output flattened (n, Hp*Wp*F), each hidden layer
            (n, units), and ``a[-1] = P`` (n, k): shapes ``(n, layer_sizes[l])``.
        """
        X = self.as_input(X)
        n = X.shape[0]
        activations, a = [X], self._pictures(X)
        B = len(self.blocks)
        for l in range(B):
            a = self._block_forward(a, l)[3]
            activations.append(a.reshape(n, -1))
        a = activations[-1]
        last = len(self.weights) - 1
        for l in range(B, last + 1):
            z = a @ self.weights[l]
            z += self.biases[l]
            a = self.output_layer.activate(z, out=z) if l == last else self._f(z, out=z)
            activations.append(a)
        return activations

    def predict_proba(self, X, batch_size=512):
        """Output probabilities (n, k), computed ``batch_size`` rows at a time (bounded memory)."""
        X = self.as_input(X)
        if X.shape[0] <= batch_size:
            return self.forward(X)[-1]
        return np.concatenate([self.forward(X[i:i + batch_size])[-1]
                               for i in range(0, X.shape[0], batch_size)])

    # ------------------------------------------------------------------ cost and gradients
    def cost(self, X, Y, l2=0.0, n_total=None):
        """Mean cross-entropy over the rows plus ``l2 / (2 m) * sum W**2`` (kernels included)."""
        X = self.as_input(X)
        Y = self.as_targets(X, Y)
        P = self.forward(X)[-1]
        return self.output_layer.cost(P, Y) + self.penalty(l2, n_total or X.shape[0])

    def cost_and_gradients(self, X, Y, l2=0.0, n_total=None):
        """Cost and fresh gradients matching ``params()`` (see ``Network.cost_and_gradients``)."""
        X = self.as_input(X)
        Y = self.as_targets(X, Y)
        grads = [np.empty_like(p) for p in self.params()]
        with np.errstate(over="ignore", invalid="ignore"):
            data_cost, penalty = self.backprop(X, Y, l2, n_total or X.shape[0],
                                                self.workspace(X.shape[0]), grads)
        return data_cost + penalty, grads

    def workspace(self, n_rows):
        """Scratch for ``backprop``; the conv blocks allocate per batch, so only the output's."""
        k = self.layer_sizes[-1]
        return {"rows": n_rows, "z_out": np.empty((n_rows, k), self.dtype),
                "P": np.empty((n_rows, k), self.dtype),
                "scratch_out": np.empty((n_rows, k), self.dtype)}

    def backprop(self, X, Y, l2, n_total, work, grads, P_out=None, scale=1.0):
        """Forward and backward pass; writes ``grads`` (matching ``params()``) times ``scale``.

        ``X`` (n, H*W) and ``Y`` (n, k) are arrays of the network's dtype.  Returns
        ``(data_cost, penalty)``; the probabilities go to ``P_out`` when given.
        """
        n = X.shape[0]
        B, L = len(self.blocks), len(self.weights)
        a, saved = self._pictures(X), []
        for l in range(B):
            cols, z, zp, a = self._block_forward(a, l)
            saved.append((cols, z, zp, a))
        acts = [a.reshape(n, -1)]
        for l in range(B, L - 1):              # hidden layers: a[l+1] = f(a[l] @ W[l] + b[l])
            z = acts[-1] @ self.weights[l]
            z += self.biases[l]
            acts.append(self._f(z, out=z))
        z = np.matmul(acts[-1], self.weights[-1], out=work["z_out"][:n])
        z += self.biases[-1]
        P = work["P"][:n] if P_out is None else P_out
        data_cost = self.output_layer.activate_and_cost(z, Y, P, work["scratch_out"][:n])

        delta = self.output_layer.delta(P, Y) * (scale / n)   # the cost is a mean over rows
        c = float(l2) / n_total * scale
        for l in range(L - 1, B - 1, -1):          # fully connected layers, acts[l - B] feeds W[l]
            a_in = acts[l - B]
            np.matmul(a_in.T, delta, out=grads[2 * l])
            grads[2 * l + 1][...] = delta.sum(axis=0)
            if c:
                grads[2 * l] += c * self.weights[l]
            delta = delta @ self.weights[l].T      # dJ/da of the layer below
            if l > B:
                delta *= self._df(a_in)
        d_a = delta.reshape(saved[-1][3].shape)    # dJ/da' of the last block
        for l in range(B - 1, -1, -1):
            d_a = self._block_backward(l, *saved[l], d_a, grads, c, need_input=l > 0)
        return data_cost, self.penalty(l2, n_total)
