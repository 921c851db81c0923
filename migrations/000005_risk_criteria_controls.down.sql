DROP TABLE controls;
DROP TABLE risk_criteria;
