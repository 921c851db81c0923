-- Reverts 000011: LIKE loses the LEAKPROOF mark only if 000011 set it, and the registers go
-- back to trigram indexes on the concatenated fields.
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM leakproof_marks WHERE function = 'pg_catalog.textlike(text, text)')
     OR NOT (SELECT proleakproof FROM pg_proc WHERE oid = 'pg_catalog.textlike(text, text)'::regprocedure) THEN
    RETURN;
  END IF;
  IF (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) THEN
    ALTER FUNCTION pg_catalog.textlike(text, text) NOT LEAKPROOF;
  ELSE
    RAISE NOTICE 'Migration 000011 marked LIKE LEAKPROOF; only a superuser can undo it: '
      'ALTER FUNCTION pg_catalog.textlike(text, text) NOT LEAKPROOF;';
  END IF;
END $$;
DROP TABLE leakproof_marks;

ALTER TABLE impact_assessments DROP COLUMN search_text;
CREATE INDEX impact_assessments_search_idx ON impact_assessments USING gin (title gin_trgm_ops);

ALTER TABLE treatments DROP COLUMN search_text;
CREATE INDEX treatments_search_idx ON treatments USING gin ((title || ' ' || description) gin_trgm_ops);

ALTER TABLE risks DROP COLUMN search_text;
CREATE INDEX risks_search_idx ON risks USING gin ((title || ' ' || event || ' ' || consequences) gin_trgm_ops);

ALTER TABLE controls DROP COLUMN search_text;
CREATE INDEX controls_search_idx ON controls USING gin ((code || ' ' || title || ' ' || description || ' ' || justification) gin_trgm_ops);

ALTER TABLE ai_systems DROP COLUMN search_text;
CREATE INDEX ai_systems_search_idx ON ai_systems USING gin ((name || ' ' || purpose || ' ' || description) gin_trgm_ops);

ALTER TABLE parties DROP COLUMN search_text;
CREATE INDEX parties_search_idx ON parties USING gin ((name || ' ' || description) gin_trgm_ops);

ALTER TABLE context_issues DROP COLUMN search_text;
CREATE INDEX context_issues_search_idx ON context_issues
  USING gin ((title || ' ' || description || ' ' || effect) gin_trgm_ops);
