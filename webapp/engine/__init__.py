"""The training engine: a Huey task queue, the worker's steps for one run, the training itself.

- ``queue``: the Huey instance (SQLite inside the server, or Redis shared by many machines),
  the one task ``train(run_id)``, and a consumer that leaves signals to its host process.
- ``runner``: what a worker does with a run: claim it from the server, train it in a child
  process, relay its epochs, give back the model. The server is an object with a few methods,
  called directly by the server's own workers and over HTTP by remote ones.
- ``training``: the training as pure compute (files and a configuration in, messages out),
  in a lower-priority child process or, when ``TRAINING_PROCESSES`` is off, a thread.

Nothing here touches the database or the data folder: the server's services do that.
"""
