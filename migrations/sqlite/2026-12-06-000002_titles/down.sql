ALTER TABLE cooperatives DROP COLUMN demo_year;
ALTER TABLE cooperatives DROP COLUMN demo_level;
ALTER TABLE cooperatives DROP COLUMN guifan_level;
