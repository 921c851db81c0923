DROP TABLE treatment_actions;
DROP TABLE treatment_controls;
DROP TABLE treatment_risks;
DROP TABLE treatments;
