-- Platform tables: tenants, users, sessions, login throttling. They hold no tenant's
-- register data and are read by the platform role (the schema owner that runs migrations).
-- Tenant data is served as role aims_app under row-level security (see 000002).

-- aims_app is cluster-wide. The schema owner needs CREATEROLE to create it, or a DBA creates
-- it beforehand and grants it to the owner (docs: deploy/operations.md).
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'aims_app') THEN
    BEGIN
      CREATE ROLE aims_app NOLOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS;
    EXCEPTION WHEN duplicate_object OR unique_violation THEN
      NULL; -- another database on this server created it at the same moment
    END;
  END IF;
  -- The schema owner switches to aims_app with SET LOCAL ROLE in every tenant transaction.
  IF NOT pg_has_role(current_user, 'aims_app', 'MEMBER') THEN
    EXECUTE format('GRANT aims_app TO %I', current_user);
  END IF;
END $$;
GRANT USAGE ON SCHEMA public TO aims_app;

CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE TABLE tenants (
  id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  slug       text NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9]([a-z0-9-]{0,38}[a-z0-9])?$'),
  name       text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  created_at timestamptz NOT NULL DEFAULT now()
);
GRANT SELECT ON tenants TO aims_app;

CREATE TABLE users (
  id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  email         text NOT NULL CHECK (email = lower(email) AND position('@' IN email) > 1),
  display_name  text NOT NULL CHECK (length(display_name) BETWEEN 1 AND 200),
  password_hash text NOT NULL,
  created_at    timestamptz NOT NULL DEFAULT now(),
  updated_at    timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX users_email_key ON users (email);
-- aims_app may show who did what (names on records and in the trail), never password hashes.
GRANT SELECT (id, email, display_name) ON users TO aims_app;

-- scs session store (github.com/alexedwards/scs/pgxstore).
CREATE TABLE sessions (
  token  text PRIMARY KEY,
  data   bytea NOT NULL,
  expiry timestamptz NOT NULL
);
CREATE INDEX sessions_expiry_idx ON sessions (expiry);

-- Failed sign-ins, per account ('account:<email>') and per client address ('addr:<ip>').
CREATE TABLE login_failures (
  key       text NOT NULL,
  failed_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX login_failures_key_idx ON login_failures (key, failed_at);
