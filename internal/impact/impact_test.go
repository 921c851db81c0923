package impact_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/openaims/openaims/internal/aisystem"
	"github.com/openaims/openaims/internal/apperr"
	"github.com/openaims/openaims/internal/auditlog"
	"github.com/openaims/openaims/internal/impact"
	"github.com/openaims/openaims/internal/postgres"
	"github.com/openaims/openaims/internal/postgres/pgtest"
	"github.com/openaims/openaims/internal/risk"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// fieldNames lists the fields of a validation error, in order.
func fieldNames(err error) []string {
	var e *apperr.Error
	if !errors.As(err, &e) {
		return nil
	}
	var out []string
	for _, f := range e.Fields {
		out = append(out, f.Field)
	}
	return out
}

// newSystem adds an AI system to tn and returns its id.
func newSystem(t *testing.T, tn pgtest.Tenancy, name string) string {
	t.Helper()
	yes := true
	var id uuid.UUID
	tn.Tx(t, func(tx *postgres.Tx) error {
		s, err := aisystem.Create(context.Background(), tx, aisystem.System{Name: name, Purpose: "Tested",
			LifecycleStage: "operation", OrgRole: "provider", EUAIActClass: "high_risk", EUAIActReason: "Annex III", InScope: &yes})
		id = s.ID
		return err
	})
	return id.String()
}

// harm and benefit are valid impact rows.
func harm(desc, severity, likelihood string) impact.Impact {
	return impact.Impact{Kind: "harm", Affected: "individuals", Description: desc, Severity: severity, Likelihood: likelihood,
		Reversibility: "partly_reversible", Scale: "many"}
}

func benefit(desc string) impact.Impact {
	return impact.Impact{Kind: "benefit", Affected: "society", Description: desc, Severity: "3", Likelihood: "4",
		Reversibility: "reversible", Scale: "very_many"}
}

// complete is a round that holds everything approval asks for.
func complete(impacts ...impact.Impact) impact.Round {
	return impact.Round{Trigger: "pre_deployment", Timing: "Before go-live", Scope: "Emergency department triage",
		LifecycleStage: "verification_validation", SystemVersion: "2.1", Purpose: "Rank patients by urgency",
		IntendedUses: "Decision support for triage nurses", PartiesDirect: "Patients", Mitigations: "Nurse override",
		ResidualImpact: "Low with the override in place", Impacts: impacts}
}

func TestAssessmentValidate(t *testing.T) {
	t.Parallel()
	valid := impact.Assessment{Title: "Triage", SystemID: uuid.NewString(), NextReview: "2027-01-31"}
	require.NoError(t, valid.Validate())
	for _, c := range []struct {
		name   string
		change func(*impact.Assessment)
		fields []string
	}{
		{"no title", func(a *impact.Assessment) { a.Title = "" }, []string{"title"}},
		{"title too long", func(a *impact.Assessment) { a.Title = strings.Repeat("t", 201) }, []string{"title"}},
		{"no AI system", func(a *impact.Assessment) { a.SystemID = "" }, []string{"system_id"}},
		{"AI system not an id", func(a *impact.Assessment) { a.SystemID = "triage" }, []string{"system_id"}},
		{"owner not an id", func(a *impact.Assessment) { a.OwnerID = "olivia" }, []string{"owner_id"}},
		{"no review date", func(a *impact.Assessment) { a.NextReview = "" }, []string{"next_review"}},
		{"review date not a date", func(a *impact.Assessment) { a.NextReview = "2027-02-30" }, []string{"next_review"}},
		{"everything wrong, in form order", func(a *impact.Assessment) { *a = impact.Assessment{OwnerID: "x"} },
			[]string{"title", "system_id", "owner_id", "next_review"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			a := valid
			c.change(&a)
			err := a.Validate()
			require.True(t, apperr.Is(err, apperr.Invalid), "got %v", err)
			require.Equal(t, c.fields, fieldNames(err))
		})
	}
}

func TestRoundValidate(t *testing.T) {
	t.Parallel()
	require.NoError(t, complete(harm("Missed sepsis", "5", "2"), benefit("Faster triage")).Validate())
	require.NoError(t, impact.Round{}.Validate(), "a draft may be empty")
	for _, c := range []struct {
		name   string
		round  impact.Round
		fields []string
	}{
		{"unknown trigger", impact.Round{Trigger: "whim"}, []string{"trigger"}},
		{"unknown stage", impact.Round{LifecycleStage: "pupa"}, []string{"lifecycle_stage"}},
		{"text too long", impact.Round{Purpose: strings.Repeat("p", 5001), DataBias: strings.Repeat("b", 5001)},
			[]string{"purpose", "data_bias"}},
		{"impact kind", impact.Round{Impacts: []impact.Impact{func() impact.Impact { i := harm("x", "3", "3"); i.Kind = "meh"; return i }()}},
			[]string{"impact_0_kind"}},
		{"impact ratings off the 1–5 scale", impact.Round{Impacts: []impact.Impact{benefit("ok"), harm("x", "0", "6")}},
			[]string{"impact_1_severity", "impact_1_likelihood"}},
		{"impact without who, reversibility or scale", impact.Round{Impacts: []impact.Impact{{Kind: "harm", Description: "x", Severity: "2", Likelihood: "2"}}},
			[]string{"impact_0_affected", "impact_0_reversibility", "impact_0_scale"}},
		{"impact description too long", impact.Round{Impacts: []impact.Impact{harm(strings.Repeat("d", 2001), "2", "2")}},
			[]string{"impact_0_description"}},
		{"too many impacts", impact.Round{Impacts: make31()}, []string{"impacts"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			err := c.round.Validate()
			require.True(t, apperr.Is(err, apperr.Invalid), "got %v", err)
			require.Equal(t, c.fields, fieldNames(err))
		})
	}

	t.Run("blank rows are dropped before validation", func(t *testing.T) {
		r := impact.Round{Impacts: []impact.Impact{{Kind: "harm", Description: "  "}, harm(" Kept ", "2", "2")}}
		r.Normalize()
		require.Len(t, r.Impacts, 1)
		require.Equal(t, "Kept", r.Impacts[0].Description)
		require.NoError(t, r.Validate())
	})

	t.Run("approval needs the minimum record", func(t *testing.T) {
		require.Empty(t, complete(harm("x", "2", "2")).ReadyForApproval())
		var missing []string
		for _, f := range (impact.Round{Number: 1, Impacts: []impact.Impact{harm("x", "2", "2")}}).ReadyForApproval() {
			missing = append(missing, f.Field)
		}
		require.Equal(t, []string{"trigger", "scope", "purpose", "intended_uses", "parties_direct", "mitigations", "residual_impact"}, missing)
		r := complete(benefit("only benefits"))
		r.Mitigations = ""
		require.Empty(t, r.ReadyForApproval(), "mitigations are needed only when there are harms")
	})
}

func make31() []impact.Impact {
	out := make([]impact.Impact, impact.MaxImpacts+1)
	for i := range out {
		out[i] = benefit("b")
	}
	return out
}

func TestScaleRating(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ v, points, want int }{
		{1, 5, 1}, {3, 5, 3}, {5, 5, 5},
		{1, 3, 1}, {2, 3, 2}, {3, 3, 2}, {4, 3, 3}, {5, 3, 3},
		{1, 10, 1}, {3, 10, 6}, {5, 10, 10},
		{4, 4, 3}, {5, 2, 2}, {2, 2, 1},
	} {
		require.Equal(t, c.want, impact.ScaleRating(c.v, c.points), "%d on a %d-point scale", c.v, c.points)
	}
}

func TestRoundRules(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tn := pgtest.NewTenancy(t)
	system, other := newSystem(t, tn, "Triage assistant"), newSystem(t, tn, "Readmission model")

	var a impact.Assessment
	tn.Tx(t, func(tx *postgres.Tx) (err error) {
		a, err = impact.CreateAssessment(ctx, tx, impact.Assessment{Title: " Triage impact ", SystemID: system, NextReview: "2027-06-30"})
		return err
	})
	require.Equal(t, "Triage impact", a.Title)
	require.Equal(t, 1, a.Round)
	require.Equal(t, impact.StateDraft, a.State)
	require.Equal(t, "Triage assistant", a.SystemName)
	try := func(fn func(tx *postgres.Tx) error) error { return tn.Try(fn) }

	// Round 1: edited while a draft; a new round cannot start yet.
	tn.Tx(t, func(tx *postgres.Tx) error {
		_, err := impact.SaveRound(ctx, tx, a.ID, 1, complete(harm("Missed deterioration", "5", "2"), benefit("Faster triage")))
		return err
	})
	err := try(func(tx *postgres.Tx) error { _, err := impact.StartRound(ctx, tx, a.ID); return err })
	require.True(t, apperr.Is(err, apperr.Conflict), "got %v", err)
	require.Contains(t, err.Error(), "still a draft")

	// The AI system can change while nothing is approved.
	tn.Tx(t, func(tx *postgres.Tx) error {
		_, err := impact.UpdateAssessment(ctx, tx, a.ID, impact.Assessment{Title: "Triage impact", SystemID: other, NextReview: "2027-06-30"})
		return err
	})
	tn.Tx(t, func(tx *postgres.Tx) error {
		_, err := impact.UpdateAssessment(ctx, tx, a.ID, impact.Assessment{Title: "Triage impact", SystemID: system, NextReview: "2027-06-30"})
		return err
	})

	// Approval needs a note and a complete round.
	err = try(func(tx *postgres.Tx) error { _, err := impact.Approve(ctx, tx, a.ID, "  "); return err })
	require.True(t, apperr.Is(err, apperr.Invalid), "got %v", err)
	require.Equal(t, []string{"approval_note"}, fieldNames(err))
	tn.Tx(t, func(tx *postgres.Tx) error {
		_, err := impact.SaveRound(ctx, tx, a.ID, 1, impact.Round{Impacts: []impact.Impact{harm("Missed deterioration", "5", "2")}})
		return err
	})
	err = try(func(tx *postgres.Tx) error { _, err := impact.Approve(ctx, tx, a.ID, "Approved"); return err })
	require.True(t, apperr.Is(err, apperr.Invalid), "got %v", err)
	require.Contains(t, fieldNames(err), "round-purpose")
	tn.Tx(t, func(tx *postgres.Tx) error {
		_, err := impact.SaveRound(ctx, tx, a.ID, 1, complete(harm("Missed deterioration", "5", "2"), benefit("Faster triage")))
		return err
	})
	var approved impact.Round
	tn.Tx(t, func(tx *postgres.Tx) (err error) {
		approved, err = impact.Approve(ctx, tx, a.ID, " Approved for the pilot wards ")
		return err
	})
	require.Equal(t, impact.StateApproved, approved.State)
	require.Equal(t, "Approved for the pilot wards", approved.ApprovalNote)
	require.NotNil(t, approved.ApprovedAt)
	require.NotEmpty(t, approved.ApprovedBy)

	// An approved round is frozen: no edits, no second approval, and the system is fixed.
	err = try(func(tx *postgres.Tx) error { _, err := impact.SaveRound(ctx, tx, a.ID, 1, complete()); return err })
	require.True(t, apperr.Is(err, apperr.Conflict), "got %v", err)
	require.Contains(t, err.Error(), "has been approved")
	err = try(func(tx *postgres.Tx) error { _, err := impact.Approve(ctx, tx, a.ID, "again"); return err })
	require.True(t, apperr.Is(err, apperr.Conflict), "got %v", err)
	err = try(func(tx *postgres.Tx) error {
		_, err := impact.UpdateAssessment(ctx, tx, a.ID, impact.Assessment{Title: "Triage impact", SystemID: other, NextReview: "2027-06-30"})
		return err
	})
	require.Equal(t, []string{"system_id"}, fieldNames(err))

	// A new round copies the approved one, impacts included, and supersedes it.
	var r2 impact.Round
	tn.Tx(t, func(tx *postgres.Tx) (err error) {
		r2, err = impact.StartRound(ctx, tx, a.ID)
		return err
	})
	require.Equal(t, 2, r2.Number)
	require.Equal(t, impact.StateDraft, r2.State)
	require.Empty(t, r2.Trigger, "the new round states its own trigger")
	require.Empty(t, r2.Timing)
	require.Equal(t, approved.Purpose, r2.Purpose)
	require.Equal(t, approved.ResidualImpact, r2.ResidualImpact)
	require.Equal(t, approved.Impacts, r2.Impacts)
	require.Nil(t, r2.ApprovedAt)
	require.Empty(t, r2.ApprovalNote)

	var r1 impact.Round
	tn.Tx(t, func(tx *postgres.Tx) (err error) {
		a, err = impact.FindAssessment(ctx, tx, a.ID)
		if err != nil {
			return err
		}
		r1, err = impact.FindRound(ctx, tx, a.ID, 1)
		return err
	})
	require.Equal(t, 2, a.Round)
	require.Equal(t, impact.StateDraft, a.State)
	require.Len(t, a.Rounds, 2)
	require.Equal(t, impact.StateSuperseded, r1.State)
	require.Equal(t, approved.ApprovalNote, r1.ApprovalNote, "the superseded round keeps its approval")
	require.Equal(t, approved.Impacts, r1.Impacts)

	// The superseded round is read-only; the new draft is not; rounds past the last do not exist.
	err = try(func(tx *postgres.Tx) error { _, err := impact.SaveRound(ctx, tx, a.ID, 1, complete()); return err })
	require.True(t, apperr.Is(err, apperr.Conflict), "got %v", err)
	require.Contains(t, err.Error(), "superseded")
	err = try(func(tx *postgres.Tx) error { _, _, err := impact.EditableRound(ctx, tx, a.ID, 1); return err })
	require.True(t, apperr.Is(err, apperr.Conflict), "got %v", err)
	err = try(func(tx *postgres.Tx) error { _, err := impact.SaveRound(ctx, tx, a.ID, 3, complete()); return err })
	require.True(t, apperr.Is(err, apperr.NotFound), "got %v", err)
	tn.Tx(t, func(tx *postgres.Tx) error {
		r := complete(harm("Missed deterioration", "4", "2"))
		r.Trigger = "periodic_review"
		_, err := impact.SaveRound(ctx, tx, a.ID, 2, r)
		return err
	})
	tn.Tx(t, func(tx *postgres.Tx) (err error) {
		r1, err = impact.FindRound(ctx, tx, a.ID, 1)
		return err
	})
	require.Equal(t, approved.Impacts, r1.Impacts, "editing round 2 leaves round 1 as it was")

	// Archived assessments refuse every change.
	tn.Tx(t, func(tx *postgres.Tx) error { _, err := impact.SetArchived(ctx, tx, a.ID, true); return err })
	err = try(func(tx *postgres.Tx) error { _, err := impact.SaveRound(ctx, tx, a.ID, 2, complete()); return err })
	require.True(t, apperr.Is(err, apperr.Conflict), "got %v", err)
	require.Contains(t, err.Error(), "archived")
	tn.Tx(t, func(tx *postgres.Tx) error { _, err := impact.SetArchived(ctx, tx, a.ID, false); return err })

	// Every change is in the trail, in order.
	var actions []string
	tn.Tx(t, func(tx *postgres.Tx) error {
		h, err := auditlog.History(ctx, tx, impact.Object, a.ID.String(), 50)
		for i := len(h) - 1; i >= 0; i-- {
			actions = append(actions, h[i].Action)
		}
		return err
	})
	require.Equal(t, []string{"create", "update_round", "update", "update", "update_round", "update_round", "approve",
		"start_round", "update_round", "archive", "restore"}, trimObject(actions))
}

func trimObject(actions []string) []string {
	out := make([]string, len(actions))
	for i, a := range actions {
		out[i] = strings.TrimPrefix(a, impact.Object+".")
	}
	return out
}

func TestRaiseRisk(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tn := pgtest.NewTenancy(t)
	system := newSystem(t, tn, "Credit scoring")
	var a impact.Assessment
	tn.Tx(t, func(tx *postgres.Tx) (err error) {
		a, err = impact.CreateAssessment(ctx, tx, impact.Assessment{Title: "Credit scoring impact", SystemID: system,
			OwnerID: tn.AdminID.String(), NextReview: "2027-03-31"})
		if err != nil {
			return err
		}
		_, err = impact.SaveRound(ctx, tx, a.ID, 1, complete(benefit("Faster decisions"),
			harm("Applicants from thin-file groups are refused more often\nSecond line", "4", "3")))
		return err
	})

	var raised risk.Risk
	tn.Tx(t, func(tx *postgres.Tx) (err error) {
		raised, err = impact.RaiseRisk(ctx, tx, a.ID, 1, 1, "fairness")
		return err
	})
	require.Equal(t, "Applicants from thin-file groups are refused more often", raised.Title)
	require.Equal(t, a.ID.String(), raised.ImpactAssessmentID)
	require.Equal(t, impact.RaisedSource, raised.RiskSource)
	require.Equal(t, "fairness", raised.ObjectiveAffected)
	require.Equal(t, 3, raised.InherentLikelihood, "likelihood 3 of 5 on the default 5-point scale")
	require.Equal(t, 4, raised.InherentImpact, "severity 4 of 5 on the default 5-point scale")
	require.Equal(t, risk.DefaultCriteria().Level(3, 4), raised.InherentLevel)
	require.Len(t, raised.Systems, 1)
	require.Equal(t, system, raised.Systems[0].ID.String())
	require.Equal(t, tn.AdminID.String(), raised.OwnerID)
	require.Equal(t, "2027-03-31", raised.ReviewDate)

	tn.Tx(t, func(tx *postgres.Tx) (err error) {
		a, err = impact.FindAssessment(ctx, tx, a.ID)
		return err
	})
	require.Len(t, a.RaisedRisks, 1)
	require.Equal(t, raised.Reference(), a.RaisedRisks[0].Reference())
	require.Equal(t, 1, a.RiskCount)

	// On a tenant's own 3-point scales the ratings are mapped, ends kept.
	tn3 := pgtest.AddTenancy(t, tn.DB)
	system3 := newSystem(t, tn3, "Credit scoring")
	tn3.Tx(t, func(tx *postgres.Tx) error {
		c := risk.DefaultCriteria()
		c.LikelihoodLabels, c.LikelihoodDescriptions = []string{"Low", "Medium", "High"}, []string{"l", "m", "h"}
		c.ImpactLabels, c.ImpactDescriptions = []string{"Low", "Medium", "High"}, []string{"l", "m", "h"}
		c.Levels = []string{"low", "low", "medium", "low", "medium", "high", "medium", "high", "critical"}
		if _, _, err := risk.SaveCriteria(ctx, tx, c); err != nil {
			return err
		}
		a3, err := impact.CreateAssessment(ctx, tx, impact.Assessment{Title: "On three points", SystemID: system3, NextReview: "2027-03-31"})
		if err != nil {
			return err
		}
		if _, err := impact.SaveRound(ctx, tx, a3.ID, 1, impact.Round{Impacts: []impact.Impact{harm("Refusals", "4", "3")}}); err != nil {
			return err
		}
		raised, err = impact.RaiseRisk(ctx, tx, a3.ID, 1, 0, "")
		return err
	})
	require.Equal(t, 2, raised.InherentLikelihood, "likelihood 3 of 5 is the middle of 3")
	require.Equal(t, 3, raised.InherentImpact, "severity 4 of 5 rounds up to the top of 3")
	require.Equal(t, "high", raised.InherentLevel)
	require.Equal(t, impact.DefaultObjective, raised.ObjectiveAffected)

	for _, c := range []struct {
		name      string
		round, at int
		objective string
		code      apperr.Code
	}{
		{"a benefit", 1, 0, "", apperr.Conflict},
		{"no such row", 1, 2, "", apperr.NotFound},
		{"no such round", 2, 1, "", apperr.NotFound},
		{"unknown objective", 1, 1, "profit", apperr.Invalid},
	} {
		err := tn.Try(func(tx *postgres.Tx) error {
			_, err := impact.RaiseRisk(ctx, tx, a.ID, c.round, c.at, c.objective)
			return err
		})
		require.True(t, apperr.Is(err, c.code), "%s: got %v", c.name, err)
	}
}

func TestListFiltersAndSorts(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tn := pgtest.NewTenancy(t)
	triage, credit := newSystem(t, tn, "Triage"), newSystem(t, tn, "Credit")
	past := time.Now().UTC().AddDate(0, 0, -3).Format(time.DateOnly)
	future := time.Now().UTC().AddDate(1, 0, 0).Format(time.DateOnly)
	ids := map[string]uuid.UUID{}
	tn.Tx(t, func(tx *postgres.Tx) error {
		for _, in := range []impact.Assessment{
			{Title: "Bravo overdue", SystemID: triage, NextReview: past},
			{Title: "alpha approved", SystemID: credit, NextReview: future, OwnerID: tn.AdminID.String()},
			{Title: "Charlie", SystemID: credit, NextReview: future},
		} {
			a, err := impact.CreateAssessment(ctx, tx, in)
			if err != nil {
				return err
			}
			ids[in.Title] = a.ID
		}
		if _, err := impact.SaveRound(ctx, tx, ids["alpha approved"], 1, complete(benefit("b"))); err != nil {
			return err
		}
		if _, err := impact.Approve(ctx, tx, ids["alpha approved"], "ok"); err != nil {
			return err
		}
		_, err := impact.SetArchived(ctx, tx, ids["Charlie"], true)
		return err
	})
	list := func(f postgres.Filter) []string {
		var out []string
		tn.Tx(t, func(tx *postgres.Tx) error {
			p, err := impact.ListAssessments(ctx, tx, f)
			for _, a := range p.Items {
				out = append(out, a.Title)
			}
			return err
		})
		return out
	}
	fields := func(kv ...string) map[string]string {
		m := map[string]string{}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return m
	}
	require.Equal(t, []string{"alpha approved", "Bravo overdue"}, list(postgres.Filter{Sort: "title"}))
	require.Equal(t, []string{"Bravo overdue", "alpha approved"}, list(postgres.Filter{Sort: "review"}))
	require.Equal(t, []string{"Bravo overdue"}, list(postgres.Filter{Fields: fields("due", "true")}))
	require.Equal(t, []string{"alpha approved"}, list(postgres.Filter{Fields: fields("status", "approved")}))
	require.Equal(t, []string{"Bravo overdue"}, list(postgres.Filter{Fields: fields("status", "draft")}))
	require.Equal(t, []string{"alpha approved"}, list(postgres.Filter{Fields: fields("system", credit)}))
	require.Equal(t, []string{"alpha approved"}, list(postgres.Filter{Fields: fields("owner", tn.AdminID.String())}))
	require.Equal(t, []string{"Charlie"}, list(postgres.Filter{Fields: fields("status", postgres.ShowArchived)}))
	require.Equal(t, []string{"Bravo overdue"}, list(postgres.Filter{Search: "bravo"}))

	var rows []string
	tn.Tx(t, func(tx *postgres.Tx) error {
		return impact.EachAssessment(ctx, tx, postgres.Filter{Sort: "ref"}, func(a impact.Assessment, r impact.Round) error {
			rows = append(rows, a.Title+"|"+r.State+"|"+r.Purpose+"|"+impact.ImpactsText(r.Impacts))
			return nil
		})
	})
	require.Equal(t, []string{"Bravo overdue|draft||",
		"alpha approved|approved|Rank patients by urgency|1. Benefit on society, severity 3, likelihood 4, reversible, very many people: b"}, rows)
}
