DROP TABLE star_bars;
DROP TABLE star_events;
DROP TABLE star_awards;
DROP TABLE star_reviews;
DROP TABLE star_applications;
DROP TABLE star_campaigns;
DROP TABLE scoring_models;
ALTER TABLE cooperatives DROP COLUMN org_kind;
