DROP INDEX risks_impact_assessment_idx;
ALTER TABLE risks DROP CONSTRAINT risks_tenant_id_impact_assessment_id_fkey;
DROP TABLE impact_assessment_impacts;
DROP TABLE impact_assessment_rounds;
DROP TABLE impact_assessments;
