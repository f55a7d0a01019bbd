DROP TABLE district_targets;
