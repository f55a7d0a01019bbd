-- Who is responsible for each cooperative (seed 002: "供销专干属地负责"): its counsellor (辅导员) and the 供销专干 over
-- them. A change ends the current row and starts another, so the rows are the history; at most one is current.
CREATE TABLE cooperative_assignments (
    id TEXT PRIMARY KEY NOT NULL,
    cooperative_id TEXT NOT NULL REFERENCES cooperatives (id),
    counsellor_user_id TEXT NOT NULL REFERENCES users (id),
    officer_user_id TEXT REFERENCES users (id),
    note TEXT,
    assigned_by TEXT NOT NULL,
    assigned_at TIMESTAMP NOT NULL,
    ended_by TEXT,
    ended_at TIMESTAMP
);
CREATE UNIQUE INDEX cooperative_assignments_current ON cooperative_assignments (cooperative_id) WHERE ended_at IS NULL;
CREATE INDEX cooperative_assignments_counsellor ON cooperative_assignments (counsellor_user_id) WHERE ended_at IS NULL;
