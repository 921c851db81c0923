-- Risk criteria (6.1.1) and the controls of the Statement of Applicability (6.1.3 d).

-- One row per tenant once an administrator saves criteria; until then the product's default
-- 5 x 5 criteria apply. Scales are arrays indexed from 1; levels is the matrix of level bands
-- flattened row by row: levels[(likelihood - 1) * impact_count + impact].
CREATE TABLE risk_criteria (
  tenant_id              uuid PRIMARY KEY REFERENCES tenants (id),
  likelihood_labels      text[] NOT NULL,
  likelihood_descriptions text[] NOT NULL,
  impact_labels          text[] NOT NULL,
  impact_descriptions    text[] NOT NULL,
  levels                 text[] NOT NULL,
  acceptance_threshold   text NOT NULL CHECK (acceptance_threshold IN ('low', 'medium', 'high', 'critical')),
  updated_by             uuid NOT NULL REFERENCES users (id),
  updated_at             timestamptz NOT NULL,
  CHECK (cardinality(likelihood_labels) BETWEEN 2 AND 10 AND cardinality(impact_labels) BETWEEN 2 AND 10),
  CHECK (cardinality(likelihood_descriptions) = cardinality(likelihood_labels)),
  CHECK (cardinality(impact_descriptions) = cardinality(impact_labels)),
  CHECK (cardinality(levels) = cardinality(likelihood_labels) * cardinality(impact_labels)),
  CHECK (levels <@ ARRAY['low', 'medium', 'high', 'critical'])
);
ALTER TABLE risk_criteria ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON risk_criteria
  USING (tenant_id = current_setting('app.tenant_id')::uuid)
  WITH CHECK (tenant_id = current_setting('app.tenant_id')::uuid);
GRANT SELECT, INSERT, UPDATE ON risk_criteria TO aims_app;

-- Annex A controls (seeded per tenant from the catalog, code 'A.x.y') and custom controls
-- (code 'CUS-n'), each with its Statement of Applicability decision.
CREATE TABLE controls (
  tenant_id             uuid NOT NULL REFERENCES tenants (id),
  id                    uuid NOT NULL DEFAULT gen_random_uuid(),
  code                  text NOT NULL,
  position              integer NOT NULL, -- published order of Annex A; custom controls after it
  annex_a               boolean NOT NULL,
  title                 text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
  objective_id          text NOT NULL DEFAULT '',
  objective_title       text NOT NULL DEFAULT '',
  description           text NOT NULL DEFAULT '',
  applicable            boolean,          -- NULL: not decided yet
  justification         text NOT NULL DEFAULT '',
  inclusion_reasons     text[] NOT NULL DEFAULT '{}',
  implementation_status text NOT NULL DEFAULT 'not_started'
    CHECK (implementation_status IN ('not_started', 'planned', 'partially_implemented', 'implemented')),
  owner_id              uuid,
  archived_at           timestamptz,
  created_by            uuid REFERENCES users (id), -- NULL for controls seeded from the catalog
  created_at            timestamptz NOT NULL,
  updated_by            uuid REFERENCES users (id),
  updated_at            timestamptz NOT NULL,
  PRIMARY KEY (tenant_id, id),
  UNIQUE (tenant_id, code),
  FOREIGN KEY (tenant_id, owner_id) REFERENCES memberships (tenant_id, user_id) ON DELETE SET NULL (owner_id),
  -- An excluded control needs its justification (6.1.3 d).
  CHECK (applicable IS DISTINCT FROM false OR length(btrim(justification)) > 0),
  CHECK (inclusion_reasons <@ ARRAY['treatment', 'legal', 'other'])
);
CREATE INDEX controls_position_idx ON controls (tenant_id, position, id);
CREATE INDEX controls_updated_idx ON controls (tenant_id, updated_at, id);
CREATE INDEX controls_title_idx ON controls (tenant_id, lower(title), id);
CREATE INDEX controls_status_idx ON controls (tenant_id, implementation_status, id);
CREATE INDEX controls_objective_idx ON controls (tenant_id, objective_id, id);
CREATE INDEX controls_owner_idx ON controls (tenant_id, owner_id);
CREATE INDEX controls_search_idx ON controls USING gin ((code || ' ' || title || ' ' || description || ' ' || justification) gin_trgm_ops);
ALTER TABLE controls ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON controls
  USING (tenant_id = current_setting('app.tenant_id')::uuid)
  WITH CHECK (tenant_id = current_setting('app.tenant_id')::uuid);
GRANT SELECT, INSERT, UPDATE ON controls TO aims_app;
