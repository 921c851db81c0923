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

	"github.com/openaims/openaims/internal/control"
	"github.com/openaims/openaims/internal/postgres"
	"github.com/openaims/openaims/internal/treatment"
)

// controlForm is a valid custom control form: applicable because a treatment needs it.
func controlForm(title string) url.Values {
	return url.Values{"title": {title}, "objective_id": {"A.6.2"}, "description": {"Written by a test."},
		"applicability": {"yes"}, "inclusion_reasons": {"treatment"}, "implementation_status": {"planned"}}
}

// treatmentForm is a valid treatment form for the risks, using the controls, with one action.
func treatmentForm(title string, risks []uuid.UUID, controls ...uuid.UUID) url.Values {
	form := url.Values{"title": {title}, "option": {"modify"}, "description": {"Written by a test."}, "status": {"planned"},
		"effectiveness": {"not_checked"}, treatment.ActionField(0, "title"): {"First action"},
		treatment.ActionField(0, "status"): {"open"}, treatment.ActionField(0, "due"): {"2027-01-31"}}
	for _, r := range risks {
		form.Add("risk_ids", r.String())
	}
	for _, c := range controls {
		form.Add("control_ids", c.String())
	}
	return form
}

// newTreatmentFixtures adds a custom control and a treatment of risk that uses it.
func newTreatmentFixtures(ctx context.Context, tx *postgres.Tx, label string, risk uuid.UUID) (ctl, trt uuid.UUID, err error) {
	c, err := control.Create(ctx, tx, control.Control{Title: "Control " + label, ObjectiveID: "A.9",
		Applicability: control.Applicable, InclusionReasons: []string{"treatment"}, ImplementationStatus: "planned"})
	if err != nil {
		return uuid.Nil, uuid.Nil, err
	}
	t, err := treatment.Create(ctx, tx, treatment.Treatment{Title: "Treatment " + label, Option: "modify", Status: "planned",
		RiskIDs: []string{risk.String()}, ControlIDs: []string{c.ID.String()},
		Actions: []treatment.Action{{Title: "Action " + label, Status: "open"}}})
	return c.ID, t.ID, err
}

// controls returns every control of slug, archived custom ones included.
func (b *bundle) controls(t testing.TB, slug string) []control.Control {
	t.Helper()
	var out []control.Control
	for _, status := range []string{"", postgres.ShowArchived} {
		b.inTenant(t, slug, func(tx *postgres.Tx) error {
			return control.EachControl(context.Background(), tx, postgres.Filter{Fields: map[string]string{"status": status}},
				func(c control.Control) error { out = append(out, c); return nil })
		})
	}
	return out
}

// treatments returns every treatment of slug, archived ones included.
func (b *bundle) treatments(t testing.TB, slug string) []treatment.Treatment {
	t.Helper()
	var out []treatment.Treatment
	for _, status := range []string{"", postgres.ShowArchived} {
		b.inTenant(t, slug, func(tx *postgres.Tx) error {
			return treatment.EachTreatment(context.Background(), tx, postgres.Filter{Fields: map[string]string{"status": status}},
				func(tr treatment.Treatment) error { out = append(out, tr); return nil })
		})
	}
	return out
}

// controlID is the id of slug's control with code.
func (b *bundle) controlID(t testing.TB, slug, code string) uuid.UUID {
	t.Helper()
	for _, c := range b.controls(t, slug) {
		if c.Code == code {
			return c.ID
		}
	}
	t.Fatalf("no control %s in %s", code, slug)
	return uuid.Nil
}

// riskIDByTitle is the id of slug's risk with title.
func (b *bundle) riskIDByTitle(t testing.TB, slug, title string) uuid.UUID {
	t.Helper()
	for _, k := range b.risks(t, slug) {
		if k.Title == title {
			return k.ID
		}
	}
	t.Fatalf("no risk %q in %s", title, slug)
	return uuid.Nil
}

func TestControlsRegister(t *testing.T) {
	t.Parallel()
	b := setup(t)
	officer := func(t *testing.T) *client { return b.signIn(t, acmeOfficer) }
	auditor := b.signIn(t, acmeAuditor)

	t.Run("the list shows the 38 Annex A controls in published order, filtered and searched", func(t *testing.T) {
		t.Parallel()
		c := officer(t)
		status, body := c.get(t, "/t/acme/controls?kind=annex_a")
		require.Equal(t, http.StatusOK, status)
		require.Contains(t, body, "Showing 1–38 of 38 records")
		codes := regexp.MustCompile(`<td><span class="nowrap">(A\.[0-9.]+)</span>`).FindAllStringSubmatch(body, -1)
		require.Len(t, codes, 38)
		require.Equal(t, "A.2.2", codes[0][1])
		require.Equal(t, "A.6.1.2", codes[14][1])
		require.Equal(t, "A.10.4", codes[37][1], "published order, not text order (A.10 after A.9)")

		_, body = c.get(t, "/t/acme/controls?applicability=no")
		for _, title := range []string{"Societal impacts", "Data acquisition", "Customer expectations"} {
			require.Contains(t, body, title, "the demo's exclusions")
		}
		require.NotContains(t, body, "AI policy document")
		_, body = c.get(t, "/t/acme/controls?kind=custom")
		require.Contains(t, body, "Monthly under-triage audit by age group")
		_, body = c.get(t, "/t/acme/controls?q=provenance")
		require.Contains(t, body, "Data provenance")
		require.Contains(t, body, "Showing 1 of 1 record")
		_, body = c.get(t, "/t/acme/controls?q="+uniq("nothing"))
		require.Contains(t, body, "No controls match")
	})

	t.Run("an exclusion needs its justification; an Annex A control keeps the catalog's text", func(t *testing.T) {
		t.Parallel()
		c := officer(t)
		id := b.controlID(t, "acme", "A.6.2.3")
		path := "/t/acme/controls/" + id.String()
		status, body := c.get(t, path+"/edit")
		require.Equal(t, http.StatusOK, status)
		require.Contains(t, body, "A.6.2.3 Design and development records")
		_, hasTitle := inputValue(body, "title")
		require.False(t, hasTitle, "no title field for an Annex A control")

		form := url.Values{"applicability": {"no"}, "justification": {"  "}, "implementation_status": {"not_started"},
			"title": {"Renamed by a crafted form"}}
		status, body = c.postForm(t, path, form)
		require.Equal(t, http.StatusUnprocessableEntity, status)
		require.Contains(t, body, `href="#justification"`, "the error summary links to the field")
		require.Regexp(t, `id="justification-error"[^>]*>.*Say why the control is excluded`, body)
		require.Contains(t, body, "A.6.2.3 Design and development records", "the catalog text is shown again")
		require.Regexp(t, `id="applicability-1"[^>]*value="no"[^>]*checked`, body, "the choice is kept")

		form.Set("justification", "We develop no AI systems in-house.")
		resp, _ := c.postFormResp(t, path, form)
		require.Equal(t, http.StatusSeeOther, resp.StatusCode)
		_, body = c.get(t, path)
		require.Contains(t, body, "A.6.2.3 saved.")
		require.Contains(t, body, "We develop no AI systems in-house.")
		require.Contains(t, body, "Design and development records")
		require.NotContains(t, body, "Renamed by a crafted form")
		require.Regexp(t, `<strong>Updated</strong>\s*by `+regexp.QuoteMeta(acmeOfficer), body)
	})

	t.Run("an included control needs a reason", func(t *testing.T) {
		t.Parallel()
		c := officer(t)
		path := "/t/acme/controls/" + b.controlID(t, "acme", "A.6.2.5").String()
		status, body := c.postForm(t, path, url.Values{"applicability": {"yes"}, "implementation_status": {"planned"}})
		require.Equal(t, http.StatusUnprocessableEntity, status)
		require.Contains(t, body, "Choose at least one reason for including the control")
	})

	t.Run("Annex A controls cannot be archived; custom ones can", func(t *testing.T) {
		t.Parallel()
		c := officer(t)
		annex := "/t/acme/controls/" + b.controlID(t, "acme", "A.2.4").String()
		status, body := c.get(t, annex+"/archive")
		require.Equal(t, http.StatusConflict, status)
		require.Contains(t, body, "A.2.4 is an Annex A control and cannot be archived")
		status, _ = c.postForm(t, annex+"/archive", nil)
		require.Equal(t, http.StatusConflict, status)
		_, body = c.get(t, annex)
		require.NotContains(t, body, annex+"/archive", "no archive button on an Annex A control")

		m := uniq("custom")
		path := createRecord(t, c, "/t/acme/controls", controlForm("Prompt library review "+m))
		_, body = c.get(t, path)
		require.Regexp(t, `CUS-\d+ added\.`, body)
		require.Contains(t, body, "Custom control · objective A.6.2")
		status, body = c.get(t, path+"/archive")
		require.Equal(t, http.StatusOK, status)
		require.Contains(t, body, "Prompt library review "+m)
		resp, _ := c.postFormResp(t, path+"/archive", nil)
		require.Equal(t, http.StatusSeeOther, resp.StatusCode)
		_, body = c.get(t, "/t/acme/controls?q="+m)
		require.Contains(t, body, "No controls match")
		_, body = c.get(t, "/t/acme/controls/soa")
		require.NotContains(t, body, m, "archived controls leave the statement")
		status, _ = c.postForm(t, path, controlForm("Edited while archived"))
		require.Equal(t, http.StatusConflict, status)
	})

	t.Run("the Statement of Applicability groups and counts every control, in one round trip", func(t *testing.T) {
		c := officer(t) // not parallel: it counts the pool's round trips
		status, _ := c.get(t, "/t/acme/controls/soa")
		require.Equal(t, http.StatusOK, status)
		b.queries.reset()
		status, body := c.get(t, "/t/acme/controls/soa")
		n := b.queries.reset()
		require.Equal(t, http.StatusOK, status)
		t.Logf("GET /t/acme/controls/soa: %d database round trips", n)
		// Session load, memberships, begin, the statement, commit, session save.
		require.LessOrEqual(t, n, int64(6), "the statement is one query, not one per control")

		var headings []string
		for _, m := range regexp.MustCompile(`<h2 class="soa-group__title" id="[^"]+">([^<]+)</h2>`).FindAllStringSubmatch(body, -1) {
			headings = append(headings, strings.Fields(m[1])[0])
		}
		require.Equal(t, []string{"A.2", "A.3", "A.4", "A.5", "A.6.1", "A.6.2", "A.7", "A.8", "A.9", "A.10"}, headings,
			"A.6.1 and A.6.2 apart; the demo's custom controls sit in A.6.2")
		require.Contains(t, body, "Acme Health AI")
		require.Contains(t, body, "Print command")
		require.Regexp(t, `Applicability of (\d+) controls`, body)
		stats := map[string]string{}
		for _, m := range regexp.MustCompile(`<dt class="stats__label">([^<]+)</dt><dd class="stats__value">(\d+)</dd>`).FindAllStringSubmatch(body, -1) {
			stats[m[1]] = m[2]
		}
		require.Equal(t, "3", stats["Excluded"])
		require.NotEmpty(t, stats["Applicable"])
		require.NotEmpty(t, stats["Not decided"])
		require.NotEmpty(t, stats["Implemented"])
		require.Contains(t, body, "The trust offers no AI system to customers", "exclusions show their justification")
		require.Contains(t, body, "/t/acme/treatments/", "controls link their treatments")

		resp, csvBody := auditor.getResp(t, "/t/acme/controls/soa.csv")
		require.Equal(t, http.StatusOK, resp.StatusCode, "readers may export")
		require.Regexp(t, `^attachment; filename="statement-of-applicability-\d{4}-\d{2}-\d{2}\.csv"$`, resp.Header.Get("Content-Disposition"))
		rows, err := csv.NewReader(strings.NewReader(csvBody)).ReadAll()
		require.NoError(t, err)
		require.Equal(t, []string{"Objective", "Control", "Title", "Source", "Applicable", "Reasons for inclusion", "Justification",
			"Implementation status", "Owner", "Treatments", "Updated at"}, rows[0])
		require.GreaterOrEqual(t, len(rows), 1+38)
		require.Equal(t, []string{"A.2 AI-related policies", "A.2.2", "AI policy document", "Annex A", "Applicable",
			"Legal or contractual requirement; Other reason"}, rows[1][:6])
		var excluded []string
		for _, r := range rows[1:] {
			if r[4] == "Excluded" {
				excluded = append(excluded, r[1])
				require.NotEmpty(t, r[6], "%s: an exclusion has its justification", r[1])
				require.Equal(t, "Not required", r[7])
			}
		}
		require.Len(t, excluded, 3)
	})

	t.Run("the list exports as CSV", func(t *testing.T) {
		t.Parallel()
		resp, body := auditor.getResp(t, "/t/acme/controls/export.csv?kind=custom&sort=title")
		require.Equal(t, http.StatusOK, resp.StatusCode)
		rows, err := csv.NewReader(strings.NewReader(body)).ReadAll()
		require.NoError(t, err)
		require.Equal(t, "Code", rows[0][0])
		require.Equal(t, "Clinical safety case for every AI release", rows[1][1])
		require.Equal(t, "Custom", rows[1][2])
	})

	t.Run("auditors read but cannot decide", func(t *testing.T) {
		t.Parallel()
		path := "/t/acme/controls/" + b.controlID(t, "acme", "A.3.3").String()
		status, body := auditor.get(t, path)
		require.Equal(t, http.StatusOK, status)
		require.NotContains(t, body, path+"/edit")
		_, body = auditor.get(t, "/t/acme/controls")
		require.NotContains(t, body, "/t/acme/controls/new")
		status, _ = auditor.postForm(t, path, url.Values{"applicability": {"yes"}, "inclusion_reasons": {"legal"}, "implementation_status": {"planned"}})
		require.Equal(t, http.StatusForbidden, status)
	})
}

func TestTreatmentsRegister(t *testing.T) {
	t.Parallel()
	b := setup(t)
	officer := func(t *testing.T) *client { return b.signIn(t, acmeOfficer) }
	risk := b.riskIDByTitle(t, "acme", "Less accurate triage for patients with limited English")
	a84 := b.controlID(t, "acme", "A.8.4")

	t.Run("a treatment links risks and controls both ways", func(t *testing.T) {
		t.Parallel()
		c := officer(t)
		m := uniq("links")
		status, body := c.get(t, "/t/acme/treatments/new?risk="+risk.String()+"&control="+a84.String())
		require.Equal(t, http.StatusOK, status)
		require.Regexp(t, `value="`+risk.String()+`" checked`, body, "the risk to treat is ticked")
		require.Regexp(t, `value="`+a84.String()+`" checked`, body, "the control to use is ticked")

		path := createRecord(t, c, "/t/acme/treatments", treatmentForm("Interpreter-first triage "+m, []uuid.UUID{risk}, a84))
		_, body = c.get(t, path)
		require.Regexp(t, `TRT-\d+ added\.`, body)
		require.Contains(t, body, `href="/t/acme/risks/`+risk.String()+`"`)
		require.Contains(t, body, `href="/t/acme/controls/`+a84.String()+`"`)
		require.Contains(t, body, "First action")

		_, body = c.get(t, "/t/acme/controls/"+a84.String())
		require.Contains(t, body, `href="`+path+`"`, "the control's page lists the treatment")
		require.Contains(t, body, `href="/t/acme/risks/`+risk.String()+`"`, "with the risk it treats")
		require.Contains(t, body, "/t/acme/ai-systems/", "and the risk's AI system")

		_, body = c.get(t, "/t/acme/risks/"+risk.String())
		require.Contains(t, body, path, "the risk's page lists the treatment")

		_, body = c.get(t, "/t/acme/treatments?risk="+risk.String())
		require.Contains(t, body, "Interpreter-first triage "+m)
		require.Contains(t, body, "Treating RISK-")
		_, body = c.get(t, "/t/acme/treatments?control="+b.controlID(t, "acme", "A.2.2").String())
		require.NotContains(t, body, "Interpreter-first triage "+m)

		_, body = c.get(t, "/t/acme/controls/soa")
		require.Contains(t, body, `href="`+path+`"`, "the statement lists the treatment under the control")
	})

	t.Run("an invalid form is shown again as typed", func(t *testing.T) {
		t.Parallel()
		c := officer(t)
		m := uniq("invalid")
		form := treatmentForm("Kept "+m, []uuid.UUID{risk}, a84)
		form.Set("option", "")
		form.Set(treatment.ActionField(1, "due"), "2027-02-30")
		form.Set(treatment.ActionField(1, "status"), "open")
		form.Set("effectiveness", "effective")
		form.Add("control_ids", uuid.NewString())
		status, body := c.postForm(t, "/t/acme/treatments", form)
		require.Equal(t, http.StatusUnprocessableEntity, status)
		require.Contains(t, body, `href="#option"`)
		require.Contains(t, body, "Action 2: Describe the action", "the summary names the row")
		require.Contains(t, body, "Action 2: Enter a real date")
		require.Contains(t, body, "Describe how the effectiveness was checked")
		v, _ := inputValue(body, "title")
		require.Equal(t, "Kept "+m, v)
		require.Regexp(t, `value="`+risk.String()+`" checked`, body)

		// An id that is not one of the tenant's controls is refused beside the field.
		form = treatmentForm("Unknown control "+m, []uuid.UUID{risk}, uuid.New())
		status, body = c.postForm(t, "/t/acme/treatments", form)
		require.Equal(t, http.StatusUnprocessableEntity, status)
		require.Contains(t, body, "Choose controls from the list")
		_, body = c.get(t, "/t/acme/treatments?q="+m)
		require.Contains(t, body, "No treatments match", "nothing was saved")
	})

	t.Run("another tenant's risk cannot be linked", func(t *testing.T) {
		t.Parallel()
		c := officer(t)
		globexRisk := b.riskIDByTitle(t, "globex", "Credit model degrades in a recession")
		status, body := c.postForm(t, "/t/acme/treatments", treatmentForm("Cross-tenant "+uniq("x"), []uuid.UUID{globexRisk}))
		require.Equal(t, http.StatusUnprocessableEntity, status)
		require.Contains(t, body, "Choose risks from the list")
		require.NotContains(t, body, "Credit model degrades in a recession")
	})

	t.Run("finishing the last action leaves the status to the owner", func(t *testing.T) {
		t.Parallel()
		c := officer(t)
		m := uniq("done")
		path := createRecord(t, c, "/t/acme/treatments", treatmentForm("Done actions "+m, []uuid.UUID{risk}))
		form := treatmentForm("Done actions "+m, []uuid.UUID{risk})
		form.Set(treatment.ActionField(0, "status"), "done")
		resp, _ := c.postFormResp(t, path, form)
		require.Equal(t, http.StatusSeeOther, resp.StatusCode)
		_, body := c.get(t, path)
		require.Contains(t, body, "Every action of this plan is done")
		require.Regexp(t, `badge--warning">Planned<`, body, "still planned")
		require.Regexp(t, `<strong>Updated</strong>`, body)
	})

	t.Run("list filters, sorts and exports", func(t *testing.T) {
		t.Parallel()
		c := officer(t)
		_, body := c.get(t, "/t/acme/treatments?overdue=true")
		require.Contains(t, body, "Drift monitoring for the triage model", "the demo's overdue plan")
		require.NotContains(t, body, "Fairness constraint in readmission model retraining", "completed plans are not overdue")
		require.Contains(t, body, "Overdue")
		_, body = c.get(t, "/t/acme/treatments?status=completed&sort=title")
		require.Regexp(t, `(?s)Fairness constraint.*Processor agreement`, body)
		_, body = c.get(t, "/t/acme/treatments?risk=not-an-id")
		require.Contains(t, body, "No treatments match")

		resp, csvBody := c.getResp(t, "/t/acme/treatments/export.csv?sort=ref")
		require.Equal(t, http.StatusOK, resp.StatusCode)
		rows, err := csv.NewReader(strings.NewReader(csvBody)).ReadAll()
		require.NoError(t, err)
		require.Equal(t, []string{"Reference", "Title", "Option", "Description", "Risks", "Controls", "Actions", "Actions done",
			"Owner", "Due date", "Overdue", "Status", "Effectiveness check", "Effectiveness", "Archived", "Updated at", "Updated by"}, rows[0])
		require.Equal(t, "TRT-1", rows[1][0])
		require.Contains(t, rows[1][5], "A.6.2.4")
		require.Contains(t, rows[1][6], "Implement the sepsis red-flag override rules [Done; Olivia Officer; due ")
	})

	t.Run("auditors read but cannot write", func(t *testing.T) {
		t.Parallel()
		auditor := b.signIn(t, acmeAuditor)
		tr := b.treatments(t, "acme")[0]
		path := "/t/acme/treatments/" + tr.ID.String()
		status, body := auditor.get(t, path)
		require.Equal(t, http.StatusOK, status)
		require.NotContains(t, body, path+"/edit")
		_, body = auditor.get(t, "/t/acme/treatments")
		require.NotContains(t, body, "/t/acme/treatments/new")
		status, _ = auditor.postForm(t, path, treatmentForm("Changed by the auditor", nil))
		require.Equal(t, http.StatusForbidden, status)
	})
}
