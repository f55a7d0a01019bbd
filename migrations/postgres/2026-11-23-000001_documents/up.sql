-- PostgreSQL twin of sqlite/2026-11-23-000001_documents (BYTEA for BLOB, an identity column).
-- Automerge documents, one per cooperative. A document without a row is still at its deterministic genesis.
CREATE TABLE documents (
    cooperative_id TEXT PRIMARY KEY NOT NULL,
    -- Current heads, hex, space-separated and sorted.
    heads TEXT NOT NULL,
    -- Bumped by every accepted write; lets an instance see that its cached copy is stale.
    version BIGINT NOT NULL,
    -- save() at the last compaction, or NULL before the first one.
    snapshot BYTEA,
    snapshot_bytes BIGINT NOT NULL DEFAULT 0,
    -- Bytes of incremental chunks since the snapshot; compaction starts when they outgrow it.
    chunk_bytes BIGINT NOT NULL DEFAULT 0,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

-- Accepted changes since the snapshot, each persisted before the server acknowledges it.
CREATE TABLE document_chunks (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    cooperative_id TEXT NOT NULL REFERENCES documents (cooperative_id),
    data BYTEA NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX document_chunks_document ON document_chunks (cooperative_id, id);

-- Who made each change: authorship comes from the actor binding, never from the change itself.
CREATE TABLE document_changes (
    hash TEXT PRIMARY KEY NOT NULL,
    cooperative_id TEXT NOT NULL,
    actor TEXT NOT NULL,
    device_id TEXT,
    user_id TEXT,
    -- The time the device claims (its clock) and the time the server received it.
    claimed_at TIMESTAMP,
    received_at TIMESTAMP NOT NULL
);
CREATE INDEX document_changes_document ON document_changes (cooperative_id, received_at);

-- The automerge sync state per (document, device), so a reconnect resumes instead of starting over.
CREATE TABLE sync_states (
    cooperative_id TEXT NOT NULL,
    device_id TEXT NOT NULL REFERENCES devices (id),
    state BYTEA NOT NULL,
    -- The heads the server last sent the device everything up to, for recognising its digest next time.
    offered_heads TEXT,
    updated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (cooperative_id, device_id)
);

-- A device whose changes to a document were refused; further changes from it to that document wait for an admin.
CREATE TABLE quarantines (
    id TEXT PRIMARY KEY NOT NULL,
    cooperative_id TEXT NOT NULL,
    device_id TEXT NOT NULL REFERENCES devices (id),
    code TEXT NOT NULL,
    reason_zh TEXT NOT NULL,
    reason_en TEXT NOT NULL,
    path TEXT,
    created_at TIMESTAMP NOT NULL,
    released_at TIMESTAMP,
    released_by TEXT REFERENCES users (id)
);
CREATE UNIQUE INDEX quarantines_active ON quarantines (cooperative_id, device_id) WHERE released_at IS NULL;

-- The documents each device was told about, so the manifest can tell it which ones left its scope.
CREATE TABLE device_documents (
    device_id TEXT NOT NULL REFERENCES devices (id),
    cooperative_id TEXT NOT NULL,
    PRIMARY KEY (device_id, cooperative_id)
);

-- Projections: rebuilt from the documents after every accepted merge (and by `hezuo rebuild-projections`).
CREATE TABLE cooperative_profiles (
    cooperative_id TEXT PRIMARY KEY NOT NULL,
    data TEXT NOT NULL,
    operating_status TEXT,
    heads TEXT NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

CREATE TABLE visits (
    id TEXT PRIMARY KEY NOT NULL,
    cooperative_id TEXT NOT NULL,
    author_user_id TEXT,
    author_device_id TEXT,
    status TEXT NOT NULL,
    visit_type TEXT,
    visit_date TEXT,
    device_created_at TIMESTAMP,
    submitted_at TIMESTAMP,
    data TEXT NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX visits_cooperative ON visits (cooperative_id);
CREATE INDEX visits_author ON visits (author_user_id);

-- Fields with concurrent values. `candidates` is JSON: [{value, actor, device_id, user_id}].
CREATE TABLE conflicts (
    id TEXT PRIMARY KEY NOT NULL,
    cooperative_id TEXT NOT NULL,
    path TEXT NOT NULL,
    candidates TEXT NOT NULL,
    detected_at TIMESTAMP NOT NULL,
    resolved_at TIMESTAMP
);
CREATE UNIQUE INDEX conflicts_open ON conflicts (cooperative_id, path) WHERE resolved_at IS NULL;

-- Cooperatives created on phones wait for verification; the same credit code twice is flagged for a supervisor.
ALTER TABLE cooperatives ADD COLUMN verification TEXT NOT NULL DEFAULT 'registered';
ALTER TABLE cooperatives ADD COLUMN claimed_uscc TEXT;
CREATE TABLE duplicate_candidates (
    id TEXT PRIMARY KEY NOT NULL,
    uscc TEXT NOT NULL,
    cooperative_id TEXT NOT NULL,
    duplicate_of TEXT NOT NULL,
    detected_at TIMESTAMP NOT NULL,
    resolved_at TIMESTAMP
);
CREATE UNIQUE INDEX duplicate_candidates_pair ON duplicate_candidates (cooperative_id, duplicate_of);
