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

	"github.com/openaims/openaims/internal/auth"
	"github.com/openaims/openaims/internal/postgres"
	"github.com/openaims/openaims/internal/tenant"
)

// recordPath matches the page of a context issue a create redirects to.
var recordPath = regexp.MustCompile(`^/t/acme/context/[0-9a-f-]{36}$`)

// createIssue adds a context issue through the form as c and returns the path of its page.
func createIssue(t *testing.T, c *client, form url.Values) string {
	t.Helper()
	resp, body := c.postFormResp(t, "/t/acme/context", form)
	require.Equal(t, http.StatusSeeOther, resp.StatusCode, "%.300s", body)
	loc := resp.Header.Get("Location")
	require.Regexp(t, recordPath, loc)
	return loc
}

// uniq returns a word no other test uses, to tell this test's records apart.
func uniq(prefix string) string { return prefix + strings.ReplaceAll(uuid.NewString()[:8], "-", "") }

func TestContextRegister(t *testing.T) {
	t.Parallel()
	b := setup(t)
	// Subtests run in parallel, each with a session of its own: flashes live in the session.
	officer := func(t *testing.T) *client { return b.signIn(t, acmeOfficer) }
	auditor := b.signIn(t, acmeAuditor)

	t.Run("create, list, show", func(t *testing.T) {
		t.Parallel()
		m := uniq("create")
		title := "Supplier audit backlog " + m
		officer := officer(t)
		path := createIssue(t, officer, issueForm(title))

		status, body := officer.get(t, path)
		require.Equal(t, http.StatusOK, status)
		require.Contains(t, body, title)
		require.Regexp(t, `CTX-\d+ added\.`, body, "the flash says what happened")
		require.Contains(t, body, "History")
		require.Regexp(t, `<strong>Created</strong>\s*by `+regexp.QuoteMeta(acmeOfficer), body)
		// The flash is shown once.
		_, body = officer.get(t, path)
		require.NotRegexp(t, `CTX-\d+ added\.`, body)

		status, body = officer.get(t, "/t/acme/context")
		require.Equal(t, http.StatusOK, status)
		require.Contains(t, body, title)
		require.Contains(t, body, `href="`+path+`"`)
	})

	t.Run("an invalid form is shown again with its messages", func(t *testing.T) {
		t.Parallel()
		officer := officer(t)
		m := uniq("invalid")
		form := issueForm("Typed title " + m)
		form.Del("category")
		form.Set("review_date", "2027-02-30")
		status, body := officer.postForm(t, "/t/acme/context", form)
		require.Equal(t, http.StatusUnprocessableEntity, status)
		require.Contains(t, body, "Choose a category")
		require.Contains(t, body, "Enter a real date, for example 2027-03-31")
		require.Contains(t, body, `href="#category"`, "the error summary links to the field")
		require.Contains(t, body, `value="Typed title `+m+`"`, "the typed title is kept")
		_, body = officer.get(t, "/t/acme/context?q="+m)
		require.NotContains(t, body, "Typed title "+m, "nothing was saved")
	})

	t.Run("edits are in the history with before and after", func(t *testing.T) {
		t.Parallel()
		officer := officer(t)
		m := uniq("edit")
		before, after := "Energy use "+m, "Energy and water use "+m
		path := createIssue(t, officer, issueForm(before))
		status, body := officer.get(t, path+"/edit")
		require.Equal(t, http.StatusOK, status)
		require.Contains(t, body, `value="`+before+`"`)

		form := issueForm(after)
		form.Set("status", "monitored")
		resp, body := officer.postFormResp(t, path, form)
		require.Equal(t, http.StatusSeeOther, resp.StatusCode, "%.300s", body)
		require.Equal(t, path, resp.Header.Get("Location"))

		_, body = officer.get(t, path)
		require.Contains(t, body, "<h1")
		require.Contains(t, body, after)
		require.Regexp(t, `<strong>Updated</strong>\s*by `+regexp.QuoteMeta(acmeOfficer), body)
		require.Regexp(t, `(?s)<th scope="row">\s*title\s*</th>\s*<td>\s*`+regexp.QuoteMeta(before)+`\s*</td>\s*<td>\s*`+regexp.QuoteMeta(after)+`\s*</td>`, body)
		require.Regexp(t, `(?s)<th scope="row">\s*status\s*</th>\s*<td>\s*open\s*</td>\s*<td>\s*monitored\s*</td>`, body)

		// An invalid edit keeps what was typed and changes nothing.
		form.Set("title", "")
		status, body = officer.postForm(t, path, form)
		require.Equal(t, http.StatusUnprocessableEntity, status)
		require.Contains(t, body, "Enter a title of up to 200 characters")
		_, body = officer.get(t, path)
		require.Contains(t, body, after)
	})

	t.Run("archive hides the issue until restored", func(t *testing.T) {
		t.Parallel()
		officer := officer(t)
		m := uniq("archive")
		title := "Legacy chatbot " + m
		path := createIssue(t, officer, issueForm(title))

		status, body := officer.get(t, path+"/archive")
		require.Equal(t, http.StatusOK, status)
		require.Contains(t, body, title, "the confirmation names the record")
		resp, _ := officer.postFormResp(t, path+"/archive", nil)
		require.Equal(t, http.StatusSeeOther, resp.StatusCode)
		require.Equal(t, path, resp.Header.Get("Location"))

		_, body = officer.get(t, "/t/acme/context?q="+m)
		require.NotContains(t, body, title, "archived issues leave the list")
		_, body = officer.get(t, "/t/acme/context?status=archived&q="+m)
		require.Contains(t, body, title, "the archived filter shows them")
		_, body = officer.get(t, path)
		require.Contains(t, body, "Archived")
		require.Regexp(t, `<strong>Archived</strong>\s*by `, body)

		resp, _ = officer.postFormResp(t, path+"/restore", nil)
		require.Equal(t, http.StatusSeeOther, resp.StatusCode)
		_, body = officer.get(t, "/t/acme/context?q="+m)
		require.Contains(t, body, title, "restored issues are listed again")
	})

	t.Run("CSV export", func(t *testing.T) {
		t.Parallel()
		officer := officer(t)
		m := uniq("csv")
		plain := "Data residency " + m
		createIssue(t, officer, issueForm(plain))
		formulas := []string{"=HYPERLINK(\"http://evil.example\") " + m, "@SUM(A1) " + m, "+1+1 " + m, "-2+3 " + m}
		for _, f := range formulas {
			createIssue(t, officer, issueForm(f))
		}

		resp, body := auditor.getResp(t, "/t/acme/context/export.csv?q="+m+"&sort=title")
		require.Equal(t, http.StatusOK, resp.StatusCode, "readers may export")
		require.Equal(t, "text/csv; charset=utf-8", resp.Header.Get("Content-Type"))
		require.Regexp(t, `^attachment; filename="context-issues-\d{4}-\d{2}-\d{2}\.csv"$`, resp.Header.Get("Content-Disposition"))
		rows, err := csv.NewReader(strings.NewReader(body)).ReadAll()
		require.NoError(t, err)
		require.Equal(t, []string{"Reference", "Title", "Origin", "Category", "Description", "Effect on the AIMS", "Owner",
			"Status", "Next review", "Archived", "Updated at", "Updated by"}, rows[0])
		require.Len(t, rows, 1+1+len(formulas), "the header, then the records the search matches")
		titles := map[string]bool{}
		for _, row := range rows[1:] {
			require.Regexp(t, `^CTX-\d+$`, row[0])
			require.Equal(t, "Internal", row[2])
			require.Equal(t, "Technology", row[3])
			titles[row[1]] = true
		}
		require.True(t, titles[plain], "the record is exported")
		for _, f := range formulas {
			require.True(t, titles["'"+f], "a cell starting with %q is neutralised: %v", f[:1], titles)
			require.False(t, titles[f], "no cell starts with %q", f[:1])
		}
	})

	t.Run("search and sort", func(t *testing.T) {
		t.Parallel()
		officer := officer(t)
		m := uniq("sort")
		word := uniq("needle")
		for _, title := range []string{"Charlie " + m, "Alpha " + m, "Bravo " + m} {
			form := issueForm(title)
			if strings.HasPrefix(title, "Bravo") {
				form.Set("description", "Mentions the "+word+" in its description.")
			}
			createIssue(t, officer, form)
		}
		order := func(query string) []string {
			t.Helper()
			status, body := officer.get(t, "/t/acme/context?"+query)
			require.Equal(t, http.StatusOK, status)
			var got []string
			for _, match := range regexp.MustCompile(`>((?:Alpha|Bravo|Charlie) `+m+`)</a>`).FindAllStringSubmatch(body, -1) {
				got = append(got, strings.Fields(match[1])[0])
			}
			return got
		}
		require.Equal(t, []string{"Alpha", "Bravo", "Charlie"}, order("q="+m+"&sort=title"))
		require.Equal(t, []string{"Charlie", "Bravo", "Alpha"}, order("q="+m+"&sort=title&dir=desc"))
		require.Equal(t, []string{"Bravo"}, order("q="+strings.ToUpper(word)), "search looks in the description, ignoring case")
		require.Empty(t, order("q="+m+"&category=legal_regulatory"), "filters narrow the search")
		_, body := officer.get(t, "/t/acme/context?q="+uniq("nothing"))
		require.Contains(t, body, "No issues match")
	})

	t.Run("auditors read but cannot write", func(t *testing.T) {
		t.Parallel()
		officer := officer(t)
		m := uniq("auditor")
		path := createIssue(t, officer, issueForm("Model drift "+m))
		status, body := auditor.get(t, path)
		require.Equal(t, http.StatusOK, status)
		require.NotContains(t, body, path+"/edit", "no edit link for a reader")

		status, _ = auditor.postForm(t, "/t/acme/context", issueForm("Auditor's issue "+m))
		require.Equal(t, http.StatusForbidden, status)
		status, _ = auditor.postForm(t, path, issueForm("Changed by the auditor "+m))
		require.Equal(t, http.StatusForbidden, status)
		status, _ = auditor.postForm(t, path+"/archive", nil)
		require.Equal(t, http.StatusForbidden, status)

		_, body = officer.get(t, "/t/acme/context?q="+m)
		require.Contains(t, body, "Model drift "+m)
		require.NotContains(t, body, "Auditor's issue")
		require.NotContains(t, body, "Changed by the auditor")
	})

	t.Run("two instances share sessions and data", func(t *testing.T) {
		t.Parallel()
		_, ts2 := b.newServer(t)
		one := b.signIn(t, acmeOfficer)
		two := withCookie(t, ts2, one.sessionCookie(t))
		status, _ := two.get(t, "/t/acme/context")
		require.Equal(t, http.StatusOK, status, "a session made by one instance is accepted by the other")

		m := uniq("replica")
		path := createIssue(t, one, issueForm("Created on one "+m))
		status, body := two.get(t, path)
		require.Equal(t, http.StatusOK, status)
		require.Contains(t, body, "Created on one "+m)
		require.Regexp(t, `CTX-\d+ added\.`, body, "the flash set by one is shown by the other")

		createIssue(t, two, issueForm("Created on two "+m))
		_, body = one.get(t, "/t/acme/context?q="+m)
		require.Contains(t, body, "Created on one "+m)
		require.Contains(t, body, "Created on two "+m)

		// Sign-in throttling counts failures in the database: failures on one instance pause
		// the account on the other.
		newAccount := func(label string) (uuid.UUID, string) {
			email := label + "-" + strings.ToLower(m) + "@acme.example"
			u, err := auth.CreateUser(context.Background(), b.db, auth.NewUser{Email: email, DisplayName: label, Password: demoPassword})
			require.NoError(t, err)
			b.inTenant(t, "acme", func(tx *postgres.Tx) error {
				return tenant.AddMember(context.Background(), tx, u.ID, tenant.RoleAuditor)
			})
			return u.ID, email
		}
		_, throttled := newAccount("throttled")
		for range auth.MaxAccountFailures {
			status, _ := anonymous(t, b.ts).postForm(t, "/login", url.Values{"email": {throttled}, "password": {"not the password"}})
			require.Equal(t, http.StatusUnauthorized, status)
		}
		resp, _ := anonymous(t, ts2).postFormResp(t, "/login", url.Values{"email": {throttled}, "password": {demoPassword}})
		require.Equal(t, http.StatusTooManyRequests, resp.StatusCode, "failures on one instance pause the account on the other")
		require.NotEmpty(t, resp.Header.Get("Retry-After"))

		// A member removed through one instance loses access on the other at its next request.
		memberID, memberEmail := newAccount("replica-member")
		member := withCookie(t, ts2, signInTo(t, b.ts, memberEmail).sessionCookie(t))
		status, _ = member.get(t, "/t/acme/context")
		require.Equal(t, http.StatusOK, status)
		admin := b.signIn(t, acmeAdmin)
		status, body = admin.postForm(t, "/t/acme/members/"+memberID.String()+"/remove", url.Values{})
		require.Equal(t, http.StatusSeeOther, status, "%.300s", body)
		status, _ = member.get(t, "/t/acme/context")
		require.Equal(t, http.StatusNotFound, status, "the other instance sees the removal at once")
	})
}
