-- PostgreSQL twin of sqlite/2026-11-22-000001_foundation: same tables; identity column and a LIKE-prefix index.
-- Regions (GB/T 2260 + statistical township/village codes). `path` is the materialised path of codes from the root,
-- e.g. '/330000/330200/330203/', so a subtree is `path LIKE '/330000/330200/330203/%'`.
CREATE TABLE regions (
    code TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL,
    level TEXT NOT NULL,
    parent_code TEXT REFERENCES regions (code),
    path TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX regions_parent_code ON regions (parent_code);
CREATE UNIQUE INDEX regions_path ON regions (path text_pattern_ops);

CREATE TABLE users (
    id TEXT PRIMARY KEY NOT NULL,
    username TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    role TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    phone TEXT,
    is_active BOOLEAN NOT NULL DEFAULT TRUE,
    failed_logins BIGINT NOT NULL DEFAULT 0,
    locked_until TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

CREATE TABLE user_regions (
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    region_code TEXT NOT NULL REFERENCES regions (code),
    PRIMARY KEY (user_id, region_code)
);
CREATE INDEX user_regions_region_code ON user_regions (region_code);

-- A registered phone. `actor_id` is the automerge actor the server assigned to it (hex).
CREATE TABLE devices (
    id TEXT PRIMARY KEY NOT NULL,
    user_id TEXT NOT NULL REFERENCES users (id),
    name TEXT NOT NULL,
    platform TEXT NOT NULL,
    app_version TEXT NOT NULL,
    actor_id TEXT NOT NULL UNIQUE,
    created_at TIMESTAMP NOT NULL,
    last_seen_at TIMESTAMP,
    revoked_at TIMESTAMP,
    revoked_by TEXT REFERENCES users (id),
    revoke_reason TEXT
);
CREATE INDEX devices_user_id ON devices (user_id);

-- A login session: the family of rotating refresh tokens, optionally bound to a device.
CREATE TABLE sessions (
    id TEXT PRIMARY KEY NOT NULL,
    user_id TEXT NOT NULL REFERENCES users (id),
    device_id TEXT REFERENCES devices (id),
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    revoked_at TIMESTAMP,
    revoke_reason TEXT
);
CREATE INDEX sessions_user_id ON sessions (user_id);
CREATE INDEX sessions_device_id ON sessions (device_id);

-- Only SHA-256 digests of refresh tokens are stored.
CREATE TABLE refresh_tokens (
    id TEXT PRIMARY KEY NOT NULL,
    session_id TEXT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    token_hash TEXT NOT NULL UNIQUE,
    created_at TIMESTAMP NOT NULL,
    used_at TIMESTAMP
);
CREATE INDEX refresh_tokens_session_id ON refresh_tokens (session_id);

CREATE TABLE cooperatives (
    id TEXT PRIMARY KEY NOT NULL,
    uscc TEXT UNIQUE,
    name TEXT NOT NULL,
    legal_representative TEXT,
    registration_date TEXT,
    address TEXT,
    region_code TEXT NOT NULL REFERENCES regions (code),
    -- The region's materialised path, copied here so scope filters are a prefix match on this table.
    region_path TEXT NOT NULL,
    industry TEXT,
    gxs_relation TEXT NOT NULL DEFAULT 'none',
    nhl_county BOOLEAN NOT NULL DEFAULT FALSE,
    nhl_township BOOLEAN NOT NULL DEFAULT FALSE,
    nhl_industry BOOLEAN NOT NULL DEFAULT FALSE,
    star_level BIGINT,
    annual_report_filed BOOLEAN,
    on_abnormal_list BOOLEAN,
    member_count BIGINT,
    source TEXT NOT NULL,
    version BIGINT NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX cooperatives_region_code ON cooperatives (region_code);
CREATE INDEX cooperatives_region_path ON cooperatives (region_path text_pattern_ops);
CREATE INDEX cooperatives_name ON cooperatives (name);

-- Append-only record of every state change.
CREATE TABLE audit_log (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at TIMESTAMP NOT NULL,
    actor_user_id TEXT,
    actor_device_id TEXT,
    action TEXT NOT NULL,
    entity_type TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    before_json TEXT,
    after_json TEXT
);
CREATE INDEX audit_log_entity ON audit_log (entity_type, entity_id);

-- Markers such as 'demo_seeded', so seeding is idempotent.
CREATE TABLE settings (
    key TEXT PRIMARY KEY NOT NULL,
    value TEXT NOT NULL
);
