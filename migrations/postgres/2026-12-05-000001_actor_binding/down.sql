DROP TABLE device_actors;
