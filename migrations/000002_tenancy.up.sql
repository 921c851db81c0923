-- Tenant-owned tables. Each one has tenant_id first in its primary key and foreign keys,
-- ENABLE and FORCE row-level security, and a policy on the transaction-local setting
-- app.tenant_id (unset, the cast fails and the query errors: closed, never open).

CREATE TABLE memberships (
  tenant_id  uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  user_id    uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  role       text NOT NULL CHECK (role IN ('admin', 'compliance_officer', 'auditor', 'executive')),
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, user_id)
);
CREATE INDEX memberships_user_idx ON memberships (user_id);
ALTER TABLE memberships ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON memberships
  USING (tenant_id = current_setting('app.tenant_id')::uuid)
  WITH CHECK (tenant_id = current_setting('app.tenant_id')::uuid);
-- The platform role (schema owner) resolves a signed-in user's memberships across tenants
-- for the tenant switcher and the tenant middleware. aims_app never gets this policy.
CREATE POLICY platform_read ON memberships FOR SELECT TO CURRENT_USER USING (true);
GRANT SELECT, INSERT, UPDATE, DELETE ON memberships TO aims_app;

CREATE TABLE invitations (
  tenant_id   uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  id          uuid NOT NULL DEFAULT gen_random_uuid(),
  email       text NOT NULL CHECK (email = lower(email) AND position('@' IN email) > 1),
  role        text NOT NULL CHECK (role IN ('admin', 'compliance_officer', 'auditor', 'executive')),
  token_hash  bytea NOT NULL,
  invited_by  uuid NOT NULL REFERENCES users (id),
  created_at  timestamptz NOT NULL DEFAULT now(),
  expires_at  timestamptz NOT NULL,
  accepted_at timestamptz,
  revoked_at  timestamptz,
  PRIMARY KEY (tenant_id, id),
  UNIQUE (tenant_id, token_hash)
);
ALTER TABLE invitations ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON invitations
  USING (tenant_id = current_setting('app.tenant_id')::uuid)
  WITH CHECK (tenant_id = current_setting('app.tenant_id')::uuid);
GRANT SELECT, INSERT, UPDATE ON invitations TO aims_app;

-- Per-tenant counters behind human references such as CTX-7.
CREATE TABLE record_counters (
  tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  register  text NOT NULL,
  last      integer NOT NULL,
  PRIMARY KEY (tenant_id, register)
);
ALTER TABLE record_counters ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON record_counters
  USING (tenant_id = current_setting('app.tenant_id')::uuid)
  WITH CHECK (tenant_id = current_setting('app.tenant_id')::uuid);
GRANT SELECT, INSERT, UPDATE ON record_counters TO aims_app;

-- The tamper-evident audit trail: one SHA-256 hash chain per tenant, numbered by seq.
-- hash = SHA-256 over the canonical encoding of the entry including prev_hash (see
-- internal/auditlog). before/after are json, not jsonb, so the stored text is exactly
-- the text that was hashed.
CREATE TABLE audit_events (
  tenant_id   uuid NOT NULL REFERENCES tenants (id),
  seq         bigint NOT NULL CHECK (seq > 0),
  occurred_at timestamptz NOT NULL,
  actor_id    uuid,
  actor_label text NOT NULL,
  action      text NOT NULL,
  object_type text NOT NULL,
  object_id   text NOT NULL,
  object_label text NOT NULL DEFAULT '',
  request_id  text NOT NULL,
  before      json,
  after       json,
  prev_hash   bytea NOT NULL,
  hash        bytea NOT NULL,
  PRIMARY KEY (tenant_id, seq)
);
CREATE INDEX audit_events_object_idx ON audit_events (tenant_id, object_type, object_id, seq DESC);
CREATE INDEX audit_events_actor_idx ON audit_events (tenant_id, actor_id, seq DESC);
CREATE INDEX audit_events_time_idx ON audit_events (tenant_id, occurred_at DESC);
ALTER TABLE audit_events ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON audit_events
  USING (tenant_id = current_setting('app.tenant_id')::uuid)
  WITH CHECK (tenant_id = current_setting('app.tenant_id')::uuid);
GRANT SELECT, INSERT ON audit_events TO aims_app;

CREATE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit_events is append-only: % is not allowed', TG_OP
    USING ERRCODE = 'insufficient_privilege';
END $$;
CREATE TRIGGER audit_events_no_update_delete BEFORE UPDATE OR DELETE ON audit_events
  FOR EACH ROW EXECUTE FUNCTION audit_events_append_only();
CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events
  FOR EACH STATEMENT EXECUTE FUNCTION audit_events_append_only();
