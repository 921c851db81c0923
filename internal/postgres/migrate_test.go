package postgres_test

import (
	"context"
	"io/fs"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/openaims/openaims/internal/postgres"
	"github.com/openaims/openaims/internal/postgres/pgtest"
	"github.com/openaims/openaims/migrations"
)

// schemaSnapshot describes what the migrations built: every column of every public table,
// every policy, index and trigger, so that "down then up" can be compared with "up".
func schemaSnapshot(t *testing.T, conn *pgx.Conn) []string {
	t.Helper()
	rows, err := conn.Query(context.Background(), `
		SELECT 'column ' || table_name || '.' || column_name || ' ' || data_type || ' ' || is_nullable
		FROM information_schema.columns WHERE table_schema = 'public' AND table_name <> 'schema_migrations'
		UNION ALL
		SELECT 'policy ' || tablename || '.' || policyname || ' ' || cmd || ' ' || coalesce(qual, '') || ' ' || coalesce(with_check, '')
		FROM pg_policies WHERE schemaname = 'public'
		UNION ALL
		SELECT 'index ' || indexdef FROM pg_indexes WHERE schemaname = 'public' AND tablename <> 'schema_migrations'
		UNION ALL
		SELECT 'trigger ' || tgrelid::regclass::text || '.' || tgname FROM pg_trigger WHERE NOT tgisinternal
		UNION ALL
		SELECT 'rls ' || relname || ' ' || relrowsecurity::text || ' ' || relforcerowsecurity::text
		FROM pg_class WHERE relnamespace = 'public'::regnamespace AND relkind = 'r' AND relname <> 'schema_migrations'
		UNION ALL
		SELECT 'grant ' || table_name || ' ' || privilege_type FROM information_schema.role_table_grants
		WHERE grantee = 'aims_app' AND table_schema = 'public'
		ORDER BY 1`)
	require.NoError(t, err)
	out, err := pgx.CollectRows(rows, pgx.RowTo[string])
	require.NoError(t, err)
	return out
}

func TestMigrationsUpDownUp(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	url := pgtest.EmptyDatabase(t)
	unlock := pgtest.LockMigrations(t)
	defer unlock()

	mg, err := postgres.NewMigrator(url)
	require.NoError(t, err)
	t.Cleanup(func() { _ = mg.Close() })
	conn, err := pgx.Connect(ctx, url)
	require.NoError(t, err)
	t.Cleanup(func() { _ = conn.Close(ctx) })

	v, dirty, err := mg.Version()
	require.NoError(t, err)
	require.Zero(t, v, "an empty database has no version")
	require.False(t, dirty)

	require.NoError(t, mg.Up())
	v, dirty, err = mg.Version()
	require.NoError(t, err)
	require.Equal(t, postgres.LatestVersion(), v)
	require.False(t, dirty)
	first := schemaSnapshot(t, conn)
	require.NotEmpty(t, first)
	require.Contains(t, first, "rls context_issues true true")

	require.NoError(t, mg.Up(), "a second Up has nothing to do and is not an error")

	require.NoError(t, mg.Down())
	v, _, err = mg.Version()
	require.NoError(t, err)
	require.Zero(t, v)
	require.Empty(t, schemaSnapshot(t, conn), "down must remove everything up created")
	var funcs int
	require.NoError(t, conn.QueryRow(ctx, `SELECT count(*) FROM pg_proc WHERE pronamespace = 'public'::regnamespace
		AND proname = 'audit_events_append_only'`).Scan(&funcs))
	require.Zero(t, funcs)

	require.NoError(t, mg.Up())
	v, dirty, err = mg.Version()
	require.NoError(t, err)
	require.Equal(t, postgres.LatestVersion(), v)
	require.False(t, dirty)
	require.Equal(t, first, schemaSnapshot(t, conn), "up after down must rebuild the same schema")
}

func TestMigrationsComeInPairs(t *testing.T) {
	t.Parallel()
	entries, err := fs.ReadDir(migrations.FS, ".")
	require.NoError(t, err)
	ups, downs := map[string]bool{}, map[string]bool{}
	for _, e := range entries {
		name := e.Name()
		switch {
		case strings.HasSuffix(name, ".up.sql"):
			ups[strings.TrimSuffix(name, ".up.sql")] = true
		case strings.HasSuffix(name, ".down.sql"):
			downs[strings.TrimSuffix(name, ".down.sql")] = true
		}
	}
	require.Equal(t, ups, downs, "every migration needs both an up and a down file")
	require.Len(t, ups, int(postgres.LatestVersion()), "versions are numbered 1..n without gaps")
}

func TestMigrateRefusesDirtySchema(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	url := pgtest.NewDatabase(t)
	conn, err := pgx.Connect(ctx, url)
	require.NoError(t, err)
	t.Cleanup(func() { _ = conn.Close(ctx) })
	_, err = conn.Exec(ctx, `UPDATE schema_migrations SET dirty = true`)
	require.NoError(t, err)

	mg, err := postgres.NewMigrator(url)
	require.NoError(t, err)
	t.Cleanup(func() { _ = mg.Close() })

	v, dirty, err := mg.Version()
	require.NoError(t, err)
	require.True(t, dirty)
	require.Equal(t, postgres.LatestVersion(), v)

	err = mg.Up()
	require.ErrorIs(t, err, postgres.ErrDirty)
	require.Contains(t, err.Error(), "aims migrate force")
	require.ErrorIs(t, mg.Steps(1), postgres.ErrDirty)

	// The operator's way out: force the version once the schema is repaired.
	require.NoError(t, mg.Force(int(v)))
	require.NoError(t, mg.Up())
	_, dirty, err = mg.Version()
	require.NoError(t, err)
	require.False(t, dirty)
}
