package benchseed

import (
	"context"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/openaims/openaims/internal/auditlog"
	"github.com/openaims/openaims/internal/auth"
	"github.com/openaims/openaims/internal/postgres"
	"github.com/openaims/openaims/internal/postgres/pgtest"
	"github.com/openaims/openaims/internal/risk"
	"github.com/openaims/openaims/internal/tenant"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

func TestNewPlanKeepsTheProportions(t *testing.T) {
	t.Parallel()
	p := NewPlan(1000, 100_000)
	require.Equal(t, 1000, p.Tenants)
	require.Equal(t, Registers{ContextIssues: 2000, Parties: 2000, AISystems: 1000, CustomControls: 60,
		ImpactAssessments: 500, Risks: 100_000, Treatments: 20_000, AuditEvents: 500_000}, p.Large)
	small := NewPlan(3, 500).Large
	require.Equal(t, Registers{ContextIssues: 10, Parties: 10, AISystems: 5, CustomControls: 1,
		ImpactAssessments: 2, Risks: 500, Treatments: 100, AuditEvents: 2500}, small)
}

// TestSeed seeds a small plan twice: the first run makes what the plan says, with levels
// on the tenant's criteria, reference counters that continue, and trails that verify; the
// second run makes nothing.
func TestSeed(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := pgtest.New(t)
	plan := NewPlan(3, 500)
	var log []string
	logf := func(f string, a ...any) { log = append(log, fmt.Sprintf(f, a...)) }

	rep, err := Seed(ctx, db, plan, "demo-password", logf)
	require.NoError(t, err)
	require.True(t, rep.LargeCreated)
	require.Equal(t, 3, rep.SmallCreated)
	require.EqualValues(t, 500, rep.Large["risks"])
	require.EqualValues(t, 38+1, rep.Large["controls"])

	large, err := tenant.FindBySlug(ctx, db, LargeSlug)
	require.NoError(t, err)
	small, err := tenant.FindBySlug(ctx, db, SmallSlug(2))
	require.NoError(t, err)
	inLarge := func(query string) int { return countIn(t, db, large, query) }

	for table, want := range map[string]int{"risks": 500, "ai_systems": 5, "treatments": 100, "impact_assessments": 2,
		"context_issues": 10, "parties": 10, "controls": 39, "audit_events": 2500, "memberships": 4 + plan.Staff} {
		require.Equal(t, want, inLarge("SELECT count(*) FROM "+table), table)
	}
	require.Positive(t, inLarge("SELECT count(*) FROM risk_assessments"))
	require.Positive(t, inLarge("SELECT count(*) FROM treatment_risks"))
	require.Positive(t, inLarge("SELECT count(*) FROM treatment_controls"))
	require.Positive(t, inLarge("SELECT count(*) FROM impact_assessment_rounds"))
	require.Equal(t, 38, inLarge("SELECT count(*) FROM controls WHERE applicable IS NOT NULL AND annex_a"), "the SoA is decided")
	require.Equal(t, 60, countIn(t, db, small, "SELECT count(*) FROM audit_events"))
	require.Equal(t, 12, countIn(t, db, small, "SELECT count(*) FROM risks"))

	// The data varies, so that filters and searches select realistic shares.
	require.Equal(t, 6, inLarge("SELECT count(DISTINCT status) FROM risks"))
	require.Greater(t, inLarge("SELECT count(DISTINCT owner_id) FROM risks"), 10)
	require.Greater(t, inLarge("SELECT count(DISTINCT title) FROM risks"), 400)
	require.Greater(t, inLarge("SELECT count(DISTINCT action) FROM audit_events"), 10)
	require.Greater(t, inLarge("SELECT count(DISTINCT created_at::date) FROM risks"), 300, "dates spread over two years")

	// Levels follow the tenant's criteria, as the risk register computes them.
	c := risk.DefaultCriteria()
	require.NoError(t, db.InTenantTx(ctx, large.ID, postgres.SystemActor("test"), func(tx *postgres.Tx) error {
		rows, err := tx.Query(ctx, `SELECT DISTINCT inherent_likelihood, inherent_impact, inherent_level,
			coalesce(residual_likelihood, 0), coalesce(residual_impact, 0), coalesce(residual_level, '') FROM risks`)
		require.NoError(t, err)
		defer rows.Close()
		for rows.Next() {
			var il, ii, rl, ri int
			var inherent, residual string
			require.NoError(t, rows.Scan(&il, &ii, &inherent, &rl, &ri, &residual))
			require.Equal(t, c.Level(il, ii), inherent)
			require.Equal(t, c.Level(rl, ri), residual)
		}
		require.NoError(t, rows.Err())
		// The next risk created through the product continues the numbering.
		n, err := postgres.NextRef(ctx, tx, risk.Object)
		require.Equal(t, 501, n)
		return err
	}))

	for _, tn := range []tenant.Tenant{large, small} {
		n, err := auditlog.Verify(ctx, db, tn.ID)
		require.NoError(t, err, tn.Slug)
		require.Positive(t, n)
	}
	_, err = auth.SignIn(ctx, db, "officer@bench-large.test", "demo-password", "127.0.0.1")
	require.NoError(t, err, "the personas sign in with the demo password")
	_, err = auth.SignIn(ctx, db, "admin@bench-0003.test", "demo-password", "127.0.0.1")
	require.NoError(t, err, "so do the small tenants' accounts, which share a hash")

	totals := func() (n [3]int) {
		for i, table := range []string{"users", "tenants", "memberships"} {
			require.NoError(t, db.Pool.QueryRow(ctx, "SELECT count(*) FROM "+table).Scan(&n[i]))
		}
		return n
	}
	before := totals()
	log = nil
	rep, err = Seed(ctx, db, plan, "demo-password", logf)
	require.NoError(t, err)
	require.False(t, rep.LargeCreated)
	require.Equal(t, 0, rep.SmallCreated)
	require.Equal(t, 3, rep.SmallSkipped)
	require.Equal(t, before, totals(), "the second run creates nothing")
	require.Equal(t, 2500, inLarge("SELECT count(*) FROM audit_events"))
	require.Contains(t, log, LargeSlug+": already loaded, nothing to do")
}

func countIn(t *testing.T, db *postgres.DB, tn tenant.Tenant, query string) int {
	t.Helper()
	var n int
	require.NoError(t, db.InTenantTx(context.Background(), tn.ID, postgres.SystemActor("test"), func(tx *postgres.Tx) error {
		return tx.QueryRow(context.Background(), query).Scan(&n)
	}))
	return n
}
