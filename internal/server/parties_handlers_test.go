package server

import (
	"encoding/csv"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/openaims/openaims/internal/orgcontext"
)

// createRecord posts form to a register's list path as c, expects to be sent to the new
// record's page, and returns that page's path.
func createRecord(t *testing.T, c *client, list string, form url.Values) string {
	t.Helper()
	resp, body := c.postFormResp(t, list, form)
	require.Equal(t, http.StatusSeeOther, resp.StatusCode, "%.300s", body)
	loc := resp.Header.Get("Location")
	require.Regexp(t, `^`+regexp.QuoteMeta(list)+`/[0-9a-f-]{36}$`, loc)
	return loc
}

// createParty adds an interested party through the form as c and returns its page's path.
func createParty(t *testing.T, c *client, form url.Values) string {
	t.Helper()
	return createRecord(t, c, "/t/acme/parties", form)
}

// withRequirements sets the requirement rows of form, each given as text, legal, addressed,
// how ("x" ticks a box), numbered from 0 as the form numbers them, and returns form.
func withRequirements(form url.Values, rows ...[4]string) url.Values {
	for i := range orgcontext.MaxRequirements {
		for _, f := range []string{"text", "legal", "addressed", "how"} {
			form.Del(orgcontext.RequirementField(i, f))
		}
	}
	for i, r := range rows {
		form.Set(orgcontext.RequirementField(i, "text"), r[0])
		form.Set(orgcontext.RequirementField(i, "how"), r[3])
		if r[1] == "x" {
			form.Set(orgcontext.RequirementField(i, "legal"), "true")
		}
		if r[2] == "x" {
			form.Set(orgcontext.RequirementField(i, "addressed"), "true")
		}
	}
	return form
}

// inputValue is the value attribute of the text field with id in a page, and whether it is there.
func inputValue(body, id string) (string, bool) {
	m := regexp.MustCompile(`<input[^>]*\bid="` + regexp.QuoteMeta(id) + `"[^>]*\bvalue="([^"]*)"`).FindStringSubmatch(body)
	if m == nil {
		return "", false
	}
	return m[1], true
}

// checked reports whether the checkbox with id is ticked in a page.
func checked(body, id string) bool {
	return regexp.MustCompile(`<input[^>]*\bid="` + regexp.QuoteMeta(id) + `"[^>]*\bchecked`).MatchString(body)
}

func TestPartiesRegister(t *testing.T) {
	t.Parallel()
	b := setup(t)
	// Subtests run in parallel, each with a session of its own: flashes live in the session.
	officer := func(t *testing.T) *client { return b.signIn(t, acmeOfficer) }
	auditor := b.signIn(t, acmeAuditor)

	t.Run("create, list, show", func(t *testing.T) {
		t.Parallel()
		officer := officer(t)
		name := "Loan applicants " + uniq("create")
		path := createParty(t, officer, withRequirements(partyForm(name),
			[4]string{"Explanation of a refusal", "x", "x", "Reason codes in letters"},
			[4]string{"Right to human review", "x", "", ""},
			[4]string{"Fast answers", "", "", ""}))

		status, body := officer.get(t, path)
		require.Equal(t, http.StatusOK, status)
		require.Regexp(t, `IP-\d+ added\.`, body, "the flash says what happened")
		require.Contains(t, body, name)
		require.Contains(t, body, "Explanation of a refusal")
		require.Contains(t, body, "Reason codes in letters")
		require.Contains(t, body, "Right to human review")
		require.Contains(t, body, "1 of 3 addressed by the AIMS; 2 legal or regulatory.")
		require.Regexp(t, `<strong>Created</strong>\s*by `+regexp.QuoteMeta(acmeOfficer), body)

		status, body = officer.get(t, "/t/acme/parties?q="+url.QueryEscape(name))
		require.Equal(t, http.StatusOK, status)
		require.Contains(t, body, `href="`+path+`"`)
		require.Contains(t, body, "3 (2 legal)")
		require.Regexp(t, `1\s*of\s*3`, body)
		require.Contains(t, body, "2 unaddressed", "unaddressed requirements are flagged with a labelled badge")
	})

	t.Run("an invalid form is shown again as typed, messages beside their rows", func(t *testing.T) {
		t.Parallel()
		officer := officer(t)
		m := uniq("invalid")
		form := withRequirements(partyForm("  Typed name "+m),
			[4]string{"Kept requirement", "x", "", ""},
			[4]string{"", "", "", ""}, // a blank row between two others is dropped
			[4]string{"Needs its how ", "", "x", ""},
			[4]string{"", "x", "", ""})
		form.Del("kind")
		status, body := officer.postForm(t, "/t/acme/parties", form)
		require.Equal(t, http.StatusUnprocessableEntity, status)
		require.Contains(t, body, `href="#kind"`, "the error summary links to the field")
		require.Contains(t, body, `href="#req_1_how"`)
		require.Contains(t, body, `href="#req_2_text"`)
		require.Contains(t, body, "Requirement 2: Say how the AIMS addresses this requirement", "the summary names the row")
		require.Regexp(t, `id="req_1_how-error"[^>]*>.*Say how the AIMS addresses this requirement`, body)
		require.Regexp(t, `id="req_2_text-error"[^>]*>.*Describe the requirement`, body)

		name, _ := inputValue(body, "name")
		require.Equal(t, "  Typed name "+m, name, "the typed name is kept as typed")
		v, _ := inputValue(body, "req_0_text")
		require.Equal(t, "Kept requirement", v)
		require.True(t, checked(body, "req_0_legal"))
		v, _ = inputValue(body, "req_1_text")
		require.Equal(t, "Needs its how ", v, "the row after the blank one moves up, as typed")
		require.True(t, checked(body, "req_1_addressed"))
		require.True(t, checked(body, "req_2_legal"))
		for i := 3; i < 3+3; i++ {
			v, ok := inputValue(body, orgcontext.RequirementField(i, "text"))
			require.True(t, ok, "blank row %d is offered", i)
			require.Empty(t, v)
		}
		_, ok := inputValue(body, orgcontext.RequirementField(6, "text"))
		require.False(t, ok, "three blank rows, no more")

		_, body = officer.get(t, "/t/acme/parties?q="+m)
		require.Contains(t, body, "No interested parties match", "nothing was saved")
	})

	t.Run("edit offers the recorded requirements and three blank rows", func(t *testing.T) {
		t.Parallel()
		officer := officer(t)
		m := uniq("edit")
		path := createParty(t, officer, withRequirements(partyForm("Clinicians "+m),
			[4]string{"First", "", "", ""}, [4]string{"Second", "", "x", "Training"}))
		status, body := officer.get(t, path+"/edit")
		require.Equal(t, http.StatusOK, status)
		require.Regexp(t, `<h1[^>]*>\s*Edit IP-\d+`, body)
		v, _ := inputValue(body, "req_1_how")
		require.Equal(t, "Training", v)
		require.True(t, checked(body, "req_1_addressed"))
		_, ok := inputValue(body, "req_4_text")
		require.True(t, ok)
		_, ok = inputValue(body, "req_5_text")
		require.False(t, ok)

		// Clearing a row removes the requirement; a new one goes in a blank row.
		form := withRequirements(partyForm("Clinicians and nurses "+m),
			[4]string{"", "", "", ""}, [4]string{"Second", "", "x", "Training"}, [4]string{"Third", "x", "", ""})
		resp, body := officer.postFormResp(t, path, form)
		require.Equal(t, http.StatusSeeOther, resp.StatusCode, "%.300s", body)
		require.Equal(t, path, resp.Header.Get("Location"))
		_, body = officer.get(t, path)
		require.Regexp(t, `IP-\d+ saved\.`, body)
		require.Contains(t, body, "Clinicians and nurses "+m)
		require.NotContains(t, body, ">First<")
		require.Contains(t, body, "1 of 2 addressed by the AIMS; 1 legal or regulatory.")
		require.Regexp(t, `<strong>Updated</strong>\s*by `, body)
	})

	t.Run("a failed save that aborts the transaction keeps the heading", func(t *testing.T) {
		t.Parallel()
		officer := officer(t)
		m := uniq("owner")
		path := createParty(t, officer, partyForm("Suppliers "+m))
		// A well-formed id of someone who is not a member fails on the foreign key, which
		// aborts the transaction; the heading still names the record.
		form := partyForm("Suppliers renamed " + m)
		form.Set("owner_id", uuid.NewString())
		status, body := officer.postForm(t, path, form)
		require.Equal(t, http.StatusUnprocessableEntity, status)
		require.Regexp(t, `<h1[^>]*>\s*Edit IP-\d+`, body)
		require.Contains(t, body, "Choose an owner who is a member of this workspace")
		name, _ := inputValue(body, "name")
		require.Equal(t, "Suppliers renamed "+m, name)
	})

	t.Run("archive hides the party and stops edits until restored", func(t *testing.T) {
		t.Parallel()
		officer := officer(t)
		m := uniq("archive")
		name := "Former partner " + m
		path := createParty(t, officer, partyForm(name))

		status, body := officer.get(t, path+"/archive")
		require.Equal(t, http.StatusOK, status)
		require.Contains(t, body, name, "the confirmation names the record")
		resp, _ := officer.postFormResp(t, path+"/archive", nil)
		require.Equal(t, http.StatusSeeOther, resp.StatusCode)
		require.Equal(t, path, resp.Header.Get("Location"))
		_, body = officer.get(t, path)
		require.Contains(t, body, "archived. Find it under the Archived status filter.")
		require.NotContains(t, body, path+"/edit", "no edit link on an archived record")

		_, body = officer.get(t, "/t/acme/parties?q="+m)
		require.NotContains(t, body, name, "archived parties leave the list")
		_, body = officer.get(t, "/t/acme/parties?status=archived&q="+m)
		require.Contains(t, body, name, "the archived filter shows them")

		status, _ = officer.get(t, path+"/edit")
		require.Equal(t, http.StatusConflict, status)
		status, _ = officer.postForm(t, path, partyForm("Edited while archived "+m))
		require.Equal(t, http.StatusConflict, status)

		resp, _ = officer.postFormResp(t, path+"/restore", nil)
		require.Equal(t, http.StatusSeeOther, resp.StatusCode)
		_, body = officer.get(t, "/t/acme/parties?q="+m)
		require.Contains(t, body, name, "restored parties are listed again")
	})

	t.Run("filters, search and sort", func(t *testing.T) {
		t.Parallel()
		officer := officer(t)
		m := uniq("sort")
		createParty(t, officer, withRequirements(partyForm("Charlie "+m), [4]string{"Legal one", "x", "x", "Done"}))
		createParty(t, officer, withRequirements(partyForm("Alpha "+m), [4]string{"Open one", "", "", ""}))
		bravo := partyForm("Bravo " + m)
		bravo.Set("kind", "regulator")
		createParty(t, officer, withRequirements(bravo, [4]string{"Legal and open", "x", "", ""}))

		order := func(query string) []string {
			t.Helper()
			status, body := officer.get(t, "/t/acme/parties?q="+m+"&"+query)
			require.Equal(t, http.StatusOK, status)
			var got []string
			for _, match := range regexp.MustCompile(`>((?:Alpha|Bravo|Charlie) `+m+`)</a>`).FindAllStringSubmatch(body, -1) {
				got = append(got, strings.Fields(match[1])[0])
			}
			return got
		}
		require.Equal(t, []string{"Alpha", "Bravo", "Charlie"}, order("sort=name"))
		require.Equal(t, []string{"Charlie", "Bravo", "Alpha"}, order("sort=name&dir=desc"))
		require.Equal(t, []string{"Bravo", "Charlie"}, order("sort=name&legal=true"))
		require.Equal(t, []string{"Alpha", "Bravo"}, order("sort=name&unaddressed=true"))
		require.Equal(t, []string{"Bravo"}, order("legal=true&unaddressed=true"))
		require.Equal(t, []string{"Bravo"}, order("kind=regulator"))
		_, body := officer.get(t, "/t/acme/parties?q="+uniq("nothing"))
		require.Contains(t, body, "No interested parties match")
	})

	t.Run("CSV export", func(t *testing.T) {
		t.Parallel()
		officer := officer(t)
		m := uniq("csv")
		createParty(t, officer, withRequirements(partyForm("Regulator "+m),
			[4]string{"Register the system", "x", "x", "AI systems register"}, [4]string{"Report incidents", "x", "", ""}))
		createParty(t, officer, withRequirements(partyForm("=HYPERLINK(1) "+m)))

		resp, body := auditor.getResp(t, "/t/acme/parties/export.csv?sort=name&q="+m)
		require.Equal(t, http.StatusOK, resp.StatusCode, "readers may export")
		require.Equal(t, "text/csv; charset=utf-8", resp.Header.Get("Content-Type"))
		require.Regexp(t, `^attachment; filename="interested-parties-\d{4}-\d{2}-\d{2}\.csv"$`, resp.Header.Get("Content-Disposition"))
		rows, err := csv.NewReader(strings.NewReader(body)).ReadAll()
		require.NoError(t, err)
		require.Equal(t, []string{"Reference", "Name", "Kind", "Description", "Requirements", "Requirement count",
			"Legal or regulatory", "Addressed", "Owner", "Status", "Archived", "Updated at", "Updated by"}, rows[0])
		require.Len(t, rows, 3, "the header, then one line per party")
		require.Equal(t, "'=HYPERLINK(1) "+m, rows[1][1], "a formula is neutralised")
		require.Equal(t, "", rows[1][4])
		require.Equal(t, "Regulator "+m, rows[2][1])
		require.Regexp(t, `^IP-\d+$`, rows[2][0])
		require.Equal(t, "Register the system [legal; addressed]: AI systems register | Report incidents [legal; not addressed]", rows[2][4])
		require.Equal(t, []string{"2", "2", "1"}, rows[2][5:8])
		require.Equal(t, "Active", rows[2][9])
	})

	t.Run("auditors read but cannot write", func(t *testing.T) {
		t.Parallel()
		officer := officer(t)
		m := uniq("auditor")
		path := createParty(t, officer, partyForm("Board "+m))
		status, body := auditor.get(t, path)
		require.Equal(t, http.StatusOK, status)
		require.NotContains(t, body, path+"/edit", "no edit link for a reader")
		_, body = auditor.get(t, "/t/acme/parties")
		require.NotContains(t, body, "/t/acme/parties/new", "no add button for a reader")
		status, _ = auditor.postForm(t, path, partyForm("Changed by the auditor "+m))
		require.Equal(t, http.StatusForbidden, status)
	})
}
