package server

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/go-chi/chi/v5"
	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/openaims/openaims/internal/aisystem"
	"github.com/openaims/openaims/internal/impact"
	"github.com/openaims/openaims/internal/orgcontext"
	"github.com/openaims/openaims/internal/postgres"
	"github.com/openaims/openaims/internal/postgres/pgtest"
	"github.com/openaims/openaims/internal/risk"
	"github.com/openaims/openaims/internal/tenant"
	"github.com/openaims/openaims/web/static"
)

// The roles of the golden table, as tenant memberships name them.
const (
	roleAdmin     = "admin"
	roleOfficer   = "compliance_officer"
	roleAuditor   = "auditor"
	roleExecutive = "executive"
)

// personas are acme's demo accounts by role.
var personas = map[string]string{roleAdmin: acmeAdmin, roleOfficer: acmeOfficer, roleAuditor: acmeAuditor, roleExecutive: acmeExec}

// roles is a row of the golden table: the status each role gets.
func roles(admin, officer, auditor, executive int) map[string]int {
	return map[string]int{roleAdmin: admin, roleOfficer: officer, roleAuditor: auditor, roleExecutive: executive}
}

// Rows of the golden table that repeat.
var (
	readable  = roles(200, 200, 200, 200) // read a page: everyone in the tenant
	writeForm = roles(200, 200, 403, 403) // open a register form
	writePost = roles(303, 303, 403, 403) // save a register change (valid form, then redirect)
)

// goldenRoutes is the RBAC matrix: every route of the router ("METHOD /pattern"; "*" when
// the route answers every method) and the status each role of acme gets when it requests
// the route with real ids. Any route added to routes.go must be added here, with the
// permission PRODUCT.md gives it, or in skippedRoutes with the reason.
var goldenRoutes = map[string]map[string]int{
	// Operations and sign-in: the same for everyone.
	"GET /healthz":             readable,
	"GET /readyz":              readable,
	"GET /metrics":             readable,
	"* /static/*":              readable,
	"GET /bench/baseline":      roles(404, 404, 404, 404), // off unless AIMS_BENCH_BASELINE is set (TestBenchBaseline)
	"GET /":                    roles(303, 303, 303, 303), // to the first workspace
	"GET /login":               roles(303, 303, 303, 303), // already signed in
	"POST /login":              roles(303, 303, 303, 303), // signing in again, with the persona's password
	"POST /logout":             roles(303, 303, 303, 303), // requested last
	"GET /t/{tenant}/":         readable,
	"GET /t/{tenant}/activity": readable,

	// Context of the organisation, 4.1.
	"GET /t/{tenant}/context":               readable,
	"GET /t/{tenant}/context/export.csv":    readable,
	"GET /t/{tenant}/context/{id}":          readable,
	"GET /t/{tenant}/context/new":           writeForm,
	"POST /t/{tenant}/context":              writePost,
	"GET /t/{tenant}/context/{id}/edit":     writeForm,
	"POST /t/{tenant}/context/{id}":         writePost,
	"GET /t/{tenant}/context/{id}/archive":  writeForm,
	"POST /t/{tenant}/context/{id}/archive": writePost,
	"POST /t/{tenant}/context/{id}/restore": writePost,
	"GET /t/{tenant}/context/ai-roles/edit": writeForm,
	"POST /t/{tenant}/context/ai-roles":     writePost,

	// Interested parties, 4.2.
	"GET /t/{tenant}/parties":               readable,
	"GET /t/{tenant}/parties/export.csv":    readable,
	"GET /t/{tenant}/parties/{id}":          readable,
	"GET /t/{tenant}/parties/new":           writeForm,
	"POST /t/{tenant}/parties":              writePost,
	"GET /t/{tenant}/parties/{id}/edit":     writeForm,
	"POST /t/{tenant}/parties/{id}":         writePost,
	"GET /t/{tenant}/parties/{id}/archive":  writeForm,
	"POST /t/{tenant}/parties/{id}/archive": writePost,
	"POST /t/{tenant}/parties/{id}/restore": writePost,

	// AI systems, A.4, A.6, A.7, A.9, A.10.
	"GET /t/{tenant}/ai-systems":               readable,
	"GET /t/{tenant}/ai-systems/export.csv":    readable,
	"GET /t/{tenant}/ai-systems/{id}":          readable,
	"GET /t/{tenant}/ai-systems/new":           writeForm,
	"POST /t/{tenant}/ai-systems":              writePost,
	"GET /t/{tenant}/ai-systems/{id}/edit":     writeForm,
	"POST /t/{tenant}/ai-systems/{id}":         writePost,
	"GET /t/{tenant}/ai-systems/{id}/archive":  writeForm,
	"POST /t/{tenant}/ai-systems/{id}/archive": writePost,
	"POST /t/{tenant}/ai-systems/{id}/restore": writePost,

	// Impact assessments, 6.1.4, 8.4, A.5: approval is an executive's (or administrator's) act.
	"GET /t/{tenant}/impact-assessments":                                              readable,
	"GET /t/{tenant}/impact-assessments/export.csv":                                   readable,
	"GET /t/{tenant}/impact-assessments/new":                                          writeForm,
	"POST /t/{tenant}/impact-assessments":                                             writePost,
	"GET /t/{tenant}/impact-assessments/{id}":                                         readable,
	"GET /t/{tenant}/impact-assessments/{id}/edit":                                    writeForm,
	"POST /t/{tenant}/impact-assessments/{id}":                                        writePost,
	"GET /t/{tenant}/impact-assessments/{id}/archive":                                 writeForm,
	"POST /t/{tenant}/impact-assessments/{id}/archive":                                writePost,
	"POST /t/{tenant}/impact-assessments/{id}/restore":                                writePost,
	"POST /t/{tenant}/impact-assessments/{id}/approve":                                roles(303, 403, 403, 303),
	"GET /t/{tenant}/impact-assessments/{id}/rounds/new":                              writeForm,
	"POST /t/{tenant}/impact-assessments/{id}/rounds":                                 writePost,
	"GET /t/{tenant}/impact-assessments/{id}/rounds/{round}":                          readable,
	"GET /t/{tenant}/impact-assessments/{id}/rounds/{round}/edit":                     writeForm,
	"POST /t/{tenant}/impact-assessments/{id}/rounds/{round}":                         writePost,
	"POST /t/{tenant}/impact-assessments/{id}/rounds/{round}/impacts/{position}/risk": writePost, // to the new risk

	// AI risks, 6.1.2, 8.2, and risk criteria, 6.1.1: criteria are an administrator's
	// setting; accepting residual risk is an executive's (or administrator's) act.
	"GET /t/{tenant}/risks":               readable,
	"GET /t/{tenant}/risks/export.csv":    readable,
	"GET /t/{tenant}/risks/heatmap":       readable,
	"GET /t/{tenant}/risks/criteria":      readable,
	"GET /t/{tenant}/risks/criteria/edit": roles(200, 403, 403, 403),
	"POST /t/{tenant}/risks/criteria":     roles(303, 403, 403, 403),
	"GET /t/{tenant}/risks/new":           writeForm,
	"POST /t/{tenant}/risks":              writePost,
	"GET /t/{tenant}/risks/{id}":          readable,
	"GET /t/{tenant}/risks/{id}/edit":     writeForm,
	"POST /t/{tenant}/risks/{id}":         writePost,
	"GET /t/{tenant}/risks/{id}/assess":   writeForm,
	"POST /t/{tenant}/risks/{id}/assess":  writePost,
	"GET /t/{tenant}/risks/{id}/accept":   roles(200, 403, 403, 200),
	"POST /t/{tenant}/risks/{id}/accept":  roles(303, 403, 403, 303),
	"GET /t/{tenant}/risks/{id}/archive":  writeForm,
	"POST /t/{tenant}/risks/{id}/archive": writePost,
	"POST /t/{tenant}/risks/{id}/restore": writePost,

	// Controls and the Statement of Applicability, 6.1.3 d. The matrix archives a custom
	// control; an Annex A control cannot be archived (TestControlsRegister).
	"GET /t/{tenant}/controls":               readable,
	"GET /t/{tenant}/controls/export.csv":    readable,
	"GET /t/{tenant}/controls/soa":           readable,
	"GET /t/{tenant}/controls/soa.csv":       readable,
	"GET /t/{tenant}/controls/new":           writeForm,
	"POST /t/{tenant}/controls":              writePost,
	"GET /t/{tenant}/controls/{id}":          readable,
	"GET /t/{tenant}/controls/{id}/edit":     writeForm,
	"POST /t/{tenant}/controls/{id}":         writePost,
	"GET /t/{tenant}/controls/{id}/archive":  writeForm,
	"POST /t/{tenant}/controls/{id}/archive": writePost,
	"POST /t/{tenant}/controls/{id}/restore": writePost,

	// Risk treatments, 6.1.3, 8.3.
	"GET /t/{tenant}/treatments":               readable,
	"GET /t/{tenant}/treatments/export.csv":    readable,
	"GET /t/{tenant}/treatments/new":           writeForm,
	"POST /t/{tenant}/treatments":              writePost,
	"GET /t/{tenant}/treatments/{id}":          readable,
	"GET /t/{tenant}/treatments/{id}/edit":     writeForm,
	"POST /t/{tenant}/treatments/{id}":         writePost,
	"GET /t/{tenant}/treatments/{id}/archive":  writeForm,
	"POST /t/{tenant}/treatments/{id}/archive": writePost,
	"POST /t/{tenant}/treatments/{id}/restore": writePost,

	// Members and invitations: administrators only.
	"GET /t/{tenant}/members":                          roles(200, 403, 403, 403),
	"POST /t/{tenant}/members/invitations":             roles(200, 403, 403, 403), // shows the one-time link, no redirect
	"POST /t/{tenant}/members/invitations/{id}/revoke": roles(303, 403, 403, 403),
	"POST /t/{tenant}/members/{user}":                  roles(303, 403, 403, 403), // change the role
	"GET /t/{tenant}/members/{user}/remove":            roles(200, 403, 403, 403),
	"POST /t/{tenant}/members/{user}/remove":           roles(303, 403, 403, 403),

	// Registers not built yet: a page that says what is coming, readable by everyone.
	"GET /t/{tenant}/scope":           readable,
	"GET /t/{tenant}/policies":        readable,
	"GET /t/{tenant}/roles":           readable,
	"GET /t/{tenant}/objectives":      readable,
	"GET /t/{tenant}/competence":      readable,
	"GET /t/{tenant}/communications":  readable,
	"GET /t/{tenant}/documents":       readable,
	"GET /t/{tenant}/evidence":        readable,
	"GET /t/{tenant}/metrics":         readable,
	"GET /t/{tenant}/audits":          readable,
	"GET /t/{tenant}/reviews":         readable,
	"GET /t/{tenant}/nonconformities": readable,
	"GET /t/{tenant}/incidents":       readable,
}

// skippedRoutes are routes the matrix does not request, each with the reason and the test
// that covers it instead.
var skippedRoutes = map[string]string{
	"GET /join/{tenant}/{token}":  "a one-time invitation link, not a role's permission: TestAuth/invitation and TestMembersInviteAndJoin cover it, TestTenantIsolationProbe probes it",
	"POST /join/{tenant}/{token}": "a one-time invitation link, not a role's permission: TestAuth/invitation and TestMembersInviteAndJoin cover it, TestTenantIsolationProbe probes it",
}

// allMethods are the methods chi reports for a route mounted with Handle.
var allMethods = []string{"CONNECT", "DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT", "TRACE"}

// walkRoutes lists every route of s as "METHOD /pattern", sorted; a pattern that answers
// every method is listed once as "* /pattern".
func walkRoutes(t testing.TB, s *Server) []string {
	t.Helper()
	routes, ok := s.handler.(chi.Routes)
	require.True(t, ok, "the server's handler is a chi router")
	methods := map[string][]string{}
	err := chi.Walk(routes, func(method, pattern string, _ http.Handler, _ ...func(http.Handler) http.Handler) error {
		methods[pattern] = append(methods[pattern], method)
		return nil
	})
	require.NoError(t, err)
	var out []string
	for pattern, ms := range methods {
		all := true
		for _, m := range allMethods {
			all = all && slices.Contains(ms, m)
		}
		if all {
			out = append(out, "* "+pattern)
			continue
		}
		for _, m := range ms {
			out = append(out, m+" "+pattern)
		}
	}
	slices.Sort(out)
	return out
}

// splitRoute splits "METHOD /pattern"; "*" becomes GET.
func splitRoute(route string) (method, pattern string) {
	method, pattern, _ = strings.Cut(route, " ")
	if method == "*" {
		method = http.MethodGet
	}
	return method, pattern
}

// records are the ids a route's URL parameters are replaced with.
type records struct {
	tenant     string // slug
	issue      uuid.UUID
	party      uuid.UUID
	member     uuid.UUID // a member who is none of the personas
	invitation uuid.UUID // a pending invitation
	token      string    // its one-time token
	system     uuid.UUID // an AI system, which the forms of other registers name
	// Impact assessments, each in the state its routes need whatever the order they are
	// requested in: a draft round 1 with a harm (edited, raised from), a complete draft
	// (approved), and an approved round 1 (a new round is started from it).
	assessment, approvableAssessment, approvedAssessment uuid.UUID
	// Risks: one with a residual rating (edited, accepted, archived), and one re-assessed,
	// which sorts after archive and must still be editable then.
	risk, assessedRisk uuid.UUID
	control            uuid.UUID // a custom control (Annex A controls cannot be archived)
	treatment          uuid.UUID // a treatment of risk using control
}

// assessmentFor is the impact assessment the route pattern is requested with.
func (r records) assessmentFor(pattern string) uuid.UUID {
	switch {
	case strings.HasSuffix(pattern, "/approve"):
		return r.approvableAssessment
	case strings.HasSuffix(pattern, "/rounds"), strings.HasSuffix(pattern, "/rounds/new"):
		return r.approvedAssessment
	}
	return r.assessment
}

// path turns a route pattern into a real path with r's ids. A parameter it does not know
// fails the test: a new kind of record key needs a fixture here.
func (r records) path(t testing.TB, pattern string) string {
	t.Helper()
	if pattern == static.Prefix+"*" {
		return static.Path("app.css")
	}
	segs := strings.Split(pattern, "/")
	for i, s := range segs {
		if !strings.HasPrefix(s, "{") {
			continue
		}
		prev := ""
		if i > 0 {
			prev = segs[i-1]
		}
		switch {
		case s == "{tenant}":
			segs[i] = r.tenant
		case s == "{token}":
			segs[i] = r.token
		case s == "{user}" || s == "{userID}":
			segs[i] = r.member.String()
		case s == "{id}" && prev == "context":
			segs[i] = r.issue.String()
		case s == "{id}" && prev == "parties":
			segs[i] = r.party.String()
		case s == "{id}" && prev == "invitations":
			segs[i] = r.invitation.String()
		case s == "{id}" && prev == "ai-systems":
			// The system the other registers' forms name: the matrix archives it, then
			// restores it, before any of those forms is posted (routes are walked sorted).
			segs[i] = r.system.String()
		case s == "{id}" && prev == "controls":
			segs[i] = r.control.String()
		case s == "{id}" && prev == "treatments":
			segs[i] = r.treatment.String()
		case s == "{id}" && prev == "risks":
			segs[i] = r.riskFor(pattern).String()
		case s == "{id}" && prev == "impact-assessments":
			segs[i] = r.assessmentFor(pattern).String()
		case s == "{round}" && prev == "rounds":
			segs[i] = "1"
		case s == "{position}" && prev == "impacts":
			segs[i] = "1" // the fixture's first impact is a harm
		default:
			t.Fatalf("route %s: no fixture for parameter %s after %q; add one to records.path", pattern, s, prev)
		}
	}
	return strings.Join(segs, "/")
}

// hasRecordKey reports whether the pattern names a record (any parameter but the tenant).
func hasRecordKey(pattern string) bool {
	return strings.Contains(strings.ReplaceAll(pattern, "{tenant}", ""), "{")
}

// issueForm is a valid context issue form.
func issueForm(title string) url.Values {
	return url.Values{"title": {title}, "origin": {"internal"}, "category": {"technology"}, "status": {"open"},
		"description": {"Written by a test."}, "effect": {"None."}}
}

// partyForm is a valid interested party form.
func partyForm(name string) url.Values {
	return url.Values{"name": {name}, "kind": {"customer"}, "status": {"active"}, "description": {"Written by a test."},
		orgcontext.RequirementField(0, "text"): {"A requirement"}}
}

// assessmentForm is a valid impact assessment form about the AI system.
func assessmentForm(title string, system uuid.UUID) url.Values {
	return url.Values{"title": {title}, "system_id": {system.String()}, "next_review": {"2027-06-30"}}
}

// formFor is the form the matrix and the probe post to a route: valid, so that the status
// says whether the role may do it (or whether the record exists), not whether the form
// was filled in. rec are the records the route is requested with, for forms that name one.
func formFor(route, email string, rec records) url.Values {
	_, pattern := splitRoute(route)
	switch {
	case pattern == "/login":
		return url.Values{"email": {email}, "password": {demoPassword}}
	case pattern == "/t/{tenant}/context" || pattern == "/t/{tenant}/context/{id}":
		return issueForm("Matrix issue " + email)
	case pattern == "/t/{tenant}/context/ai-roles":
		return url.Values{"applies_provider": {"true"}, "note_provider": {"Set by the RBAC matrix."}}
	case pattern == "/t/{tenant}/parties" || pattern == "/t/{tenant}/parties/{id}":
		return partyForm("Matrix party " + email)
	case pattern == "/t/{tenant}/ai-systems" || pattern == "/t/{tenant}/ai-systems/{id}":
		return aiSystemForm("Matrix AI system " + email)
	case pattern == "/t/{tenant}/members/invitations":
		return url.Values{"email": {"invited-" + strings.ReplaceAll(email, "@", ".") + "@example.com"}, "role": {"auditor"}}
	case pattern == "/t/{tenant}/members/{user}":
		return url.Values{"role": {"auditor"}}
	case pattern == "/t/{tenant}/controls" || pattern == "/t/{tenant}/controls/{id}":
		return controlForm("Matrix control " + email)
	case pattern == "/t/{tenant}/treatments" || pattern == "/t/{tenant}/treatments/{id}":
		return treatmentForm("Matrix treatment "+email, []uuid.UUID{rec.risk}, rec.control)
	case pattern == "/t/{tenant}/risks" || pattern == "/t/{tenant}/risks/{id}":
		return riskForm("Matrix risk "+email, rec.system)
	case pattern == "/t/{tenant}/risks/{id}/assess":
		return url.Values{"inherent_likelihood": {"4"}, "inherent_impact": {"4"}, "residual_likelihood": {"2"},
			"residual_impact": {"2"}, "note": {"Re-assessed by the RBAC matrix."}}
	case pattern == "/t/{tenant}/risks/{id}/accept":
		return url.Values{"reason": {"Accepted by the RBAC matrix."}}
	case pattern == "/t/{tenant}/risks/criteria":
		return criteriaForm(risk.DefaultCriteria())
	case pattern == "/t/{tenant}/impact-assessments" || pattern == "/t/{tenant}/impact-assessments/{id}":
		return assessmentForm("Matrix assessment "+email, rec.system)
	case pattern == "/t/{tenant}/impact-assessments/{id}/approve":
		return url.Values{"approval_note": {"Approved by the RBAC matrix."}}
	case pattern == "/t/{tenant}/impact-assessments/{id}/rounds/{round}":
		return url.Values{"trigger": {"periodic_review"}, "purpose": {"Set by the RBAC matrix."},
			impact.ImpactField(0, "kind"): {"harm"}, impact.ImpactField(0, "affected"): {"individuals"},
			impact.ImpactField(0, "description"): {"A harm " + email}, impact.ImpactField(0, "severity"): {"4"},
			impact.ImpactField(0, "likelihood"): {"3"}, impact.ImpactField(0, "reversibility"): {"irreversible"},
			impact.ImpactField(0, "scale"): {"few"}}
	case pattern == "/t/{tenant}/impact-assessments/{id}/rounds/{round}/impacts/{position}/risk":
		return url.Values{"objective": {"fairness"}}
	}
	return url.Values{}
}

// request sends route to path as c, with the route's form for a POST (naming rec's records).
func (c *client) request(t testing.TB, route, path, email string, rec records) (*http.Response, string) {
	t.Helper()
	method, _ := splitRoute(route)
	if method == http.MethodPost {
		return c.postFormResp(t, path, formFor(route, email, rec))
	}
	return c.do(t, c.newRequest(t, method, path, nil))
}

// newRecords creates in tenant slug one record of each kind the routes name, labelled with
// label: a context issue, an interested party, a member who is none of the personas, and a
// pending invitation. Each role of the matrix gets its own, so that one role archiving or
// removing its records does not change what another role sees.
func newRecords(t testing.TB, b *bundle, slug, label string) records {
	t.Helper()
	ctx := context.Background()
	r := records{tenant: slug}
	email := "member-" + label + "@" + slug + ".example"
	r.member = pgtest.CreateUser(t, b.db, pgtest.UserOptions{Email: email, DisplayName: "Member " + label})
	b.inTenant(t, slug, func(tx *postgres.Tx) error {
		i, err := orgcontext.CreateIssue(ctx, tx, orgcontext.Issue{Title: "Issue " + label, Origin: "internal", Category: "technology", Status: "open"})
		if err != nil {
			return err
		}
		p, err := orgcontext.CreateParty(ctx, tx, orgcontext.Party{Name: "Party " + label, Kind: "customer", Status: "active"})
		if err != nil {
			return err
		}
		if err := tenant.AddMember(ctx, tx, r.member, tenant.RoleExecutive); err != nil {
			return err
		}
		inv, token, err := tenant.Invite(ctx, tx, "invitee-"+label+"@"+slug+".example", tenant.RoleAuditor)
		if err != nil {
			return err
		}
		r.issue, r.party, r.invitation, r.token = i.ID, p.ID, inv.ID, token
		inScope := true
		sys, err := aisystem.Create(ctx, tx, aisystem.System{Name: "AI system " + label, Purpose: "A fixture of the route tests",
			LifecycleStage: "operation", OrgRole: "provider", EUAIActClass: "minimal", EUAIActReason: "Fixture", InScope: &inScope})
		if err != nil {
			return err
		}
		r.system = sys.ID
		r.assessment, r.approvableAssessment, r.approvedAssessment, err = newAssessmentFixtures(ctx, tx, label, sys.ID)
		if err != nil {
			return err
		}
		r.risk, r.assessedRisk, err = newRiskFixtures(ctx, tx, label, sys.ID)
		if err != nil {
			return err
		}
		r.control, r.treatment, err = newTreatmentFixtures(ctx, tx, label, r.risk)
		return err
	})
	return r
}

// TestRoutesRBACMatrix requests every route as each role of acme and compares the status
// with the golden table; a route missing from the table, or an entry no route has, fails.
func TestRoutesRBACMatrix(t *testing.T) {
	t.Parallel()
	b := setup(t)
	routes := walkRoutes(t, b.srv)

	var missing, stale []string
	for _, r := range routes {
		_, golden := goldenRoutes[r]
		_, skipped := skippedRoutes[r]
		if !golden && !skipped {
			missing = append(missing, r)
		}
		require.False(t, golden && skipped, "%s is both in the golden table and skipped", r)
	}
	for r := range goldenRoutes {
		if !slices.Contains(routes, r) {
			stale = append(stale, r)
		}
	}
	for r := range skippedRoutes {
		if !slices.Contains(routes, r) {
			stale = append(stale, r)
		}
	}
	slices.Sort(stale)
	require.Empty(t, missing, "routes without an entry in goldenRoutes (add the expected status of each role)")
	require.Empty(t, stale, "entries of goldenRoutes or skippedRoutes that no route has")
	for r, want := range goldenRoutes {
		require.Len(t, want, 4, "%s: a status for each of the four roles", r)
	}

	t.Run("denial is recorded in the trail", func(t *testing.T) {
		c := b.signIn(t, acmeAuditor)
		before := b.accessDenied(t, "acme")
		status, body := c.get(t, "/t/acme/context/new")
		require.Equal(t, http.StatusForbidden, status)
		require.Contains(t, body, "Auditor")
		require.Equal(t, before+1, b.accessDenied(t, "acme"), "one access.denied entry per refusal")
		var objectID, actor string
		b.inTenant(t, "acme", func(tx *postgres.Tx) error {
			return tx.QueryRow(context.Background(), `SELECT object_id, actor_label FROM audit_events
				WHERE tenant_id = $1 AND action = 'access.denied' ORDER BY seq DESC LIMIT 1`, tx.TenantID).Scan(&objectID, &actor)
		})
		require.Equal(t, "GET /t/acme/context/new", objectID)
		require.Equal(t, acmeAuditor, actor)
	})

	// Each role walks the routes in sorted order, on records of its own, signing out last.
	// Sorted, the forms are opened before anything is saved, and a record is updated before
	// it is archived (archived records cannot be edited) and archived before it is restored.
	order := slices.Clone(routes)
	order = slices.DeleteFunc(order, func(r string) bool { _, skip := skippedRoutes[r]; return skip || r == "POST /logout" })
	order = append(order, "POST /logout")
	for role, email := range personas {
		t.Run(role, func(t *testing.T) {
			t.Parallel()
			rec := newRecords(t, b, "acme", "matrix-"+role)
			c := b.signIn(t, email)
			for _, route := range order {
				_, pattern := splitRoute(route)
				resp, body := c.request(t, route, rec.path(t, pattern), email, rec)
				require.Equal(t, goldenRoutes[route][role], resp.StatusCode, "%s as %s: %.300s", route, role, body)
			}
		})
	}

	t.Run("anonymous", func(t *testing.T) {
		t.Parallel()
		rec := newRecords(t, b, "acme", "matrix-anonymous")
		c := anonymous(t, b.ts)
		n := 0
		for _, route := range routes {
			method, pattern := splitRoute(route)
			if !strings.HasPrefix(pattern, "/t/") {
				continue
			}
			n++
			path := rec.path(t, pattern)
			resp, body := c.request(t, route, path, "", rec)
			if method == http.MethodGet {
				require.Equal(t, http.StatusSeeOther, resp.StatusCode, "%s: %.300s", route, body)
				require.Equal(t, "/login?next="+url.QueryEscape(path), resp.Header.Get("Location"), route)
			} else {
				require.Equal(t, http.StatusUnauthorized, resp.StatusCode, "%s: %.300s", route, body)
			}
		}
		require.Greater(t, n, 20)
	})
}
