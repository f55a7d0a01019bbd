DROP TABLE metric_values;
