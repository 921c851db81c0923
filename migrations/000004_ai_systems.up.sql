-- AI system inventory (Annex A.4, A.6, A.7, A.9, A.10): purpose, life cycle, the
-- organisation's role, EU AI Act class, resources and suppliers.

CREATE TABLE ai_systems (
  tenant_id        uuid NOT NULL REFERENCES tenants (id),
  id               uuid NOT NULL DEFAULT gen_random_uuid(),
  ref              integer NOT NULL,
  name             text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  purpose          text NOT NULL DEFAULT '',
  description      text NOT NULL DEFAULT '',
  intended_use     text NOT NULL DEFAULT '',
  intended_users   text NOT NULL DEFAULT '',
  lifecycle_stage  text NOT NULL CHECK (lifecycle_stage IN ('idea', 'design', 'development',
                     'verification_validation', 'deployment', 'operation', 'retired')),
  org_role         text NOT NULL CHECK (org_role IN ('provider', 'deployer', 'both', 'other')),
  eu_ai_act_class  text NOT NULL CHECK (eu_ai_act_class IN ('prohibited', 'high_risk', 'limited', 'minimal', 'not_assessed')),
  eu_ai_act_reason text NOT NULL DEFAULT '',
  in_scope         boolean NOT NULL,
  tooling          text NOT NULL DEFAULT '', -- A.4.4
  compute          text NOT NULL DEFAULT '', -- A.4.5
  suppliers        text NOT NULL DEFAULT '', -- A.10
  owner_id         uuid,
  -- Positions of the stage and the class in their published order, so that the inventory
  -- sorts by life cycle and by severity rather than alphabetically.
  lifecycle_order  smallint NOT NULL GENERATED ALWAYS AS (CASE lifecycle_stage
                     WHEN 'idea' THEN 1 WHEN 'design' THEN 2 WHEN 'development' THEN 3
                     WHEN 'verification_validation' THEN 4 WHEN 'deployment' THEN 5
                     WHEN 'operation' THEN 6 ELSE 7 END) STORED,
  eu_ai_act_order  smallint NOT NULL GENERATED ALWAYS AS (CASE eu_ai_act_class
                     WHEN 'prohibited' THEN 1 WHEN 'high_risk' THEN 2 WHEN 'limited' THEN 3
                     WHEN 'minimal' THEN 4 ELSE 5 END) STORED,
  archived_at      timestamptz,
  created_by       uuid NOT NULL REFERENCES users (id),
  created_at       timestamptz NOT NULL,
  updated_by       uuid NOT NULL REFERENCES users (id),
  updated_at       timestamptz NOT NULL,
  PRIMARY KEY (tenant_id, id),
  UNIQUE (tenant_id, ref),
  FOREIGN KEY (tenant_id, owner_id) REFERENCES memberships (tenant_id, user_id) ON DELETE SET NULL (owner_id)
);
CREATE INDEX ai_systems_updated_idx ON ai_systems (tenant_id, updated_at, id);
CREATE INDEX ai_systems_name_idx ON ai_systems (tenant_id, lower(name), id);
CREATE INDEX ai_systems_stage_idx ON ai_systems (tenant_id, lifecycle_stage, id);
CREATE INDEX ai_systems_class_idx ON ai_systems (tenant_id, eu_ai_act_class, id);
CREATE INDEX ai_systems_owner_idx ON ai_systems (tenant_id, owner_id);
CREATE INDEX ai_systems_stage_order_idx ON ai_systems (tenant_id, lifecycle_order, id);
CREATE INDEX ai_systems_class_order_idx ON ai_systems (tenant_id, eu_ai_act_order, id);
CREATE INDEX ai_systems_scope_idx ON ai_systems (tenant_id, in_scope, id);
CREATE INDEX ai_systems_search_idx ON ai_systems USING gin ((name || ' ' || purpose || ' ' || description) gin_trgm_ops);
ALTER TABLE ai_systems ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON ai_systems
  USING (tenant_id = current_setting('app.tenant_id')::uuid)
  WITH CHECK (tenant_id = current_setting('app.tenant_id')::uuid);
GRANT SELECT, INSERT, UPDATE ON ai_systems TO aims_app;

-- Data resources of an AI system (A.4.3, A.7): one row per data set.
CREATE TABLE ai_system_data (
  tenant_id      uuid NOT NULL,
  system_id      uuid NOT NULL,
  position       integer NOT NULL,
  name           text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  source         text NOT NULL DEFAULT '',
  acquisition    text NOT NULL DEFAULT '',
  provenance     text NOT NULL DEFAULT '',
  quality_checks text NOT NULL DEFAULT '',
  personal_data  boolean NOT NULL,
  preparation    text NOT NULL DEFAULT '',
  PRIMARY KEY (tenant_id, system_id, position),
  FOREIGN KEY (tenant_id, system_id) REFERENCES ai_systems (tenant_id, id) ON DELETE CASCADE
);
ALTER TABLE ai_system_data ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON ai_system_data
  USING (tenant_id = current_setting('app.tenant_id')::uuid)
  WITH CHECK (tenant_id = current_setting('app.tenant_id')::uuid);
GRANT SELECT, INSERT, UPDATE, DELETE ON ai_system_data TO aims_app;
