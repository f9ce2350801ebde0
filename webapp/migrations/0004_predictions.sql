-- Predictions: a file of new rows scored by a completed run's model. The scored CSV lives in
-- DATA_DIR/predictions/run-<run_id>/<id>.csv (path, relative to DATA_DIR); a prediction goes
-- with its run (ON DELETE CASCADE; the run's deletion removes the folder).
CREATE TABLE IF NOT EXISTS predictions (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    run_id        INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    status        TEXT NOT NULL CHECK (status IN ('running', 'completed', 'failed')),
    file_name     TEXT NOT NULL,          -- the uploaded file's name, as the client gave it
    rows          INTEGER NOT NULL DEFAULT 0,
    error         TEXT,
    error_status  INTEGER,                -- the HTTP status the error stands for
    summary       TEXT,                   -- JSON: nncore.scoring.score_file's summary
    path          TEXT,                   -- the scored CSV, relative to DATA_DIR
    created_at    TEXT NOT NULL,
    finished_at   TEXT
);

CREATE INDEX IF NOT EXISTS predictions_run ON predictions (run_id);
