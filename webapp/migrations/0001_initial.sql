-- The first release's schema (databases made before migrations existed are at user_version 0
-- and already have these tables: IF NOT EXISTS makes this a no-op for them).
-- Datasets: arrays live in DATA_DIR/datasets/<id>.npz; everything shown comes from here.
CREATE TABLE IF NOT EXISTS datasets (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    name          TEXT NOT NULL,
    source        TEXT NOT NULL CHECK (source IN ('builtin', 'upload', 'corrections')),
    parent_id     INTEGER REFERENCES datasets (id) ON DELETE SET NULL,
    path          TEXT NOT NULL,          -- relative to DATA_DIR
    summary       TEXT NOT NULL,          -- JSON: Dataset.summary()
    display_names TEXT NOT NULL,          -- JSON: {class: shown name}
    image         TEXT,                   -- JSON: ImageGeometry.to_dict() or NULL
    created_at    TEXT NOT NULL
);

-- Training runs: history is columnar JSON ({"epoch": [...], "cost": [...], ...}).
CREATE TABLE IF NOT EXISTS runs (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    dataset_id   INTEGER NOT NULL REFERENCES datasets (id) ON DELETE CASCADE,
    status       TEXT NOT NULL,
    config       TEXT NOT NULL,
    history      TEXT NOT NULL,
    result       TEXT,
    error        TEXT,
    progress     TEXT,
    created_at   TEXT NOT NULL,
    started_at   TEXT,
    finished_at  TEXT,
    model_path   TEXT                     -- relative to DATA_DIR
);

CREATE INDEX IF NOT EXISTS runs_dataset ON runs (dataset_id);
