"""Configuration of the web app: one class of defaults and a testing subclass.

``create_app`` loads :class:`Config`, then (outside tests) ``WEBAPP_*`` environment
variables, e.g. ``WEBAPP_DATA_DIR`` which ``python -m webapp --data-dir`` sets.
"""
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


class Config:
    # All state: app.db, datasets/, models/, secret_key.
    DATA_DIR = str(ROOT / "instance")
    # The built-in sample, registered as a dataset on start-up.
    REGISTER_SAMPLE = True
    SAMPLE_NAME = "Digits sample (MNIST, 5,000 digits, 28x28)"
    # Uploads larger than this are refused with 413 (bytes): from the declared length before
    # a byte is read, else as soon as the body passes it. The file streams to DATA_DIR/tmp.
    MAX_CONTENT_LENGTH = 1024 * 1024 * 1024
    # JSON request bodies (run settings, predictions, drawings) larger than this get 413.
    MAX_JSON_BYTES = 2 * 1024 * 1024
    # Trainings that run at the same time; further runs wait with status "queued".
    MAX_WORKERS = 2
    # Train in separate processes (see webapp/jobs/process.py), at this lower CPU priority.
    TRAINING_PROCESSES = True
    TRAINING_NICE = 10
    # Trained models kept in memory for fast prediction.
    MODEL_CACHE_SIZE = 4
    # How often (seconds) a running training writes its history to the database at most.
    HISTORY_WRITE_INTERVAL = 0.2
    # Where trainings are queued: None for the embedded queue (in the server's memory, trained by
    # MAX_WORKERS workers of the server), or a Redis URL that remote workers also take runs
    # from (python -m webapp --queue redis://HOST:PORT/DB; MAX_WORKERS may then be 0).
    QUEUE_URL = None
    # The secret remote workers present; outside tests it comes from the WORKER_TOKEN
    # environment variable. Without it the worker API (/api/worker/...) refuses every call.
    WORKER_TOKEN = None
    # A remote worker writes at least every WORKER_HEARTBEAT_SECONDS; once it has been silent
    # for WORKER_LEASE_SECONDS its run is marked 'interrupted' (and can be restarted).
    WORKER_HEARTBEAT_SECONDS = 1.0
    WORKER_LEASE_SECONDS = 20.0
    # Bodies from authenticated workers: a trained model, and JSON (a run's final history and
    # report can outgrow MAX_JSON_BYTES on large datasets).
    MAX_MODEL_BYTES = 512 * 1024 * 1024
    MAX_WORKER_JSON_BYTES = 64 * 1024 * 1024
    # Host names the server answers to (the request's Host header); None: its own names
    # (webapp/security.py). Any other is refused, which defeats DNS rebinding.
    ALLOWED_HOSTS = None
    # The bounds on a training configuration are nncore's (nncore.config.LIMITS); entries here
    # tighten them for this server, e.g. {"max_epochs": 500} on a shared machine;
    # {"max_auto_budget": 60} bounds an auto run's seconds (nncore.auto: at most 600).
    LIMITS = {}
    # Sign-in (issue 24): required when True. ``python -m webapp`` sets it for any address but
    # loopback unless started with --no-auth; a server on loopback has one user and no sign-in.
    AUTH_REQUIRED = False
    # How passwords are hashed (werkzeug.security.generate_password_hash's method).
    PASSWORD_HASH_METHOD = "scrypt"
    # A signed-in browser stays signed in this long (seconds) unless it signs out.
    SESSION_LIFETIME = 14 * 24 * 3600
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    # Session cookies are Secure when the request came over https, or always when the server
    # sits behind a TLS proxy (python -m webapp --behind-tls-proxy).
    BEHIND_TLS_PROXY = False
    # Failed sign-ins, per account and per address: after SIGN_IN_FREE_FAILURES the next try
    # waits SIGN_IN_BASE_DELAY seconds, doubling with each further failure up to
    # SIGN_IN_MAX_DELAY (429 with Retry-After meanwhile). A success clears the count.
    SIGN_IN_FREE_FAILURES = 5
    SIGN_IN_BASE_DELAY = 1.0
    SIGN_IN_MAX_DELAY = 300.0
    # The one-time link that lets the first person create the admin account (set at start on
    # a network address with no account yet; None: no setup link).
    SETUP_TOKEN = None


class TestingConfig(Config):
    TESTING = True
    MAX_WORKERS = 1
    HISTORY_WRITE_INTERVAL = 0.0
    # A fast hash keeps tests of many sign-ins quick; real servers use scrypt.
    PASSWORD_HASH_METHOD = "pbkdf2:sha256:1000"
