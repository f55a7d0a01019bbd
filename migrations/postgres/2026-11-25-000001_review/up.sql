-- PostgreSQL twin of sqlite/2026-11-25-000001_review (same types).
-- Review of merged visits (ARCHITECTURE.md §7). The rows here are the truth; the document's server-only `review` map
-- mirrors them so that phones see the outcome.
CREATE TABLE visit_reviews (
    visit_id TEXT PRIMARY KEY NOT NULL,
    cooperative_id TEXT NOT NULL,
    -- pending | approved | returned | rejected
    state TEXT NOT NULL,
    -- submitted | resubmitted | edited_after_approval | unapproved (while pending)
    pending_reason TEXT,
    -- Levels that approved the current content, in order, comma-separated.
    approved_levels TEXT NOT NULL DEFAULT '',
    awaiting_level TEXT,
    note TEXT,
    reviewer_user_id TEXT,
    approved_heads TEXT,
    times_returned BIGINT NOT NULL DEFAULT 0,
    -- SHA-256 of the visit's content when review last took it in: a different digest is an edit.
    content_digest TEXT NOT NULL,
    -- The visit's submitted_at (phone clock, ms) when last returned: a different one is a resubmission.
    returned_submitted_at BIGINT,
    submitted_at TIMESTAMP,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX visit_reviews_queue ON visit_reviews (state, cooperative_id);
CREATE INDEX visit_reviews_cooperative ON visit_reviews (cooperative_id);

-- What happened to a visit in review, oldest first by id (UUID v7): submissions, decisions, comments, resolutions.
CREATE TABLE review_events (
    id TEXT PRIMARY KEY NOT NULL,
    visit_id TEXT NOT NULL,
    cooperative_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    level TEXT,
    note TEXT,
    user_id TEXT,
    device_id TEXT,
    heads TEXT,
    at TIMESTAMP NOT NULL
);
CREATE INDEX review_events_visit ON review_events (visit_id, id);
CREATE INDEX review_events_cooperative ON review_events (cooperative_id, id);

-- Approved data: each visit as every level approved it. Decision engines read this, never `visits`.
CREATE TABLE approved_visits (
    visit_id TEXT PRIMARY KEY NOT NULL,
    cooperative_id TEXT NOT NULL,
    data TEXT NOT NULL,
    heads TEXT NOT NULL,
    approved_by TEXT NOT NULL,
    approved_at TIMESTAMP NOT NULL
);
CREATE INDEX approved_visits_cooperative ON approved_visits (cooperative_id);

-- A supervisor's resolution of a conflict: who, and the value chosen (JSON).
ALTER TABLE conflicts ADD COLUMN resolved_by TEXT;
ALTER TABLE conflicts ADD COLUMN resolution TEXT;

-- Duplicate documents merged into a survivor keep a redirect.
ALTER TABLE cooperatives ADD COLUMN merged_into TEXT;
ALTER TABLE duplicate_candidates ADD COLUMN resolved_by TEXT;
ALTER TABLE duplicate_candidates ADD COLUMN outcome TEXT;

CREATE INDEX audit_log_at ON audit_log (at);
CREATE INDEX audit_log_actor ON audit_log (actor_user_id, at);
