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

func TestCatalogTenantKeysIncludeTenantID(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := pgtest.New(t)
	tables := tenantTables(t, db)

	t.Run("primary keys start with tenant_id", func(t *testing.T) {
		for _, table := range tables {
			var first *string
			err := db.Pool.QueryRow(ctx, `SELECT a.attname FROM pg_constraint con
				JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = con.conkey[1]
				WHERE con.contype = 'p' AND con.conrelid = ('public.' || $1)::regclass`, table).Scan(&first)
			require.NoError(t, err, "%s has no primary key", table)
			require.Equal(t, "tenant_id", *first, "%s: primary key must be (tenant_id, …)", table)
		}
	})

	t.Run("foreign keys between tenant tables carry tenant_id", func(t *testing.T) {
		rows, err := db.Pool.Query(ctx, `
			SELECT con.conname, con.conrelid::regclass::text, con.confrelid::regclass::text,
				EXISTS (SELECT 1 FROM unnest(con.conkey, con.confkey) AS k (col, ref)
					JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.col
					JOIN pg_attribute b ON b.attrelid = con.confrelid AND b.attnum = k.ref
					WHERE a.attname = 'tenant_id' AND b.attname = 'tenant_id')
			FROM pg_constraint con
			WHERE con.contype = 'f' AND con.conrelid::regclass::text = ANY ($1) AND con.confrelid::regclass::text = ANY ($1)`, tables)
		require.NoError(t, err)
		n := 0
		for rows.Next() {
			var name, from, to string
			var ok bool
			require.NoError(t, rows.Scan(&name, &from, &to, &ok))
			require.True(t, ok, "%s: foreign key %s to %s must pair tenant_id with tenant_id", from, name, to)
			n++
		}
		require.NoError(t, rows.Err())
		require.Positive(t, n, "expected foreign keys between tenant tables (e.g. context_issues → memberships)")
	})

	t.Run("unique keys include tenant_id", func(t *testing.T) {
		rows, err := db.Pool.Query(ctx, `
			SELECT i.indexrelid::regclass::text FROM pg_index i
			WHERE i.indisunique AND i.indrelid::regclass::text = ANY ($1)
			AND NOT EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = i.indrelid AND a.attname = 'tenant_id'
				AND a.attnum = ANY (i.indkey::int2[]))`, tables)
		require.NoError(t, err)
		global, err := pgx.CollectRows(rows, pgx.RowTo[string])
		require.NoError(t, err)
		require.Empty(t, global, "a unique key without tenant_id leaks existence across tenants")
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
