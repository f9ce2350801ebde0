"""Uploads: the request body streamed into one temporary file, then parsed, with progress.

The multipart body is parsed by werkzeug with a stream factory that writes the file part
straight into ``DATA_DIR/tmp`` (never whole in memory; under waitress the body was first held
in waitress's own buffer, which spills to a temporary file past 512 KB), bounded by
``MAX_CONTENT_LENGTH``: a declared length over it is refused before a byte is read, a body
without one as soon as it passes the limit. A full disk while writing answers 507 and leaves
nothing behind. Parsing can run on a background thread (``start``) whose progress a client
polls (``status``); the finished dataset is stored exactly as a synchronous upload would be.
"""
import os
import re
import tempfile
import threading
import time
import uuid
from pathlib import Path

from flask import current_app
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.formparser import FormDataParser

from webapp.errors import ApiError, BadRequest, NotFound
from webapp.services import remove_quietly, storage_error
from webapp.viewer import current_viewer, set_viewer

SAFE_SUFFIX = re.compile(r"\.[a-z0-9]{1,8}")
#: finished uploads whose outcome a client may still poll for
KEEP_FINISHED = 50
#: parses at once: each holds one file's arrays in memory
PARSERS = threading.BoundedSemaphore(2)

_state = {}
_lock = threading.Lock()


class Received:
    """The uploaded file on disk (``path``), its name as the client gave it and the form."""

    def __init__(self, path, filename, form):
        self.path, self.filename, self.form = path, filename, form

    def discard(self):
        remove_quietly(self.path)


def receive(environ):
    """Stream the multipart request in ``environ`` to ``DATA_DIR/tmp``; a :class:`Received`.

    Raises 400 without a ``file`` part, 413 past ``MAX_CONTENT_LENGTH``, 507 when the disk
    fills up (no partial file is kept in any case).
    """
    folder = Path(current_app.config["DATA_DIR"]) / "tmp"
    folder.mkdir(parents=True, exist_ok=True)
    opened, streams = [], []

    def stream_factory(total_content_length, content_type, filename, content_length=None):
        # The user's file name never becomes a path: the part goes to a generated name, with
        # the extension only when it is a plain one (it tells the loader the format).
        suffix = Path((filename or "").replace("\\", "/")).suffix.lower()
        suffix = suffix if SAFE_SUFFIX.fullmatch(suffix) else ".part"
        fd, path = tempfile.mkstemp(prefix="upload-", suffix=suffix, dir=folder)
        os.close(fd)
        opened.append(path)
        f = open(path, "w+b")
        streams.append(f)
        return f

    parser = FormDataParser(stream_factory=stream_factory,
                            max_content_length=current_app.config["MAX_CONTENT_LENGTH"],
                            max_form_memory_size=current_app.config.get("MAX_FORM_MEMORY_SIZE"),
                            silent=False)
    try:
        try:
            _, form, files = parser.parse_from_environ(environ)
            upload = files.get("file")
            for f in streams:
                f.flush()                   # a full disk may only show here
        finally:
            for f in streams:
                _close_quietly(f)
    except OSError as exc:
        _remove_all(opened)
        raise storage_error(exc, "the upload") from exc
    except RequestEntityTooLarge:
        _remove_all(opened)
        raise
    except ValueError as exc:
        _remove_all(opened)
        raise BadRequest(f"the upload could not be read: {exc}") from exc
    if upload is None:
        _remove_all(opened)
        raise BadRequest("no file uploaded: send it in the multipart field 'file'")
    keep = upload.stream.name
    _remove_all(p for p in opened if p != keep)
    return Received(keep, upload.filename, form)


def _close_quietly(f):
    try:
        f.close()
    except OSError:
        pass


def _remove_all(paths):
    for path in list(paths):
        remove_quietly(path)


# --- parsing in the background, with progress --------------------------------------------------

def start(parse):
    """Run ``parse(progress)`` on a thread (in an app context of this app); the upload id.

    ``progress(phase, fraction)`` may be called from the parser; ``parse`` returns the
    dataset summary or raises an ``ApiError`` (its message and status are kept).
    """
    upload_id = uuid.uuid4().hex
    viewer = current_viewer()          # the dataset is theirs, and so is this upload's status
    _put(upload_id, status="reading", phase="waiting for the parser", fraction=0.0,
         owner_id=viewer.id)

    def progress(phase, fraction=None):
        _put(upload_id, phase=phase, fraction=None if fraction is None else float(fraction))

    app = current_app._get_current_object()

    def work():
        try:
            with PARSERS, app.app_context():
                set_viewer(viewer)
                progress("reading rows", 0.0)
                summary = parse(progress)
            _put(upload_id, status="completed", phase="done", fraction=1.0, dataset=summary)
        except ApiError as exc:
            _put(upload_id, status="failed", error=exc.message, error_status=exc.status)
        except Exception:   # the client polls for a message; the log keeps the traceback
            app.logger.exception("parsing upload %s failed", upload_id)
            _put(upload_id, status="failed", error="internal server error", error_status=500)

    threading.Thread(target=work, name=f"upload-{upload_id[:8]}", daemon=True).start()
    return upload_id


def parse_now(parse):
    """Run ``parse(progress)`` here, under the same bound on parses at once."""
    with PARSERS:
        return parse(lambda phase, fraction=None: None)


def status(upload_id):
    """``{"id", "status": "reading|completed|failed", "phase", "fraction", "dataset"?,
    "error"?, "error_status"?}``; 404 for an unknown (or long forgotten) id."""
    with _lock:
        state = _state.get(upload_id)
        if state is None or not current_viewer().owns(state["owner_id"]):
            raise NotFound(f"upload {upload_id} not found")
        return {"id": upload_id, **{k: v for k, v in state.items()
                                    if k not in ("updated", "owner_id")}}


def _put(upload_id, **changes):
    with _lock:
        state = _state.setdefault(upload_id, {})
        state.update(changes, updated=time.monotonic())
        finished = [k for k, s in _state.items() if s.get("status") in ("completed", "failed")]
        for key in sorted(finished, key=lambda k: _state[k]["updated"])[:-KEEP_FINISHED]:
            del _state[key]
