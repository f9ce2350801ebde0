-- Who trains a run and when it last said so: "embedded" (a worker inside the server) or
-- "host:pid" (a remote worker); a remote run whose heartbeat_at (unix seconds) grows older
-- than the lease is marked 'interrupted'.
ALTER TABLE runs ADD COLUMN worker TEXT;
ALTER TABLE runs ADD COLUMN heartbeat_at REAL;

CREATE INDEX IF NOT EXISTS runs_status ON runs (status);
