"""The app's scorer: predictions of whole files, scored in child processes kept warm.

``Scorer.start(prediction_id, job)`` returns at once; a relay thread of the server waits for
one of ``MAX_SCORINGS`` places, hands the job to a scoring process (one kept from an earlier
file, ``jobs.scoring.WarmScoring``, or a new one) and passes its messages to
``services.predictions``: rows done, then the summary or the error. A process that ended its
job is kept for the next (at most ``MAX_SCORINGS``, none idle for more than
``scoring.KEEP_IDLE_SECONDS``); one that died while kept is replaced, and the job it never
started goes to a new one. When the prediction is gone from the database (its run was
deleted), the next progress write says so and the scoring is cancelled; the input file is
removed whatever happens. At start-up (:meth:`recover`) the predictions a previous process was
scoring become 'failed'; at shut-down (:meth:`shutdown`) the kept processes are let go.
"""
import logging
import threading

from webapp.jobs.scoring import WarmScoring, start_scoring
from webapp.services import predictions, remove_quietly

log = logging.getLogger(__name__)

MAX_SCORINGS = 2             # files scored at once; each holds a chunk of rows in memory
POLL_SECONDS = 1.0           # how often a silent scoring is asked whether it is still wanted
STOPPED_MESSAGE = "the server stopped while this file was being scored: send it again"


class Scorer:
    """Scorings for one app (see the module docstring)."""

    def __init__(self, app):
        self.app = app
        self.use_processes = bool(app.config.get("TRAINING_PROCESSES", True))
        self.nice = int(app.config.get("TRAINING_NICE") or 0)
        self._places = threading.BoundedSemaphore(MAX_SCORINGS)
        self._kept = []                 # WarmScoring processes waiting for a job
        self._kept_lock = threading.Lock()

    def __repr__(self):
        return f"Scorer(processes={self.use_processes}, nice={self.nice})"

    def recover(self):
        """At start-up, in an app context: the scorings of a previous process ended with it."""
        predictions.fail_interrupted(STOPPED_MESSAGE)

    def start(self, prediction_id, job):
        """Score ``job`` (``{"model", "input", "output", "label_column"}``) for the
        prediction, in the background."""
        threading.Thread(target=self._relay, args=(prediction_id, job), daemon=True,
                         name=f"scoring-{prediction_id}").start()

    def _relay(self, prediction_id, job):
        try:
            with self._places, self.app.app_context():
                if predictions.record_rows(prediction_id, 0):
                    if self.use_processes:
                        process = self._follow(
                            prediction_id, self._send(job),
                            restart=lambda: WarmScoring(self.nice).send(job))
                        self._keep(process)
                    else:
                        self._follow(prediction_id, start_scoring(job, False))
        except Exception:
            log.exception("scoring prediction %s failed", prediction_id)
            with self.app.app_context():
                predictions.record_failure(prediction_id, "scoring failed unexpectedly", 500)
        finally:
            remove_quietly(job["input"])

    def _send(self, job):
        """``job`` handed to a kept scoring process, or to a new one: kept ones idle too long
        are let go, and one that died since (its pipe is broken) is replaced."""
        while True:
            with self._kept_lock:
                if not self._kept:
                    break
                process = self._kept.pop()
            if process.fresh():
                try:
                    return process.send(job)
                except OSError:
                    pass
            process.close()
        return WarmScoring(self.nice).send(job)

    def _keep(self, process):
        if process.keep():
            with self._kept_lock:
                if len(self._kept) < MAX_SCORINGS:
                    self._kept.append(process)
                    return
        process.close()

    def shutdown(self):
        """Let the kept scoring processes go (the server is stopping)."""
        with self._kept_lock:
            kept, self._kept = self._kept, []
        for process in kept:
            process.close()

    def _follow(self, prediction_id, scoring, restart=None):
        """Pass the scoring's messages on until it ends; cancel it once nobody wants it.
        Returns the scoring followed: ``restart()``'s when the first gave no word before it
        died (a kept process that had died while idle: the job goes to a new one, once)."""
        wanted, heard = True, False
        while True:
            message = scoring.receive(POLL_SECONDS)
            if message is not None and message[0] == "lost" and not heard and restart:
                scoring.close()
                scoring, restart = restart(), None
                continue
            heard = heard or message is not None
            if message is None or message[0] == "rows":
                rows = None if message is None else message[1]
                if wanted and not predictions.record_rows(prediction_id, rows):
                    wanted = False
                    scoring.cancel()
                continue
            # The ending is recorded before the child is waited for: the scored file is in
            # place before "done" is sent, and a client polling need not wait for the exit.
            if message[0] == "done":
                predictions.record_done(prediction_id, message[1])
            elif message[0] == "failed":
                predictions.record_failure(prediction_id, message[1], message[2])
            elif message[0] == "ended":     # a kept process after a cancelled scoring
                return scoring
            else:        # the child died without a word (killed, out of memory)
                predictions.record_failure(
                    prediction_id, f"the scoring process stopped unexpectedly "
                                   f"(exit status {message[1]})", 500)
            if isinstance(scoring, WarmScoring):
                scoring.finish()
            else:
                scoring.join()
            return scoring
