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


# --- reading -----------------------------------------------------------------------------------

def get(dataset_id):
    """The dataset's row, or None."""
    return get_db().execute("SELECT * FROM datasets WHERE id = ?", (dataset_id,)).fetchone()


def rows():
    """Every dataset's row, oldest first."""
    return get_db().execute("SELECT * FROM datasets ORDER BY id").fetchall()


def has_builtin():
    """Whether the built-in sample is registered."""
    row = get_db().execute("SELECT 1 FROM datasets WHERE source = 'builtin'").fetchone()
    return row is not None


def corrections_of(parent_id):
    """The id of the (oldest) corrections dataset derived from ``parent_id``, or None."""
    row = get_db().execute(
        "SELECT id FROM datasets WHERE source = 'corrections' AND parent_id = ?"
        " ORDER BY id LIMIT 1", (parent_id,)).fetchone()
    return None if row is None else row["id"]


# --- writing (inside webapp.db.transaction) ----------------------------------------------------

def insert(name, source, parent_id, summary, display_names, image):
    """Register a dataset whose file is not in place yet (empty ``path``, see :func:`set_path`);
    returns its id. ``summary``, ``display_names`` and ``image`` (or None) are dicts."""
    cursor = get_db().execute(
        "INSERT INTO datasets (name, source, parent_id, path, summary, display_names, image,"
        " created_at) VALUES (?, ?, ?, '', ?, ?, ?, ?)",
        (name, source, parent_id, dumps(summary), dumps(display_names),
         None if image is None else dumps(image), now()))
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
