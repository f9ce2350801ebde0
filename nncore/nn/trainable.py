"""What the training loop needs from a network: the ``Trainable`` protocol.

``training.train`` uses a network only through these members, so any class that has them can be
trained; ``Network`` (network.py) and ``ConvNetwork`` (convnet.py) both do.  It is a
``typing.Protocol``: a class conforms by having the members, without inheriting from it, and
``isinstance(net, Trainable)`` checks that they are all there (not their signatures).

The members fall in three groups:

* shapes and types: ``layer_sizes`` (input width first, output units last), ``n_classes``,
  ``dtype``, and ``as_input(X)`` which casts and checks a batch of rows;
* the parameters: ``params()`` lists the arrays ``[W0, b0, W1, b1, ...]``, ``pack()`` stores
  them in one flat array (and returns it) so an optimiser updates all of them in a few
  whole-array operations, ``unflatten(flat)`` lays any flat array out like ``params()`` (the
  loop's gradients share one flat array too);
* the maths: ``backprop`` is the forward and backward pass of one batch in preallocated buffers
  (``workspace(n_rows)``), ``output_layer`` (an ``outputs.Output``) and ``penalty`` give the
  validation cost, ``target_table``, ``predict_proba`` and ``classes_from_proba`` map between
  class indices and output rows.

``backprop`` is the hot path: the loop calls it once per mini-batch with the same buffers, and
it writes the gradients into arrays the loop owns, so a training step allocates nothing.  The
friendlier ``cost_and_gradients(X, Y)`` of both networks wraps it for everyone else.
"""

from typing import Protocol, runtime_checkable

import numpy as np

from nncore.nn.outputs import Output

__all__ = ["Trainable"]


@runtime_checkable
class Trainable(Protocol):
    """A network ``train`` can drive (see the module docstring for the groups of members).

    Attributes
    ----------
    layer_sizes : list of int
        Units per layer, ``layer_sizes[0]`` the input width, ``layer_sizes[-1] = k`` the
        output units.
    n_classes : int
        Classes the labels may name: ``k``, or 2 for a single sigmoid unit.
    dtype : numpy.dtype
        Floating type of the weights and of all arithmetic.
    output_layer : Output
        The output layer with its cost (``activate``, ``cost``, ``delta``).
    """

    layer_sizes: list
    n_classes: int
    dtype: np.dtype
    output_layer: Output

    def as_input(self, X) -> np.ndarray:
        """``X`` (n, layer_sizes[0]) as an array of ``dtype``; ``ValueError`` for other shapes."""

    def params(self) -> list:
        """The parameter arrays themselves, ``[W0, b0, W1, b1, ...]`` (updates train the net)."""

    def pack(self) -> np.ndarray:
        """Make every parameter a view of one flat array and return that array."""

    def unflatten(self, flat) -> list:
        """Views of the flat array ``flat``, shaped like ``params()``."""

    def workspace(self, n_rows) -> dict:
        """Scratch buffers for ``backprop`` on batches of up to ``n_rows`` rows."""

    def backprop(self, X, Y, l2, n_total, work, grads, P_out=None, scale=1.0) -> tuple:
        """One forward and backward pass; returns ``(data_cost, penalty)``, floats.

        ``X`` (n, layer_sizes[0]) and one-hot ``Y`` (n, k) are arrays of ``dtype``; the
        gradients of ``J = data_cost + penalty`` times ``scale`` are written into ``grads``
        (arrays shaped like ``params()``), the output probabilities into ``P_out`` (n, k)
        when given.  ``l2 / (2 n_total) * sum W**2`` is the penalty.
        """

    def penalty(self, l2, n_total) -> float:
        """The L2 term ``l2 / (2 n_total) * sum W**2`` (biases excluded)."""

    def target_table(self) -> np.ndarray:
        """(n_classes, k) matrix whose row ``c`` is the target of class ``c``."""

    def predict_proba(self, X) -> np.ndarray:
        """Output probabilities (n, k)."""

    def classes_from_proba(self, P, out=None) -> np.ndarray:
        """Predicted class index per row of ``P`` (n, k)."""
