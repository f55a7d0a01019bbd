-- PostgreSQL twin of sqlite/2026-11-28-000001_stars (same types).
-- Star ratings (星级评定, RULES.md §2): versioned scoring models, yearly campaigns per kind of organisation, the
-- applications with their scored result and manual scores, every reviewer's decision by level, the stars awarded (the
-- history), revocation events (浙农合发〔2022〕5号 triggers) and the bars they and falsified applications set.

-- What a registry entry is: a farmer cooperative (1–5 stars) or an 产业农合联 (3–5 stars, county/city/province review).
ALTER TABLE cooperatives ADD COLUMN org_kind TEXT NOT NULL DEFAULT 'cooperative';

CREATE TABLE scoring_models (
    version TEXT PRIMARY KEY NOT NULL,
    -- cooperative | industry_federation
    kind TEXT NOT NULL,
    model_toml TEXT NOT NULL,
    installed_by TEXT,
    installed_at TIMESTAMP NOT NULL
);

-- One campaign a year per kind; its model version is fixed when it opens.
CREATE TABLE star_campaigns (
    id TEXT PRIMARY KEY NOT NULL,
    year BIGINT NOT NULL,
    kind TEXT NOT NULL,
    model_version TEXT NOT NULL,
    name TEXT NOT NULL,
    -- open | closed
    status TEXT NOT NULL,
    opened_by TEXT NOT NULL,
    opened_at TIMESTAMP NOT NULL,
    closed_at TIMESTAMP,
    UNIQUE (year, kind)
);

CREATE TABLE star_applications (
    id TEXT PRIMARY KEY NOT NULL,
    campaign_id TEXT NOT NULL,
    cooperative_id TEXT NOT NULL,
    region_path TEXT NOT NULL,
    filed_by TEXT NOT NULL,
    filed_at TIMESTAMP NOT NULL,
    -- in_review | rated | not_rated | falsified
    status TEXT NOT NULL,
    -- Reviewers' scores of manual indicators: {code: {points, note, by, at}}.
    manual_json TEXT NOT NULL,
    -- What the engine read: approved visit with heads, registry facts, clean-up state, history, events, bars.
    inputs_json TEXT NOT NULL,
    -- The engine's result: categories, gates, vetoes, star, explanation.
    result_json TEXT NOT NULL,
    total DOUBLE PRECISION NOT NULL,
    computed_star BIGINT,
    explanation_zh TEXT NOT NULL,
    -- SHA-256 over inputs, manual scores and result: the version a reviewer confirms.
    digest TEXT NOT NULL,
    -- The star under review and the level that decides next (NULL once decided).
    proposed_star BIGINT,
    awaiting_level TEXT,
    awarded_star BIGINT,
    scored_at TIMESTAMP NOT NULL,
    decided_at TIMESTAMP,
    UNIQUE (campaign_id, cooperative_id)
);
CREATE INDEX star_applications_region_path ON star_applications (region_path);

-- Every reviewer action on an application: the audit of the review by level.
CREATE TABLE star_reviews (
    id TEXT PRIMARY KEY NOT NULL,
    application_id TEXT NOT NULL,
    level TEXT NOT NULL,
    -- confirm | reject | falsified
    decision TEXT NOT NULL,
    stars BIGINT,
    digest TEXT NOT NULL,
    note TEXT,
    reviewer_id TEXT NOT NULL,
    decided_at TIMESTAMP NOT NULL
);
CREATE INDEX star_reviews_application ON star_reviews (application_id);

-- The star history: one award per cooperative and year, revoked in place (never deleted).
CREATE TABLE star_awards (
    id TEXT PRIMARY KEY NOT NULL,
    cooperative_id TEXT NOT NULL,
    year BIGINT NOT NULL,
    stars BIGINT NOT NULL,
    application_id TEXT NOT NULL,
    model_version TEXT NOT NULL,
    awarded_at TIMESTAMP NOT NULL,
    revoked_at TIMESTAMP,
    revoked_by_event TEXT,
    UNIQUE (cooperative_id, year)
);
CREATE INDEX star_awards_cooperative ON star_awards (cooperative_id);

-- A revocation trigger recorded against a cooperative: illegal_operation | major_safety_accident |
-- serious_credit_overdue.
CREATE TABLE star_events (
    id TEXT PRIMARY KEY NOT NULL,
    cooperative_id TEXT NOT NULL,
    cause TEXT NOT NULL,
    occurred_on TEXT NOT NULL,
    description TEXT NOT NULL,
    source TEXT NOT NULL,
    recorded_by TEXT NOT NULL,
    recorded_at TIMESTAMP NOT NULL
);
CREATE INDEX star_events_cooperative ON star_events (cooperative_id);

-- A period in which the cooperative may not apply: after a revocation (revoked) or a falsified application (falsified).
CREATE TABLE star_bars (
    id TEXT PRIMARY KEY NOT NULL,
    cooperative_id TEXT NOT NULL,
    reason TEXT NOT NULL,
    from_day TEXT NOT NULL,
    until_day TEXT NOT NULL,
    event_id TEXT,
    application_id TEXT,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX star_bars_cooperative ON star_bars (cooperative_id);
