package server

import (
	"context"
	"encoding/csv"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/openaims/openaims/internal/aisystem"
	"github.com/openaims/openaims/internal/impact"
	"github.com/openaims/openaims/internal/postgres"
	"github.com/openaims/openaims/internal/risk"
)

// completeRound is a round that holds everything approval asks for, with a harm first.
func completeRound() impact.Round {
	return impact.Round{Trigger: "pre_deployment", Scope: "Emergency department", Purpose: "Rank patients by urgency",
		IntendedUses: "Decision support for nurses", PartiesDirect: "Patients", Mitigations: "Nurse override",
		ResidualImpact: "Low", Impacts: []impact.Impact{
			{Kind: "harm", Affected: "individuals", Description: "Under-triage of older patients", Severity: "5", Likelihood: "2",
				Reversibility: "irreversible", Scale: "few"},
			{Kind: "benefit", Affected: "society", Description: "Shorter waits", Severity: "3", Likelihood: "4",
				Reversibility: "reversible", Scale: "very_many"},
		}}
}

// newAssessmentFixtures adds three impact assessments of the AI system, labelled with
// label: a draft round 1 with a harm first, a complete draft ready for approval, and one
// whose round 1 is approved.
func newAssessmentFixtures(ctx context.Context, tx *postgres.Tx, label string, system uuid.UUID) (draft, approvable, approved uuid.UUID, err error) {
	ids := make([]uuid.UUID, 3)
	for i, title := range []string{"Assessment " + label, "Approvable assessment " + label, "Approved assessment " + label} {
		a, err := impact.CreateAssessment(ctx, tx, impact.Assessment{Title: title, SystemID: system.String(), NextReview: "2027-06-30"})
		if err != nil {
			return ids[0], ids[1], ids[2], err
		}
		if _, err := impact.SaveRound(ctx, tx, a.ID, 1, completeRound()); err != nil {
			return ids[0], ids[1], ids[2], err
		}
		ids[i] = a.ID
	}
	_, err = impact.Approve(ctx, tx, ids[2], "Approved as a fixture.")
	return ids[0], ids[1], ids[2], err
}

// assessments returns every impact assessment of slug, archived ones included.
func (b *bundle) assessments(t testing.TB, slug string) []impact.Assessment {
	t.Helper()
	var out []impact.Assessment
	for _, status := range []string{"", postgres.ShowArchived} {
		b.inTenant(t, slug, func(tx *postgres.Tx) error {
			return impact.EachAssessment(context.Background(), tx, postgres.Filter{Fields: map[string]string{"status": status}},
				func(a impact.Assessment, _ impact.Round) error { out = append(out, a); return nil })
		})
	}
	return out
}

// newSystem adds an AI system to slug and returns its id.
func (b *bundle) newSystem(t testing.TB, slug, name string) uuid.UUID {
	t.Helper()
	var id uuid.UUID
	yes := true
	b.inTenant(t, slug, func(tx *postgres.Tx) error {
		s, err := aisystem.Create(context.Background(), tx, aisystem.System{Name: name, Purpose: "Tested", LifecycleStage: "operation",
			OrgRole: "provider", EUAIActClass: "high_risk", EUAIActReason: "Annex III", InScope: &yes})
		id = s.ID
		return err
	})
	return id
}

// roundForm is the round form of r as a browser posts it.
func roundForm(r impact.Round) url.Values {
	f := url.Values{"trigger": {r.Trigger}, "lifecycle_stage": {r.LifecycleStage}}
	for _, t := range impact.TextFields(&r) {
		f.Set(t.Name, *t.Value)
	}
	for i, im := range r.Impacts {
		for name, v := range map[string]string{"kind": im.Kind, "affected": im.Affected, "description": im.Description,
			"severity": im.Severity, "likelihood": im.Likelihood, "reversibility": im.Reversibility, "scale": im.Scale} {
			f.Set(impact.ImpactField(i, name), v)
		}
	}
	return f
}

// redirect posts form to path as c, expects a 303, and returns where it leads.
func redirect(t *testing.T, c *client, path string, form url.Values) string {
	t.Helper()
	resp, body := c.postFormResp(t, path, form)
	require.Equal(t, http.StatusSeeOther, resp.StatusCode, "POST %s: %.400s", path, body)
	return resp.Header.Get("Location")
}

func TestImpactAssessmentsRegister(t *testing.T) {
	t.Parallel()
	b := setup(t)
	officer, exec, auditor := b.signIn(t, acmeOfficer), b.signIn(t, acmeExec), b.signIn(t, acmeAuditor)
	m := uniq("ia")
	system := b.newSystem(t, "acme", "Triage assistant "+m)
	other := b.newSystem(t, "acme", "Readmission model "+m)
	const list = "/t/acme/impact-assessments"

	// Start an assessment: the next page is round 1's form.
	loc := redirect(t, officer, list, assessmentForm("Triage impact "+m, system))
	require.Regexp(t, `^`+list+`/[0-9a-f-]{36}/rounds/1/edit$`, loc)
	path := strings.TrimSuffix(loc, "/rounds/1/edit")
	status, body := officer.get(t, loc)
	require.Equal(t, http.StatusOK, status)
	require.Regexp(t, `IA-\d+ started\. Fill in round 1`, body)
	require.Contains(t, body, "Benefits and harms")

	// An invalid round form is shown again as typed, each message beside its row.
	bad := completeRound()
	bad.Purpose = "  Kept purpose"
	bad.Impacts = append(bad.Impacts, impact.Impact{Kind: "harm", Description: "No ratings", Affected: "groups"})
	status, body = officer.postForm(t, path+"/rounds/1", roundForm(bad))
	require.Equal(t, http.StatusUnprocessableEntity, status)
	require.Contains(t, body, `href="#impact_2_severity"`)
	require.Contains(t, body, "Impact 3: Choose a severity from 1 to 5", "the summary names the row")
	require.Regexp(t, `id="impact_2_reversibility-error"[^>]*>.*Choose how reversible`, body)
	require.Contains(t, body, "  Kept purpose</textarea>")
	require.Contains(t, body, ">No ratings</textarea>")

	// A valid draft is saved and shown.
	loc = redirect(t, officer, path+"/rounds/1", roundForm(completeRound()))
	require.Equal(t, path, loc)
	status, body = officer.get(t, path)
	require.Equal(t, http.StatusOK, status)
	require.Contains(t, body, "Round 1 saved.")
	require.Contains(t, body, "Under-triage of older patients")
	require.Contains(t, body, `href="/t/acme/ai-systems/`+system.String()+`"`, "the AI system is linked")
	require.Contains(t, body, `class="raise"`)
	require.Contains(t, body, "Rounds are approved by an executive or an administrator", "the officer cannot approve")
	require.NotContains(t, body, `action="`+path+`/approve"`)

	// The system can change while nothing is approved.
	redirect(t, officer, path, assessmentForm("Triage impact "+m, other))
	redirect(t, officer, path, assessmentForm("Triage impact "+m, system))

	// Approval is the executive's: the officer and the auditor are refused.
	for _, c := range []*client{officer, auditor} {
		status, _ := c.postForm(t, path+"/approve", url.Values{"approval_note": {"ok"}})
		require.Equal(t, http.StatusForbidden, status)
	}
	_, body = exec.get(t, path)
	require.Contains(t, body, `action="`+path+`/approve"`)
	require.NotContains(t, body, `class="raise"`, "the executive does not write")
	status, body = exec.postForm(t, path+"/approve", url.Values{"approval_note": {"  "}})
	require.Equal(t, http.StatusUnprocessableEntity, status)
	require.Contains(t, body, `href="#approval_note"`)
	require.Contains(t, body, "Say what you approve")
	loc = redirect(t, exec, path+"/approve", url.Values{"approval_note": {"Approved for the pilot wards"}})
	require.Equal(t, path, loc)
	_, body = officer.get(t, path)
	require.Contains(t, body, "Evelyn Executive")
	require.Contains(t, body, "Approved for the pilot wards")
	require.Contains(t, body, "Start round 2")

	// An approved round is frozen.
	status, body = officer.postForm(t, path+"/rounds/1", roundForm(completeRound()))
	require.Equal(t, http.StatusConflict, status)
	require.Contains(t, body, "has been approved and can no longer be edited")
	status, _ = officer.get(t, path+"/rounds/1/edit")
	require.Equal(t, http.StatusConflict, status)
	status, _ = exec.postForm(t, path+"/approve", url.Values{"approval_note": {"again"}})
	require.Equal(t, http.StatusConflict, status)
	status, body = officer.postForm(t, path, assessmentForm("Triage impact "+m, other))
	require.Equal(t, http.StatusUnprocessableEntity, status)
	require.Contains(t, body, "cannot be changed once a round has been approved")

	// A new round copies round 1 and supersedes it; round 1 stays readable, read-only.
	status, body = officer.get(t, path+"/rounds/new")
	require.Equal(t, http.StatusOK, status)
	require.Contains(t, body, "Start round 2 of IA-")
	loc = redirect(t, officer, path+"/rounds", nil)
	require.Equal(t, path+"/rounds/2/edit", loc)
	status, body = officer.get(t, loc)
	require.Equal(t, http.StatusOK, status)
	require.Contains(t, body, "Under-triage of older patients</textarea>", "the impacts are copied")
	require.Contains(t, body, "Rank patients by urgency</textarea>")
	status, body = officer.postForm(t, path+"/rounds/1", roundForm(completeRound()))
	require.Equal(t, http.StatusConflict, status)
	require.Contains(t, body, "superseded by round 2")
	status, body = officer.postForm(t, path+"/rounds", nil)
	require.Equal(t, http.StatusConflict, status)
	require.Contains(t, body, "Round 2 of IA-")
	require.Contains(t, body, "is still a draft")
	status, body = auditor.get(t, path+"/rounds/1")
	require.Equal(t, http.StatusOK, status)
	require.Contains(t, body, "Round 1 was superseded by round 2")
	require.Contains(t, body, "Approved for the pilot wards")
	require.NotContains(t, body, `class="raise"`)
	status, _ = officer.get(t, path+"/rounds/3")
	require.Equal(t, http.StatusNotFound, status)

	// Raise a risk from the harm: a linked risk, rated on the criteria, naming the system.
	status, body = officer.postForm(t, path+"/rounds/2/impacts/1/risk", url.Values{"objective": {"profit"}})
	require.Equal(t, http.StatusUnprocessableEntity, status)
	require.Regexp(t, `id="impact_0_objective-error"[^>]*>.*Choose the objective`, body)
	status, _ = officer.postForm(t, path+"/rounds/2/impacts/2/risk", url.Values{"objective": {"safety"}})
	require.Equal(t, http.StatusConflict, status, "a benefit raises no risk")
	status, _ = auditor.postForm(t, path+"/rounds/2/impacts/1/risk", url.Values{"objective": {"safety"}})
	require.Equal(t, http.StatusForbidden, status)
	loc = redirect(t, officer, path+"/rounds/2/impacts/1/risk", url.Values{"objective": {"fairness"}})
	require.Regexp(t, `^/t/acme/risks/[0-9a-f-]{36}$`, loc)
	riskID := uuid.MustParse(strings.TrimPrefix(loc, "/t/acme/risks/"))
	var raised risk.Risk
	b.inTenant(t, "acme", func(tx *postgres.Tx) (err error) {
		raised, err = risk.Find(context.Background(), tx, riskID)
		return err
	})
	require.Equal(t, "Under-triage of older patients", raised.Title)
	require.Equal(t, "fairness", raised.ObjectiveAffected)
	require.Equal(t, 2, raised.InherentLikelihood)
	require.Equal(t, 5, raised.InherentImpact)
	require.Len(t, raised.Systems, 1)
	require.Equal(t, system, raised.Systems[0].ID)
	require.Equal(t, strings.TrimPrefix(path, list+"/"), raised.ImpactAssessmentID)

	_, body = auditor.get(t, path)
	require.Contains(t, body, `href="/t/acme/risks/`+riskID.String()+`"`, "the assessment lists the raised risk")
	require.Contains(t, body, raised.Reference())
	require.Contains(t, body, "Raised "+raised.Reference(), "the history says so")
	require.Contains(t, body, "Started round 2")
	require.Contains(t, body, "Approved round 1")
	require.NotContains(t, body, `class="raise"`, "the auditor reads only")
	require.NotContains(t, body, "Edit round")

	// The list filters on the current round's state and the system; CSV has the round.
	_, body = officer.get(t, list+"?system="+system.String())
	require.Contains(t, body, "Triage impact "+m)
	_, body = officer.get(t, list+"?status=approved&q="+m)
	require.Contains(t, body, "No impact assessments match", "round 2 is a draft now")
	_, body = officer.get(t, list+"?status=draft&q="+m)
	require.Contains(t, body, "Triage impact "+m)
	require.Regexp(t, `Round 2\s*<span class="badge badge--warning">Draft`, body)
	resp, body := officer.getResp(t, list+"/export.csv?q="+m)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	rows, err := csv.NewReader(strings.NewReader(body)).ReadAll()
	require.NoError(t, err)
	require.Len(t, rows, 2)
	require.Equal(t, "Reference", rows[0][0])
	require.Equal(t, "Triage impact "+m, rows[1][1])
	require.Contains(t, rows[1], "Draft")
	require.Contains(t, strings.Join(rows[1], "|"), "1. Harm on individuals, severity 5, likelihood 2, irreversible, few people: Under-triage")
}

func TestImpactAssessmentFormValidation(t *testing.T) {
	t.Parallel()
	b := setup(t)
	officer := b.signIn(t, acmeOfficer)
	system := b.newSystem(t, "acme", "Validated system")
	foreign := b.newSystem(t, "globex", "Globex system")
	const list = "/t/acme/impact-assessments"

	for _, c := range []struct {
		name   string
		form   url.Values
		fields []string
		msg    string
	}{
		{"empty", url.Values{}, []string{"title", "system_id", "next_review"}, "Enter a title"},
		{"not a date", url.Values{"title": {"T"}, "system_id": {system.String()}, "next_review": {"31/03/2027"}}, []string{"next_review"}, "Enter a real date"},
		{"another tenant's AI system", assessmentForm("T", foreign), []string{"system_id"}, "Choose an AI system of this workspace"},
		{"not a member as owner", func() url.Values {
			f := assessmentForm("T", system)
			f.Set("owner_id", uuid.NewString())
			return f
		}(), []string{"owner_id"}, "Choose an owner who is a member of this workspace"},
	} {
		t.Run(c.name, func(t *testing.T) {
			status, body := officer.postForm(t, list, c.form)
			require.Equal(t, http.StatusUnprocessableEntity, status)
			for _, f := range c.fields {
				require.Contains(t, body, `href="#`+f+`"`, "the summary links to %s", f)
			}
			require.Contains(t, body, c.msg)
			require.Contains(t, body, "Start an impact assessment", "the heading is kept")
		})
	}

	t.Run("the new form preselects the AI system and a review in a year", func(t *testing.T) {
		status, body := officer.get(t, list+"/new?system="+system.String())
		require.Equal(t, http.StatusOK, status)
		require.Regexp(t, `<option value="`+system.String()+`" selected`, body)
		require.Regexp(t, `id="next_review"[^>]*value="\d{4}-\d{2}-\d{2}"`, body)
	})

	t.Run("the empty register says what it is for", func(t *testing.T) {
		status, body := officer.get(t, list+"?q="+uniq("nothing"))
		require.Equal(t, http.StatusOK, status)
		require.Contains(t, body, "No impact assessments match")
		_, body = b.signIn(t, acmeAuditor).get(t, list+"?status=archived")
		require.True(t, strings.Contains(body, "No impact assessments") || strings.Contains(body, "Archived"))
	})
}

// TestImpactAssessmentsReviewDue lists only the assessments whose review date has passed.
func TestImpactAssessmentsReviewDue(t *testing.T) {
	t.Parallel()
	b := setup(t)
	officer := b.signIn(t, acmeOfficer)
	system := b.newSystem(t, "acme", "Due system")
	m := uniq("due")
	b.inTenant(t, "acme", func(tx *postgres.Tx) error {
		for title, review := range map[string]string{"Overdue " + m: "2020-01-31", "Later " + m: "2099-01-31"} {
			if _, err := impact.CreateAssessment(context.Background(), tx, impact.Assessment{Title: title, SystemID: system.String(), NextReview: review}); err != nil {
				return err
			}
		}
		return nil
	})
	_, body := officer.get(t, "/t/acme/impact-assessments?due=true&q="+m)
	require.Contains(t, body, "Overdue "+m)
	require.NotContains(t, body, "Later "+m)
	require.Contains(t, body, ">Overdue<")
	require.True(t, checked(body, "due"))
	_, body = officer.get(t, "/t/acme/impact-assessments?sort=review&q="+m)
	require.Regexp(t, regexp.MustCompile(`(?s)Overdue `+m+`.*Later `+m), body)
}
