DROP TRIGGER risk_heat_counts_truncate ON risks;
DROP TRIGGER risk_heat_counts_delete ON risks;
DROP TRIGGER risk_heat_counts_update ON risks;
DROP TRIGGER risk_heat_counts_insert ON risks;
DROP FUNCTION risk_heat_counts_truncate();
DROP FUNCTION risk_heat_counts_apply();
DROP FUNCTION risk_heat_cells(uuid, integer, integer, integer, integer, integer);
DROP TABLE risk_heat_counts;
