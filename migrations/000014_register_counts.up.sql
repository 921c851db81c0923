-- Exact totals of every register's list, kept by triggers.
--
-- A list counts the records that match it up to postgres.DefaultCountCap (1,000) and shows
-- the planner's estimate above that ("of about 98,043"). Unfiltered, the total is simply how
-- many live (or archived) records the tenant has in the register: these rows hold that, kept
-- in the transaction of every change as risk_heat_counts (000009) keeps the heat map, so an
-- unfiltered list shows the exact total without counting rows or asking the planner (the
-- count and the EXPLAIN were a third of the database time of a list page).
--
-- register is the table's name. A tenant without records in a register has no row (read as
-- 0); rows that fall back to 0 stay. No CHECK (live >= 0): it would be checked on the
-- negative delta an upsert proposes.
CREATE TABLE register_counts (
  tenant_id uuid NOT NULL REFERENCES tenants (id),
  register  text NOT NULL,
  live      bigint NOT NULL,
  archived  bigint NOT NULL,
  PRIMARY KEY (tenant_id, register)
);

-- Statement-level, with transition tables: one upsert per statement whatever its row count,
-- counts written in key order, nothing written when nothing changes. It runs as the caller,
-- so row-level security confines it to the caller's tenant like the change itself.
--
-- Lock order. Every write transaction of a tenant ends by appending to its audit chain under
-- the chain's advisory lock (internal/auditlog), and a count row is one per tenant and
-- register: a transaction that changed a register (holding its count row) and then waited
-- for the chain's lock deadlocked with one that held the lock and then changed the same
-- register (an impact assessment raising a risk). The application's write transactions take
-- the chain's lock when they begin (postgres.InTenantWriteTx), before any row lock, so the
-- trigger finds it held; for any other writer the trigger takes it, for every tenant the
-- statement touches, in order, before the count rows. audit_chain_lock is the one definition
-- of that lock.
CREATE FUNCTION audit_chain_lock(tenants uuid[]) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_advisory_xact_lock(hashtextextended('audit:' || t::text, 0)) FROM unnest(tenants) AS t ORDER BY t;
END
$$;

CREATE FUNCTION register_counts_apply() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    PERFORM audit_chain_lock(array(SELECT DISTINCT tenant_id FROM new_rows));
  ELSE
    PERFORM audit_chain_lock(array(SELECT DISTINCT tenant_id FROM old_rows));
  END IF;
  IF TG_OP = 'INSERT' THEN
    INSERT INTO register_counts AS c (tenant_id, register, live, archived)
    SELECT tenant_id, TG_TABLE_NAME, count(*) FILTER (WHERE archived_at IS NULL), count(*) FILTER (WHERE archived_at IS NOT NULL)
    FROM new_rows GROUP BY 1 ORDER BY 1
    ON CONFLICT (tenant_id, register) DO UPDATE SET live = c.live + EXCLUDED.live, archived = c.archived + EXCLUDED.archived;
  ELSIF TG_OP = 'DELETE' THEN
    INSERT INTO register_counts AS c (tenant_id, register, live, archived)
    SELECT tenant_id, TG_TABLE_NAME, -count(*) FILTER (WHERE archived_at IS NULL), -count(*) FILTER (WHERE archived_at IS NOT NULL)
    FROM old_rows GROUP BY 1 ORDER BY 1
    ON CONFLICT (tenant_id, register) DO UPDATE SET live = c.live + EXCLUDED.live, archived = c.archived + EXCLUDED.archived;
  ELSE
    INSERT INTO register_counts AS c (tenant_id, register, live, archived)
    SELECT tenant_id, TG_TABLE_NAME, sum(live), sum(archived)
    FROM (SELECT tenant_id, CASE WHEN archived_at IS NULL THEN 1 ELSE 0 END AS live,
          CASE WHEN archived_at IS NULL THEN 0 ELSE 1 END AS archived FROM new_rows
        UNION ALL
        SELECT tenant_id, CASE WHEN archived_at IS NULL THEN -1 ELSE 0 END,
          CASE WHEN archived_at IS NULL THEN 0 ELSE -1 END FROM old_rows) d
    GROUP BY 1 HAVING sum(live) <> 0 OR sum(archived) <> 0 ORDER BY 1
    ON CONFLICT (tenant_id, register) DO UPDATE SET live = c.live + EXCLUDED.live, archived = c.archived + EXCLUDED.archived;
  END IF;
  RETURN NULL;
END
$$;

-- Only the schema owner (or a superuser) can truncate a register. Row-level security, forced
-- on the owner too, is lifted for the one statement that forgets the table's counts.
CREATE FUNCTION register_counts_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  ALTER TABLE register_counts NO FORCE ROW LEVEL SECURITY;
  DELETE FROM register_counts WHERE register = TG_TABLE_NAME;
  ALTER TABLE register_counts FORCE ROW LEVEL SECURITY;
  RETURN NULL;
END
$$;

DO $$
DECLARE
  t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['context_issues', 'parties', 'ai_systems', 'risks', 'treatments', 'controls', 'impact_assessments'] LOOP
    EXECUTE format('CREATE TRIGGER register_counts_insert AFTER INSERT ON %I
      REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION register_counts_apply()', t);
    EXECUTE format('CREATE TRIGGER register_counts_update AFTER UPDATE ON %I
      REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION register_counts_apply()', t);
    EXECUTE format('CREATE TRIGGER register_counts_delete AFTER DELETE ON %I
      REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION register_counts_apply()', t);
    EXECUTE format('CREATE TRIGGER register_counts_truncate AFTER TRUNCATE ON %I
      FOR EACH STATEMENT EXECUTE FUNCTION register_counts_truncate()', t);
    -- The counts of the records already there, read past row-level security (the owner is
    -- subject to it while it is forced).
    EXECUTE format('ALTER TABLE %I NO FORCE ROW LEVEL SECURITY', t);
    EXECUTE format('INSERT INTO register_counts (tenant_id, register, live, archived)
      SELECT tenant_id, %L, count(*) FILTER (WHERE archived_at IS NULL), count(*) FILTER (WHERE archived_at IS NOT NULL)
      FROM %I GROUP BY 1', t, t);
    EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
  END LOOP;
END
$$;

ALTER TABLE register_counts ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON register_counts
  USING (tenant_id = current_setting('app.tenant_id')::uuid)
  WITH CHECK (tenant_id = current_setting('app.tenant_id')::uuid);
GRANT SELECT, INSERT, UPDATE ON register_counts TO aims_app;
