"""Training on the web side: a run from the queue to its child process and back to the server.

- ``queue``: the Huey instance (in the server's memory, or Redis shared by many machines),
  its one task and a consumer that leaves signals to its host process.
- ``manager``: the app's ``JobManager`` (submit, cancel, is_active, recover, shutdown) and
  the watchman that interrupts remote runs whose lease ran out.
- ``relay``: what a worker does with one run: claim it, start its training, pass the
  training's messages on to the server, report how it ended.
- ``servers``: the one ``Server`` interface a relay talks to, and ``LocalServer``, its
  implementation for the server's own workers; ``remote``: the same over HTTP.
- ``process``: the training as pure compute, in a lower-priority child process or a thread;
  ``messages``: what it says; ``summary``: the result it hands back with the model.
- ``scoring``: a file of new rows scored as pure compute, in the same kind of child process;
  ``scorer``: the app's ``Scorer``, which starts scorings and passes their progress and
  results to ``services.predictions``.

Only ``manager``, ``servers`` and ``scorer`` (and, for storage messages, ``relay``) reach
into the services; the services never import this package, and ``process`` imports nothing of the
server's.
"""
