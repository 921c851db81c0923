-- Clause 4.1 (context of the organisation) and 4.2 (interested parties).

CREATE TABLE context_issues (
  tenant_id   uuid NOT NULL REFERENCES tenants (id),
  id          uuid NOT NULL DEFAULT gen_random_uuid(),
  ref         integer NOT NULL,
  title       text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
  origin      text NOT NULL CHECK (origin IN ('internal', 'external')),
  category    text NOT NULL,
  description text NOT NULL DEFAULT '',
  effect      text NOT NULL DEFAULT '',
  owner_id    uuid,
  status      text NOT NULL CHECK (status IN ('open', 'monitored', 'addressed')),
  review_date date,
  archived_at timestamptz,
  created_by  uuid NOT NULL REFERENCES users (id),
  created_at  timestamptz NOT NULL,
  updated_by  uuid NOT NULL REFERENCES users (id),
  updated_at  timestamptz NOT NULL,
  PRIMARY KEY (tenant_id, id),
  UNIQUE (tenant_id, ref),
  FOREIGN KEY (tenant_id, owner_id) REFERENCES memberships (tenant_id, user_id) ON DELETE SET NULL (owner_id)
);
CREATE INDEX context_issues_updated_idx ON context_issues (tenant_id, updated_at, id);
CREATE INDEX context_issues_title_idx ON context_issues (tenant_id, lower(title), id);
CREATE INDEX context_issues_status_idx ON context_issues (tenant_id, status, id);
CREATE INDEX context_issues_category_idx ON context_issues (tenant_id, category, id);
CREATE INDEX context_issues_owner_idx ON context_issues (tenant_id, owner_id);
CREATE INDEX context_issues_search_idx ON context_issues
  USING gin ((title || ' ' || description || ' ' || effect) gin_trgm_ops);
ALTER TABLE context_issues ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON context_issues
  USING (tenant_id = current_setting('app.tenant_id')::uuid)
  WITH CHECK (tenant_id = current_setting('app.tenant_id')::uuid);
GRANT SELECT, INSERT, UPDATE ON context_issues TO aims_app;

-- The organisation's AI roles (4.1): which of the roles it plays, and why.
CREATE TABLE ai_roles (
  tenant_id  uuid NOT NULL REFERENCES tenants (id),
  role       text NOT NULL CHECK (role IN ('provider', 'producer', 'customer', 'partner', 'subject')),
  applies    boolean NOT NULL,
  note       text NOT NULL DEFAULT '',
  updated_by uuid NOT NULL REFERENCES users (id),
  updated_at timestamptz NOT NULL,
  PRIMARY KEY (tenant_id, role)
);
ALTER TABLE ai_roles ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON ai_roles
  USING (tenant_id = current_setting('app.tenant_id')::uuid)
  WITH CHECK (tenant_id = current_setting('app.tenant_id')::uuid);
GRANT SELECT, INSERT, UPDATE ON ai_roles TO aims_app;

CREATE TABLE parties (
  tenant_id   uuid NOT NULL REFERENCES tenants (id),
  id          uuid NOT NULL DEFAULT gen_random_uuid(),
  ref         integer NOT NULL,
  name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  kind        text NOT NULL,
  description text NOT NULL DEFAULT '',
  owner_id    uuid,
  status      text NOT NULL CHECK (status IN ('active', 'inactive')),
  archived_at timestamptz,
  created_by  uuid NOT NULL REFERENCES users (id),
  created_at  timestamptz NOT NULL,
  updated_by  uuid NOT NULL REFERENCES users (id),
  updated_at  timestamptz NOT NULL,
  PRIMARY KEY (tenant_id, id),
  UNIQUE (tenant_id, ref),
  FOREIGN KEY (tenant_id, owner_id) REFERENCES memberships (tenant_id, user_id) ON DELETE SET NULL (owner_id)
);
CREATE INDEX parties_updated_idx ON parties (tenant_id, updated_at, id);
CREATE INDEX parties_name_idx ON parties (tenant_id, lower(name), id);
CREATE INDEX parties_kind_idx ON parties (tenant_id, kind, id);
CREATE INDEX parties_owner_idx ON parties (tenant_id, owner_id);
CREATE INDEX parties_search_idx ON parties USING gin ((name || ' ' || description) gin_trgm_ops);
ALTER TABLE parties ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON parties
  USING (tenant_id = current_setting('app.tenant_id')::uuid)
  WITH CHECK (tenant_id = current_setting('app.tenant_id')::uuid);
GRANT SELECT, INSERT, UPDATE ON parties TO aims_app;

-- Each requirement of an interested party, whether the AIMS addresses it, and whether it is
-- a legal or regulatory requirement.
CREATE TABLE party_requirements (
  tenant_id   uuid NOT NULL,
  party_id    uuid NOT NULL,
  position    integer NOT NULL,
  requirement text NOT NULL CHECK (length(requirement) BETWEEN 1 AND 2000),
  legal       boolean NOT NULL,
  addressed   boolean NOT NULL,
  how         text NOT NULL DEFAULT '',
  PRIMARY KEY (tenant_id, party_id, position),
  FOREIGN KEY (tenant_id, party_id) REFERENCES parties (tenant_id, id) ON DELETE CASCADE
);
ALTER TABLE party_requirements ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON party_requirements
  USING (tenant_id = current_setting('app.tenant_id')::uuid)
  WITH CHECK (tenant_id = current_setting('app.tenant_id')::uuid);
GRANT SELECT, INSERT, UPDATE, DELETE ON party_requirements TO aims_app;
