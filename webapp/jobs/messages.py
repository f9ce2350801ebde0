"""What a training process tells the relay that started it, one named message at a time.

In order: a :class:`Phase` before each preparation step, an :class:`Epoch` after each epoch
(an auto run: a :class:`Candidate` before each candidate's epochs, and once at the end),
then exactly one ending: :class:`Done`, :class:`Failed`, :class:`ModelNotSaved` or
:class:`Stopped` from the training itself, or :class:`Lost`, made by the handle when the
process died without a word.

The messages cross a pipe (pickled by multiprocessing) or a queue (a thread): small frozen
dataclasses of plain values, importable by the child without anything of the server's.
"""
from dataclasses import dataclass


@dataclass(frozen=True)
class Phase:
    """A preparation step starts (``text``: what the page shows, e.g. "reading the data")."""
    text: str


@dataclass(frozen=True)
class Epoch:
    """One epoch ended: ``record`` as fit's callback got it; ``epochs``: how many are planned."""
    record: dict
    epochs: int | None


@dataclass(frozen=True)
class Candidate:
    """An auto run starts a candidate, or (``status["candidate"]`` None) ends its search:
    ``status`` as ``nncore.auto.auto_status`` makes it (budget, elapsed, leaderboard so far).
    The epochs that follow are the new candidate's, from epoch 1."""
    status: dict


@dataclass(frozen=True)
class Done:
    """The model is in the file asked for; ``history``: fit's final history (early stopping
    may end it at the kept epoch); ``summary``: the run's result JSON."""
    history: dict
    summary: dict


@dataclass(frozen=True)
class Failed:
    """The training could not finish; ``error`` says why, for the run's page."""
    error: str


@dataclass(frozen=True)
class ModelNotSaved:
    """The model could not be written (``errno``, ``reason``: the OSError's): the server words
    it as it words any storage failure."""
    errno: int | None
    reason: str


@dataclass(frozen=True)
class Stopped:
    """The training was cancelled and stopped after its current epoch."""


@dataclass(frozen=True)
class Lost:
    """The process ended without an ending message (it was killed): its ``exit_status``."""
    exit_status: int | None

