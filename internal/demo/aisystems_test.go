package demo

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/openaims/openaims/internal/aisystem"
	"github.com/openaims/openaims/internal/postgres"
	"github.com/openaims/openaims/internal/postgres/pgtest"
	"github.com/openaims/openaims/internal/tenant"
)

// TestSeedAISystems: each demo tenant has an inventory of at least three AI systems with
// data resources, one of them high-risk, and the names the other parts of the demo look
// the systems up by each find exactly one system.
func TestSeedAISystems(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := pgtest.New(t)
	require.NoError(t, Seed(ctx, db, "demo-password", func(string, ...any) {}))

	lookups := map[string][]string{
		"acme":   {"%triage%", "%readmission%", "%summar%"},
		"globex": {"%credit%", "%fraud%", "%document%"},
	}
	for slug, patterns := range lookups {
		tn, err := tenant.FindBySlug(ctx, db, slug)
		require.NoError(t, err)
		// Read in the transaction, assert after it: a failed assertion inside would leave it open.
		var systems []aisystem.System
		matches := map[string]int{}
		require.NoError(t, db.InTenantTx(ctx, tn.ID, postgres.SystemActor("test"), func(tx *postgres.Tx) error {
			for _, p := range patterns {
				var n int
				if err := tx.QueryRow(ctx, `SELECT count(*) FROM ai_systems WHERE name ILIKE $1`, p).Scan(&n); err != nil {
					return err
				}
				matches[p] = n
			}
			return aisystem.Each(ctx, tx, postgres.Filter{Sort: "ref"}, func(s aisystem.System) error {
				systems = append(systems, s)
				return nil
			})
		}))
		require.GreaterOrEqual(t, len(systems), 3, "%s: at least three AI systems", slug)
		classes := map[string]bool{}
		for _, s := range systems {
			classes[s.EUAIActClass] = true
			require.NotEmpty(t, s.OwnerName, "%s: %s has an owner", slug, s.Name)
			require.NoError(t, s.Validate(), "%s: %s", slug, s.Name)
		}
		require.True(t, classes["high_risk"], "%s: a high-risk system", slug)
		for _, s := range systems[:3] {
			require.NotEmpty(t, s.Data, "%s: %s has data resources", slug, s.Name)
			require.Positive(t, s.PersonalDataCount, "%s: %s uses personal data", slug, s.Name)
		}
		for _, p := range patterns {
			require.Equal(t, 1, matches[p], "%s: one AI system named like %s", slug, p)
		}
	}
}
