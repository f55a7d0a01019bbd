DROP TABLE disposal_actions;
DROP TABLE disposal_cases;
DROP TABLE classifications;
DROP TABLE cleanup_rule_sets;
DROP TABLE complaints;
DROP TABLE registry_facts;
