-- PostgreSQL twin of sqlite/2026-11-24-000001_photos (BYTEA for BLOB, DOUBLE PRECISION for DOUBLE).
-- tus uploads. Bytes arrive in pieces that are each committed before the server reports the new offset, so a
-- dropped link or a killed server resumes where the last acknowledged piece ended.
CREATE TABLE uploads (
    id TEXT PRIMARY KEY NOT NULL,
    device_id TEXT NOT NULL REFERENCES devices (id),
    user_id TEXT NOT NULL REFERENCES users (id),
    -- The photo's SHA-256 as the phone named it; the completed bytes must hash to it.
    sha256 TEXT NOT NULL,
    length BIGINT NOT NULL,
    received BIGINT NOT NULL,
    -- Upload-Metadata as a JSON object of strings.
    metadata TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    completed_at TIMESTAMP
);
CREATE INDEX uploads_expiry ON uploads (expires_at);

CREATE TABLE upload_pieces (
    upload_id TEXT NOT NULL REFERENCES uploads (id),
    start_offset BIGINT NOT NULL,
    data BYTEA NOT NULL,
    PRIMARY KEY (upload_id, start_offset)
);

-- Photos received and processed; the bytes live in blob storage under photos/<sha256>/.
CREATE TABLE photos (
    sha256 TEXT PRIMARY KEY NOT NULL,
    bytes BIGINT NOT NULL,
    mime TEXT NOT NULL,
    -- Upright size (after the EXIF orientation).
    width BIGINT NOT NULL,
    height BIGINT NOT NULL,
    exif_taken_at TIMESTAMP,
    -- WGS-84, as the camera's GPS wrote it.
    exif_latitude DOUBLE PRECISION,
    exif_longitude DOUBLE PRECISION,
    -- 64-bit difference hash, as a signed integer.
    perceptual_hash BIGINT NOT NULL,
    device_id TEXT,
    user_id TEXT,
    received_at TIMESTAMP NOT NULL
);

-- Projection: the photos each visit names, whether or not they have arrived.
CREATE TABLE visit_photos (
    visit_id TEXT NOT NULL,
    cooperative_id TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    -- Where the visit names it (expected_photos, operations.base_photos, ...).
    field TEXT NOT NULL,
    -- What the phone read from the original's EXIF before it shrank the photo (WGS-84).
    device_taken_at TIMESTAMP,
    device_latitude DOUBLE PRECISION,
    device_longitude DOUBLE PRECISION,
    caption TEXT,
    PRIMARY KEY (visit_id, sha256)
);
CREATE INDEX visit_photos_sha256 ON visit_photos (sha256);
CREATE INDEX visit_photos_cooperative ON visit_photos (cooperative_id);

-- Projection: evidence-integrity flags per visit, recomputed when the visit changes or one of its photos arrives.
CREATE TABLE evidence_flags (
    visit_id TEXT NOT NULL,
    cooperative_id TEXT NOT NULL,
    code TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    -- JSON: the figures behind the flag and its zh-CN/English explanation.
    detail TEXT NOT NULL,
    detected_at TIMESTAMP NOT NULL,
    PRIMARY KEY (visit_id, code, sha256)
);
CREATE INDEX evidence_flags_cooperative ON evidence_flags (cooperative_id);

ALTER TABLE visits ADD COLUMN photos_expected BIGINT NOT NULL DEFAULT 0;
ALTER TABLE visits ADD COLUMN photos_received BIGINT NOT NULL DEFAULT 0;

-- The registered location and its datum: 'wgs84' (GPS) or 'gcj02' (Chinese web maps).
ALTER TABLE cooperatives ADD COLUMN latitude DOUBLE PRECISION;
ALTER TABLE cooperatives ADD COLUMN longitude DOUBLE PRECISION;
ALTER TABLE cooperatives ADD COLUMN coordinate_system TEXT;
