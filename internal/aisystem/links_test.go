package aisystem_test

import (
	"context"
	"sync/atomic"
	"testing"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/openaims/openaims/internal/aisystem"
	"github.com/openaims/openaims/internal/postgres"
	"github.com/openaims/openaims/internal/postgres/pgtest"
)

// roundTrips counts statements and batches: each is one network round trip.
type roundTrips struct{ n atomic.Int64 }

func (c *roundTrips) TraceQueryStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceQueryStartData) context.Context {
	c.n.Add(1)
	return ctx
}
func (c *roundTrips) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}
func (c *roundTrips) TraceBatchStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceBatchStartData) context.Context {
	c.n.Add(1)
	return ctx
}
func (c *roundTrips) TraceBatchQuery(context.Context, *pgx.Conn, pgx.TraceBatchQueryData) {}
func (c *roundTrips) TraceBatchEnd(context.Context, *pgx.Conn, pgx.TraceBatchEndData)     {}

// TestFindLinks links two AI systems to risks, treatments, controls and impact assessments
// written with plain SQL (as the other registers store them), and checks that each system's
// page gets exactly its own links, in one round trip.
func TestFindLinks(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	trips := &roundTrips{}
	db, err := postgres.Open(ctx, pgtest.NewDatabase(t), 4, trips)
	require.NoError(t, err)
	t.Cleanup(db.Close)
	tn := pgtest.AddTenancy(t, db)
	other := pgtest.AddTenancy(t, db) // a second tenant whose links must never show

	var a, b aisystem.System
	tn.Tx(t, func(tx *postgres.Tx) error {
		var err error
		if a, err = aisystem.Create(ctx, tx, triage()); err != nil {
			return err
		}
		s := triage()
		s.Name = "Readmission risk model"
		b, err = aisystem.Create(ctx, tx, s)
		return err
	})

	// Nothing linked yet.
	var links aisystem.Links
	tn.Tx(t, func(tx *postgres.Tx) (err error) { links, err = aisystem.FindLinks(ctx, tx, a.ID, 20); return err })
	require.True(t, links.Empty())

	ids := map[string]uuid.UUID{}
	insert := func(tx *postgres.Tx, key, sql string, args ...any) error {
		var id uuid.UUID
		if err := tx.QueryRow(ctx, sql, append([]any{tx.TenantID, tx.Actor.UserID, tx.Now}, args...)...).Scan(&id); err != nil {
			return err
		}
		ids[key] = id
		return nil
	}
	const risk = `INSERT INTO risks (tenant_id, ref, title, risk_source, objective_affected, inherent_likelihood,
			inherent_impact, inherent_level, residual_likelihood, residual_impact, residual_level, status, archived_at,
			created_by, created_at, updated_by, updated_at)
		VALUES ($1, $4, $5, 'complexity_of_environment', 'fairness', 4, 4, $6, $7::int, $7::int, $8, 'assessed',
			CASE WHEN $9::boolean THEN $3::timestamptz END, $2, $3, $2, $3) RETURNING id`
	const treatment = `INSERT INTO treatments (tenant_id, ref, title, option, status, due_date, created_by, created_at, updated_by, updated_at)
		VALUES ($1, $4, $5, 'modify', 'in_progress', $6::date, $2, $3, $2, $3) RETURNING id`
	// Controls may already be seeded for the tenant; the test takes the row either way.
	const control = `INSERT INTO controls (tenant_id, code, position, annex_a, title, applicable, implementation_status,
			created_by, created_at, updated_by, updated_at)
		VALUES ($1, $4, $5, true, $6, true, $7, $2, $3, $2, $3)
		ON CONFLICT (tenant_id, code) DO UPDATE SET title = EXCLUDED.title, implementation_status = EXCLUDED.implementation_status
		RETURNING id`
	const assessment = `INSERT INTO impact_assessments (tenant_id, ref, title, system_id, created_by, created_at, updated_by, updated_at)
		VALUES ($1, $4, $5, $6, $2, $3, $2, $3) RETURNING id`
	tn.Tx(t, func(tx *postgres.Tx) error {
		for _, step := range []func() error{
			func() error {
				return insert(tx, "r1", risk, 1, "Triage under-ranks elderly patients", "high", 2, "medium", false)
			},
			func() error {
				return insert(tx, "r2", risk, 2, "Shared training data drifts", "critical", nil, nil, false)
			},
			func() error {
				return insert(tx, "r3", risk, 3, "Readmission score unexplained", "medium", 1, "low", false)
			},
			func() error { return insert(tx, "r4", risk, 4, "Old alert fatigue risk", "low", nil, nil, true) },
			func() error { return insert(tx, "t1", treatment, 1, "Fairness testing per age band", "2027-03-31") },
			func() error { return insert(tx, "t2", treatment, 2, "Explanations for readmission scores", nil) },
			func() error { return insert(tx, "t3", treatment, 3, "Drift monitoring", nil) },
			func() error {
				return insert(tx, "c1", control, "A.6.2.6", 2606, "AI system operation and monitoring", "implemented")
			},
			func() error {
				return insert(tx, "c2", control, "A.6.2.4", 2604, "AI system verification and validation", "planned")
			},
			func() error {
				return insert(tx, "c3", control, "A.8.2", 802, "System documentation for users", "not_started")
			},
			func() error { return insert(tx, "ia1", assessment, 1, "Triage impact assessment", a.ID) },
			func() error { return insert(tx, "ia2", assessment, 2, "Readmission impact assessment", b.ID) },
		} {
			if err := step(); err != nil {
				return err
			}
		}
		_, err := tx.Exec(ctx, `
			INSERT INTO risk_ai_systems (tenant_id, risk_id, system_id) VALUES
				($1, $2, $6), ($1, $3, $6), ($1, $3, $7), ($1, $4, $7), ($1, $5, $6);
			`, tx.TenantID, ids["r1"], ids["r2"], ids["r3"], ids["r4"], a.ID, b.ID)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO treatment_risks (tenant_id, treatment_id, risk_id) VALUES
				($1, $2, $5), ($1, $2, $6), ($1, $3, $7), ($1, $4, $6)`,
			tx.TenantID, ids["t1"], ids["t2"], ids["t3"], ids["r1"], ids["r2"], ids["r3"]); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO treatment_controls (tenant_id, treatment_id, control_id) VALUES
				($1, $2, $5), ($1, $2, $6), ($1, $3, $7), ($1, $4, $5)`,
			tx.TenantID, ids["t1"], ids["t2"], ids["t3"], ids["c1"], ids["c2"], ids["c3"]); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `INSERT INTO impact_assessment_rounds (tenant_id, assessment_id, round, state, approved_by, approved_at, updated_by, updated_at)
			VALUES ($1, $2, 1, 'approved', $3, $4, $3, $4)`, tx.TenantID, ids["ia1"], tx.Actor.UserID, tx.Now)
		return err
	})
	// The other tenant has links of its own to nothing of ours (and cannot have any).
	other.Tx(t, func(tx *postgres.Tx) error {
		_, err := aisystem.Create(ctx, tx, triage())
		return err
	})

	trips.reset()
	tn.Tx(t, func(tx *postgres.Tx) (err error) { links, err = aisystem.FindLinks(ctx, tx, a.ID, 20); return err })
	// Begin, the batch, commit.
	require.Equal(t, int64(3), trips.reset(), "the links load in one round trip")

	require.Len(t, links.Risks, 3)
	require.Equal(t, aisystem.LinkedRisk{ID: ids["r1"], Ref: 1, Title: "Triage under-ranks elderly patients", Status: "assessed",
		InherentLevel: "high", ResidualLevel: "medium"}, links.Risks[0])
	require.Equal(t, "RISK-2", links.Risks[1].Reference())
	require.Empty(t, links.Risks[1].ResidualLevel, "not assessed yet")
	require.Equal(t, "RISK-4", links.Risks[2].Reference(), "archived risks come last")
	require.True(t, links.Risks[2].Archived)

	require.Len(t, links.Treatments, 2, "TRT-2 treats only the other system's risk")
	require.Equal(t, "TRT-1", links.Treatments[0].Reference())
	require.Equal(t, []string{"RISK-1", "RISK-2"}, links.Treatments[0].RiskRefs)
	require.Equal(t, "2027-03-31", links.Treatments[0].DueDate)
	require.Equal(t, "TRT-3", links.Treatments[1].Reference())
	require.Equal(t, []string{"RISK-2"}, links.Treatments[1].RiskRefs)

	require.Len(t, links.Controls, 2, "A.8.2 is used only for the other system")
	require.Equal(t, []string{"A.6.2.4", "A.6.2.6"}, []string{links.Controls[0].Code, links.Controls[1].Code}, "published order")
	require.Equal(t, []string{"TRT-1"}, links.Controls[0].TreatmentRefs)
	require.Equal(t, []string{"TRT-1", "TRT-3"}, links.Controls[1].TreatmentRefs, "one row per control, every treatment named")
	require.Equal(t, "implemented", links.Controls[1].ImplementationStatus)
	require.True(t, *links.Controls[1].Applicable)

	require.Equal(t, []aisystem.LinkedAssessment{{ID: ids["ia1"], Ref: 1, Title: "Triage impact assessment", Round: 1, State: "approved"}},
		links.Assessments)
	require.Equal(t, []int{3, 2, 1, 2}, []int{links.RiskTotal, links.TreatmentTotal, links.AssessmentTotal, links.ControlTotal})
	require.Equal(t, 2, links.Treatments[0].RiskCount)
	require.Equal(t, 2, links.Controls[1].TreatmentCount)

	// A page shows the first of each kind and counts them all.
	tn.Tx(t, func(tx *postgres.Tx) (err error) { links, err = aisystem.FindLinks(ctx, tx, a.ID, 1); return err })
	require.Contains(t, []string{"RISK-1", "RISK-2", "RISK-4"}, links.Risks[0].Reference(), "one of the system's risks")
	require.Equal(t, []string{"TRT-1", "A.6.2.4"}, []string{links.Treatments[0].Reference(), links.Controls[0].Code},
		"the first by reference, and in published order")
	require.Len(t, links.Risks, 1)
	require.Len(t, links.Treatments, 1)
	require.Len(t, links.Controls, 1)
	require.Equal(t, []int{3, 2, 1, 2}, []int{links.RiskTotal, links.TreatmentTotal, links.AssessmentTotal, links.ControlTotal},
		"the totals do not depend on how many are shown")

	tn.Tx(t, func(tx *postgres.Tx) (err error) { links, err = aisystem.FindLinks(ctx, tx, b.ID, 20); return err })
	require.Equal(t, []string{"RISK-2", "RISK-3"}, []string{links.Risks[0].Reference(), links.Risks[1].Reference()})
	require.Equal(t, []string{"TRT-1", "TRT-2", "TRT-3"}, []string{links.Treatments[0].Reference(), links.Treatments[1].Reference(),
		links.Treatments[2].Reference()})
	require.Equal(t, []string{"RISK-2"}, links.Treatments[0].RiskRefs, "only this system's risks are named")
	require.Len(t, links.Controls, 3)
	require.Equal(t, "IA-2", links.Assessments[0].Reference())
	require.Empty(t, links.Assessments[0].State, "a round not written yet")

	// The list counts the live risks of each system.
	var got aisystem.System
	tn.Tx(t, func(tx *postgres.Tx) (err error) { got, err = aisystem.Find(ctx, tx, a.ID); return err })
	require.Equal(t, 2, got.RiskCount, "RISK-4 is archived")

	// Under the other tenant, the system's links are simply not there.
	other.Tx(t, func(tx *postgres.Tx) (err error) { links, err = aisystem.FindLinks(ctx, tx, a.ID, 20); return err })
	require.True(t, links.Empty())
}

func (c *roundTrips) reset() int64 { return c.n.Swap(0) }
