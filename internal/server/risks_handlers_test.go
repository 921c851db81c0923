package server

import (
	"context"
	"encoding/csv"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/openaims/openaims/internal/auditlog"
	"github.com/openaims/openaims/internal/postgres"
	"github.com/openaims/openaims/internal/risk"
)

// riskForm is a valid risk form about the AI systems: inherent 3 × 4 (high on the default
// criteria), residual 2 × 2 (low).
func riskForm(title string, systems ...uuid.UUID) url.Values {
	form := url.Values{"title": {title}, "event": {"The model misses a case"}, "risk_source": {"machine_learning_related"},
		"objective_affected": {"safety"}, "inherent_likelihood": {"3"}, "inherent_impact": {"4"},
		"residual_likelihood": {"2"}, "residual_impact": {"2"}, "status": {"assessed"}, "review_date": {"2027-03-31"}}
	for _, s := range systems {
		form.Add("ai_systems", s.String())
	}
	return form
}

// criteriaForm is the criteria form filled in with c.
func criteriaForm(c risk.Criteria) url.Values {
	form := url.Values{"acceptance_threshold": {c.AcceptanceThreshold},
		"rendered_likelihood": {strconv.Itoa(c.LikelihoodCount())}, "rendered_impact": {strconv.Itoa(c.ImpactCount())},
		"likelihood_points": {strconv.Itoa(c.LikelihoodCount())}, "impact_points": {strconv.Itoa(c.ImpactCount())}}
	for i := range c.LikelihoodLabels {
		form.Set(risk.LikelihoodField(i, "label"), c.LikelihoodLabels[i])
		form.Set(risk.LikelihoodField(i, "description"), c.LikelihoodDescriptions[i])
	}
	for i := range c.ImpactLabels {
		form.Set(risk.ImpactField(i, "label"), c.ImpactLabels[i])
		form.Set(risk.ImpactField(i, "description"), c.ImpactDescriptions[i])
	}
	for l := 1; l <= c.LikelihoodCount(); l++ {
		for i := 1; i <= c.ImpactCount(); i++ {
			form.Set(risk.LevelField(l, i), c.Level(l, i))
		}
	}
	return form
}

// newRiskFixtures adds the risks the route tests request: one with a residual rating, and
// one kept for re-assessment.
func newRiskFixtures(ctx context.Context, tx *postgres.Tx, label string, system uuid.UUID) (main, assessed uuid.UUID, err error) {
	in := risk.Risk{Title: "Risk " + label, Event: "A fixture of the route tests", RiskSource: "machine_learning_related",
		ObjectiveAffected: "safety", SystemIDs: []string{system.String()}, Status: "assessed",
		Ratings: risk.Ratings{InherentLikelihood: 4, InherentImpact: 4, ResidualLikelihood: 2, ResidualImpact: 3}}
	a, err := risk.Create(ctx, tx, in)
	if err != nil {
		return uuid.Nil, uuid.Nil, err
	}
	in.Title = "Risk " + label + " to re-assess"
	b, err := risk.Create(ctx, tx, in)
	return a.ID, b.ID, err
}

// risks returns every risk of slug, archived ones included.
func (b *bundle) risks(t testing.TB, slug string) []risk.Risk {
	t.Helper()
	var out []risk.Risk
	for _, status := range []string{"", postgres.ShowArchived} {
		b.inTenant(t, slug, func(tx *postgres.Tx) error {
			return risk.EachRisk(context.Background(), tx, postgres.Filter{Fields: map[string]string{"status": status}},
				func(k risk.Risk) error { out = append(out, k); return nil })
		})
	}
	return out
}

// riskID is the id at the end of a risk page's path.
func riskID(t *testing.T, path string) uuid.UUID {
	t.Helper()
	id, err := uuid.Parse(path[strings.LastIndex(path, "/")+1:])
	require.NoError(t, err)
	return id
}

func TestRiskCreateShowAndList(t *testing.T) {
	t.Parallel()
	b := setup(t)
	officer := b.signIn(t, acmeOfficer)
	sys := b.newSystem(t, "acme", "Sepsis early warning")

	// Invalid: the form comes back (422) with the summary, the messages and what was typed.
	form := riskForm("", sys)
	form.Set("risk_source", "gremlins")
	form.Set("residual_impact", "")
	form.Set("event", "Kept as typed")
	status, body := officer.postForm(t, "/t/acme/risks", form)
	require.Equal(t, http.StatusUnprocessableEntity, status)
	require.Contains(t, body, "There is a problem")
	for _, msg := range []string{"Enter a title of up to 200 characters", "Choose the source of the risk", "Choose the residual impact too"} {
		require.Contains(t, body, msg)
	}
	require.Contains(t, body, "Kept as typed")
	require.Contains(t, body, `value="`+sys.String()+`" checked`)

	path := createRecord(t, officer, "/t/acme/risks", riskForm("Missed sepsis alert "+sys.String()[:6], sys))
	status, body = officer.get(t, path)
	require.Equal(t, http.StatusOK, status)
	for _, want := range []string{"Missed sepsis alert", "Sepsis early warning", "Assessment 1", "3 Possible", "4 Major",
		"Within threshold", "Re-assess"} {
		require.Contains(t, body, want)
	}
	require.NotContains(t, body, "Accept residual risk", "the officer may not accept")

	// The list, filtered by the inherent cell 3-4 and by the AI system, shows it; another cell does not.
	status, body = officer.get(t, "/t/acme/risks?cell=3-4&system="+sys.String())
	require.Equal(t, http.StatusOK, status)
	require.Contains(t, body, "Missed sepsis alert")
	require.Contains(t, body, "Inherent likelihood 3 Possible × impact 4 Major")
	_, body = officer.get(t, "/t/acme/risks?cell=1-1&system="+sys.String())
	require.NotContains(t, body, "Missed sepsis alert")
	require.Contains(t, body, "No risks match")
	_, body = officer.get(t, "/t/acme/risks?rcell=2-2&system="+sys.String())
	require.Contains(t, body, "Missed sepsis alert")

	// Edit keeps the ratings and the one assessment.
	edit := riskForm("Missed sepsis alert, renamed", sys)
	edit.Set("inherent_likelihood", "1")
	status, _ = officer.postForm(t, path, edit)
	require.Equal(t, http.StatusSeeOther, status)
	_, body = officer.get(t, path)
	require.Contains(t, body, "renamed")
	require.Contains(t, body, "3 Possible")
	require.NotContains(t, body, "Assessment 2")

	// CSV export.
	resp, csvBody := officer.getResp(t, "/t/acme/risks/export.csv?system="+sys.String())
	require.Equal(t, http.StatusOK, resp.StatusCode)
	rows, err := csv.NewReader(strings.NewReader(csvBody)).ReadAll()
	require.NoError(t, err)
	require.Len(t, rows, 2)
	require.Equal(t, "Reference", rows[0][0])
	require.Equal(t, "Missed sepsis alert, renamed", rows[1][1])
	require.Equal(t, "High", rows[1][12])
	require.Equal(t, "Low", rows[1][15])
}

func TestRiskReassessmentKeepsEveryResult(t *testing.T) {
	t.Parallel()
	b := setup(t)
	officer := b.signIn(t, acmeOfficer)
	sys := b.newSystem(t, "acme", "Bed demand forecaster")
	path := createRecord(t, officer, "/t/acme/risks", riskForm("Forecast drift", sys))

	status, body := officer.get(t, path+"/assess")
	require.Equal(t, http.StatusOK, status)
	require.Contains(t, body, "Record assessment")

	status, body = officer.postForm(t, path+"/assess", url.Values{"inherent_likelihood": {"9"}, "inherent_impact": {"4"}})
	require.Equal(t, http.StatusUnprocessableEntity, status)
	require.Contains(t, body, "Choose how likely the risk is before treatment")

	for _, step := range []url.Values{
		{"inherent_likelihood": {"4"}, "inherent_impact": {"4"}, "residual_likelihood": {"3"}, "residual_impact": {"3"}, "note": {"Winter surge"}},
		{"inherent_likelihood": {"4"}, "inherent_impact": {"4"}, "residual_likelihood": {"1"}, "residual_impact": {"2"}, "note": {"Retrained"}},
	} {
		resp, _ := officer.postFormResp(t, path+"/assess", step)
		require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	}
	_, body = officer.get(t, path)
	for _, want := range []string{"Assessment 1", "Assessment 2", "Assessment 3", "Winter surge", "Retrained"} {
		require.Contains(t, body, want)
	}
	require.Less(t, strings.Index(body, "Assessment 3"), strings.Index(body, "Assessment 1"), "newest first")

	auditor := b.signIn(t, acmeAuditor)
	status, _ = auditor.postForm(t, path+"/assess", url.Values{"inherent_likelihood": {"1"}, "inherent_impact": {"1"}})
	require.Equal(t, http.StatusForbidden, status)
}

func TestRiskAcceptance(t *testing.T) {
	t.Parallel()
	b := setup(t)
	officer := b.signIn(t, acmeOfficer)
	sys := b.newSystem(t, "acme", "Coding assistant")
	form := riskForm("Wrong clinical codes", sys)
	form.Set("residual_likelihood", "4")
	form.Set("residual_impact", "4") // high: above the default threshold (medium)
	path := createRecord(t, officer, "/t/acme/risks", form)
	unrated := riskForm("Not rated residual", sys)
	unrated.Del("residual_likelihood")
	unrated.Del("residual_impact")
	unratedPath := createRecord(t, officer, "/t/acme/risks", unrated)

	reason := url.Values{"reason": {"Benefits outweigh the remaining risk; monitored monthly."}}
	for _, who := range []string{acmeOfficer, acmeAuditor} {
		c := b.signIn(t, who)
		status, _ := c.get(t, path+"/accept")
		require.Equal(t, http.StatusForbidden, status, who)
		status, _ = c.postForm(t, path+"/accept", reason)
		require.Equal(t, http.StatusForbidden, status, who)
	}

	exec := b.signIn(t, acmeExec)
	status, body := exec.get(t, path)
	require.Equal(t, http.StatusOK, status)
	require.Contains(t, body, "Accept residual risk")
	require.NotContains(t, body, "Re-assess", "the executive may not re-assess")
	status, body = exec.get(t, path+"/accept")
	require.Equal(t, http.StatusOK, status)
	require.Contains(t, body, "The residual level is above the acceptance threshold")

	status, body = exec.postForm(t, path+"/accept", url.Values{"reason": {"  "}})
	require.Equal(t, http.StatusUnprocessableEntity, status)
	require.Contains(t, body, "Say why the residual risk is accepted")

	status, body = exec.postForm(t, unratedPath+"/accept", reason)
	require.Equal(t, http.StatusUnprocessableEntity, status)
	require.Contains(t, body, "has no residual rating yet")

	resp, _ := exec.postFormResp(t, path+"/accept", reason)
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	_, body = exec.get(t, path)
	require.Contains(t, body, "Benefits outweigh the remaining risk")
	require.Contains(t, body, "Evelyn Executive")
	require.Contains(t, body, "Above the threshold at the time")
	require.Contains(t, body, ">Accepted<")

	id := riskID(t, path)
	b.inTenant(t, "acme", func(tx *postgres.Tx) error {
		d, err := risk.FindDossier(context.Background(), tx, id)
		require.NoError(t, err)
		require.Equal(t, risk.StatusAccepted, d.Risk.Status)
		require.Len(t, d.Acceptances, 1)
		require.True(t, d.Acceptances[0].AboveThreshold)
		h, err := auditlog.History(context.Background(), tx, risk.Object, id.String(), 10)
		require.NoError(t, err)
		require.Equal(t, "risks.accept", h[0].Action)
		require.Equal(t, "exec@acme.test", h[0].ActorLabel)
		return nil
	})
}

func TestRiskCriteria(t *testing.T) {
	t.Parallel()
	b := setup(t)
	officer, admin := b.signIn(t, acmeOfficer), b.signIn(t, acmeAdmin)
	sys := b.newSystem(t, "acme", "Criteria test system")
	path := createRecord(t, officer, "/t/acme/risks", riskForm("Criteria test risk", sys)) // 3×4 high, residual 2×2 low

	status, body := officer.get(t, "/t/acme/risks/criteria")
	require.Equal(t, http.StatusOK, status)
	require.Contains(t, body, "default 5 × 5 criteria")
	require.NotContains(t, body, "Edit the criteria")
	status, _ = officer.get(t, "/t/acme/risks/criteria/edit")
	require.Equal(t, http.StatusForbidden, status)
	status, _ = officer.postForm(t, "/t/acme/risks/criteria", criteriaForm(risk.DefaultCriteria()))
	require.Equal(t, http.StatusForbidden, status)

	status, body = admin.get(t, "/t/acme/risks/criteria/edit")
	require.Equal(t, http.StatusOK, status)
	require.Contains(t, body, `id="level_3_4"`)

	// Invalid: a blank label and a level that falls as likelihood rises come back with messages.
	bad := risk.DefaultCriteria()
	bad.ImpactLabels[1] = ""
	bad.Levels[4*5] = "low"
	status, body = admin.postForm(t, "/t/acme/risks/criteria", criteriaForm(bad))
	require.Equal(t, http.StatusUnprocessableEntity, status)
	require.Contains(t, body, "Enter a label of up to 40 characters for impact 2")
	require.Contains(t, body, "a level must not fall as likelihood rises")

	// Another number of points re-renders the form, unsaved.
	resize := criteriaForm(risk.DefaultCriteria())
	resize.Set("likelihood_points", "6")
	resize.Set("resize", "1")
	status, body = admin.postForm(t, "/t/acme/risks/criteria", resize)
	require.Equal(t, http.StatusOK, status)
	require.Contains(t, body, `id="likelihood_6_label"`)
	require.Contains(t, body, "Nothing is saved yet")

	// Saving a matrix where 3 × 4 is critical re-levels the risk and says how many changed.
	c := risk.DefaultCriteria()
	c.Levels[2*5+3] = "critical"
	c.Levels[2*5+4] = "critical"
	c.Levels[3*5+3] = "critical"
	c.Levels[3*5+4] = "critical"
	c.Levels[4*5+3] = "critical"
	c.LikelihoodLabels[0] = "Very rare"
	resp, _ := admin.postFormResp(t, "/t/acme/risks/criteria", criteriaForm(c))
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	_, body = admin.get(t, resp.Header.Get("Location"))
	require.Contains(t, body, "changed level.")
	require.Contains(t, body, "Very rare")

	b.inTenant(t, "acme", func(tx *postgres.Tx) error {
		k, err := risk.Find(context.Background(), tx, riskID(t, path))
		require.NoError(t, err)
		require.Equal(t, "critical", k.InherentLevel)
		h, err := auditlog.History(context.Background(), tx, risk.CriteriaObject, tx.TenantID.String(), 10)
		require.NoError(t, err)
		require.Len(t, h, 1)
		require.Contains(t, h[0].ObjectLabel, "changed level")
		return nil
	})
	_, body = officer.get(t, path)
	require.Contains(t, body, "Critical")
}

func TestRiskHeatMap(t *testing.T) {
	t.Parallel()
	b := setup(t)
	officer := b.signIn(t, acmeOfficer)
	sys := b.newSystem(t, "acme", "Heat map system")
	before := map[string]int{}
	b.inTenant(t, "acme", func(tx *postgres.Tx) error {
		m, err := risk.LoadHeatMaps(context.Background(), tx)
		before["3-4"], before["2-2"] = m.Inherent.Count(3, 4), m.Residual.Count(2, 2)
		return err
	})
	for i := range 2 {
		createRecord(t, officer, "/t/acme/risks", riskForm("Heat "+strconv.Itoa(i), sys))
	}
	status, body := officer.get(t, "/t/acme/risks/heatmap")
	require.Equal(t, http.StatusOK, status)
	inherent := "Inherent likelihood 3 Possible, impact 4 Major: High, " + strconv.Itoa(before["3-4"]+2) + " risks. Show them."
	residual := "Residual likelihood 2 Unlikely, impact 2 Minor: Low, " + strconv.Itoa(before["2-2"]+2) + " risks. Show them."
	require.Contains(t, body, `aria-label="`+inherent+`"`)
	require.Contains(t, body, `aria-label="`+residual+`"`)
	require.Contains(t, body, `href="/t/acme/risks?cell=3-4"`)
	require.Contains(t, body, `href="/t/acme/risks?rcell=2-2"`)
	require.Contains(t, body, "<svg")
	require.Contains(t, body, "counts as a table")

	// The list shows the maps too, with the filtered cell highlighted.
	_, body = officer.get(t, "/t/acme/risks?cell=3-4")
	require.Contains(t, body, "heatmap__cell--active")
	require.Contains(t, body, "Heat 0")
}

// riskFor is the risk the route pattern is requested with: routes sort alphabetically, so
// a risk is archived before it would be re-assessed; re-assessment uses a risk of its own.
func (r records) riskFor(pattern string) uuid.UUID {
	if strings.HasSuffix(pattern, "/assess") {
		return r.assessedRisk
	}
	return r.risk
}
