package demo

import (
	"context"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/openaims/openaims/internal/auth"
	"github.com/openaims/openaims/internal/postgres"
	"github.com/openaims/openaims/internal/postgres/pgtest"
	"github.com/openaims/openaims/internal/tenant"
)

// TestSeedRisks: each demo tenant has 12 risks spread across the matrix, with
// re-assessment history and one residual risk accepted by the executive.
func TestSeedRisks(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := pgtest.New(t)
	require.NoError(t, Seed(ctx, db, "demo-password", func(string, ...any) {}))

	for _, slug := range []string{"acme", "globex"} {
		tn, err := tenant.FindBySlug(ctx, db, slug)
		require.NoError(t, err)
		users := map[tenant.Role]uuid.UUID{}
		for _, p := range Personas {
			u, err := auth.FindUserByEmail(ctx, db, Email(p.Local, slug))
			require.NoError(t, err)
			users[p.Role] = u.ID
		}
		officer := postgres.Actor{UserID: users[tenant.RoleComplianceOfficer], Label: Email("officer", slug), RequestID: "test"}
		require.NoError(t, db.InTenantTx(ctx, tn.ID, officer, func(tx *postgres.Tx) error {
			var risks, cells, levels, statuses, reassessed, acceptances, byExec, dated int
			err := tx.QueryRow(ctx, `SELECT count(*), count(DISTINCT (inherent_likelihood, inherent_impact)),
					count(DISTINCT inherent_level), count(DISTINCT status),
					count(*) FILTER (WHERE (SELECT count(*) FROM risk_assessments a WHERE a.risk_id = r.id) > 1)
				FROM risks r WHERE impact_assessment_id IS NULL`).Scan(&risks, &cells, &levels, &statuses, &reassessed)
			require.NoError(t, err)
			require.Equal(t, 12, risks, slug)
			require.GreaterOrEqual(t, cells, 9, "%s: spread across the matrix", slug)
			require.Equal(t, 4, levels, "%s: every level band", slug)
			require.GreaterOrEqual(t, statuses, 5, slug)
			require.GreaterOrEqual(t, reassessed, 3, "%s: a few risks have re-assessment history", slug)
			require.NoError(t, tx.QueryRow(ctx, `SELECT count(*), count(*) FILTER (WHERE accepted_by = $1) FROM risk_acceptances`,
				users[tenant.RoleExecutive]).Scan(&acceptances, &byExec))
			require.Equal(t, 1, acceptances, slug)
			require.Equal(t, 1, byExec, "%s: accepted by the executive", slug)
			require.NoError(t, tx.QueryRow(ctx, `SELECT count(*) FROM risk_assessments WHERE assessed_at < now() - interval '7 days'`).Scan(&dated))
			require.Positive(t, dated, "%s: the history is dated in the past", slug)
			return nil
		}))
	}
}
