package server

import (
	"context"
	"encoding/csv"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/openaims/openaims/internal/aisystem"
	"github.com/openaims/openaims/internal/postgres"
)

// aiSystemForm is a valid AI system form with no data resources.
func aiSystemForm(name string) url.Values {
	return url.Values{"name": {name}, "purpose": {"Written by a test."}, "lifecycle_stage": {"operation"},
		"org_role": {"provider"}, "eu_ai_act_class": {"high_risk"}, "eu_ai_act_reason": {"Annex III point 5(b)"},
		"in_scope": {"true"}}
}

// withData sets the data-resource blocks of form, each given as name, source, provenance
// and personal data ("x" ticks the box), numbered from 0 as the form numbers them.
func withData(form url.Values, rows ...[4]string) url.Values {
	for i := range aisystem.MaxData {
		for _, f := range []string{"name", "source", "acquisition", "provenance", "quality_checks", "personal_data", "preparation"} {
			form.Del(aisystem.DataField(i, f))
		}
	}
	for i, r := range rows {
		form.Set(aisystem.DataField(i, "name"), r[0])
		form.Set(aisystem.DataField(i, "source"), r[1])
		form.Set(aisystem.DataField(i, "provenance"), r[2])
		if r[3] == "x" {
			form.Set(aisystem.DataField(i, "personal_data"), "true")
		}
	}
	return form
}

// aiSystems returns every AI system of slug, archived ones included.
func (b *bundle) aiSystems(t testing.TB, slug string) []aisystem.System {
	t.Helper()
	var out []aisystem.System
	for _, status := range []string{"", postgres.ShowArchived} {
		b.inTenant(t, slug, func(tx *postgres.Tx) error {
			return aisystem.Each(context.Background(), tx, postgres.Filter{Fields: map[string]string{"status": status}},
				func(s aisystem.System) error { out = append(out, s); return nil })
		})
	}
	return out
}

// textareaValue is the text of the textarea with id in a page, and whether it is there.
func textareaValue(body, id string) (string, bool) {
	m := regexp.MustCompile(`(?s)<textarea[^>]*\bid="` + regexp.QuoteMeta(id) + `"[^>]*>(.*?)</textarea>`).FindStringSubmatch(body)
	if m == nil {
		return "", false
	}
	return m[1], true
}

func TestAISystemsRegister(t *testing.T) {
	t.Parallel()
	b := setup(t)
	// Subtests run in parallel, each with a session of its own: flashes live in the session.
	officer := func(t *testing.T) *client { return b.signIn(t, acmeOfficer) }
	auditor := b.signIn(t, acmeAuditor)

	t.Run("the demo inventory is listed", func(t *testing.T) {
		t.Parallel()
		status, body := auditor.get(t, "/t/acme/ai-systems?sort=ref")
		require.Equal(t, http.StatusOK, status)
		for _, name := range []string{"Clinical triage assistant", "Readmission risk model", "Clinical note summariser"} {
			require.Contains(t, body, ">"+name+"</a>")
		}
		require.Contains(t, body, "High-risk")
		require.NotContains(t, body, "Retail credit scoring", "globex's inventory stays in globex")
	})

	t.Run("create, list, show", func(t *testing.T) {
		t.Parallel()
		officer := officer(t)
		name := "Loan scorer " + uniq("create")
		form := withData(aiSystemForm(name),
			[4]string{"Application history", "Loan origination system", "Data warehouse lineage", "x"},
			[4]string{"Macro indicators", "Statistics office", "", ""})
		form.Set("tooling", "XGBoost, MLflow")
		form.Set("compute", "Private cloud, EU")
		form.Set("suppliers", "Credit bureau")
		path := createRecord(t, officer, "/t/acme/ai-systems", form)

		status, body := officer.get(t, path)
		require.Equal(t, http.StatusOK, status)
		require.Regexp(t, `AIS-\d+ added\.`, body, "the flash says what happened")
		require.Contains(t, body, name)
		require.Contains(t, body, "Application history")
		require.Contains(t, body, "Data warehouse lineage")
		require.Contains(t, body, "XGBoost, MLflow")
		require.Contains(t, body, "2 data resources; 1 with personal data.")
		require.Contains(t, body, "Personal data")
		require.Contains(t, body, "Annex III point 5(b)")
		require.Contains(t, body, "Nothing is linked to this AI system yet.")
		require.Regexp(t, `<strong>Created</strong>\s*by `+regexp.QuoteMeta(acmeOfficer), body)

		status, body = officer.get(t, "/t/acme/ai-systems?q="+url.QueryEscape(name))
		require.Equal(t, http.StatusOK, status)
		require.Contains(t, body, `href="`+path+`"`)
		require.Contains(t, body, "Provider · 2 data resources, 1 with personal data")
		require.Contains(t, body, "In scope")
	})

	t.Run("an invalid form is shown again as typed, messages beside their fields", func(t *testing.T) {
		t.Parallel()
		officer := officer(t)
		m := uniq("invalid")
		form := withData(aiSystemForm("  Typed name "+m),
			[4]string{"Kept data", "", "", "x"},
			[4]string{"", "", "", ""}, // a blank block between two others is dropped
			[4]string{"", "A source without a name", "", ""})
		form.Set("eu_ai_act_reason", "")
		form.Del("in_scope")
		form.Set("purpose", "Typed purpose "+m)
		status, body := officer.postForm(t, "/t/acme/ai-systems", form)
		require.Equal(t, http.StatusUnprocessableEntity, status)
		require.Contains(t, body, `href="#eu_ai_act_reason"`, "the error summary links to the field")
		require.Contains(t, body, `href="#in_scope"`)
		require.Contains(t, body, `href="#data_1_name"`)
		require.Contains(t, body, "Data resource 2: Name the data resource", "the summary names the block")
		require.Regexp(t, `id="eu_ai_act_reason-error"[^>]*>.*Say why the system is in this class`, body)
		require.Regexp(t, `id="data_1_name-error"[^>]*>.*Name the data resource`, body)

		name, _ := inputValue(body, "name")
		require.Equal(t, "  Typed name "+m, name, "the typed name is kept as typed")
		purpose, _ := textareaValue(body, "purpose")
		require.Equal(t, "Typed purpose "+m, purpose)
		require.True(t, checked(body, "org_role"), "the chosen role stays chosen")
		v, _ := inputValue(body, "data_0_name")
		require.Equal(t, "Kept data", v)
		require.True(t, checked(body, "data_0_personal_data"))
		v, _ = inputValue(body, "data_1_source")
		require.Equal(t, "A source without a name", v, "the block after the blank one moves up, as typed")
		for i := 2; i < 2+2; i++ {
			v, ok := inputValue(body, aisystem.DataField(i, "name"))
			require.True(t, ok, "blank block %d is offered", i)
			require.Empty(t, v)
		}
		_, ok := inputValue(body, aisystem.DataField(4, "name"))
		require.False(t, ok, "two blank blocks, no more")

		_, body = officer.get(t, "/t/acme/ai-systems?q="+m)
		require.Contains(t, body, "No AI systems match", "nothing was saved")
	})

	t.Run("not yet assessed needs no reason, and is the new form's default", func(t *testing.T) {
		t.Parallel()
		officer := officer(t)
		status, body := officer.get(t, "/t/acme/ai-systems/new")
		require.Equal(t, http.StatusOK, status)
		require.Regexp(t, `<input[^>]*value="not_assessed"[^>]*checked`, body)
		require.False(t, checked(body, "in_scope"), "scope is asked, never assumed")
		form := aiSystemForm("Pilot " + uniq("pilot"))
		form.Set("eu_ai_act_class", "not_assessed")
		form.Del("eu_ai_act_reason")
		createRecord(t, officer, "/t/acme/ai-systems", form)
	})

	t.Run("edit offers the recorded data and two blank blocks", func(t *testing.T) {
		t.Parallel()
		officer := officer(t)
		m := uniq("edit")
		path := createRecord(t, officer, "/t/acme/ai-systems", withData(aiSystemForm("Summariser "+m),
			[4]string{"First", "", "", ""}, [4]string{"Second", "EHR", "Versioned extracts", "x"}))
		status, body := officer.get(t, path+"/edit")
		require.Equal(t, http.StatusOK, status)
		require.Regexp(t, `<h1[^>]*>\s*Edit AIS-\d+`, body)
		v, _ := inputValue(body, "data_1_provenance")
		require.Equal(t, "Versioned extracts", v)
		require.True(t, checked(body, "data_1_personal_data"))
		_, ok := inputValue(body, "data_3_name")
		require.True(t, ok)
		_, ok = inputValue(body, "data_4_name")
		require.False(t, ok)

		// Clearing a block removes the data resource; a new one goes in a blank block.
		form := withData(aiSystemForm("Note summariser "+m),
			[4]string{"", "", "", ""}, [4]string{"Second", "EHR", "Versioned extracts", "x"}, [4]string{"Third", "", "", ""})
		form.Set("lifecycle_stage", "retired")
		resp, body := officer.postFormResp(t, path, form)
		require.Equal(t, http.StatusSeeOther, resp.StatusCode, "%.300s", body)
		require.Equal(t, path, resp.Header.Get("Location"))
		_, body = officer.get(t, path)
		require.Regexp(t, `AIS-\d+ saved\.`, body)
		require.Contains(t, body, "Note summariser "+m)
		require.NotContains(t, body, ">First<")
		require.Contains(t, body, "2 data resources; 1 with personal data.")
		require.Regexp(t, `<strong>Updated</strong>\s*by `, body)
		require.Regexp(t, `<th scope="row">lifecycle stage</th>\s*<td>operation</td>\s*<td>retired</td>`, body, "the history shows the change")
	})

	t.Run("a non-member owner is refused beside the field, with the heading kept", func(t *testing.T) {
		t.Parallel()
		officer := officer(t)
		m := uniq("owner")
		path := createRecord(t, officer, "/t/acme/ai-systems", aiSystemForm("Scorer "+m))
		form := aiSystemForm("Scorer renamed " + m)
		form.Set("owner_id", uuid.NewString())
		status, body := officer.postForm(t, path, form)
		require.Equal(t, http.StatusUnprocessableEntity, status)
		require.Regexp(t, `<h1[^>]*>\s*Edit AIS-\d+`, body)
		require.Contains(t, body, "Choose an owner who is a member of this workspace")
		name, _ := inputValue(body, "name")
		require.Equal(t, "Scorer renamed "+m, name)
	})

	t.Run("archive hides the system and stops edits until restored", func(t *testing.T) {
		t.Parallel()
		officer := officer(t)
		m := uniq("archive")
		name := "Retired chatbot " + m
		path := createRecord(t, officer, "/t/acme/ai-systems", aiSystemForm(name))

		status, body := officer.get(t, path+"/archive")
		require.Equal(t, http.StatusOK, status)
		require.Contains(t, body, name, "the confirmation names the record")
		resp, _ := officer.postFormResp(t, path+"/archive", nil)
		require.Equal(t, http.StatusSeeOther, resp.StatusCode)
		require.Equal(t, path, resp.Header.Get("Location"))
		_, body = officer.get(t, path)
		require.Contains(t, body, "archived. Find it under the Archived status filter.")
		require.NotContains(t, body, path+"/edit", "no edit link on an archived record")

		_, body = officer.get(t, "/t/acme/ai-systems?q="+m)
		require.NotContains(t, body, name, "archived systems leave the list")
		_, body = officer.get(t, "/t/acme/ai-systems?status=archived&q="+m)
		require.Contains(t, body, name, "the archived filter shows them")

		status, _ = officer.get(t, path+"/edit")
		require.Equal(t, http.StatusConflict, status)
		status, _ = officer.postForm(t, path, aiSystemForm("Edited while archived "+m))
		require.Equal(t, http.StatusConflict, status)

		resp, _ = officer.postFormResp(t, path+"/restore", nil)
		require.Equal(t, http.StatusSeeOther, resp.StatusCode)
		_, body = officer.get(t, "/t/acme/ai-systems?q="+m)
		require.Contains(t, body, name, "restored systems are listed again")
	})

	t.Run("filters, search and sort", func(t *testing.T) {
		t.Parallel()
		officer := officer(t)
		m := uniq("sort")
		charlie := aiSystemForm("Charlie " + m)
		charlie.Set("lifecycle_stage", "idea")
		charlie.Set("eu_ai_act_class", "minimal")
		createRecord(t, officer, "/t/acme/ai-systems", charlie)
		alpha := aiSystemForm("Alpha " + m)
		alpha.Set("in_scope", "false")
		alpha.Set("lifecycle_stage", "retired")
		createRecord(t, officer, "/t/acme/ai-systems", alpha)
		bravo := aiSystemForm("Bravo " + m)
		bravo.Set("eu_ai_act_class", "limited")
		bravo.Set("owner_id", b.userID(t, acmeExec).String())
		createRecord(t, officer, "/t/acme/ai-systems", bravo)

		order := func(query string) []string {
			t.Helper()
			status, body := officer.get(t, "/t/acme/ai-systems?q="+m+"&"+query)
			require.Equal(t, http.StatusOK, status)
			var got []string
			for _, match := range regexp.MustCompile(`>((?:Alpha|Bravo|Charlie) `+m+`)</a>`).FindAllStringSubmatch(body, -1) {
				got = append(got, strings.Fields(match[1])[0])
			}
			return got
		}
		require.Equal(t, []string{"Alpha", "Bravo", "Charlie"}, order("sort=name"))
		require.Equal(t, []string{"Charlie", "Bravo", "Alpha"}, order("sort=name&dir=desc"))
		require.Equal(t, []string{"Charlie", "Bravo", "Alpha"}, order("sort=stage"), "idea, operation, retired")
		require.Equal(t, []string{"Alpha", "Bravo", "Charlie"}, order("sort=class"), "high-risk, limited, minimal")
		require.Equal(t, []string{"Alpha"}, order("scope=false"))
		require.Equal(t, []string{"Bravo", "Charlie"}, order("sort=name&scope=true"))
		require.Equal(t, []string{"Alpha", "Bravo", "Charlie"}, order("sort=name&scope=perhaps"), "an unknown scope filters nothing")
		require.Equal(t, []string{"Charlie"}, order("stage=idea"))
		require.Equal(t, []string{"Bravo"}, order("class=limited"))
		require.Equal(t, []string{"Bravo"}, order("owner="+b.userID(t, acmeExec).String()))
		_, body := officer.get(t, "/t/acme/ai-systems?q="+uniq("nothing"))
		require.Contains(t, body, "No AI systems match")
	})

	t.Run("CSV export", func(t *testing.T) {
		t.Parallel()
		officer := officer(t)
		m := uniq("csv")
		createRecord(t, officer, "/t/acme/ai-systems", withData(aiSystemForm("Scorer "+m),
			[4]string{"Applications", "Origination system", "Warehouse", "x"}, [4]string{"Macro data", "", "", ""}))
		createRecord(t, officer, "/t/acme/ai-systems", aiSystemForm("=HYPERLINK(1) "+m))

		resp, body := auditor.getResp(t, "/t/acme/ai-systems/export.csv?sort=name&q="+m)
		require.Equal(t, http.StatusOK, resp.StatusCode, "readers may export")
		require.Equal(t, "text/csv; charset=utf-8", resp.Header.Get("Content-Type"))
		require.Regexp(t, `^attachment; filename="ai-systems-\d{4}-\d{2}-\d{2}\.csv"$`, resp.Header.Get("Content-Disposition"))
		rows, err := csv.NewReader(strings.NewReader(body)).ReadAll()
		require.NoError(t, err)
		require.Equal(t, []string{"Reference", "Name", "Purpose", "Description", "Intended use", "Intended users",
			"Life-cycle stage", "Organisation's role", "EU AI Act class", "Why this class", "AIMS scope", "Tooling",
			"Computing resources", "Suppliers", "Data resources", "Data resource count", "With personal data", "Risks",
			"Owner", "Archived", "Updated at", "Updated by"}, rows[0])
		require.Len(t, rows, 3, "the header, then one line per system")
		require.Equal(t, "'=HYPERLINK(1) "+m, rows[1][1], "a formula is neutralised")
		require.Equal(t, "Scorer "+m, rows[2][1])
		require.Regexp(t, `^AIS-\d+$`, rows[2][0])
		require.Equal(t, []string{"Operation", "Provider", "High-risk", "Annex III point 5(b)", "In scope"}, rows[2][6:11])
		require.Equal(t, "Applications [personal data] source: Origination system; provenance: Warehouse | Macro data", rows[2][14])
		require.Equal(t, []string{"2", "1", "0"}, rows[2][15:18])
	})

	t.Run("the page links every related record", func(t *testing.T) {
		t.Parallel()
		officer := officer(t)
		m := uniq("links")
		path := createRecord(t, officer, "/t/acme/ai-systems", aiSystemForm("Linked model "+m))
		id := uuid.MustParse(path[strings.LastIndex(path, "/")+1:])
		var riskID, treatmentID, controlID, assessmentID uuid.UUID
		var riskRef, treatmentRef, assessmentRef int
		var controlCode string
		b.inTenant(t, "acme", func(tx *postgres.Tx) error {
			ctx := context.Background()
			var err error
			for _, ref := range []struct {
				register string
				n        *int
			}{{"risks", &riskRef}, {"treatments", &treatmentRef}, {"impact-assessments", &assessmentRef}} {
				if *ref.n, err = postgres.NextRef(ctx, tx, ref.register); err != nil {
					return err
				}
			}
			if err := tx.QueryRow(ctx, `INSERT INTO risks (tenant_id, ref, title, risk_source, objective_affected, inherent_likelihood,
					inherent_impact, inherent_level, residual_likelihood, residual_impact, residual_level, status,
					created_by, created_at, updated_by, updated_at)
				VALUES ($1, $2, $3, 'complexity_of_environment', 'fairness', 4, 5, 'critical', 2, 3, 'medium', 'treatment_planned', $4, $5, $4, $5)
				RETURNING id`, tx.TenantID, riskRef, "Linked risk "+m, tx.Actor.UserID, tx.Now).Scan(&riskID); err != nil {
				return err
			}
			if err := tx.QueryRow(ctx, `INSERT INTO treatments (tenant_id, ref, title, option, status, created_by, created_at, updated_by, updated_at)
				VALUES ($1, $2, $3, 'modify', 'in_progress', $4, $5, $4, $5) RETURNING id`,
				tx.TenantID, treatmentRef, "Linked treatment "+m, tx.Actor.UserID, tx.Now).Scan(&treatmentID); err != nil {
				return err
			}
			// An Annex A control, seeded for the tenant or not.
			if err := tx.QueryRow(ctx, `INSERT INTO controls (tenant_id, code, position, annex_a, title, applicable,
					implementation_status, created_at, updated_at)
				VALUES ($1, 'A.6.2.6', 2606, true, 'AI system operation and monitoring', true, 'implemented', $2, $2)
				ON CONFLICT (tenant_id, code) DO UPDATE SET applicable = true, implementation_status = 'implemented'
				RETURNING id, code`,
				tx.TenantID, tx.Now).Scan(&controlID, &controlCode); err != nil {
				return err
			}
			if err := tx.QueryRow(ctx, `INSERT INTO impact_assessments (tenant_id, ref, title, system_id, created_by, created_at, updated_by, updated_at)
				VALUES ($1, $2, $3, $4, $5, $6, $5, $6) RETURNING id`,
				tx.TenantID, assessmentRef, "Linked assessment "+m, id, tx.Actor.UserID, tx.Now).Scan(&assessmentID); err != nil {
				return err
			}
			_, err = tx.Exec(ctx, `INSERT INTO risk_ai_systems (tenant_id, risk_id, system_id) VALUES ($1, $2, $3);`, tx.TenantID, riskID, id)
			if err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, `INSERT INTO treatment_risks (tenant_id, treatment_id, risk_id) VALUES ($1, $2, $3)`,
				tx.TenantID, treatmentID, riskID); err != nil {
				return err
			}
			_, err = tx.Exec(ctx, `INSERT INTO treatment_controls (tenant_id, treatment_id, control_id) VALUES ($1, $2, $3)`,
				tx.TenantID, treatmentID, controlID)
			return err
		})

		// Warm up, then count the page's round trips.
		status, _ := auditor.get(t, path)
		require.Equal(t, http.StatusOK, status)
		b.queries.reset()
		status, body := auditor.get(t, path)
		n := b.queries.reset()
		require.Equal(t, http.StatusOK, status, "an auditor follows the chain read-only")
		t.Logf("GET an AI system's page: %d database round trips", n)
		// Session load, memberships, begin, system and data, links, history, commit, session save.
		require.LessOrEqual(t, n, int64(8), "the links load in one round trip")

		risk := "/t/acme/risks/" + riskID.String()
		require.Contains(t, body, `href="`+risk+`"`)
		require.Regexp(t, `>RISK-`+strconv.Itoa(riskRef)+`</a>`, body)
		require.Contains(t, body, "Linked risk "+m)
		require.Contains(t, body, "Critical", "the inherent level")
		require.Contains(t, body, "Medium", "the residual level")
		require.Contains(t, body, `href="/t/acme/treatments/`+treatmentID.String()+`"`)
		require.Regexp(t, `>TRT-`+strconv.Itoa(treatmentRef)+`</a>`, body)
		require.Contains(t, body, `href="/t/acme/impact-assessments/`+assessmentID.String()+`"`)
		require.Regexp(t, `>IA-`+strconv.Itoa(assessmentRef)+`</a>`, body)
		require.Contains(t, body, `href="/t/acme/controls/`+controlID.String()+`"`)
		require.Contains(t, body, ">"+controlCode+"</a>")
		require.Contains(t, body, "Implemented")

		_, body = auditor.get(t, "/t/acme/ai-systems?q="+m)
		require.Regexp(t, `<td class="num">1</td>`, body, "the list counts the system's risks")
	})

	t.Run("auditors read but cannot write", func(t *testing.T) {
		t.Parallel()
		officer := officer(t)
		m := uniq("auditor")
		path := createRecord(t, officer, "/t/acme/ai-systems", aiSystemForm("Board model "+m))
		status, body := auditor.get(t, path)
		require.Equal(t, http.StatusOK, status)
		require.NotContains(t, body, path+"/edit", "no edit link for a reader")
		_, body = auditor.get(t, "/t/acme/ai-systems")
		require.NotContains(t, body, "/t/acme/ai-systems/new", "no add button for a reader")
		status, _ = auditor.postForm(t, path, aiSystemForm("Changed by the auditor "+m))
		require.Equal(t, http.StatusForbidden, status)
	})
}
