"""Where a network keeps its weights: one flat array, with every ``W`` and ``b`` a view of it.

`Network` and `ConvNetwork` both store their parameters this way, so the optimiser updates
everything with a handful of whole-array operations per step. A class using `FlatParameters`
sets ``dtype`` and provides ``weight_shapes()``: the ``(fan_in, fan_out)`` of each weight
matrix in order (the bias of a layer has shape ``(fan_out,)``).
"""
import numpy as np

from nncore.nn.initializers import INITIALIZERS


class FlatParameters:
    """Weights ``W[l]`` (fan_in, fan_out) and biases ``b[l]`` (fan_out,) in one flat array."""

    def weight_shapes(self):
        raise NotImplementedError

    def _initialise(self, init, rng):
        """Draw every layer's ``W`` and ``b`` with the registry's ``init``, then pack them."""
        if not isinstance(rng, np.random.Generator):
            rng = np.random.default_rng(rng)
        make = INITIALIZERS[init]
        self.weights, self.biases = [], []
        for fan_in, fan_out in self.weight_shapes():
            W, b = make(fan_in, fan_out, rng)
            self.weights.append(np.ascontiguousarray(W, dtype=self.dtype))
            self.biases.append(np.ascontiguousarray(b, dtype=self.dtype))
        self.pack()

    def params(self):
        """``[W0, b0, W1, b1, ...]``: the network's own arrays, so in-place updates train it."""
        out = []
        for W, b in zip(self.weights, self.biases):
            out += [W, b]
        return out

    def pack(self):
        """Store all parameters in one flat array; ``weights``/``biases`` become views of it.

        Returns the flat array ``[W0.ravel(), b0, W1.ravel(), b1, ...]``. Called on
        construction and by ``train`` (a no-op when nothing was rebound since).
        """
        params = self.params()
        flat = getattr(self, "_flat", None)
        if flat is not None and flat.dtype == self.dtype and all(p.base is flat for p in params):
            return flat
        flat = np.empty(sum(p.size for p in params), self.dtype)
        views = self.unflatten(flat)
        for view, p in zip(views, params):
            view[...] = p
        self.weights, self.biases = views[0::2], views[1::2]
        self._flat = flat
        return flat

    def unflatten(self, flat):
        """Views of a flat array shaped like ``params()``: ``[W0, b0, W1, b1, ...]``."""
        views, start = [], 0
        for fan_in, fan_out in self.weight_shapes():
            for shape in ((fan_in, fan_out), (fan_out,)):
                size = int(np.prod(shape))
                views.append(flat[start:start + size].reshape(shape))
                start += size
        return views

    def copy(self, dtype=None):
        """Deep copy: weights copied (cast to ``dtype`` when given), same configuration."""
        clone = object.__new__(type(self))
        clone.__dict__.update(self.__dict__)
        if dtype is not None:
            clone.dtype = np.dtype(dtype)
        clone._flat = None
        clone.weights = [W.astype(clone.dtype) for W in self.weights]   # astype copies
        clone.biases = [b.astype(clone.dtype) for b in self.biases]
        clone.pack()
        return clone
