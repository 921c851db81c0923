package postgres_test

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/openaims/openaims/internal/postgres"
	"github.com/openaims/openaims/internal/postgres/pgtest"
)

// TestMigrationCountsExistingRisks applies 000009 to a database that already has risks:
// the heat-map counts it creates must be those of the register.
func TestMigrationCountsExistingRisks(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	url := pgtest.EmptyDatabase(t)
	unlock := pgtest.LockMigrations(t)
	mg, err := postgres.NewMigrator(url)
	require.NoError(t, err)
	t.Cleanup(func() { _ = mg.Close() })
	require.NoError(t, mg.Steps(8))
	unlock()

	conn, err := pgx.Connect(ctx, url)
	require.NoError(t, err)
	t.Cleanup(func() { _ = conn.Close(ctx) })
	// The test connects as a superuser, which row-level security does not confine.
	_, err = conn.Exec(ctx, `
		INSERT INTO tenants (slug, name) VALUES ('one', 'One'), ('two', 'Two');
		INSERT INTO users (email, display_name, password_hash) VALUES ('a@example.com', 'A', 'x');
		INSERT INTO risks (tenant_id, ref, title, risk_source, objective_affected, inherent_likelihood, inherent_impact,
			inherent_level, residual_likelihood, residual_impact, residual_level, status, archived_at,
			created_by, created_at, updated_by, updated_at)
		SELECT t.id, g, 'Risk ' || g, 'machine_learning_related', 'safety', 1 + g % 3, 1 + g % 2, 'low',
			CASE WHEN g % 4 = 0 THEN 2 END, CASE WHEN g % 4 = 0 THEN 2 END, CASE WHEN g % 4 = 0 THEN 'low' END,
			'identified', CASE WHEN g % 5 = 0 THEN now() END, u.id, now(), u.id, now()
		FROM tenants t, users u, generate_series(1, CASE t.slug WHEN 'one' THEN 40 ELSE 7 END) g`)
	require.NoError(t, err)

	unlock = pgtest.LockMigrations(t)
	require.NoError(t, mg.Steps(1))
	unlock()

	collect := func(sql string) []string {
		rows, err := conn.Query(ctx, sql)
		require.NoError(t, err)
		out, err := pgx.CollectRows(rows, pgx.RowTo[string])
		require.NoError(t, err)
		return out
	}
	recounted := collect(`SELECT t.slug || ' ' || c.kind || ' ' || c.l || '-' || c.i || ' ' || c.n FROM (
			SELECT tenant_id, 'inherent' AS kind, inherent_likelihood AS l, inherent_impact AS i, count(*) AS n
			FROM risks WHERE archived_at IS NULL GROUP BY 1, 2, 3, 4
			UNION ALL SELECT tenant_id, 'residual', coalesce(residual_likelihood, 0), coalesce(residual_impact, 0), count(*)
			FROM risks WHERE archived_at IS NULL GROUP BY 1, 2, 3, 4) c
		JOIN tenants t ON t.id = c.tenant_id ORDER BY 1`)
	kept := collect(`SELECT t.slug || ' ' || h.kind || ' ' || h.likelihood || '-' || h.impact || ' ' || h.count
		FROM risk_heat_counts h JOIN tenants t ON t.id = h.tenant_id WHERE h.count > 0 ORDER BY 1`)
	require.NotEmpty(t, recounted)
	require.Equal(t, recounted, kept)

	var forced bool
	require.NoError(t, conn.QueryRow(ctx, `SELECT relforcerowsecurity FROM pg_class WHERE oid = 'risks'::regclass`).Scan(&forced))
	require.True(t, forced, "the migration forces row-level security on risks again")
}
