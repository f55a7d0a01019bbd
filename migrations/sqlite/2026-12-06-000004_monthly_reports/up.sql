-- The monthly reporting cycle (seed 004: "各乡镇（街道）和县级部门每月15号前要将改革进展情况书面报改革工作专班办公室"):
-- a month's figures frozen once the month has ended, per scope (a region code, several joined by commas, or `all`),
-- so a past month's report never changes;
CREATE TABLE monthly_figures (
    scope TEXT NOT NULL,
    month TEXT NOT NULL,
    tables_json TEXT NOT NULL,
    frozen_at TIMESTAMP NOT NULL,
    PRIMARY KEY (scope, month)
);
-- and each reporting unit's (township or county) written report for a month: narrative and typical cases (典型案例),
-- filed by the unit, then acknowledged or returned by the level above.
CREATE TABLE monthly_reports (
    id TEXT PRIMARY KEY NOT NULL,
    region_code TEXT NOT NULL REFERENCES regions (code),
    month TEXT NOT NULL,
    -- draft | filed | acknowledged | returned
    status TEXT NOT NULL,
    narrative TEXT NOT NULL,
    cases_json TEXT NOT NULL,
    written_by TEXT NOT NULL REFERENCES users (id),
    filed_by TEXT REFERENCES users (id),
    filed_at TIMESTAMP,
    decided_by TEXT REFERENCES users (id),
    decided_at TIMESTAMP,
    decision_note TEXT,
    version BIGINT NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    UNIQUE (region_code, month)
);
