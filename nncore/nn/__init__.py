"""The network and how it learns: activations, output layers, parameters, the dense and
convolutional networks, optimisers, the training loop, gradient checking and metrics."""
