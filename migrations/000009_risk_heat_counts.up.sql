-- The risk heat map counts live risks per cell of the tenant's matrix. Counting them with a
-- GROUP BY over the register costs O(risks) on every view; this table holds the counts, kept
-- by triggers on risks in the same transaction as every change, so the heat map reads
-- O(cells) whatever the size of the register.
CREATE TABLE risk_heat_counts (
  tenant_id  uuid NOT NULL REFERENCES tenants (id),
  kind       text NOT NULL CHECK (kind IN ('inherent', 'residual')),
  -- A residual risk not rated yet is counted in cell (0, 0).
  likelihood integer NOT NULL,
  impact     integer NOT NULL,
  -- Cells that fall back to zero stay (at most two matrices' worth of rows per tenant). No
  -- CHECK (count >= 0): it is checked on the row an upsert proposes, which for a decrement
  -- is the negative delta itself.
  count      integer NOT NULL,
  PRIMARY KEY (tenant_id, kind, likelihood, impact)
);

-- The two cells a risk is counted in, each with delta. Arguments: tenant, inherent
-- likelihood and impact, residual likelihood and impact (null when not rated), delta.
CREATE FUNCTION risk_heat_cells(uuid, integer, integer, integer, integer, integer)
  RETURNS TABLE (tenant_id uuid, kind text, likelihood integer, impact integer, delta integer)
  LANGUAGE sql IMMUTABLE AS $$
    VALUES ($1, 'inherent', $2, $3, $6),
           ($1, 'residual', coalesce($4, 0), coalesce($5, 0), $6)
$$;

-- Each statement on risks adds the cells of its new rows and takes away those of its old
-- rows (archived risks count nowhere), one upsert per statement whatever its row count (a
-- bulk load costs one aggregate, not one write per row). Cells whose net change is zero are
-- not touched, and cells are written in key order, so two transactions changing the same
-- cells wait for each other instead of deadlocking. The function runs as the caller, so
-- row-level security confines it to the caller's tenant like the change itself.
CREATE FUNCTION risk_heat_counts_apply() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    INSERT INTO risk_heat_counts AS h (tenant_id, kind, likelihood, impact, count)
    SELECT c.tenant_id, c.kind, c.likelihood, c.impact, sum(c.delta)
    FROM new_rows r CROSS JOIN LATERAL risk_heat_cells(r.tenant_id, r.inherent_likelihood, r.inherent_impact,
      r.residual_likelihood, r.residual_impact, 1) c
    WHERE r.archived_at IS NULL
    GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4
    ON CONFLICT (tenant_id, kind, likelihood, impact) DO UPDATE SET count = h.count + EXCLUDED.count;
  ELSIF TG_OP = 'DELETE' THEN
    INSERT INTO risk_heat_counts AS h (tenant_id, kind, likelihood, impact, count)
    SELECT c.tenant_id, c.kind, c.likelihood, c.impact, sum(c.delta)
    FROM old_rows r CROSS JOIN LATERAL risk_heat_cells(r.tenant_id, r.inherent_likelihood, r.inherent_impact,
      r.residual_likelihood, r.residual_impact, -1) c
    WHERE r.archived_at IS NULL
    GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4
    ON CONFLICT (tenant_id, kind, likelihood, impact) DO UPDATE SET count = h.count + EXCLUDED.count;
  ELSE
    INSERT INTO risk_heat_counts AS h (tenant_id, kind, likelihood, impact, count)
    SELECT c.tenant_id, c.kind, c.likelihood, c.impact, sum(c.delta)
    FROM (SELECT tenant_id, inherent_likelihood, inherent_impact, residual_likelihood, residual_impact, 1 AS sign
        FROM new_rows WHERE archived_at IS NULL
      UNION ALL
      SELECT tenant_id, inherent_likelihood, inherent_impact, residual_likelihood, residual_impact, -1
        FROM old_rows WHERE archived_at IS NULL) r
    CROSS JOIN LATERAL risk_heat_cells(r.tenant_id, r.inherent_likelihood, r.inherent_impact,
      r.residual_likelihood, r.residual_impact, r.sign) c
    GROUP BY 1, 2, 3, 4 HAVING sum(c.delta) <> 0 ORDER BY 1, 2, 3, 4
    ON CONFLICT (tenant_id, kind, likelihood, impact) DO UPDATE SET count = h.count + EXCLUDED.count;
  END IF;
  RETURN NULL;
END
$$;

-- Statement-level triggers with transition tables: a trigger with transition tables takes
-- one event, and an UPDATE trigger with them cannot name columns, so every UPDATE of risks
-- runs it (a change that moves no risk between cells writes nothing).
CREATE TRIGGER risk_heat_counts_insert AFTER INSERT ON risks
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION risk_heat_counts_apply();
CREATE TRIGGER risk_heat_counts_update AFTER UPDATE ON risks
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION risk_heat_counts_apply();
CREATE TRIGGER risk_heat_counts_delete AFTER DELETE ON risks
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION risk_heat_counts_apply();

-- TRUNCATE is not subject to row-level security and fires no row events: empty the counts
-- with it.
CREATE FUNCTION risk_heat_counts_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  TRUNCATE risk_heat_counts;
  RETURN NULL;
END
$$;
CREATE TRIGGER risk_heat_counts_truncate AFTER TRUNCATE ON risks
  FOR EACH STATEMENT EXECUTE FUNCTION risk_heat_counts_truncate();

-- Count the risks that exist. Reading every tenant's risks as the schema owner needs the
-- owner exempted from forced row-level security for this statement (see 000008); the lock
-- ALTER TABLE takes keeps risks unchanged until the migration commits.
ALTER TABLE risks NO FORCE ROW LEVEL SECURITY;
INSERT INTO risk_heat_counts (tenant_id, kind, likelihood, impact, count)
SELECT c.tenant_id, c.kind, c.likelihood, c.impact, sum(c.delta)
FROM risks r CROSS JOIN LATERAL risk_heat_cells(r.tenant_id, r.inherent_likelihood, r.inherent_impact,
  r.residual_likelihood, r.residual_impact, 1) c
WHERE r.archived_at IS NULL
GROUP BY 1, 2, 3, 4;
ALTER TABLE risks FORCE ROW LEVEL SECURITY;

ALTER TABLE risk_heat_counts ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON risk_heat_counts
  USING (tenant_id = current_setting('app.tenant_id')::uuid)
  WITH CHECK (tenant_id = current_setting('app.tenant_id')::uuid);
GRANT SELECT, INSERT, UPDATE ON risk_heat_counts TO aims_app;
