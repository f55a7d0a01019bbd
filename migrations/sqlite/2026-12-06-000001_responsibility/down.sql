DROP TABLE cooperative_assignments;
