package server

import (
	"context"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/openaims/openaims/internal/aisystem"
	"github.com/openaims/openaims/internal/control"
	"github.com/openaims/openaims/internal/demo"
	"github.com/openaims/openaims/internal/impact"
	"github.com/openaims/openaims/internal/orgcontext"
	"github.com/openaims/openaims/internal/postgres"
	"github.com/openaims/openaims/internal/risk"
	"github.com/openaims/openaims/internal/tenant"
	"github.com/openaims/openaims/internal/treatment"
)

// secrets is what of a tenant must never appear in another tenant's pages: literal strings
// (titles, names, ids, e-mail addresses, tokens) and references such as CTX-12, which the
// other tenant may also use for its own records, so only the numbers it does not have are
// looked for, as whole words.
type secrets struct {
	literal []string
	refs    []string
}

// leaked returns the first secret that body contains, or "".
func (s secrets) leaked(body string) string {
	for _, lit := range s.literal {
		if strings.Contains(body, lit) {
			return lit
		}
	}
	for _, ref := range s.refs {
		if containsWord(body, ref) {
			return ref
		}
	}
	return ""
}

// containsWord reports whether word occurs in s with no letter or digit right after it
// (CTX-1 is not in "CTX-12"); references always start a word. No regexp: the probe scans
// hundreds of pages, and regexps are slow under the race detector.
func containsWord(s, word string) bool {
	for i := strings.Index(s, word); i >= 0; {
		end := i + len(word)
		if end == len(s) || !isWordByte(s[end]) {
			return true
		}
		next := strings.Index(s[end:], word)
		if next < 0 {
			return false
		}
		i = end + next
	}
	return false
}

func isWordByte(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_'
}

// without returns s without the literal strings drop.
func (s secrets) without(drop ...string) secrets {
	out := secrets{refs: s.refs}
	for _, lit := range s.literal {
		if !slices.Contains(drop, lit) {
			out.literal = append(out.literal, lit)
		}
	}
	return out
}

// tenantState is what the probe must leave unchanged in the other tenant.
type tenantState struct {
	Issues      []orgcontext.Issue
	Parties     []orgcontext.Party
	AISystems   []aisystem.System
	Assessments []impact.Assessment
	Risks       []risk.Risk
	Controls    []control.Control
	Treatments  []treatment.Treatment
	Members     []tenant.Member
	Invitations []tenant.Invitation
}

func (b *bundle) state(t testing.TB, slug string) tenantState {
	t.Helper()
	st := tenantState{Issues: b.issues(t, slug), Parties: b.parties(t, slug), Assessments: b.assessments(t, slug),
		Risks: b.risks(t, slug), AISystems: b.aiSystems(t, slug), Controls: b.controls(t, slug), Treatments: b.treatments(t, slug)}
	b.inTenant(t, slug, func(tx *postgres.Tx) (err error) {
		if st.Members, err = tenant.Members(context.Background(), tx); err != nil {
			return err
		}
		st.Invitations, err = tenant.PendingInvitations(context.Background(), tx)
		return err
	})
	return st
}

// globexSecrets lists globex's records as they would show in a page, leaving out text that
// acme's own records happen to share.
func globexSecrets(t testing.TB, b *bundle, tokens ...string) secrets {
	t.Helper()
	g, a := b.state(t, "globex"), b.state(t, "acme")
	acmeText := map[string]bool{}
	acmeRefs := map[string]bool{}
	for _, i := range a.Issues {
		acmeText[i.Title], acmeRefs[i.Reference()] = true, true
	}
	for _, p := range a.Parties {
		acmeText[p.Name], acmeRefs[p.Reference()] = true, true
	}
	for _, sys := range a.AISystems {
		acmeText[sys.Name], acmeRefs[sys.Reference()] = true, true
	}
	for _, ia := range a.Assessments {
		acmeText[ia.Title], acmeRefs[ia.Reference()] = true, true
	}
	for _, k := range a.Risks {
		acmeText[k.Title], acmeRefs[k.Reference()] = true, true
	}
	for _, c := range a.Controls { // the Annex A controls' codes and titles are everyone's
		acmeText[c.Title], acmeRefs[c.Reference()] = true, true
	}
	for _, tr := range a.Treatments {
		acmeText[tr.Title], acmeRefs[tr.Reference()] = true, true
	}
	s := secrets{literal: []string{"Globex Financial", "globex.test"}}
	s.literal = append(s.literal, tokens...)
	add := func(text, ref string, id uuid.UUID) {
		if !acmeText[text] {
			s.literal = append(s.literal, text)
		}
		if !acmeRefs[ref] {
			s.refs = append(s.refs, ref)
		}
		s.literal = append(s.literal, id.String())
	}
	for _, i := range g.Issues {
		add(i.Title, i.Reference(), i.ID)
	}
	for _, p := range g.Parties {
		add(p.Name, p.Reference(), p.ID)
	}
	for _, sys := range g.AISystems {
		add(sys.Name, sys.Reference(), sys.ID)
	}
	for _, ia := range g.Assessments {
		add(ia.Title, ia.Reference(), ia.ID)
	}
	for _, k := range g.Risks {
		add(k.Title, k.Reference(), k.ID)
	}
	for _, c := range g.Controls {
		add(c.Title, c.Reference(), c.ID)
	}
	for _, tr := range g.Treatments {
		add(tr.Title, tr.Reference(), tr.ID)
	}
	for _, m := range g.Members {
		if !strings.HasSuffix(m.Email, "@acme.test") { // acme's officer is also an auditor of globex
			s.literal = append(s.literal, m.UserID.String(), m.Email)
		}
	}
	for _, inv := range g.Invitations {
		s.literal = append(s.literal, inv.ID.String(), inv.Email)
	}
	return s
}

// TestTenantIsolationProbe walks every route as members of acme against globex: globex's
// record ids under acme answer 404, acme's lists and exports show nothing of globex, and
// globex's own URLs answer 404 to a user who is not a member, with nothing of globex in
// the page. Globex's data is unchanged afterwards.
func TestTenantIsolationProbe(t *testing.T) {
	t.Parallel()
	b := setup(t)
	routes := walkRoutes(t, b.srv)

	// Globex gets records of every kind, some archived, and references past acme's last one.
	marker := "probe-" + uuid.NewString()[:8]
	g := newRecords(t, b, "globex", marker)
	archived := newRecords(t, b, "globex", marker+"-archived")
	b.inTenant(t, "globex", func(tx *postgres.Tx) error {
		ctx := context.Background()
		for n := range 12 {
			if _, err := orgcontext.CreateIssue(ctx, tx, orgcontext.Issue{Title: marker + " issue " + strconv.Itoa(n),
				Origin: "external", Category: "strategy", Status: "open"}); err != nil {
				return err
			}
		}
		if _, err := orgcontext.SetIssueArchived(ctx, tx, archived.issue, true); err != nil {
			return err
		}
		if _, err := orgcontext.SetPartyArchived(ctx, tx, archived.party, true); err != nil {
			return err
		}
		if _, err := aisystem.SetArchived(ctx, tx, archived.system, true); err != nil {
			return err
		}
		if _, err := risk.SetArchived(ctx, tx, archived.risk, true); err != nil {
			return err
		}
		if _, err := control.SetArchived(ctx, tx, archived.control, true); err != nil {
			return err
		}
		_, err := treatment.SetArchived(ctx, tx, archived.treatment, true)
		return err
	})
	forAdmin := globexSecrets(t, b, g.token, archived.token)
	forOfficer := forAdmin.without("Globex Financial") // the officer's workspace switcher names it
	before := b.state(t, "globex")

	admin, officer := b.signIn(t, acmeAdmin), b.signIn(t, acmeOfficer)
	globexAdmin := b.signIn(t, demo.Email("admin", "globex"))
	// Globex's ids, requested under acme's URL.
	crossed := g
	crossed.tenant = "acme"

	probed, requests := 0, 0
	check := func(c *client, who string, s secrets, route, path string, want int) {
		t.Helper()
		requests++
		resp, body := c.request(t, route, path, who, g)
		require.Equal(t, want, resp.StatusCode, "%s %s as %s: %.300s", route, path, who, body)
		require.Empty(t, s.leaked(body), "%s %s as %s shows globex data", route, path, who)
		require.Empty(t, s.leaked(resp.Header.Get("Location")), "%s %s as %s redirects to globex data", route, path, who)
	}
	for _, route := range routes {
		method, pattern := splitRoute(route)
		switch {
		case strings.HasPrefix(pattern, "/t/{tenant}"):
			probed++
			// Globex's own URLs, to a user who is not a member of globex.
			check(admin, acmeAdmin, forAdmin, route, g.path(t, pattern), http.StatusNotFound)
			switch {
			case hasRecordKey(pattern):
				if method == http.MethodGet {
					// The ids are real: globex's administrator sees them.
					status, _ := globexAdmin.get(t, g.path(t, pattern))
					require.Equal(t, goldenRoutes[route][roleAdmin], status, "%s as globex's administrator", route)
				}
				// Globex's records under acme's URL: not found, whatever the method.
				check(admin, acmeAdmin, forAdmin, route, crossed.path(t, pattern), http.StatusNotFound)
				if method == http.MethodGet && goldenRoutes[route][roleOfficer] == http.StatusOK {
					check(officer, acmeOfficer, forOfficer, route, crossed.path(t, pattern), http.StatusNotFound)
				}
			case method == http.MethodGet:
				// Lists, exports and forms of acme: nothing of globex, archived records included.
				for _, query := range []string{"", "?status=archived", "?sort=title&dir=desc"} {
					check(admin, acmeAdmin, forAdmin, route, crossed.path(t, pattern)+query, goldenRoutes[route][roleAdmin])
					check(officer, acmeOfficer, forOfficer, route, crossed.path(t, pattern)+query, goldenRoutes[route][roleOfficer])
				}
			}
		case strings.HasPrefix(pattern, "/join/"):
			// Globex's invitation link under acme's slug, and under its own to a stranger.
			probed++
			check(anonymous(t, b.ts), "", forAdmin, route, crossed.path(t, pattern), http.StatusNotFound)
		case method == http.MethodGet:
			// The pages outside a workspace show nothing of a tenant the user is not in.
			probed++
			check(admin, acmeAdmin, forAdmin, route, crossed.path(t, pattern), goldenRoutes[route][roleAdmin])
		}
	}
	t.Logf("isolation probe: %d of %d routes probed with %d requests", probed, len(routes), requests)
	require.Equal(t, before, b.state(t, "globex"), "the probe changed nothing in globex")

	// The probe's own sanity: the secrets are there to be found when the user may see them.
	_, body := globexAdmin.get(t, "/t/globex/context")
	require.NotEmpty(t, forAdmin.leaked(body), "globex's own list shows its records")
	_, body = globexAdmin.get(t, "/t/globex/context?status=archived")
	require.Contains(t, body, "Issue "+marker+"-archived")
}

func TestContainsWord(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		s, word string
		want    bool
	}{
		{"<td>CTX-1</td>", "CTX-1", true},
		{"CTX-1", "CTX-1", true},
		{"<td>CTX-12</td>", "CTX-1", false},
		{"CTX-12 and CTX-1.", "CTX-1", true},
		{"CTX-10 CTX-11", "CTX-1", false},
		{"nothing here", "CTX-1", false},
	} {
		require.Equal(t, tc.want, containsWord(tc.s, tc.word), "%q in %q", tc.word, tc.s)
	}
}
