-- Accounts (issue 24): who may sign in, their sessions and API tokens, read-only share links,
-- and who owns each dataset and run.
CREATE TABLE users (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    name          TEXT NOT NULL UNIQUE,   -- as typed, trimmed (Unicode and spaces allowed)
    password_hash TEXT NOT NULL,          -- werkzeug.security (scrypt); never the password
    is_admin      INTEGER NOT NULL DEFAULT 0,
    created_at    TEXT NOT NULL
);

-- Server-side sessions: the cookie holds a random id, the table its SHA-256, so that signing
-- out (deleting the row) ends the session even for a copy of the cookie.
CREATE TABLE sessions (
    id_hash     TEXT PRIMARY KEY,
    user_id     INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at  TEXT NOT NULL,
    expires_at  REAL NOT NULL             -- unix seconds
);
CREATE INDEX sessions_user ON sessions (user_id);

-- Personal API tokens (Authorization: Bearer ...): only their SHA-256 is kept.
CREATE TABLE api_tokens (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id      INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    label        TEXT NOT NULL,
    token_hash   TEXT NOT NULL UNIQUE,
    created_at   TEXT NOT NULL,
    last_used_at TEXT,
    revoked_at   TEXT
);
CREATE INDEX api_tokens_user ON api_tokens (user_id);

-- Read-only links to one run that need no account; revoking sets revoked_at.
CREATE TABLE share_links (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    run_id      INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    token_hash  TEXT NOT NULL UNIQUE,
    created_at  TEXT NOT NULL,
    revoked_at  TEXT
);
CREATE INDEX share_links_run ON share_links (run_id);

-- Owners: NULL is the built-in sample (everyone's), and work made before the first admin
-- account existed, which that account adopts when it is created.
ALTER TABLE datasets ADD COLUMN owner_id INTEGER REFERENCES users (id);
ALTER TABLE runs ADD COLUMN owner_id INTEGER REFERENCES users (id);
CREATE INDEX datasets_owner ON datasets (owner_id);
CREATE INDEX runs_owner ON runs (owner_id);
