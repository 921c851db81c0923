package demo

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/openaims/openaims/internal/control"
	"github.com/openaims/openaims/internal/postgres"
	"github.com/openaims/openaims/internal/postgres/pgtest"
	"github.com/openaims/openaims/internal/tenant"
)

// TestSeedControlsAndTreatments: each demo tenant has its 38 Annex A controls, a Statement
// of Applicability about half decided with three justified exclusions, two custom controls,
// and treatment plans linking its risks to controls, with actions.
func TestSeedControlsAndTreatments(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := pgtest.New(t)
	require.NoError(t, Seed(ctx, db, "demo-password", func(string, ...any) {}))

	for _, slug := range []string{"acme", "globex"} {
		tn, err := tenant.FindBySlug(ctx, db, slug)
		require.NoError(t, err)
		var st control.Statement
		var plans, linkedRisks, linkedControls, actions, seeds int
		require.NoError(t, db.InTenantTx(ctx, tn.ID, postgres.SystemActor("test"), func(tx *postgres.Tx) (err error) {
			if st, err = control.StatementOfApplicability(ctx, tx); err != nil {
				return err
			}
			if err := tx.QueryRow(ctx, `SELECT count(*) FROM audit_events WHERE action = 'controls.seed'`).Scan(&seeds); err != nil {
				return err
			}
			return tx.QueryRow(ctx, `SELECT (SELECT count(*) FROM treatments), (SELECT count(*) FROM treatment_risks),
				(SELECT count(*) FROM treatment_controls), (SELECT count(*) FROM treatment_actions)`).
				Scan(&plans, &linkedRisks, &linkedControls, &actions)
		}))
		s := st.Summary
		require.Equal(t, 40, s.Total, "%s: 38 Annex A controls and 2 custom ones", slug)
		require.Equal(t, 3, s.Excluded, slug)
		require.Equal(t, 19, s.Applicable, slug)
		require.Equal(t, 18, s.Undecided, slug)
		require.Positive(t, s.Implemented, slug)
		require.Positive(t, s.PartiallyImplemented, slug)
		require.Positive(t, s.Planned, slug)
		require.Positive(t, s.NotStarted, slug)
		require.Equal(t, 1, seeds, "%s: the catalog seeded once", slug)
		for _, g := range st.Groups {
			for _, c := range g.Controls {
				if c.Applicability == control.Excluded {
					require.NotEmpty(t, c.Justification, "%s %s: exclusions are justified", slug, c.Code)
				}
			}
		}
		if plans == 0 {
			t.Logf("%s: no risks seeded, so no treatment plans", slug)
			continue
		}
		require.GreaterOrEqual(t, plans, 5, slug)
		require.GreaterOrEqual(t, linkedRisks, plans, slug)
		require.GreaterOrEqual(t, linkedControls, 2*plans, slug)
		require.Greater(t, actions, plans, slug)
	}
}

// TestSeedTreatmentsWithoutRisks: with no risk register, the treatment seed adds nothing
// and does not fail.
func TestSeedTreatmentsWithoutRisks(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tn := pgtest.NewTenancy(t)
	tn.Tx(t, func(tx *postgres.Tx) error {
		if err := seedControls(ctx, tx, "acme", nil); err != nil {
			return err
		}
		return seedTreatments(ctx, tx, "acme", nil)
	})
	var n int
	tn.Tx(t, func(tx *postgres.Tx) error { return tx.QueryRow(ctx, `SELECT count(*) FROM treatments`).Scan(&n) })
	require.Zero(t, n)
}
