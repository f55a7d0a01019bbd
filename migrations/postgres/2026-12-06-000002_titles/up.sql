-- PostgreSQL twin of sqlite/2026-12-06-000002_titles (same types).
-- The registry's titles that the plan's shares are counted on (seed 002: "参办领办合作社在全市县级以上规范社占70%以上、在省级
-- 示范社占80%以上、在国家级示范社…占90%以上"): the 规范社 level, and the 示范社 level with the year it was awarded.
ALTER TABLE cooperatives ADD COLUMN guifan_level TEXT;
ALTER TABLE cooperatives ADD COLUMN demo_level TEXT;
ALTER TABLE cooperatives ADD COLUMN demo_year BIGINT;
