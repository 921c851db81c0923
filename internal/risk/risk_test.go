package risk_test

import (
	"context"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/openaims/openaims/internal/apperr"
	"github.com/openaims/openaims/internal/auditlog"
	"github.com/openaims/openaims/internal/postgres"
	"github.com/openaims/openaims/internal/postgres/pgtest"
	"github.com/openaims/openaims/internal/risk"
)

// addSystem inserts an AI system with plain SQL, so these tests do not depend on the
// inventory's domain code.
func addSystem(t *testing.T, tn pgtest.Tenancy, name string) uuid.UUID {
	t.Helper()
	var id uuid.UUID
	tn.Tx(t, func(tx *postgres.Tx) error {
		return tx.QueryRow(context.Background(), `INSERT INTO ai_systems (tenant_id, ref, name, lifecycle_stage, org_role,
				eu_ai_act_class, in_scope, created_by, created_at, updated_by, updated_at)
			VALUES ($1, (SELECT coalesce(max(ref), 0) + 1 FROM ai_systems), $2, 'operation', 'provider', 'high_risk', true,
				$3, $4, $3, $4) RETURNING id`, tx.TenantID, name, tx.Actor.UserID, tx.Now).Scan(&id)
	})
	return id
}

// riskIn is a valid risk on system with the given ratings (0, 0 for no residual rating).
func riskIn(system uuid.UUID, il, ii, rl, ri int) risk.Risk {
	return risk.Risk{Title: "Missed deterioration", Event: "The model under-scores a deteriorating patient",
		RiskSource: "machine_learning_related", ObjectiveAffected: "safety", SystemIDs: []string{system.String()},
		Ratings: risk.Ratings{InherentLikelihood: il, InherentImpact: ii, ResidualLikelihood: rl, ResidualImpact: ri},
		Status:  "assessed"}
}

func createRisk(t *testing.T, tn pgtest.Tenancy, in risk.Risk) risk.Risk {
	t.Helper()
	var out risk.Risk
	tn.Tx(t, func(tx *postgres.Tx) (err error) {
		out, err = risk.Create(context.Background(), tx, in)
		return err
	})
	return out
}

func dossier(t *testing.T, tn pgtest.Tenancy, id uuid.UUID) risk.Dossier {
	t.Helper()
	var d risk.Dossier
	tn.Tx(t, func(tx *postgres.Tx) (err error) {
		d, err = risk.FindDossier(context.Background(), tx, id)
		return err
	})
	return d
}

func TestCreateValidates(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tn := pgtest.NewTenancy(t)
	sys := addSystem(t, tn, "Triage model")
	other := pgtest.AddTenancy(t, tn.DB)
	foreign := addSystem(t, other, "Globex model")

	with := func(change func(*risk.Risk)) risk.Risk {
		r := riskIn(sys, 3, 4, 0, 0)
		change(&r)
		return r
	}
	cases := []struct {
		name   string
		in     risk.Risk
		fields []string
	}{
		{"no title and no AI system", with(func(r *risk.Risk) { r.Title, r.SystemIDs = " ", nil }), []string{"title", "ai_systems"}},
		{"off the picklists", with(func(r *risk.Risk) { r.RiskSource, r.ObjectiveAffected = "gremlins", "" }), []string{"risk_source", "objective_affected"}},
		{"off the scales", with(func(r *risk.Risk) { r.InherentLikelihood, r.InherentImpact = 6, 0 }), []string{"inherent_likelihood", "inherent_impact"}},
		{"half a residual rating", with(func(r *risk.Risk) { r.ResidualLikelihood = 2 }), []string{"residual_impact"}},
		{"bad owner and date", with(func(r *risk.Risk) { r.OwnerID, r.ReviewDate = "someone", "31/03/2027" }), []string{"owner_id", "review_date"}},
		{"accepted without a decision", with(func(r *risk.Risk) { r.Status = "accepted" }), []string{"status"}},
		{"another tenant's AI system", with(func(r *risk.Risk) { r.SystemIDs = []string{foreign.String()} }), []string{"ai_systems"}},
		{"an impact assessment that does not exist", with(func(r *risk.Risk) { r.ImpactAssessmentID = uuid.NewString() }), []string{"impact_assessment_id"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := tn.Try(func(tx *postgres.Tx) error { _, err := risk.Create(ctx, tx, c.in); return err })
			require.True(t, apperr.Is(err, apperr.Invalid), "got %v", err)
			require.Equal(t, c.fields, fieldNames(err))
		})
	}
}

func TestCreateComputesLevelsAndRecordsTheFirstAssessment(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tn := pgtest.NewTenancy(t)
	triage, summary := addSystem(t, tn, "Triage model"), addSystem(t, tn, "Discharge summariser")
	in := riskIn(triage, 4, 5, 2, 3)
	in.SystemIDs = append(in.SystemIDs, summary.String(), triage.String(), " ")
	in.AssessmentNote = "Initial workshop"
	r := createRisk(t, tn, in)
	require.Equal(t, "RISK-1", r.Reference())
	require.Equal(t, "critical", r.InherentLevel)
	require.Equal(t, "medium", r.ResidualLevel)
	require.Len(t, r.Systems, 2)
	require.Equal(t, "Discharge summariser", r.Systems[0].Name, "by name")

	d := dossier(t, tn, r.ID)
	require.Len(t, d.Assessments, 1)
	a := d.Assessments[0]
	require.Equal(t, 1, a.Seq)
	require.Equal(t, "Initial workshop", a.Note)
	require.Equal(t, risk.Ratings{InherentLikelihood: 4, InherentImpact: 5, ResidualLikelihood: 2, ResidualImpact: 3}, a.Ratings)
	require.Equal(t, "critical", a.InherentLevel)

	tn.Tx(t, func(tx *postgres.Tx) error {
		h, err := auditlog.History(ctx, tx, risk.Object, r.ID.String(), 10)
		require.NoError(t, err)
		require.Len(t, h, 1)
		require.Equal(t, "risks.create", h[0].Action)
		return nil
	})
}

// TestReassessmentKeepsHistory: every create and every re-assessment leaves a dated result;
// an edit of the other fields does not touch the ratings.
func TestReassessmentKeepsHistory(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tn := pgtest.NewTenancy(t)
	sys := addSystem(t, tn, "Credit scoring")
	in := riskIn(sys, 4, 4, 0, 0)
	in.Status = "identified"
	r := createRisk(t, tn, in)

	// An edit with other ratings in it changes neither the ratings nor the history.
	edit := r
	edit.SystemIDs, edit.Title = []string{sys.String()}, "Disparate impact on thin-file applicants"
	edit.Ratings = risk.Ratings{InherentLikelihood: 1, InherentImpact: 1}
	tn.Tx(t, func(tx *postgres.Tx) error {
		got, err := risk.Update(ctx, tx, r.ID, edit)
		require.NoError(t, err)
		require.Equal(t, 4, got.InherentLikelihood)
		require.Equal(t, "Disparate impact on thin-file applicants", got.Title)
		return nil
	})
	require.Len(t, dossier(t, tn, r.ID).Assessments, 1)

	for i, ra := range []risk.Reassessment{
		{Ratings: risk.Ratings{InherentLikelihood: 4, InherentImpact: 4, ResidualLikelihood: 3, ResidualImpact: 3}, Note: "Bias testing planned", ReviewDate: "2027-01-31"},
		{Ratings: risk.Ratings{InherentLikelihood: 4, InherentImpact: 4, ResidualLikelihood: 2, ResidualImpact: 2}, Note: "Reject inference in place"},
	} {
		tn.Tx(t, func(tx *postgres.Tx) error {
			got, err := risk.Assess(ctx, tx, r.ID, ra)
			require.NoError(t, err)
			require.Equal(t, "assessed", got.Status, "an identified risk becomes assessed (%d)", i)
			require.Equal(t, ra.ReviewDate, got.ReviewDate)
			return nil
		})
	}
	d := dossier(t, tn, r.ID)
	require.Len(t, d.Assessments, 3)
	require.Equal(t, []int{3, 2, 1}, []int{d.Assessments[0].Seq, d.Assessments[1].Seq, d.Assessments[2].Seq}, "newest first")
	require.Equal(t, "Reject inference in place", d.Assessments[0].Note)
	require.Equal(t, "low", d.Assessments[0].ResidualLevel)
	require.Equal(t, "medium", d.Assessments[1].ResidualLevel)
	require.Equal(t, "", d.Assessments[2].ResidualLevel)
	require.Equal(t, "low", d.Risk.ResidualLevel)

	err := tn.Try(func(tx *postgres.Tx) error {
		_, err := risk.Assess(ctx, tx, r.ID, risk.Reassessment{Ratings: risk.Ratings{InherentLikelihood: 9, InherentImpact: 2, ResidualImpact: 1}})
		return err
	})
	require.Equal(t, []string{"inherent_likelihood", "residual_likelihood"}, fieldNames(err))

	tn.Tx(t, func(tx *postgres.Tx) error {
		h, err := auditlog.History(ctx, tx, risk.Object, r.ID.String(), 10)
		require.NoError(t, err)
		require.Len(t, h, 4)
		require.Equal(t, "risks.assess", h[0].Action)
		return nil
	})
}

func TestAccept(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tn := pgtest.NewTenancy(t)
	sys := addSystem(t, tn, "Fraud detection")
	unrated := createRisk(t, tn, riskIn(sys, 3, 3, 0, 0))
	r := createRisk(t, tn, riskIn(sys, 5, 5, 4, 4)) // residual high: above the default threshold

	accept := func(id uuid.UUID, reason string) (risk.Risk, error) {
		var out risk.Risk
		err := tn.Try(func(tx *postgres.Tx) (err error) {
			out, err = risk.Accept(ctx, tx, id, reason)
			return err
		})
		return out, err
	}
	_, err := accept(unrated.ID, "Fine")
	require.True(t, apperr.Is(err, apperr.Invalid))
	require.Contains(t, apperr.FieldsOf(err)["reason"], "no residual rating")
	_, err = accept(r.ID, "   ")
	require.Equal(t, []string{"reason"}, fieldNames(err))

	got, err := accept(r.ID, "Manual review of every decline covers the rest")
	require.NoError(t, err)
	require.Equal(t, "accepted", got.Status)
	d := dossier(t, tn, r.ID)
	require.Len(t, d.Acceptances, 1)
	require.Equal(t, "high", d.Acceptances[0].ResidualLevel)
	require.True(t, d.Acceptances[0].AboveThreshold)
	require.Equal(t, "Manual review of every decline covers the rest", d.Acceptances[0].Reason)

	// An edit may keep the accepted status but not set it.
	edit := d.Risk
	edit.SystemIDs = []string{sys.String()}
	tn.Tx(t, func(tx *postgres.Tx) error { _, err := risk.Update(ctx, tx, r.ID, edit); return err })
	edit = unrated
	edit.SystemIDs, edit.Status = []string{sys.String()}, "accepted"
	err = tn.Try(func(tx *postgres.Tx) error { _, err := risk.Update(ctx, tx, unrated.ID, edit); return err })
	require.Equal(t, []string{"status"}, fieldNames(err))

	// A new residual level is no longer covered by the acceptance.
	tn.Tx(t, func(tx *postgres.Tx) error {
		got, err := risk.Assess(ctx, tx, r.ID, risk.Reassessment{Ratings: risk.Ratings{InherentLikelihood: 5, InherentImpact: 5,
			ResidualLikelihood: 2, ResidualImpact: 2}})
		require.Equal(t, "assessed", got.Status)
		return err
	})
	got, err = accept(r.ID, "Now within appetite")
	require.NoError(t, err)
	d = dossier(t, tn, r.ID)
	require.Len(t, d.Acceptances, 2, "every acceptance is kept")
	require.Equal(t, "low", d.Acceptances[0].ResidualLevel)
	require.False(t, d.Acceptances[0].AboveThreshold)
	require.Equal(t, 2, d.Acceptances[0].Seq)
}

func TestListFiltersAndSorts(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tn := pgtest.NewTenancy(t)
	triage, scoring := addSystem(t, tn, "Triage model"), addSystem(t, tn, "Credit scoring")
	a := createRisk(t, tn, riskIn(triage, 3, 4, 2, 2))  // high (3×4=12), residual low
	b := createRisk(t, tn, riskIn(scoring, 5, 5, 0, 0)) // critical
	c := createRisk(t, tn, riskIn(triage, 4, 4, 1, 1))  // high (16), residual low
	d := createRisk(t, tn, riskIn(scoring, 2, 5, 0, 0)) // high (2×5=10)
	e := createRisk(t, tn, riskIn(triage, 1, 1, 0, 0))  // low
	archived := createRisk(t, tn, riskIn(triage, 3, 4, 0, 0))
	tn.Tx(t, func(tx *postgres.Tx) error { _, err := risk.SetArchived(ctx, tx, archived.ID, true); return err })

	var total int // of the last list read by refs
	refs := func(f postgres.Filter) []int {
		var out []int
		tn.Tx(t, func(tx *postgres.Tx) error {
			page, err := risk.ListRisks(ctx, tx, f)
			for _, r := range page.Items {
				out = append(out, r.Ref)
			}
			total = page.Total
			return err
		})
		return out
	}
	by := func(fields map[string]string) []int {
		out := refs(postgres.Filter{Fields: fields, Sort: "ref"})
		require.Equal(t, len(out), total, "the total is what the filter lists: %v", fields)
		return out
	}
	require.Equal(t, []int{a.Ref}, by(map[string]string{"cell": "3-4"}))
	require.Equal(t, []int{a.Ref}, by(map[string]string{"rcell": "2-2"}))
	require.Empty(t, by(map[string]string{"cell": "3-x"}), "a malformed cell matches nothing")
	require.Equal(t, []int{b.Ref, d.Ref}, by(map[string]string{"system": scoring.String()}))
	require.Empty(t, by(map[string]string{"system": "not-a-uuid"}))
	require.Equal(t, []int{b.Ref, d.Ref, e.Ref}, by(map[string]string{"residual": "none"}))
	require.Equal(t, []int{a.Ref, c.Ref}, by(map[string]string{"residual": "low"}))
	require.Equal(t, []int{a.Ref, c.Ref, d.Ref}, by(map[string]string{"inherent": "high"}))
	require.Equal(t, []int{archived.Ref}, by(map[string]string{"status": postgres.ShowArchived}))
	require.Equal(t, []int{a.Ref}, by(map[string]string{"cell": "3-4", "system": triage.String()}))
	require.Empty(t, by(map[string]string{"cell": "3-4", "system": scoring.String()}))

	// By severity: critical first, then high by likelihood × impact, then low.
	require.Equal(t, []int{b.Ref, c.Ref, a.Ref, d.Ref, e.Ref}, refs(postgres.Filter{Sort: "level", Desc: true}))
	require.Equal(t, []int{e.Ref, d.Ref, a.Ref, c.Ref, b.Ref}, refs(postgres.Filter{Sort: "level"}))

	// Keyset pages of two by severity cover every risk once.
	var seen []int
	f := postgres.Filter{Sort: "level", Desc: true, Limit: 2}
	for {
		var page postgres.Page[risk.Risk]
		tn.Tx(t, func(tx *postgres.Tx) (err error) { page, err = risk.ListRisks(ctx, tx, f); return err })
		for _, r := range page.Items {
			seen = append(seen, r.Ref)
		}
		if page.NextCursor == "" {
			break
		}
		f.After = page.NextCursor
	}
	require.Equal(t, []int{b.Ref, c.Ref, a.Ref, d.Ref, e.Ref}, seen)

	// Review dates left empty sort last.
	tn.Tx(t, func(tx *postgres.Tx) error {
		_, err := risk.Assess(ctx, tx, e.ID, risk.Reassessment{Ratings: e.Ratings, ReviewDate: "2026-09-01"})
		return err
	})
	require.Equal(t, e.Ref, refs(postgres.Filter{Sort: "review"})[0])

	tn.Tx(t, func(tx *postgres.Tx) error {
		opts, more, err := risk.Options(ctx, tx, 5)
		require.NoError(t, err)
		require.Len(t, opts, 5, "archived risks are not offered")
		require.False(t, more)
		require.Equal(t, "RISK-1", opts[0].Reference())
		opts, more, err = risk.Options(ctx, tx, 4)
		require.NoError(t, err)
		require.Len(t, opts, 4)
		require.True(t, more, "a fifth live risk is there")
		sys, err := risk.ForSystem(ctx, tx, scoring)
		require.NoError(t, err)
		require.Len(t, sys, 2)
		return nil
	})
}

func TestHeatMaps(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tn := pgtest.NewTenancy(t)
	sys := addSystem(t, tn, "Document extraction")
	createRisk(t, tn, riskIn(sys, 3, 4, 2, 2))
	createRisk(t, tn, riskIn(sys, 3, 4, 1, 1))
	createRisk(t, tn, riskIn(sys, 5, 5, 0, 0))
	gone := createRisk(t, tn, riskIn(sys, 5, 5, 0, 0))
	tn.Tx(t, func(tx *postgres.Tx) error { _, err := risk.SetArchived(ctx, tx, gone.ID, true); return err })

	var m risk.HeatMaps
	tn.Tx(t, func(tx *postgres.Tx) (err error) { m, err = risk.LoadHeatMaps(ctx, tx); return err })
	require.Equal(t, 2, m.Inherent.Count(3, 4))
	require.Equal(t, 1, m.Inherent.Count(5, 5), "archived risks are left out")
	require.Equal(t, 3, m.Inherent.Rated)
	require.Equal(t, 1, m.Residual.Count(2, 2))
	require.Equal(t, 1, m.Residual.Count(1, 1))
	require.Equal(t, 2, m.Residual.Rated)
	require.Equal(t, 1, m.Residual.Unrated)
	require.Len(t, m.Inherent.Rows, 5)
	require.Equal(t, 5, m.Inherent.Rows[0][0].Likelihood, "most likely row first")
	require.Equal(t, "critical", m.Inherent.Rows[0][4].Level)
	require.Equal(t, "cell", m.Inherent.Filter())
	require.Equal(t, "rcell", m.Residual.Filter())
}
