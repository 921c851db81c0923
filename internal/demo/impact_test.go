package demo

import (
	"context"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/openaims/openaims/internal/aisystem"
	"github.com/openaims/openaims/internal/auth"
	"github.com/openaims/openaims/internal/impact"
	"github.com/openaims/openaims/internal/postgres"
	"github.com/openaims/openaims/internal/postgres/pgtest"
	"github.com/openaims/openaims/internal/tenant"
)

// TestImpactAssessmentsSeed checks the demo's impact assessments: two per tenant, acme's
// triage assessment approved by the executive in round 1 with round 2 in draft, and a risk
// raised from each tenant's harms. The AI systems they assess come from their own part of
// the seed; any it lacks are added here first.
func TestImpactAssessmentsSeed(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := pgtest.New(t)
	require.NoError(t, Seed(ctx, db, "demo-password", func(string, ...any) {}))
	systems := map[string][]string{"acme": {"Clinical triage assistant", "Readmission risk model"},
		"globex": {"Credit scoring model", "Card fraud detection"}}
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
			var n int
			if err := tx.QueryRow(ctx, `SELECT count(*) FROM impact_assessments`).Scan(&n); err != nil || n > 0 {
				return err
			}
			yes := true
			for _, name := range systems[slug] {
				var exists bool
				if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM ai_systems WHERE name = $1)`, name).Scan(&exists); err != nil {
					return err
				}
				if !exists {
					if _, err := aisystem.Create(ctx, tx, aisystem.System{Name: name, Purpose: "Demo", LifecycleStage: "operation", OrgRole: "provider",
						EUAIActClass: "high_risk", EUAIActReason: "Annex III", InScope: &yes}); err != nil {
						return err
					}
				}
			}
			return seedImpactAssessments(ctx, tx, slug, users)
		}))

		require.NoError(t, db.InTenantTx(ctx, tn.ID, officer, func(tx *postgres.Tx) error {
			page, err := impact.ListAssessments(ctx, tx, postgres.Filter{Sort: "ref"})
			require.NoError(t, err)
			require.Len(t, page.Items, 2, slug)
			raised := 0
			for _, a := range page.Items {
				require.GreaterOrEqual(t, a.Harms+a.Benefits, 3, a.Title)
				raised += a.RiskCount
			}
			require.GreaterOrEqual(t, raised, 1, "%s: a risk raised from a harm", slug)
			first, err := impact.FindAssessment(ctx, tx, page.Items[0].ID)
			require.NoError(t, err)
			r1, err := impact.FindRound(ctx, tx, first.ID, 1)
			require.NoError(t, err)
			require.NotNil(t, r1.ApprovedAt)
			require.Equal(t, "Evelyn Executive", r1.ApprovedBy, "%s: approved by the executive", slug)
			if slug == "acme" {
				require.Equal(t, 2, first.Round)
				require.Equal(t, impact.StateDraft, first.State)
				require.Equal(t, impact.StateSuperseded, r1.State)
			} else {
				require.Equal(t, impact.StateApproved, first.State)
			}
			require.Equal(t, impact.StateDraft, page.Items[1].State)
			return nil
		}))
	}
}
