package risk_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/openaims/openaims/internal/postgres"
	"github.com/openaims/openaims/internal/postgres/pgtest"
	"github.com/openaims/openaims/internal/risk"
)

// heatCounts reads the tenant's kept cell counts and recounts them from the register, as
// "kind l-i" → count (cells with no risk left out).
func heatCounts(t *testing.T, tn pgtest.Tenancy) (kept, recounted map[string]int) {
	t.Helper()
	read := func(tx *postgres.Tx, sql string) map[string]int {
		rows, err := tx.Query(context.Background(), sql, tx.TenantID)
		require.NoError(t, err)
		out := map[string]int{}
		var kind string
		var l, i, n int
		_, err = pgx.ForEachRow(rows, []any{&kind, &l, &i, &n}, func() error {
			out[fmt.Sprintf("%s %d-%d", kind, l, i)] = n
			return nil
		})
		require.NoError(t, err)
		return out
	}
	tn.Tx(t, func(tx *postgres.Tx) error {
		kept = read(tx, `SELECT kind, likelihood, impact, count FROM risk_heat_counts WHERE tenant_id = $1 AND count > 0`)
		recounted = read(tx, `SELECT 'inherent', inherent_likelihood, inherent_impact, count(*)::int FROM risks
				WHERE tenant_id = $1 AND archived_at IS NULL GROUP BY 2, 3
			UNION ALL SELECT 'residual', coalesce(residual_likelihood, 0), coalesce(residual_impact, 0), count(*)::int FROM risks
				WHERE tenant_id = $1 AND archived_at IS NULL GROUP BY 2, 3`)
		return nil
	})
	return kept, recounted
}

// TestHeatMapCountsFollowEveryChange changes risks every way the register can and checks
// after each step that the kept per-cell counts equal a recount of the register.
func TestHeatMapCountsFollowEveryChange(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tn := pgtest.NewTenancy(t)
	other := pgtest.AddTenancy(t, tn.DB)
	sys := addSystem(t, tn, "Triage assistant")
	otherSys := addSystem(t, other, "Someone else's system")

	requireCounts := func(step string, want map[string]int) {
		t.Helper()
		kept, recounted := heatCounts(t, tn)
		require.Equal(t, recounted, kept, "%s: kept counts equal a recount", step)
		if want != nil {
			require.Equal(t, want, kept, step)
		}
	}
	assess := func(id uuid.UUID, rt risk.Ratings) {
		t.Helper()
		tn.Tx(t, func(tx *postgres.Tx) error {
			_, err := risk.Assess(ctx, tx, id, risk.Reassessment{Ratings: rt})
			return err
		})
	}
	archive := func(id uuid.UUID, archived bool) {
		t.Helper()
		tn.Tx(t, func(tx *postgres.Tx) error { _, err := risk.SetArchived(ctx, tx, id, archived); return err })
	}

	a := createRisk(t, tn, riskIn(sys, 3, 4, 2, 2))
	b := createRisk(t, tn, riskIn(sys, 3, 4, 0, 0))
	c := createRisk(t, tn, riskIn(sys, 5, 5, 1, 1))
	createRisk(t, other, riskIn(otherSys, 3, 4, 2, 2)) // another tenant's risk counts in its own map only
	requireCounts("created", map[string]int{"inherent 3-4": 2, "inherent 5-5": 1, "residual 2-2": 1, "residual 0-0": 1, "residual 1-1": 1})

	assess(a.ID, risk.Ratings{InherentLikelihood: 4, InherentImpact: 4})
	assess(b.ID, risk.Ratings{InherentLikelihood: 3, InherentImpact: 4, ResidualLikelihood: 3, ResidualImpact: 3})
	requireCounts("re-assessed", map[string]int{"inherent 3-4": 1, "inherent 4-4": 1, "inherent 5-5": 1,
		"residual 0-0": 1, "residual 3-3": 1, "residual 1-1": 1})

	edit := c
	edit.SystemIDs, edit.Title = []string{sys.String()}, "Renamed, ratings untouched"
	tn.Tx(t, func(tx *postgres.Tx) error { _, err := risk.Update(ctx, tx, c.ID, edit); return err })
	requireCounts("edited", map[string]int{"inherent 3-4": 1, "inherent 4-4": 1, "inherent 5-5": 1,
		"residual 0-0": 1, "residual 3-3": 1, "residual 1-1": 1})

	archive(c.ID, true)
	requireCounts("archived", map[string]int{"inherent 3-4": 1, "inherent 4-4": 1, "residual 0-0": 1, "residual 3-3": 1})
	archive(c.ID, false)
	requireCounts("restored", map[string]int{"inherent 3-4": 1, "inherent 4-4": 1, "inherent 5-5": 1,
		"residual 0-0": 1, "residual 3-3": 1, "residual 1-1": 1})

	// Two changes in one transaction, and a transaction that rolls back.
	tn.Tx(t, func(tx *postgres.Tx) error {
		if _, err := risk.Assess(ctx, tx, a.ID, risk.Reassessment{Ratings: risk.Ratings{InherentLikelihood: 1, InherentImpact: 1,
			ResidualLikelihood: 1, ResidualImpact: 1}}); err != nil {
			return err
		}
		_, err := risk.SetArchived(ctx, tx, b.ID, true)
		return err
	})
	want := map[string]int{"inherent 1-1": 1, "inherent 5-5": 1, "residual 1-1": 2}
	requireCounts("two changes in one transaction", want)
	rollback := errors.New("roll back")
	err := tn.DB.InTenantTx(ctx, tn.TenantID, tn.Actor, func(tx *postgres.Tx) error {
		if _, err := risk.SetArchived(ctx, tx, a.ID, true); err != nil {
			return err
		}
		createRisk(t, other, riskIn(otherSys, 1, 1, 1, 1)) // meanwhile, elsewhere
		return rollback
	})
	require.ErrorIs(t, err, rollback)
	requireCounts("rolled back", want)

	// A bulk load (one statement, many rows) and a deletion by the schema owner.
	tn.Tx(t, func(tx *postgres.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO risks (tenant_id, ref, title, risk_source, objective_affected,
				inherent_likelihood, inherent_impact, inherent_level, residual_likelihood, residual_impact, residual_level,
				status, created_by, created_at, updated_by, updated_at)
			SELECT $1, 1000 + g, 'Bulk ' || g, 'machine_learning_related', 'safety', 1 + g % 5, 1 + g % 3, 'low',
				CASE WHEN g % 2 = 0 THEN 1 END, CASE WHEN g % 2 = 0 THEN 2 END, CASE WHEN g % 2 = 0 THEN 'low' END,
				'identified', $2, $3, $2, $3
			FROM generate_series(1, 300) g`, tx.TenantID, tx.Actor.UserID, tx.Now)
		return err
	})
	requireCounts("bulk insert", nil)
	conn, err := tn.DB.Pool.Begin(ctx)
	require.NoError(t, err)
	_, err = conn.Exec(ctx, `SELECT set_config('app.tenant_id', $1, true)`, tn.TenantID.String())
	require.NoError(t, err)
	_, err = conn.Exec(ctx, `DELETE FROM risks WHERE ref > 1100 OR id = $1`, c.ID)
	require.NoError(t, err)
	require.NoError(t, conn.Commit(ctx))
	requireCounts("deleted", nil)

	kept, _ := heatCounts(t, other)
	require.Equal(t, map[string]int{"inherent 3-4": 1, "residual 2-2": 1, "inherent 1-1": 1, "residual 1-1": 1}, kept,
		"the other tenant's counts are its own")

	var m risk.HeatMaps
	tn.Tx(t, func(tx *postgres.Tx) (err error) { m, err = risk.LoadHeatMaps(ctx, tx); return err })
	_, recounted := heatCounts(t, tn)
	require.Equal(t, recounted["inherent 1-1"], m.Inherent.Count(1, 1), "the heat map reads the kept counts")
	require.Equal(t, recounted["residual 0-0"], m.Residual.Unrated)
}
