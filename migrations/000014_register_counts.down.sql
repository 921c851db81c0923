DO $$
DECLARE
  t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['context_issues', 'parties', 'ai_systems', 'risks', 'treatments', 'controls', 'impact_assessments'] LOOP
    EXECUTE format('DROP TRIGGER register_counts_truncate ON %I', t);
    EXECUTE format('DROP TRIGGER register_counts_delete ON %I', t);
    EXECUTE format('DROP TRIGGER register_counts_update ON %I', t);
    EXECUTE format('DROP TRIGGER register_counts_insert ON %I', t);
  END LOOP;
END
$$;
DROP FUNCTION register_counts_truncate();
DROP FUNCTION register_counts_apply();
DROP FUNCTION audit_chain_lock(uuid[]);
DROP TABLE register_counts;
