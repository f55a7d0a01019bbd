-- Every automerge actor a device writes with, bound to that device when it first sends a change with it (or when the
-- server assigned it at registration). An actor belongs to one device for ever: attribution reads this table.
CREATE TABLE device_actors (
    actor TEXT PRIMARY KEY NOT NULL,
    device_id TEXT NOT NULL REFERENCES devices (id),
    bound_at TIMESTAMP NOT NULL
);
CREATE INDEX device_actors_device_id ON device_actors (device_id);
INSERT INTO device_actors (actor, device_id, bound_at) SELECT actor_id, id, created_at FROM devices;
