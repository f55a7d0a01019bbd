-- Figures of the catalogue's entered metrics (those hezuo cannot count, such as Dianjiang's service centres or
-- Liaocheng's land trusteeship), per region and month, each with its source. Entering a month again replaces it.
CREATE TABLE metric_values (
    region_code TEXT NOT NULL REFERENCES regions (code),
    metric TEXT NOT NULL,
    month TEXT NOT NULL,
    value DOUBLE NOT NULL,
    source TEXT NOT NULL,
    note TEXT,
    entered_by TEXT NOT NULL REFERENCES users (id),
    entered_at TIMESTAMP NOT NULL,
    PRIMARY KEY (region_code, metric, month)
);
