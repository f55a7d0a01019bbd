-- District targets of the star-cooperative and sponsorship plans (RULES.md §5.1), per region, year and metric, with the
-- document they come from. Only quality and coverage metrics: 中农发〔2019〕18号 forbids quotas on founding new
-- cooperatives (§5.5).
CREATE TABLE district_targets (
    region_code TEXT NOT NULL,
    year BIGINT NOT NULL,
    -- star_rated | sponsored | sponsored_five_star
    metric TEXT NOT NULL,
    target BIGINT NOT NULL,
    source TEXT NOT NULL,
    imported_at TIMESTAMP NOT NULL,
    PRIMARY KEY (region_code, year, metric)
);
