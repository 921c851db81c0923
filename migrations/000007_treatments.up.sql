-- Risk treatment plans (6.1.3, 8.3): the option chosen, the risks treated, the controls used,
-- the actions with owners and due dates, and the check of their effectiveness.

CREATE TABLE treatments (
  tenant_id            uuid NOT NULL REFERENCES tenants (id),
  id                   uuid NOT NULL DEFAULT gen_random_uuid(),
  ref                  integer NOT NULL,
  title                text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
  option               text NOT NULL CHECK (option IN ('modify', 'avoid', 'share', 'retain')),
  description          text NOT NULL DEFAULT '',
  owner_id             uuid,
  due_date             date,
  status               text NOT NULL CHECK (status IN ('planned', 'in_progress', 'completed', 'cancelled')),
  effectiveness_check  text NOT NULL DEFAULT '',
  effectiveness        text NOT NULL DEFAULT 'not_checked'
    CHECK (effectiveness IN ('not_checked', 'effective', 'partially_effective', 'not_effective')),
  archived_at          timestamptz,
  created_by           uuid NOT NULL REFERENCES users (id),
  created_at           timestamptz NOT NULL,
  updated_by           uuid NOT NULL REFERENCES users (id),
  updated_at           timestamptz NOT NULL,
  PRIMARY KEY (tenant_id, id),
  UNIQUE (tenant_id, ref),
  FOREIGN KEY (tenant_id, owner_id) REFERENCES memberships (tenant_id, user_id) ON DELETE SET NULL (owner_id)
);
CREATE INDEX treatments_updated_idx ON treatments (tenant_id, updated_at, id);
CREATE INDEX treatments_title_idx ON treatments (tenant_id, lower(title), id);
CREATE INDEX treatments_status_idx ON treatments (tenant_id, status, id);
CREATE INDEX treatments_option_idx ON treatments (tenant_id, option, id);
-- Plans without a due date sort after every dated one (keyset paging needs a non-null key).
CREATE INDEX treatments_due_idx ON treatments (tenant_id, coalesce(due_date, 'infinity'::date), id);
CREATE INDEX treatments_owner_idx ON treatments (tenant_id, owner_id);
CREATE INDEX treatments_search_idx ON treatments USING gin ((title || ' ' || description) gin_trgm_ops);
ALTER TABLE treatments ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON treatments
  USING (tenant_id = current_setting('app.tenant_id')::uuid)
  WITH CHECK (tenant_id = current_setting('app.tenant_id')::uuid);
GRANT SELECT, INSERT, UPDATE ON treatments TO aims_app;

CREATE TABLE treatment_risks (
  tenant_id    uuid NOT NULL,
  treatment_id uuid NOT NULL,
  risk_id      uuid NOT NULL,
  PRIMARY KEY (tenant_id, treatment_id, risk_id),
  FOREIGN KEY (tenant_id, treatment_id) REFERENCES treatments (tenant_id, id) ON DELETE CASCADE,
  FOREIGN KEY (tenant_id, risk_id) REFERENCES risks (tenant_id, id)
);
CREATE INDEX treatment_risks_risk_idx ON treatment_risks (tenant_id, risk_id);
ALTER TABLE treatment_risks ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON treatment_risks
  USING (tenant_id = current_setting('app.tenant_id')::uuid)
  WITH CHECK (tenant_id = current_setting('app.tenant_id')::uuid);
GRANT SELECT, INSERT, DELETE ON treatment_risks TO aims_app;

CREATE TABLE treatment_controls (
  tenant_id    uuid NOT NULL,
  treatment_id uuid NOT NULL,
  control_id   uuid NOT NULL,
  PRIMARY KEY (tenant_id, treatment_id, control_id),
  FOREIGN KEY (tenant_id, treatment_id) REFERENCES treatments (tenant_id, id) ON DELETE CASCADE,
  FOREIGN KEY (tenant_id, control_id) REFERENCES controls (tenant_id, id)
);
CREATE INDEX treatment_controls_control_idx ON treatment_controls (tenant_id, control_id);
ALTER TABLE treatment_controls ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON treatment_controls
  USING (tenant_id = current_setting('app.tenant_id')::uuid)
  WITH CHECK (tenant_id = current_setting('app.tenant_id')::uuid);
GRANT SELECT, INSERT, DELETE ON treatment_controls TO aims_app;

CREATE TABLE treatment_actions (
  tenant_id    uuid NOT NULL,
  treatment_id uuid NOT NULL,
  position     integer NOT NULL,
  title        text NOT NULL CHECK (length(title) BETWEEN 1 AND 500),
  owner_id     uuid,
  due_date     date,
  status       text NOT NULL CHECK (status IN ('open', 'in_progress', 'done')),
  PRIMARY KEY (tenant_id, treatment_id, position),
  FOREIGN KEY (tenant_id, treatment_id) REFERENCES treatments (tenant_id, id) ON DELETE CASCADE,
  FOREIGN KEY (tenant_id, owner_id) REFERENCES memberships (tenant_id, user_id) ON DELETE SET NULL (owner_id)
);
ALTER TABLE treatment_actions ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON treatment_actions
  USING (tenant_id = current_setting('app.tenant_id')::uuid)
  WITH CHECK (tenant_id = current_setting('app.tenant_id')::uuid);
GRANT SELECT, INSERT, UPDATE, DELETE ON treatment_actions TO aims_app;
