DROP TABLE monthly_reports;
DROP TABLE monthly_figures;
