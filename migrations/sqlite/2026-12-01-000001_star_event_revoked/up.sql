-- What a revocation event revoked: the star held when it was recorded (the registry's own star may have no award
-- row), so the history says it and a repeated request can answer with it.
ALTER TABLE star_events ADD COLUMN revoked_star BIGINT;
