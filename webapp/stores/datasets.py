"""The datasets table: every SQL statement on it.

A row registers one stored dataset: its ``name``, its ``source`` ('builtin', 'upload' or
'corrections'), the ``parent_id`` a corrections dataset was derived from, the ``path`` of its
arrays relative to DATA_DIR, and JSON columns the pages read without opening the arrays:
``summary`` (``Dataset.summary()`` plus what the pages add), ``display_names`` (``{class:
shown name}``) and ``image`` (``ImageGeometry.to_dict()`` or NULL).

Writes do not commit: the service calls them inside :func:`webapp.db.transaction`, which
commits them together with the file they describe (a new dataset is a row and a renamed file),
or rolls them all back.
"""
from webapp.db import get_db, now
from webapp.stores import dumps
from webapp.viewer import current_viewer, visible_sql


# --- reading -----------------------------------------------------------------------------------

def get(dataset_id, viewer=None):
    """The dataset's row, or None when there is none that ``viewer`` (default: the request's,
    see webapp/viewer.py) may see."""
    visible, params = visible_sql(viewer or current_viewer())
    return get_db().execute(f"SELECT * FROM datasets WHERE id = ? AND {visible}",
                            (dataset_id, *params)).fetchone()


def rows(viewer=None):
    """The rows of every dataset ``viewer`` may see, oldest first."""
    visible, params = visible_sql(viewer or current_viewer())
    return get_db().execute(f"SELECT * FROM datasets WHERE {visible} ORDER BY id",
                            params).fetchall()


def has_builtin():
    """Whether the built-in sample is registered."""
    row = get_db().execute("SELECT 1 FROM datasets WHERE source = 'builtin'").fetchone()
    return row is not None


def corrections_of(parent_id, owner_id):
    """The id of ``owner_id``'s (oldest) corrections dataset derived from ``parent_id``, or
    None: each person's corrections go to their own (the sample's parent is everyone's)."""
    row = get_db().execute(
        "SELECT id FROM datasets WHERE source = 'corrections' AND parent_id = ?"
        " AND owner_id IS ? ORDER BY id LIMIT 1", (parent_id, owner_id)).fetchone()
    return None if row is None else row["id"]


# --- writing (inside webapp.db.transaction) ----------------------------------------------------

def insert(name, source, parent_id, summary, display_names, image, owner_id=None):
    """Register a dataset whose file is not in place yet (empty ``path``, see :func:`set_path`);
    returns its id. ``summary``, ``display_names`` and ``image`` (or None) are dicts;
    ``owner_id`` the account it belongs to (None: everyone's, the built-in sample)."""
    cursor = get_db().execute(
        "INSERT INTO datasets (name, source, parent_id, path, summary, display_names, image,"
        " created_at, owner_id) VALUES (?, ?, ?, '', ?, ?, ?, ?, ?)",
        (name, source, parent_id, dumps(summary), dumps(display_names),
         None if image is None else dumps(image), now(), owner_id))
    return cursor.lastrowid


def set_path(dataset_id, path):
    """Point the dataset at its file (relative to DATA_DIR)."""
    get_db().execute("UPDATE datasets SET path = ? WHERE id = ?", (path, dataset_id))


def set_summary(dataset_id, summary, display_names=None):
    """Replace the summary (its arrays changed); the display names too when given."""
    get_db().execute(
        "UPDATE datasets SET summary = ?, display_names = coalesce(?, display_names)"
        " WHERE id = ?",
        (dumps(summary), None if display_names is None else dumps(display_names), dataset_id))


def set_display_names(dataset_id, names):
    get_db().execute("UPDATE datasets SET display_names = ? WHERE id = ?",
                     (dumps(names), dataset_id))


def set_image(dataset_id, geometry):
    get_db().execute("UPDATE datasets SET image = ? WHERE id = ?", (dumps(geometry), dataset_id))


def set_name(dataset_id, name):
    get_db().execute("UPDATE datasets SET name = ? WHERE id = ?", (name, dataset_id))


def delete(dataset_id):
    """Remove the dataset's row; datasets derived from it lose their parent and stay.

    Its runs go first, through the runs store (the service stops them and removes their
    models).
    """
    db = get_db()
    db.execute("UPDATE datasets SET parent_id = NULL WHERE parent_id = ?", (dataset_id,))
    db.execute("DELETE FROM datasets WHERE id = ?", (dataset_id,))


def reassign(from_owner, to_owner):
    """Give ``from_owner``'s datasets (None: those nobody owns, but the built-in sample, which
    stays everyone's) to ``to_owner``."""
    get_db().execute("UPDATE datasets SET owner_id = ? WHERE owner_id IS ? AND source != 'builtin'",
                     (to_owner, from_owner))
