package postgres_test

import (
	"context"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/openaims/openaims/internal/postgres"
	"github.com/openaims/openaims/internal/postgres/pgtest"
)

// The catalog tests read the migrated schema, so a new table that forgets the tenancy rules
// of HOUSE_STYLE.md fails here without anyone writing a test for it.

// tenantTables lists every table in schema public with a tenant_id column.
func tenantTables(t *testing.T, db *postgres.DB) []string {
	t.Helper()
	rows, err := db.Pool.Query(context.Background(), `
		SELECT c.relname FROM pg_class c
		JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'tenant_id' AND NOT a.attisdropped
		WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p')
		ORDER BY 1`)
	require.NoError(t, err)
	names, err := pgx.CollectRows(rows, pgx.RowTo[string])
	require.NoError(t, err)
	// Guard against the query silently matching nothing.
	for _, known := range []string{"memberships", "invitations", "audit_events", "context_issues", "parties", "party_requirements"} {
		require.Contains(t, names, known)
	}
	return names
}

func TestCatalogTenantTablesForceRowLevelSecurity(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := pgtest.New(t)
	for _, table := range tenantTables(t, db) {
		t.Run(table, func(t *testing.T) {
			var enabled, forced bool
			require.NoError(t, db.Pool.QueryRow(ctx, `SELECT relrowsecurity, relforcerowsecurity FROM pg_class
				WHERE oid = ('public.' || $1)::regclass`, table).Scan(&enabled, &forced))
			require.True(t, enabled, "%s: ALTER TABLE … ENABLE ROW LEVEL SECURITY is missing", table)
			require.True(t, forced, "%s: ALTER TABLE … FORCE ROW LEVEL SECURITY is missing", table)

			type policy struct {
				Name, Cmd, Qual, Check string
				Permissive             bool
				Roles                  []string
			}
			rows, err := db.Pool.Query(ctx, `SELECT policyname, cmd, coalesce(qual, ''), coalesce(with_check, ''),
				permissive = 'PERMISSIVE', roles::text[] FROM pg_policies WHERE schemaname = 'public' AND tablename = $1`, table)
			require.NoError(t, err)
			policies, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (policy, error) {
				var p policy
				return p, r.Scan(&p.Name, &p.Cmd, &p.Qual, &p.Check, &p.Permissive, &p.Roles)
			})
			require.NoError(t, err)

			pinned := func(expr string) bool {
				return strings.Contains(expr, "tenant_id = ") && strings.Contains(expr, "current_setting('app.tenant_id'")
			}
			appliesToApp := func(p policy) bool {
				for _, r := range p.Roles {
					if r == "public" || r == "aims_app" {
						return true
					}
				}
				return false
			}
			isolated := false
			for _, p := range policies {
				if p.Cmd == "ALL" && appliesToApp(p) && pinned(p.Qual) && pinned(p.Check) {
					isolated = true
				}
				// Permissive policies are OR-ed: one open policy reaching aims_app would undo
				// the isolation policy.
				if p.Permissive && appliesToApp(p) {
					require.True(t, pinned(p.Qual), "%s: policy %s reaches aims_app without pinning app.tenant_id: %s", table, p.Name, p.Qual)
					if p.Check != "" {
						require.True(t, pinned(p.Check), "%s: policy %s WITH CHECK does not pin app.tenant_id: %s", table, p.Name, p.Check)
					}
				}
			}
			require.True(t, isolated, "%s: no policy USING and WITH CHECK tenant_id = current_setting('app.tenant_id')::uuid; have %+v", table, policies)
		})
	}
}

func TestCatalogNoViewBypassesRowLevelSecurity(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	// A view runs with its owner's rights unless security_invoker is set, and the owner is
	// not subject to aims_app's policies.
	rows, err := db.Pool.Query(context.Background(), `SELECT c.relname FROM pg_class c
		WHERE c.relnamespace = 'public'::regnamespace AND (c.relkind = 'm' OR (c.relkind = 'v'
			AND NOT EXISTS (SELECT 1 FROM unnest(c.reloptions) o
				WHERE o IN ('security_invoker=true', 'security_invoker=on', 'security_invoker=1'))))`)
	require.NoError(t, err)
	views, err := pgx.CollectRows(rows, pgx.RowTo[string])
	require.NoError(t, err)
	require.Empty(t, views, "views in public must be security_invoker (and no materialized views of tenant data)")
}

// keyViolations lists, for the tables of db with a tenant_id column, the keys a
// distribution by tenant_id (Citus) cannot take: a primary key that does not start with
// tenant_id, a foreign key between tenant tables that does not start with tenant_id on both
// sides, a foreign key from a table without tenant_id into a tenant table, and a unique key
// without tenant_id. Each entry names the table and the key.
func keyViolations(t *testing.T, db *postgres.DB, tables []string) (pks, fks, uniques []string) {
	t.Helper()
	ctx := context.Background()
	rows, err := db.Pool.Query(ctx, `
		SELECT c.relname || ': ' || coalesce((SELECT con.conname FROM pg_constraint con
			WHERE con.contype = 'p' AND con.conrelid = c.oid), 'no primary key')
		FROM pg_class c
		WHERE c.relnamespace = 'public'::regnamespace AND c.relname = ANY ($1)
		AND NOT EXISTS (SELECT 1 FROM pg_constraint con
			JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = con.conkey[1]
			WHERE con.contype = 'p' AND con.conrelid = c.oid AND a.attname = 'tenant_id')
		ORDER BY 1`, tables)
	require.NoError(t, err)
	pks, err = pgx.CollectRows(rows, pgx.RowTo[string])
	require.NoError(t, err)

	// conkey and confkey are in the order the key was declared, so element 1 is its first
	// column.
	rows, err = db.Pool.Query(ctx, `
		SELECT con.conrelid::regclass::text || ': ' || con.conname || ' → ' || con.confrelid::regclass::text
		FROM pg_constraint con
		JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = con.conkey[1]
		JOIN pg_attribute b ON b.attrelid = con.confrelid AND b.attnum = con.confkey[1]
		WHERE con.contype = 'f' AND con.confrelid::regclass::text = ANY ($1)
		AND (NOT con.conrelid::regclass::text = ANY ($1) OR a.attname <> 'tenant_id' OR b.attname <> 'tenant_id')
		ORDER BY 1`, tables)
	require.NoError(t, err)
	fks, err = pgx.CollectRows(rows, pgx.RowTo[string])
	require.NoError(t, err)

	rows, err = db.Pool.Query(ctx, `
		SELECT i.indrelid::regclass::text || ': ' || i.indexrelid::regclass::text FROM pg_index i
		WHERE i.indisunique AND i.indrelid::regclass::text = ANY ($1)
		AND NOT EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = i.indrelid AND a.attname = 'tenant_id'
			AND a.attnum = ANY (i.indkey::int2[]))
		ORDER BY 1`, tables)
	require.NoError(t, err)
	uniques, err = pgx.CollectRows(rows, pgx.RowTo[string])
	require.NoError(t, err)
	return pks, fks, uniques
}

func TestCatalogTenantKeysIncludeTenantID(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := pgtest.New(t)
	tables := tenantTables(t, db)
	pks, fks, uniques := keyViolations(t, db, tables)
	require.Empty(t, pks, "primary keys must be (tenant_id, …): tenant_id first, as a distribution by tenant_id needs")
	require.Empty(t, fks, "foreign keys into a tenant table must come from a tenant table and start with tenant_id on both sides")
	require.Empty(t, uniques, "a unique key without tenant_id leaks existence across tenants")

	var n int
	require.NoError(t, db.Pool.QueryRow(ctx, `SELECT count(*) FROM pg_constraint
		WHERE contype = 'f' AND conrelid::regclass::text = ANY ($1) AND confrelid::regclass::text = ANY ($1)`, tables).Scan(&n))
	require.Positive(t, n, "expected foreign keys between tenant tables (e.g. context_issues → memberships)")

	// The checks themselves: keys that carry tenant_id but not first, and the other
	// shapes, must each be caught.
	t.Run("catches keys not led by tenant_id", func(t *testing.T) {
		t.Parallel()
		bad := pgtest.New(t)
		_, err := bad.Pool.Exec(ctx, `
			CREATE TABLE bad_parent (tenant_id uuid NOT NULL, id uuid NOT NULL, code text NOT NULL,
				PRIMARY KEY (id, tenant_id), UNIQUE (tenant_id, id), UNIQUE (code));
			CREATE TABLE bad_child (tenant_id uuid NOT NULL, id uuid NOT NULL, parent_id uuid NOT NULL,
				PRIMARY KEY (tenant_id, id),
				FOREIGN KEY (parent_id, tenant_id) REFERENCES bad_parent (id, tenant_id));
			CREATE TABLE bad_global (id uuid PRIMARY KEY, tenant uuid NOT NULL, parent_id uuid NOT NULL,
				FOREIGN KEY (tenant, parent_id) REFERENCES bad_parent (tenant_id, id));
			CREATE TABLE bad_keyless (tenant_id uuid NOT NULL, note text)`)
		require.NoError(t, err)
		pks, fks, uniques := keyViolations(t, bad, tenantTables(t, bad))
		require.Equal(t, []string{"bad_keyless: no primary key", "bad_parent: bad_parent_pkey"}, pks)
		require.Len(t, fks, 2)
		require.Contains(t, fks[0], "bad_child: bad_child_parent_id_tenant_id_fkey → bad_parent")
		require.Contains(t, fks[1], "bad_global: bad_global_tenant_parent_id_fkey → bad_parent")
		require.Equal(t, []string{"bad_parent: bad_parent_code_key"}, uniques)
	})
}

func TestCatalogAppRoleIsUnprivileged(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := pgtest.New(t)

	var super, bypass, createRole, createDB, inherits bool
	require.NoError(t, db.Pool.QueryRow(ctx, `SELECT rolsuper, rolbypassrls, rolcreaterole, rolcreatedb,
		EXISTS (SELECT 1 FROM pg_auth_members WHERE member = r.oid)
		FROM pg_roles r WHERE rolname = 'aims_app'`).Scan(&super, &bypass, &createRole, &createDB, &inherits))
	require.False(t, super, "aims_app must not be a superuser")
	require.False(t, bypass, "aims_app must not have BYPASSRLS")
	require.False(t, createRole)
	require.False(t, createDB)
	require.False(t, inherits, "aims_app must not be a member of another role it could SET ROLE to")

	var owned int
	require.NoError(t, db.Pool.QueryRow(ctx, `SELECT
		(SELECT count(*) FROM pg_class WHERE relowner = 'aims_app'::regrole) +
		(SELECT count(*) FROM pg_namespace WHERE nspowner = 'aims_app'::regrole) +
		(SELECT count(*) FROM pg_proc WHERE proowner = 'aims_app'::regrole)`).Scan(&owned))
	require.Zero(t, owned, "aims_app must own nothing: an owner escapes row-level security unless forced")

	// What aims_app must never be able to do, whatever the code asks.
	denied := []struct{ object, privilege string }{
		{"users", "UPDATE"}, {"users", "DELETE"}, {"users", "INSERT"},
		{"tenants", "UPDATE"}, {"tenants", "INSERT"}, {"tenants", "DELETE"},
		{"sessions", "SELECT"}, {"login_failures", "SELECT"}, {"login_failures", "INSERT"},
		{"audit_events", "UPDATE"}, {"audit_events", "DELETE"}, {"audit_events", "TRUNCATE"},
		{"schema_migrations", "SELECT"}, {"schema_migrations", "UPDATE"},
	}
	for _, d := range denied {
		var has bool
		require.NoError(t, db.Pool.QueryRow(ctx, `SELECT has_table_privilege('aims_app', $1, $2)`, d.object, d.privilege).Scan(&has))
		require.False(t, has, "aims_app has %s on %s", d.privilege, d.object)
	}
	var hashReadable bool
	require.NoError(t, db.Pool.QueryRow(ctx, `SELECT has_column_privilege('aims_app', 'users', 'password_hash', 'SELECT')`).Scan(&hashReadable))
	require.False(t, hashReadable, "aims_app must not read password hashes")
}

func TestAppRoleCannotReadPasswordHashes(t *testing.T) {
	t.Parallel()
	tn := pgtest.NewTenancy(t)
	err := tn.Try(func(tx *postgres.Tx) error {
		var h string
		return tx.QueryRow(context.Background(), `SELECT password_hash FROM users LIMIT 1`).Scan(&h)
	})
	requirePgError(t, err, "42501")
	err = tn.Try(func(tx *postgres.Tx) error {
		_, err := tx.Exec(context.Background(), `UPDATE users SET display_name = 'x'`)
		return err
	})
	requirePgError(t, err, "42501")
}
