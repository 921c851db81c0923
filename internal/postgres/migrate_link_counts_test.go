package postgres_test

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/openaims/openaims/internal/postgres"
	"github.com/openaims/openaims/internal/postgres/pgtest"
)

// TestMigrationLinkCounts applies 000012 to a database that already has linked records: the
// link counts it creates must be those of the links, and its triggers must keep them through
// every kind of change (links added and removed, records archived, restored and deleted,
// tables truncated). It runs as a superuser, which row-level security does not confine: the
// counts are checked across two tenants.
func TestMigrationLinkCounts(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	url := pgtest.EmptyDatabase(t)
	unlock := pgtest.LockMigrations(t)
	mg, err := postgres.NewMigrator(url)
	require.NoError(t, err)
	t.Cleanup(func() { _ = mg.Close() })
	require.NoError(t, mg.Steps(11))
	unlock()

	conn, err := pgx.Connect(ctx, url)
	require.NoError(t, err)
	t.Cleanup(func() { _ = conn.Close(ctx) })
	exec := func(sql string) {
		t.Helper()
		_, err := conn.Exec(ctx, sql)
		require.NoError(t, err)
	}
	// Two tenants, each with 4 controls and 4 AI systems; 12 treatments (every third
	// archived) and 15 risks (every fifth archived); treatment g uses controls g % 4 and
	// (g + 1) % 4, risk g names systems g % 4 and, for even g, (g + 2) % 4.
	exec(`
		INSERT INTO tenants (slug, name) VALUES ('one', 'One'), ('two', 'Two');
		INSERT INTO users (email, display_name, password_hash) VALUES ('a@example.com', 'A', 'x');
		INSERT INTO controls (tenant_id, code, position, annex_a, title, created_at, updated_at)
		SELECT t.id, 'CUS-' || g, 1000 + g, false, 'Control ' || g, now(), now() FROM tenants t, generate_series(0, 3) g;
		INSERT INTO ai_systems (tenant_id, ref, name, lifecycle_stage, org_role, eu_ai_act_class, in_scope,
			created_by, created_at, updated_by, updated_at)
		SELECT t.id, g, 'System ' || g, 'operation', 'provider', 'minimal', true, u.id, now(), u.id, now()
		FROM tenants t, users u, generate_series(0, 3) g;
		INSERT INTO treatments (tenant_id, ref, title, option, status, archived_at, created_by, created_at, updated_by, updated_at)
		SELECT t.id, g, 'Treatment ' || g, 'modify', 'planned', CASE WHEN g % 3 = 0 THEN now() END, u.id, now(), u.id, now()
		FROM tenants t, users u, generate_series(1, 12) g;
		INSERT INTO treatment_controls (tenant_id, treatment_id, control_id)
		SELECT x.tenant_id, x.id, c.id FROM treatments x JOIN controls c ON c.tenant_id = x.tenant_id
			AND c.code IN ('CUS-' || x.ref % 4, 'CUS-' || (x.ref + 1) % 4);
		INSERT INTO risks (tenant_id, ref, title, risk_source, objective_affected, inherent_likelihood, inherent_impact,
			inherent_level, status, archived_at, created_by, created_at, updated_by, updated_at)
		SELECT t.id, g, 'Risk ' || g, 'machine_learning_related', 'safety', 2, 2, 'low', 'identified',
			CASE WHEN g % 5 = 0 THEN now() END, u.id, now(), u.id, now()
		FROM tenants t, users u, generate_series(1, 15) g;
		INSERT INTO risk_ai_systems (tenant_id, risk_id, system_id)
		SELECT r.tenant_id, r.id, s.id FROM risks r JOIN ai_systems s ON s.tenant_id = r.tenant_id
			AND (s.ref = r.ref % 4 OR (r.ref % 2 = 0 AND s.ref = (r.ref + 2) % 4));`)

	unlock = pgtest.LockMigrations(t)
	require.NoError(t, mg.Steps(1))
	unlock()

	collect := func(sql string) []string {
		t.Helper()
		rows, err := conn.Query(ctx, sql)
		require.NoError(t, err)
		out, err := pgx.CollectRows(rows, pgx.RowTo[string])
		require.NoError(t, err)
		return out
	}
	// The counts as the links say, and as the tables keep them (rows at zero read as none).
	recount := func() (controls, systems []string) {
		controls = collect(`SELECT t.slug || ' ' || c.code || ' ' || count(*) FROM treatment_controls x
			JOIN treatments r ON r.tenant_id = x.tenant_id AND r.id = x.treatment_id AND r.archived_at IS NULL
			JOIN controls c ON c.tenant_id = x.tenant_id AND c.id = x.control_id
			JOIN tenants t ON t.id = x.tenant_id GROUP BY t.slug, c.code ORDER BY 1`)
		systems = collect(`SELECT t.slug || ' ' || s.name || ' ' || count(*) FROM risk_ai_systems x
			JOIN risks r ON r.tenant_id = x.tenant_id AND r.id = x.risk_id AND r.archived_at IS NULL
			JOIN ai_systems s ON s.tenant_id = x.tenant_id AND s.id = x.system_id
			JOIN tenants t ON t.id = x.tenant_id GROUP BY t.slug, s.name ORDER BY 1`)
		return controls, systems
	}
	kept := func() (controls, systems []string) {
		controls = collect(`SELECT t.slug || ' ' || c.code || ' ' || n.treatments FROM control_treatment_counts n
			JOIN controls c ON c.tenant_id = n.tenant_id AND c.id = n.control_id
			JOIN tenants t ON t.id = n.tenant_id WHERE n.treatments <> 0 ORDER BY 1`)
		systems = collect(`SELECT t.slug || ' ' || s.name || ' ' || n.risks FROM ai_system_risk_counts n
			JOIN ai_systems s ON s.tenant_id = n.tenant_id AND s.id = n.system_id
			JOIN tenants t ON t.id = n.tenant_id WHERE n.risks <> 0 ORDER BY 1`)
		return controls, systems
	}
	check := func(what string) {
		t.Helper()
		wantControls, wantSystems := recount()
		gotControls, gotSystems := kept()
		require.NotEmpty(t, wantControls, what)
		require.Equal(t, wantControls, gotControls, "%s: treatments per control", what)
		require.Equal(t, wantSystems, gotSystems, "%s: risks per AI system", what)
	}
	check("the migration counts the links that exist")

	exec(`UPDATE treatments SET archived_at = now() WHERE ref IN (1, 2);
		UPDATE treatments SET archived_at = NULL WHERE ref = 3;
		UPDATE treatments SET title = title || ' (edited)' WHERE ref = 4;
		UPDATE risks SET archived_at = now() WHERE ref IN (1, 2);
		UPDATE risks SET archived_at = NULL WHERE ref = 5;
		UPDATE risks SET title = title || ' (edited)' WHERE ref = 4`)
	check("archiving and restoring records")

	exec(`DELETE FROM treatment_controls x USING controls c
			WHERE c.tenant_id = x.tenant_id AND c.id = x.control_id AND c.code = 'CUS-1';
		INSERT INTO treatment_controls (tenant_id, treatment_id, control_id)
		SELECT x.tenant_id, x.id, c.id FROM treatments x JOIN controls c ON c.tenant_id = x.tenant_id AND c.code = 'CUS-1'
		WHERE x.ref > 6;
		DELETE FROM risk_ai_systems x USING ai_systems s
			WHERE s.tenant_id = x.tenant_id AND s.id = x.system_id AND s.ref = 2 AND x.risk_id IN (
				SELECT id FROM risks WHERE ref < 8)`)
	check("links added and removed")

	exec(`DELETE FROM treatments WHERE ref IN (4, 6);
		DELETE FROM risk_assessments WHERE risk_id IN (SELECT id FROM risks WHERE ref IN (6, 10));
		DELETE FROM risks WHERE ref IN (6, 10)`)
	check("live and archived records deleted with their links")

	exec(`TRUNCATE treatment_controls, risk_ai_systems`)
	gotControls, gotSystems := kept()
	require.Empty(t, gotControls, "truncating the links empties the counts")
	require.Empty(t, gotSystems)

	for _, table := range []string{"treatments", "treatment_controls", "risks", "risk_ai_systems"} {
		var forced bool
		require.NoError(t, conn.QueryRow(ctx, `SELECT relforcerowsecurity FROM pg_class WHERE oid = $1::regclass`, table).Scan(&forced))
		require.True(t, forced, "the migration forces row-level security on %s again", table)
	}
}
