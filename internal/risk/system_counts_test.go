package risk_test

import (
	"context"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/openaims/openaims/internal/postgres"
	"github.com/openaims/openaims/internal/postgres/pgtest"
	"github.com/openaims/openaims/internal/risk"
)

// TestSystemRiskCounts follows the AI systems' counts of live risks (kept by triggers,
// 000012, for the inventory list) through the saves of the register: a risk that names a
// system, one that moves to another, one archived and restored.
func TestSystemRiskCounts(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tn := pgtest.NewTenancy(t)
	a, b := addSystem(t, tn, "Triage model"), addSystem(t, tn, "Readmission model")
	counts := func() [2]int {
		t.Helper()
		var out [2]int
		tn.Tx(t, func(tx *postgres.Tx) error {
			for i, id := range []uuid.UUID{a, b} {
				if err := tx.QueryRow(ctx, `SELECT coalesce((SELECT risks FROM ai_system_risk_counts
					WHERE tenant_id = $1 AND system_id = $2), 0)`, tx.TenantID, id).Scan(&out[i]); err != nil {
					return err
				}
			}
			return nil
		})
		return out
	}
	one := createRisk(t, tn, riskIn(a, 3, 3, 0, 0))
	in := riskIn(a, 2, 2, 0, 0)
	in.SystemIDs = append(in.SystemIDs, b.String())
	both := createRisk(t, tn, in)
	require.Equal(t, [2]int{2, 1}, counts())

	// The first risk moves from a to b; the second keeps both.
	one.SystemIDs, both.SystemIDs = []string{b.String()}, in.SystemIDs
	tn.Tx(t, func(tx *postgres.Tx) error { _, err := risk.Update(ctx, tx, one.ID, one); return err })
	tn.Tx(t, func(tx *postgres.Tx) error { _, err := risk.Update(ctx, tx, both.ID, both); return err })
	require.Equal(t, [2]int{1, 2}, counts())

	tn.Tx(t, func(tx *postgres.Tx) error { _, err := risk.SetArchived(ctx, tx, both.ID, true); return err })
	require.Equal(t, [2]int{0, 1}, counts(), "an archived risk is not counted")
	tn.Tx(t, func(tx *postgres.Tx) error { _, err := risk.SetArchived(ctx, tx, both.ID, false); return err })
	require.Equal(t, [2]int{1, 2}, counts(), "a restored risk is counted again")
}
