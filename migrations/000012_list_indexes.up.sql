-- What lists and record pages need to cost the same whatever the number of linked records.
--
-- 1. Link counts. The Statement of Applicability and the controls list show, per control, how
--    many live treatments use it; the AI system inventory shows, per system, how many live
--    risks name it. Counting the links of every row on every view costs O(links): 40,000
--    treatment-control links made the SoA take seconds. These tables hold the counts, kept by
--    triggers in the same transaction as every change, as risk_heat_counts (000009) does for
--    the heat map, so a page reads one row per control or system.
-- 2. Link indexes: a record's page reads a few of its links, and counts them, from an index
--    in the order of the other end's id.
-- 3. List indexes (at the end): a filter with the default sort (newest change first) walks an
--    index on (tenant_id, filter column, updated_at, id) and stops after one page.

-- Live (not archived) treatments that use each control. A control no treatment has used has
-- no row (read as 0); rows that fall back to 0 stay. As for risk_heat_counts, no CHECK
-- (treatments >= 0): it would be checked on the negative delta an upsert proposes.
CREATE TABLE control_treatment_counts (
  tenant_id  uuid NOT NULL,
  control_id uuid NOT NULL,
  treatments integer NOT NULL,
  PRIMARY KEY (tenant_id, control_id),
  FOREIGN KEY (tenant_id, control_id) REFERENCES controls (tenant_id, id) ON DELETE CASCADE
);

-- Live (not archived) risks that name each AI system.
CREATE TABLE ai_system_risk_counts (
  tenant_id uuid NOT NULL,
  system_id uuid NOT NULL,
  risks     integer NOT NULL,
  PRIMARY KEY (tenant_id, system_id),
  FOREIGN KEY (tenant_id, system_id) REFERENCES ai_systems (tenant_id, id) ON DELETE CASCADE
);

-- The triggers are statement-level with transition tables: one upsert per statement whatever
-- its row count (a bulk load costs one aggregate), counts written in key order so that two
-- transactions touching the same counts wait for each other instead of deadlocking, and
-- nothing written when no count changes. They run as the caller, so row-level security
-- confines them to the caller's tenant like the change itself.
--
-- A link counts while its record (treatment, risk) is live:
--   * inserting or deleting links adds or takes away the links of live records;
--   * archiving or restoring a record takes away or adds all its links;
--   * deleting a live record takes its links away before the foreign key's cascade deletes
--     them (a row trigger: by the time the cascade runs the record is gone, and its links
--     would no longer be seen as a live record's);
--   * TRUNCATE, which fires no row events, empties the counts.
--
-- The queries do not leave the planner a choice it can get wrong. A transition table has no
-- statistics, and the tenant condition of row-level security, carried over to it through the
-- join, makes every row count look like 0.5% of the real one; with the statistics of the
-- tables as they were before a bulk load (the seed loads in one transaction), the planner
-- took the new links of risk_ai_systems for a few and joined them in a nested loop with every
-- risk (97 s for 20,000 links); asked whether a linked risk is live with "archived_at IS NULL"
-- among its conditions, it read it through one of the partial list indexes below, whose
-- predicate that condition matches, scanning the tenant's whole index for every link (170 s
-- for 100,000). So each link reads its record by its primary key alone, in a scalar
-- subquery (a per-row subplan, never flattened into a join) that returns whether it is live,
-- and an update finds the records whose archived state changed by aggregating the old and
-- new rows (as risk_heat_counts does) rather than by joining them: a change of the risk
-- criteria updates every risk of the tenant in one statement.

CREATE FUNCTION control_treatment_counts_links() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    INSERT INTO control_treatment_counts AS c (tenant_id, control_id, treatments)
    SELECT x.tenant_id, x.control_id, count(*)
    FROM new_rows x
    WHERE (SELECT t.archived_at IS NULL FROM treatments t WHERE t.tenant_id = x.tenant_id AND t.id = x.treatment_id)
    GROUP BY 1, 2 ORDER BY 1, 2
    ON CONFLICT (tenant_id, control_id) DO UPDATE SET treatments = c.treatments + EXCLUDED.treatments;
  ELSE
    INSERT INTO control_treatment_counts AS c (tenant_id, control_id, treatments)
    SELECT x.tenant_id, x.control_id, -count(*)
    FROM old_rows x
    WHERE (SELECT t.archived_at IS NULL FROM treatments t WHERE t.tenant_id = x.tenant_id AND t.id = x.treatment_id)
    GROUP BY 1, 2 ORDER BY 1, 2
    ON CONFLICT (tenant_id, control_id) DO UPDATE SET treatments = c.treatments + EXCLUDED.treatments;
  END IF;
  RETURN NULL;
END
$$;

CREATE FUNCTION control_treatment_counts_archive() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO control_treatment_counts AS c (tenant_id, control_id, treatments)
  SELECT x.tenant_id, x.control_id, sum(f.delta)
  FROM (SELECT d.tenant_id, d.id, sum(d.delta) AS delta
    FROM (SELECT tenant_id, id, 1 AS delta FROM new_rows WHERE archived_at IS NULL
      UNION ALL
      SELECT tenant_id, id, -1 FROM old_rows WHERE archived_at IS NULL) d
    GROUP BY 1, 2 HAVING sum(d.delta) <> 0) f
  CROSS JOIN LATERAL (SELECT x.tenant_id, x.control_id FROM treatment_controls x
    WHERE x.tenant_id = f.tenant_id AND x.treatment_id = f.id OFFSET 0) x
  GROUP BY 1, 2 HAVING sum(f.delta) <> 0 ORDER BY 1, 2
  ON CONFLICT (tenant_id, control_id) DO UPDATE SET treatments = c.treatments + EXCLUDED.treatments;
  RETURN NULL;
END
$$;

CREATE FUNCTION control_treatment_counts_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF OLD.archived_at IS NULL THEN
    UPDATE control_treatment_counts c SET treatments = c.treatments - 1
    FROM treatment_controls x
    WHERE x.tenant_id = OLD.tenant_id AND x.treatment_id = OLD.id
      AND c.tenant_id = x.tenant_id AND c.control_id = x.control_id;
  END IF;
  RETURN OLD;
END
$$;

CREATE FUNCTION control_treatment_counts_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  TRUNCATE control_treatment_counts;
  RETURN NULL;
END
$$;

CREATE TRIGGER control_treatment_counts_insert AFTER INSERT ON treatment_controls
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION control_treatment_counts_links();
CREATE TRIGGER control_treatment_counts_delete AFTER DELETE ON treatment_controls
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION control_treatment_counts_links();
CREATE TRIGGER control_treatment_counts_truncate AFTER TRUNCATE ON treatment_controls
  FOR EACH STATEMENT EXECUTE FUNCTION control_treatment_counts_truncate();
CREATE TRIGGER treatment_control_counts_archive AFTER UPDATE ON treatments
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION control_treatment_counts_archive();
CREATE TRIGGER treatment_control_counts_delete BEFORE DELETE ON treatments
  FOR EACH ROW EXECUTE FUNCTION control_treatment_counts_delete();

CREATE FUNCTION ai_system_risk_counts_links() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    INSERT INTO ai_system_risk_counts AS c (tenant_id, system_id, risks)
    SELECT x.tenant_id, x.system_id, count(*)
    FROM new_rows x
    WHERE (SELECT r.archived_at IS NULL FROM risks r WHERE r.tenant_id = x.tenant_id AND r.id = x.risk_id)
    GROUP BY 1, 2 ORDER BY 1, 2
    ON CONFLICT (tenant_id, system_id) DO UPDATE SET risks = c.risks + EXCLUDED.risks;
  ELSE
    INSERT INTO ai_system_risk_counts AS c (tenant_id, system_id, risks)
    SELECT x.tenant_id, x.system_id, -count(*)
    FROM old_rows x
    WHERE (SELECT r.archived_at IS NULL FROM risks r WHERE r.tenant_id = x.tenant_id AND r.id = x.risk_id)
    GROUP BY 1, 2 ORDER BY 1, 2
    ON CONFLICT (tenant_id, system_id) DO UPDATE SET risks = c.risks + EXCLUDED.risks;
  END IF;
  RETURN NULL;
END
$$;

CREATE FUNCTION ai_system_risk_counts_archive() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO ai_system_risk_counts AS c (tenant_id, system_id, risks)
  SELECT x.tenant_id, x.system_id, sum(f.delta)
  FROM (SELECT d.tenant_id, d.id, sum(d.delta) AS delta
    FROM (SELECT tenant_id, id, 1 AS delta FROM new_rows WHERE archived_at IS NULL
      UNION ALL
      SELECT tenant_id, id, -1 FROM old_rows WHERE archived_at IS NULL) d
    GROUP BY 1, 2 HAVING sum(d.delta) <> 0) f
  CROSS JOIN LATERAL (SELECT x.tenant_id, x.system_id FROM risk_ai_systems x
    WHERE x.tenant_id = f.tenant_id AND x.risk_id = f.id OFFSET 0) x
  GROUP BY 1, 2 HAVING sum(f.delta) <> 0 ORDER BY 1, 2
  ON CONFLICT (tenant_id, system_id) DO UPDATE SET risks = c.risks + EXCLUDED.risks;
  RETURN NULL;
END
$$;

CREATE FUNCTION ai_system_risk_counts_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF OLD.archived_at IS NULL THEN
    UPDATE ai_system_risk_counts c SET risks = c.risks - 1
    FROM risk_ai_systems x
    WHERE x.tenant_id = OLD.tenant_id AND x.risk_id = OLD.id
      AND c.tenant_id = x.tenant_id AND c.system_id = x.system_id;
  END IF;
  RETURN OLD;
END
$$;

CREATE FUNCTION ai_system_risk_counts_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  TRUNCATE ai_system_risk_counts;
  RETURN NULL;
END
$$;

CREATE TRIGGER ai_system_risk_counts_insert AFTER INSERT ON risk_ai_systems
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION ai_system_risk_counts_links();
CREATE TRIGGER ai_system_risk_counts_delete AFTER DELETE ON risk_ai_systems
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION ai_system_risk_counts_links();
CREATE TRIGGER ai_system_risk_counts_truncate AFTER TRUNCATE ON risk_ai_systems
  FOR EACH STATEMENT EXECUTE FUNCTION ai_system_risk_counts_truncate();
-- Statement triggers of one event fire in name order: risk_system_counts_archive fires after
-- risk_heat_counts_update, so archiving a risk takes the heat-map cells before the system
-- counts, in the order a risk's create and update do (cells by the risk's own statement,
-- system counts by its links' statements); transactions then never wait for each other in
-- a cycle.
CREATE TRIGGER risk_system_counts_archive AFTER UPDATE ON risks
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION ai_system_risk_counts_archive();
CREATE TRIGGER risk_system_counts_delete BEFORE DELETE ON risks
  FOR EACH ROW EXECUTE FUNCTION ai_system_risk_counts_delete();

-- Count the links that exist. Reading every tenant's rows as the schema owner needs the owner
-- exempted from forced row-level security for these statements (see 000008); the lock ALTER
-- TABLE takes keeps the tables unchanged until the migration commits.
ALTER TABLE treatments NO FORCE ROW LEVEL SECURITY;
ALTER TABLE treatment_controls NO FORCE ROW LEVEL SECURITY;
ALTER TABLE risks NO FORCE ROW LEVEL SECURITY;
ALTER TABLE risk_ai_systems NO FORCE ROW LEVEL SECURITY;
INSERT INTO control_treatment_counts (tenant_id, control_id, treatments)
SELECT x.tenant_id, x.control_id, count(*)
FROM treatment_controls x JOIN treatments t ON t.tenant_id = x.tenant_id AND t.id = x.treatment_id
WHERE t.archived_at IS NULL
GROUP BY 1, 2;
INSERT INTO ai_system_risk_counts (tenant_id, system_id, risks)
SELECT x.tenant_id, x.system_id, count(*)
FROM risk_ai_systems x JOIN risks r ON r.tenant_id = x.tenant_id AND r.id = x.risk_id
WHERE r.archived_at IS NULL
GROUP BY 1, 2;
ALTER TABLE treatments FORCE ROW LEVEL SECURITY;
ALTER TABLE treatment_controls FORCE ROW LEVEL SECURITY;
ALTER TABLE risks FORCE ROW LEVEL SECURITY;
ALTER TABLE risk_ai_systems FORCE ROW LEVEL SECURITY;

ALTER TABLE control_treatment_counts ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON control_treatment_counts
  USING (tenant_id = current_setting('app.tenant_id')::uuid)
  WITH CHECK (tenant_id = current_setting('app.tenant_id')::uuid);
GRANT SELECT, INSERT, UPDATE ON control_treatment_counts TO aims_app;

ALTER TABLE ai_system_risk_counts ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON ai_system_risk_counts
  USING (tenant_id = current_setting('app.tenant_id')::uuid)
  WITH CHECK (tenant_id = current_setting('app.tenant_id')::uuid);
GRANT SELECT, INSERT, UPDATE ON ai_system_risk_counts TO aims_app;

-- Links are read per record in the order of the other end's id: the few treatments the SoA
-- names per control, the treatments a risk's or control's page shows, the risks an AI
-- system's page shows. An index-only scan in that order stops after them, and counts the
-- links without reading a row. Each replaces the index on (tenant_id, <record>), which the
-- foreign keys' cascades still find as its prefix.
CREATE INDEX treatment_controls_control_treatment_idx ON treatment_controls (tenant_id, control_id, treatment_id);
DROP INDEX treatment_controls_control_idx;
CREATE INDEX treatment_risks_risk_treatment_idx ON treatment_risks (tenant_id, risk_id, treatment_id);
DROP INDEX treatment_risks_risk_idx;
CREATE INDEX risk_ai_systems_system_risk_idx ON risk_ai_systems (tenant_id, system_id, risk_id);
DROP INDEX risk_ai_systems_system_idx;

-- List indexes. A register list filtered on a column and sorted by its default order (the
-- newest change first) walks an index on (tenant_id, column, updated_at, id) backwards and
-- stops after one page, and counts the matching rows (up to the list's count cap) from the
-- index alone. With an index on (tenant_id, column, id) only, the planner either reads the
-- whole filter's rows and sorts them (4,500 risks for one owner), or walks the newest-first
-- index and skips the rows that do not match (20,000 for a rare cell of the heat map); and
-- the count read the table. On bench-large (100,000 risks) a filtered first page took
-- 0.7–7 ms and its count 0.1–16 ms; with these indexes, 0.6–0.9 ms and 0.05–0.11 ms, as for
-- the unfiltered list.
--
-- Lists show live records unless asked for archived ones, so these indexes are partial:
-- smaller, and their count needs no visit to the table to leave archived rows out. They
-- replace the filter-only indexes of 000006 and 000007; indexes that also serve a sort
-- (risks_status_idx: "sort by status") or a foreign key (the owner's) stay whole. Registers
-- of a few thousand rows at most (AI systems, impact assessments, controls, context,
-- parties) need none: walking them costs less than one more index on every write.
CREATE INDEX risks_status_list_idx ON risks (tenant_id, status, updated_at, id) WHERE archived_at IS NULL;
CREATE INDEX risks_inherent_list_idx ON risks (tenant_id, inherent_level, updated_at, id) WHERE archived_at IS NULL;
DROP INDEX risks_inherent_idx;
CREATE INDEX risks_residual_list_idx ON risks (tenant_id, residual_level, updated_at, id) WHERE archived_at IS NULL;
DROP INDEX risks_residual_idx;
CREATE INDEX risks_source_list_idx ON risks (tenant_id, risk_source, updated_at, id) WHERE archived_at IS NULL;
DROP INDEX risks_source_idx;
CREATE INDEX risks_objective_list_idx ON risks (tenant_id, objective_affected, updated_at, id) WHERE archived_at IS NULL;
DROP INDEX risks_objective_idx;
CREATE INDEX risks_cell_list_idx ON risks (tenant_id, inherent_likelihood, inherent_impact, updated_at, id)
  WHERE archived_at IS NULL;
DROP INDEX risks_heat_idx;
CREATE INDEX risks_residual_cell_list_idx ON risks (tenant_id, residual_likelihood, residual_impact, updated_at, id)
  WHERE archived_at IS NULL;
DROP INDEX risks_residual_heat_idx;
-- The owner's index also serves the foreign key to memberships (ON DELETE SET NULL), which
-- must find archived risks too: it is whole, and carries archived_at so that the count
-- still leaves archived risks out from the index alone.
CREATE INDEX risks_owner_list_idx ON risks (tenant_id, owner_id, updated_at, id) INCLUDE (archived_at);
DROP INDEX risks_owner_idx;
CREATE INDEX treatments_owner_list_idx ON treatments (tenant_id, owner_id, updated_at, id) INCLUDE (archived_at);
DROP INDEX treatments_owner_idx;
