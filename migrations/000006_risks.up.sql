-- AI risk register (6.1.2, 8.2), following the ISO/IEC 23894 fields of the catalog.

CREATE TABLE risks (
  tenant_id           uuid NOT NULL REFERENCES tenants (id),
  id                  uuid NOT NULL DEFAULT gen_random_uuid(),
  ref                 integer NOT NULL,
  title               text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
  event               text NOT NULL DEFAULT '',   -- what could happen
  risk_source         text NOT NULL,              -- picklist risk_source
  objective_affected  text NOT NULL,              -- picklist objective_affected
  assets              text NOT NULL DEFAULT '',   -- assets and their value
  consequences        text NOT NULL DEFAULT '',
  affected_parties    text NOT NULL DEFAULT '',
  existing_controls   text NOT NULL DEFAULT '',
  inherent_likelihood integer NOT NULL CHECK (inherent_likelihood BETWEEN 1 AND 10),
  inherent_impact     integer NOT NULL CHECK (inherent_impact BETWEEN 1 AND 10),
  inherent_level      text NOT NULL CHECK (inherent_level IN ('low', 'medium', 'high', 'critical')),
  residual_likelihood integer CHECK (residual_likelihood BETWEEN 1 AND 10),
  residual_impact     integer CHECK (residual_impact BETWEEN 1 AND 10),
  residual_level      text CHECK (residual_level IN ('low', 'medium', 'high', 'critical')),
  -- Orders the register by severity: the level band first, then likelihood × impact
  -- within the band (at most 100), so a sort "by level" is by severity, not alphabetical.
  inherent_severity   integer GENERATED ALWAYS AS ((CASE inherent_level WHEN 'critical' THEN 4 WHEN 'high' THEN 3
                        WHEN 'medium' THEN 2 ELSE 1 END) * 1000 + inherent_likelihood * inherent_impact) STORED,
  owner_id            uuid,
  review_date         date,
  status              text NOT NULL CHECK (status IN ('identified', 'assessed', 'treatment_planned', 'treated', 'accepted', 'closed')),
  -- The impact assessment the risk was raised from, if any (set by impact assessments, 000008).
  impact_assessment_id uuid,
  archived_at         timestamptz,
  created_by          uuid NOT NULL REFERENCES users (id),
  created_at          timestamptz NOT NULL,
  updated_by          uuid NOT NULL REFERENCES users (id),
  updated_at          timestamptz NOT NULL,
  PRIMARY KEY (tenant_id, id),
  UNIQUE (tenant_id, ref),
  FOREIGN KEY (tenant_id, owner_id) REFERENCES memberships (tenant_id, user_id) ON DELETE SET NULL (owner_id),
  CHECK ((residual_likelihood IS NULL) = (residual_impact IS NULL) AND (residual_impact IS NULL) = (residual_level IS NULL))
);
CREATE INDEX risks_updated_idx ON risks (tenant_id, updated_at, id);
CREATE INDEX risks_title_idx ON risks (tenant_id, lower(title), id);
CREATE INDEX risks_status_idx ON risks (tenant_id, status, id);
CREATE INDEX risks_inherent_idx ON risks (tenant_id, inherent_level, id);
CREATE INDEX risks_residual_idx ON risks (tenant_id, residual_level, id);
CREATE INDEX risks_source_idx ON risks (tenant_id, risk_source, id);
-- Risks without a review date sort after every dated one (keyset paging needs a non-null key).
CREATE INDEX risks_review_idx ON risks (tenant_id, coalesce(review_date, 'infinity'::date), id);
CREATE INDEX risks_severity_idx ON risks (tenant_id, inherent_severity, id);
CREATE INDEX risks_objective_idx ON risks (tenant_id, objective_affected, id);
CREATE INDEX risks_owner_idx ON risks (tenant_id, owner_id);
CREATE INDEX risks_heat_idx ON risks (tenant_id, inherent_likelihood, inherent_impact);
CREATE INDEX risks_residual_heat_idx ON risks (tenant_id, residual_likelihood, residual_impact);
CREATE INDEX risks_search_idx ON risks USING gin ((title || ' ' || event || ' ' || consequences) gin_trgm_ops);
ALTER TABLE risks ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON risks
  USING (tenant_id = current_setting('app.tenant_id')::uuid)
  WITH CHECK (tenant_id = current_setting('app.tenant_id')::uuid);
GRANT SELECT, INSERT, UPDATE ON risks TO aims_app;

-- Which AI systems a risk concerns (one or more).
CREATE TABLE risk_ai_systems (
  tenant_id uuid NOT NULL,
  risk_id   uuid NOT NULL,
  system_id uuid NOT NULL,
  PRIMARY KEY (tenant_id, risk_id, system_id),
  FOREIGN KEY (tenant_id, risk_id) REFERENCES risks (tenant_id, id) ON DELETE CASCADE,
  FOREIGN KEY (tenant_id, system_id) REFERENCES ai_systems (tenant_id, id)
);
CREATE INDEX risk_ai_systems_system_idx ON risk_ai_systems (tenant_id, system_id);
ALTER TABLE risk_ai_systems ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON risk_ai_systems
  USING (tenant_id = current_setting('app.tenant_id')::uuid)
  WITH CHECK (tenant_id = current_setting('app.tenant_id')::uuid);
GRANT SELECT, INSERT, DELETE ON risk_ai_systems TO aims_app;

-- Every assessment of a risk, kept as a dated result (8.2 asks that results be retained).
CREATE TABLE risk_assessments (
  tenant_id           uuid NOT NULL,
  risk_id             uuid NOT NULL,
  seq                 integer NOT NULL,
  assessed_at         timestamptz NOT NULL,
  assessed_by         uuid NOT NULL REFERENCES users (id),
  inherent_likelihood integer NOT NULL,
  inherent_impact     integer NOT NULL,
  inherent_level      text NOT NULL,
  residual_likelihood integer,
  residual_impact     integer,
  residual_level      text,
  note                text NOT NULL DEFAULT '',
  PRIMARY KEY (tenant_id, risk_id, seq),
  FOREIGN KEY (tenant_id, risk_id) REFERENCES risks (tenant_id, id) ON DELETE CASCADE
);
ALTER TABLE risk_assessments ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON risk_assessments
  USING (tenant_id = current_setting('app.tenant_id')::uuid)
  WITH CHECK (tenant_id = current_setting('app.tenant_id')::uuid);
GRANT SELECT, INSERT ON risk_assessments TO aims_app;

-- Residual-risk acceptances: who accepted which residual level, when and why (6.1.3 f, 8.3).
CREATE TABLE risk_acceptances (
  tenant_id      uuid NOT NULL,
  risk_id        uuid NOT NULL,
  seq            integer NOT NULL,
  accepted_by    uuid NOT NULL REFERENCES users (id),
  accepted_at    timestamptz NOT NULL,
  residual_level text NOT NULL,
  -- Whether the level accepted was above the acceptance threshold of the criteria then.
  above_threshold boolean NOT NULL DEFAULT false,
  reason         text NOT NULL CHECK (length(btrim(reason)) > 0),
  PRIMARY KEY (tenant_id, risk_id, seq),
  FOREIGN KEY (tenant_id, risk_id) REFERENCES risks (tenant_id, id) ON DELETE CASCADE
);
ALTER TABLE risk_acceptances ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON risk_acceptances
  USING (tenant_id = current_setting('app.tenant_id')::uuid)
  WITH CHECK (tenant_id = current_setting('app.tenant_id')::uuid);
GRANT SELECT, INSERT ON risk_acceptances TO aims_app;
