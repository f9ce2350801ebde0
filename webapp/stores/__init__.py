"""Stores: one module per table, holding every SQL statement on it; services sit above them.

- ``runs``: a run's life from 'queued' to its end, its history and its heartbeat. Each
  function is one transaction and commits it: a run's row is the whole of its state.
- ``datasets``: the registry of stored datasets (name, source, parent, file path, summary,
  display names, image geometry). Its writes join the caller's transaction
  (:func:`webapp.db.transaction`), because a dataset's row changes together with its file.
- ``users``, ``sessions``, ``api_tokens``, ``share_links``: accounts, signed-in browsers,
  scripts' tokens and read-only links (only hashes of secrets are stored). Each write commits.

Reading datasets and runs is limited to what the viewer may see (``get``/``rows`` take a
:class:`webapp.viewer.Viewer`, the request's by default): this is where "another account's id
is a 404" is enforced, once for every route and page.

A store takes and returns plain values: Python objects go in and are written as JSON with
:func:`dumps`; rows come back as ``sqlite3.Row`` with their JSON columns as text. Outside the
stores only ``webapp.db`` (connections, transactions, migrations) talks to SQLite;
``tests/test_architecture.py`` checks that.
"""
import json


def dumps(value):
    """``value`` as the compact JSON text the database holds.

    ``allow_nan=False``: the database only ever holds valid JSON for the browser.
    """
    return json.dumps(value, allow_nan=False, separators=(",", ":"))
