DROP INDEX controls_live_idx;
DROP INDEX impact_assessments_live_idx;
DROP INDEX treatments_live_idx;
DROP INDEX risks_live_idx;
DROP INDEX ai_systems_live_idx;
DROP INDEX parties_live_idx;
DROP INDEX context_issues_live_idx;
