"""Who is asking: the account a request acts for, read where rows are read.

``webapp.access`` sets ``g.viewer`` once per request (from the session cookie, an API token,
or, when sign-in is off, the local user); the stores read it through :func:`current_viewer`
to limit what they return. Code outside a request (start-up, training threads, the accounts
command line) acts as :data:`SYSTEM`, which sees everything.

Who may see what: a row whose ``owner_id`` is NULL (the built-in sample) is everyone's; any
other row is its owner's; an admin sees all.
"""
from contextlib import contextmanager
from dataclasses import dataclass

from flask import g, has_app_context


@dataclass(frozen=True)
class Viewer:
    """An account as far as access goes. ``id`` None: nobody in particular (SYSTEM, or the
    local user of a server whose folder has no admin yet)."""

    id: int | None
    name: str | None
    is_admin: bool

    def sees_all(self):
        return self.is_admin

    def owns(self, owner_id):
        """Whether a row with this ``owner_id`` is visible to this viewer."""
        return self.is_admin or owner_id is None or owner_id == self.id


SYSTEM = Viewer(id=None, name=None, is_admin=True)


def current_viewer():
    """The request's viewer; :data:`SYSTEM` outside a request or before one is known."""
    if has_app_context():
        return g.get("viewer") or SYSTEM
    return SYSTEM


def set_viewer(viewer):
    """Act as ``viewer`` in this app context (a request, or a thread working for one)."""
    g.viewer = viewer


def visible_sql(viewer, column="owner_id"):
    """(SQL condition, parameters) selecting the rows ``viewer`` may see."""
    if viewer.sees_all():
        return "1", ()
    return f"({column} IS NULL OR {column} = ?)", (viewer.id,)


@contextmanager
def acting_as(viewer):
    """Read as ``viewer`` inside the block (a share link reads its run as SYSTEM), then go
    back to the request's own viewer."""
    previous = g.get("viewer")
    g.viewer = viewer
    try:
        yield viewer
    finally:
        g.viewer = previous
