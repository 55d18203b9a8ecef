-- The results history: one row per run, its units, attempts, results (with measurement
-- summaries and criterion outcomes), corrections and series summaries. The same SQL runs on
-- SQLite and PostgreSQL: TEXT, BIGINT and DOUBLE PRECISION columns only, times as RFC 3339 UTC
-- text (which sorts in time order), flags as 0/1.

CREATE TABLE IF NOT EXISTS runs (
    run_id TEXT PRIMARY KEY,
    run_dir TEXT NOT NULL,
    host TEXT NOT NULL,
    station TEXT NOT NULL,
    standard TEXT NOT NULL,
    plan_path TEXT NOT NULL,
    plan_sha256 TEXT NOT NULL,
    facebench_version TEXT NOT NULL,
    vendor TEXT NOT NULL,
    model TEXT NOT NULL,
    device_type TEXT NOT NULL,
    started_utc TEXT NOT NULL,
    last_utc TEXT NOT NULL,
    ended_utc TEXT,
    status TEXT NOT NULL,
    verdict TEXT,
    sessions BIGINT NOT NULL,
    indexed_seq BIGINT NOT NULL
);
CREATE INDEX IF NOT EXISTS runs_model ON runs (model, started_utc);
CREATE INDEX IF NOT EXISTS runs_started ON runs (started_utc);

CREATE TABLE IF NOT EXISTS units (
    run_id TEXT NOT NULL,
    sample BIGINT NOT NULL,
    vendor TEXT NOT NULL,
    model TEXT NOT NULL,
    device_type TEXT NOT NULL,
    device_sn TEXT NOT NULL,
    camera_sn TEXT NOT NULL,
    camera_model TEXT,
    PRIMARY KEY (run_id, sample)
);
CREATE INDEX IF NOT EXISTS units_sn ON units (device_sn);

CREATE TABLE IF NOT EXISTS attempts (
    run_id TEXT NOT NULL,
    item TEXT NOT NULL,
    attempt BIGINT NOT NULL,
    seq BIGINT NOT NULL,
    started_utc TEXT NOT NULL,
    PRIMARY KEY (run_id, item, attempt)
);

CREATE TABLE IF NOT EXISTS results (
    run_id TEXT NOT NULL,
    seq BIGINT NOT NULL,
    item TEXT NOT NULL,
    sample BIGINT NOT NULL,
    attempt BIGINT NOT NULL,
    device_sn TEXT NOT NULL,
    verdict TEXT NOT NULL,
    source TEXT NOT NULL,
    operator TEXT NOT NULL,
    reason TEXT,
    note TEXT NOT NULL,
    recorded_utc TEXT NOT NULL,
    latest BIGINT NOT NULL,
    PRIMARY KEY (run_id, seq)
);
CREATE INDEX IF NOT EXISTS results_item ON results (item, latest);

CREATE TABLE IF NOT EXISTS measurements (
    run_id TEXT NOT NULL,
    seq BIGINT NOT NULL,
    name TEXT NOT NULL,
    unit TEXT NOT NULL,
    count BIGINT NOT NULL,
    min_value DOUBLE PRECISION,
    max_value DOUBLE PRECISION,
    mean_value DOUBLE PRECISION,
    last_value DOUBLE PRECISION,
    PRIMARY KEY (run_id, seq, name)
);

CREATE TABLE IF NOT EXISTS criteria (
    run_id TEXT NOT NULL,
    seq BIGINT NOT NULL,
    position BIGINT NOT NULL,
    measurement TEXT NOT NULL,
    value DOUBLE PRECISION,
    verdict TEXT NOT NULL,
    marginal BIGINT NOT NULL,
    requirement TEXT NOT NULL,
    PRIMARY KEY (run_id, seq, position)
);

CREATE TABLE IF NOT EXISTS corrections (
    run_id TEXT NOT NULL,
    seq BIGINT NOT NULL,
    item TEXT NOT NULL,
    sample BIGINT NOT NULL,
    operator TEXT NOT NULL,
    reason TEXT,
    old_verdict TEXT NOT NULL,
    new_verdict TEXT NOT NULL,
    recorded_utc TEXT NOT NULL,
    PRIMARY KEY (run_id, seq)
);

CREATE TABLE IF NOT EXISTS series (
    run_id TEXT NOT NULL,
    path TEXT NOT NULL,
    item TEXT NOT NULL,
    sample BIGINT,
    column_name TEXT NOT NULL,
    count BIGINT NOT NULL,
    min_value DOUBLE PRECISION,
    max_value DOUBLE PRECISION,
    mean_value DOUBLE PRECISION,
    PRIMARY KEY (run_id, path, column_name)
);
