DROP TABLE risk_acceptances;
DROP TABLE risk_assessments;
DROP TABLE risk_ai_systems;
DROP TABLE risks;
