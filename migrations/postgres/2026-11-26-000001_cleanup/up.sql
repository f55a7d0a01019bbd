-- PostgreSQL twin of sqlite/2026-11-26-000001_cleanup (same types).
-- Shell-cooperative clean-up (RULES.md §1, ARCHITECTURE.md §7): registry facts and complaints as imported, the
-- versioned rule sets, every classification the engine made (old ones kept on the version they used), the human
-- decision on it, and the disposal cases with their actions.

-- A fact from market regulation or tax (annual report filed, on the abnormal-operation list, tax filed), with the file
-- it came from and the date it holds for. The latest by as_of speaks for the present.
CREATE TABLE registry_facts (
    id TEXT PRIMARY KEY NOT NULL,
    cooperative_id TEXT NOT NULL,
    -- annual_report_filed | on_abnormal_list | tax_filed
    fact TEXT NOT NULL,
    value BOOLEAN NOT NULL,
    detail TEXT,
    as_of TEXT NOT NULL,
    source TEXT NOT NULL,
    imported_at TIMESTAMP NOT NULL,
    UNIQUE (cooperative_id, fact, as_of, source)
);
CREATE INDEX registry_facts_cooperative ON registry_facts (cooperative_id);

-- A public complaint (群众举报) and whether investigation substantiated it; unique by source and its reference.
CREATE TABLE complaints (
    id TEXT PRIMARY KEY NOT NULL,
    cooperative_id TEXT NOT NULL,
    source TEXT NOT NULL,
    reference TEXT NOT NULL,
    received_on TEXT NOT NULL,
    summary TEXT NOT NULL,
    -- NULL while under investigation
    substantiated BOOLEAN,
    imported_at TIMESTAMP NOT NULL,
    UNIQUE (source, reference)
);
CREATE INDEX complaints_cooperative ON complaints (cooperative_id);

CREATE TABLE cleanup_rule_sets (
    version TEXT PRIMARY KEY NOT NULL,
    rules_json TEXT NOT NULL,
    active BOOLEAN NOT NULL,
    created_by TEXT,
    created_at TIMESTAMP NOT NULL
);

CREATE TABLE classifications (
    id TEXT PRIMARY KEY NOT NULL,
    cooperative_id TEXT NOT NULL,
    rule_set_version TEXT NOT NULL,
    state TEXT NOT NULL,
    -- Raised flags, comma-separated (s1,s4), for filtering.
    flags TEXT NOT NULL,
    -- The flags and gaps with their evidence.
    findings_json TEXT NOT NULL,
    actions_json TEXT NOT NULL,
    explanation_zh TEXT NOT NULL,
    -- The approved visits (with heads), registry facts and complaints read.
    inputs_json TEXT NOT NULL,
    -- SHA-256 over inputs and outcome: an equal digest means nothing to store.
    digest TEXT NOT NULL,
    revisit_due TEXT,
    classified_at TIMESTAMP NOT NULL,
    current BOOLEAN NOT NULL,
    -- confirmed | overridden
    decision TEXT,
    decided_state TEXT,
    decision_reason TEXT,
    decided_by TEXT,
    decided_at TIMESTAMP
);
CREATE INDEX classifications_cooperative ON classifications (cooperative_id, current);
CREATE INDEX classifications_current_state ON classifications (current, state);

CREATE TABLE disposal_cases (
    id TEXT PRIMARY KEY NOT NULL,
    cooperative_id TEXT NOT NULL,
    classification_id TEXT NOT NULL,
    state TEXT NOT NULL,
    -- open | closed
    status TEXT NOT NULL,
    opened_by TEXT NOT NULL,
    opened_at TIMESTAMP NOT NULL,
    closed_by TEXT,
    closed_at TIMESTAMP,
    closing_note TEXT
);
CREATE INDEX disposal_cases_cooperative ON disposal_cases (cooperative_id, status);

CREATE TABLE disposal_actions (
    id TEXT PRIMARY KEY NOT NULL,
    case_id TEXT NOT NULL,
    action TEXT NOT NULL,
    -- planned | in_progress | referred | done | cancelled
    status TEXT NOT NULL,
    assignee_user_id TEXT,
    due_on TEXT,
    revisit_on TEXT,
    referred_to TEXT,
    note TEXT,
    updated_by TEXT,
    updated_at TIMESTAMP NOT NULL,
    completed_at TIMESTAMP
);
CREATE INDEX disposal_actions_case ON disposal_actions (case_id);
