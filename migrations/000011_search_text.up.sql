-- Register search reads one stored column per register, search_text (the searched fields,
-- lower-cased), with `search_text LIKE lower(pattern)` through a trigram index on that column
-- (docs/security.md, "Search under row-level security").
--
-- Why: the web process searches as aims_app under row-level security, and PostgreSQL uses a
-- condition in an index scan below a policy only when every function it applies to a column
-- is LEAKPROOF. The searches of 000003–000008 (`a || ' ' || b ILIKE pattern`) applied textcat
-- and texticlike, neither leakproof, so their expression indexes were never used: a search
-- read every row of the tenant. Against a stored column only LIKE (textlike) remains, and the
-- block at the end marks it LEAKPROOF when the migrating role is a superuser. Lowering once on
-- write is what ILIKE does on every row read in a multibyte database (it lowers both sides and
-- then matches as LIKE), so the results are the same and a row is matched about 6 times faster.
--
-- Adding a stored column rewrites the table under an exclusive lock (a few seconds for
-- 100,000 risks); the old index is dropped first so the rewrite does not rebuild it.

DROP INDEX context_issues_search_idx;
ALTER TABLE context_issues ADD COLUMN search_text text
  GENERATED ALWAYS AS (lower(title || ' ' || description || ' ' || effect)) STORED;
CREATE INDEX context_issues_search_idx ON context_issues USING gin (search_text gin_trgm_ops);

DROP INDEX parties_search_idx;
ALTER TABLE parties ADD COLUMN search_text text
  GENERATED ALWAYS AS (lower(name || ' ' || description)) STORED;
CREATE INDEX parties_search_idx ON parties USING gin (search_text gin_trgm_ops);

DROP INDEX ai_systems_search_idx;
ALTER TABLE ai_systems ADD COLUMN search_text text
  GENERATED ALWAYS AS (lower(name || ' ' || purpose || ' ' || description)) STORED;
CREATE INDEX ai_systems_search_idx ON ai_systems USING gin (search_text gin_trgm_ops);

DROP INDEX controls_search_idx;
ALTER TABLE controls ADD COLUMN search_text text
  GENERATED ALWAYS AS (lower(code || ' ' || title || ' ' || description || ' ' || justification)) STORED;
CREATE INDEX controls_search_idx ON controls USING gin (search_text gin_trgm_ops);

DROP INDEX risks_search_idx;
ALTER TABLE risks ADD COLUMN search_text text
  GENERATED ALWAYS AS (lower(title || ' ' || event || ' ' || consequences)) STORED;
CREATE INDEX risks_search_idx ON risks USING gin (search_text gin_trgm_ops);

DROP INDEX treatments_search_idx;
ALTER TABLE treatments ADD COLUMN search_text text
  GENERATED ALWAYS AS (lower(title || ' ' || description)) STORED;
CREATE INDEX treatments_search_idx ON treatments USING gin (search_text gin_trgm_ops);

-- Impact assessments search their title only; the column keeps one rule for every register
-- (search looks in <register>.search_text) and lets what is searched change in SQL alone.
DROP INDEX impact_assessments_search_idx;
ALTER TABLE impact_assessments ADD COLUMN search_text text GENERATED ALWAYS AS (lower(title)) STORED;
CREATE INDEX impact_assessments_search_idx ON impact_assessments USING gin (search_text gin_trgm_ops);

-- A search of a list sorted by another column is planned either by walking the sort's index
-- until a page of matches is found (right for a common word) or through the trigram index
-- (right for a rare one). The choice rests on the estimated number of matches, read from the
-- column's histogram: with the default 100 entries a single entry matching a pasted title
-- estimated 1,000 matches where there were 14, and the walk read the whole register (245 ms).
-- With 1,000 entries a stray match estimates 100, and the trigram index wins.
ALTER TABLE context_issues ALTER COLUMN search_text SET STATISTICS 1000;
ALTER TABLE parties ALTER COLUMN search_text SET STATISTICS 1000;
ALTER TABLE ai_systems ALTER COLUMN search_text SET STATISTICS 1000;
ALTER TABLE controls ALTER COLUMN search_text SET STATISTICS 1000;
ALTER TABLE risks ALTER COLUMN search_text SET STATISTICS 1000;
ALTER TABLE treatments ALTER COLUMN search_text SET STATISTICS 1000;
ALTER TABLE impact_assessments ALTER COLUMN search_text SET STATISTICS 1000;

-- Which built-in functions this schema marked LEAKPROOF, so that the down migration reverts
-- only what the up did (a flag set by the operator, or inherited from the template database,
-- is left alone). No tenant data; aims_app has no access.
CREATE TABLE leakproof_marks (
  function  text PRIMARY KEY,
  marked_at timestamptz NOT NULL DEFAULT now()
);

-- Only a superuser may mark a function LEAKPROOF. Without one, search still returns the same
-- rows, by reading the tenant's rows instead of the index; `aims serve` then logs the statement
-- for the operator (postgres.LeakproofSearchStatement).
DO $$
BEGIN
  IF (SELECT proleakproof FROM pg_proc WHERE oid = 'pg_catalog.textlike(text, text)'::regprocedure) THEN
    RETURN;
  END IF;
  IF (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) THEN
    ALTER FUNCTION pg_catalog.textlike(text, text) LEAKPROOF;
    INSERT INTO leakproof_marks (function) VALUES ('pg_catalog.textlike(text, text)');
  ELSE
    RAISE NOTICE 'Register search cannot use its trigram indexes under row-level security until LIKE is marked LEAKPROOF. '
      'As a superuser, in this database, run: ALTER FUNCTION pg_catalog.textlike(text, text) LEAKPROOF; '
      '(docs/security.md explains why this is safe). Search works without it, but reads every row of a tenant.';
  END IF;
END $$;
