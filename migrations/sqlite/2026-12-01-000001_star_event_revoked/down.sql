ALTER TABLE star_events DROP COLUMN revoked_star;
