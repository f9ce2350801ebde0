"""A trained `Model` out of the app: an ONNX graph any ONNX runtime scores, and its model card.

* ``inputs``: what a user feeds the graph (one input per raw table column, or the pixel row)
  and the in-graph preprocessing that turns it into the model's feature rows;
* ``graph``: the feature rows through the scaler and the network to the outputs
  (``OUTPUT_HEADS``);
* ``card``: the JSON model card and the Python lines that run the exported file.

``nncore.onnx_export`` assembles the graph from these parts.
"""
