package treatment_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/openaims/openaims/internal/control"
	"github.com/openaims/openaims/internal/postgres"
	"github.com/openaims/openaims/internal/postgres/pgtest"
	"github.com/openaims/openaims/internal/treatment"
)

// TestControlTreatmentCounts follows a control's count of live treatments through the
// saves of the register: a plan that starts using it, one that stops, one archived and
// restored. The count is kept by triggers (000012), and a save that keeps a link leaves it.
func TestControlTreatmentCounts(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFixture(t, pgtest.New(t))
	count := func(code string) int {
		t.Helper()
		var c control.Control
		f.Tx(t, func(tx *postgres.Tx) (err error) { c, err = control.Find(ctx, tx, f.controls[code]); return err })
		return c.TreatmentCount
	}
	var a, b treatment.Treatment
	f.Tx(t, func(tx *postgres.Tx) (err error) {
		if a, err = treatment.Create(ctx, tx, f.plan("Human review", f.risks[:1], "A.9.2", "A.6.2.4")); err != nil {
			return err
		}
		b, err = treatment.Create(ctx, tx, f.plan("Drift monitoring", f.risks[1:2], "A.9.2"))
		return err
	})
	require.Equal(t, 2, count("A.9.2"))
	require.Equal(t, 1, count("A.6.2.4"))
	require.Zero(t, count("A.2.2"))

	// A keeps A.9.2, drops A.6.2.4 and takes up A.2.2.
	upd := f.plan("Human review", f.risks[:1], "A.9.2", "A.2.2")
	f.Tx(t, func(tx *postgres.Tx) (err error) { _, err = treatment.Update(ctx, tx, a.ID, upd); return err })
	require.Equal(t, []int{2, 0, 1}, []int{count("A.9.2"), count("A.6.2.4"), count("A.2.2")})

	f.Tx(t, func(tx *postgres.Tx) (err error) { _, err = treatment.SetArchived(ctx, tx, b.ID, true); return err })
	require.Equal(t, 1, count("A.9.2"), "an archived plan is not counted")
	f.Tx(t, func(tx *postgres.Tx) (err error) { _, err = treatment.SetArchived(ctx, tx, b.ID, false); return err })
	require.Equal(t, 2, count("A.9.2"), "a restored plan is counted again")

	var linked treatment.Linked
	f.Tx(t, func(tx *postgres.Tx) (err error) {
		linked, err = treatment.ForControl(ctx, tx, f.controls["A.9.2"], 1)
		return err
	})
	require.Len(t, linked.Items, 1, "a page shows at most its limit")
	require.Equal(t, 2, linked.Total, "and counts them all")
}
