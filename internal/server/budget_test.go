package server

import (
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// Round-trip budgets: every database round trip is a network hop on every view of a page,
// and a query in a loop shows up here as a count that grows with the data. A signed-in page
// pays a fixed cost of 3: the session with the user's memberships (one query), the tenant
// transaction's begin (one round trip, also dropping privileges and pinning the tenant) and
// its commit. A save adds the audit trail's chain head (with its lock) and entry, and the
// session, which carries the "saved" message to the next page.
const (
	pageBudget = 6  // a GET: the fixed 3, and 3 of the page's own
	postBudget = 11 // a POST that saves a record and redirects: the fixed 6, and 5 of its own
)

// budgetExceptions are the routes allowed more than the default, each with the reason.
var budgetExceptions = map[string]struct {
	budget int
	reason string
}{
	"GET /t/{tenant}/risks": {7, "the page, then the members (owner filter), the AI systems (system filter) and the " +
		"criteria with the heat-map counts (level and cell filters), each a query of its own domain"},
	"GET /t/{tenant}/risks/{id}/edit": {7, "the risk, then the members, the AI systems and the criteria the form offers"},
	"GET /t/{tenant}/treatments/{id}/edit": {7, "the plan with its links (one batch), then the members, the risks " +
		"and the controls the form offers"},
}

// budgetPosts matches the create ("POST /t/{tenant}/risks") and update
// ("POST /t/{tenant}/risks/{id}") route of each register.
var budgetPosts = regexp.MustCompile(`^POST /t/\{tenant\}/[a-z-]+(/\{id\})?$`)

// TestRouteRoundTripBudgets requests every GET route of the golden table, and the create
// and update of each register, as the compliance officer, counts the database round trips
// of each request, and fails when a route exceeds its budget.
func TestRouteRoundTripBudgets(t *testing.T) {
	t.Parallel()
	b := setup(t)
	rec := newRecords(t, b, "acme", "budget")
	c := b.signIn(t, acmeOfficer)
	b.queries.record.Store(true)

	var routes []string
	for _, r := range walkRoutes(t, b.srv) {
		if _, skipped := skippedRoutes[r]; skipped {
			continue
		}
		if strings.HasPrefix(r, "GET ") || strings.HasPrefix(r, "* ") || budgetPosts.MatchString(r) {
			routes = append(routes, r)
		}
	}
	// GETs first, so that every form and page is seen before anything is saved.
	slices.SortStableFunc(routes, func(a, b string) int {
		return strings.Compare(strings.Split(b, " ")[0], strings.Split(a, " ")[0])
	})
	posts := 0
	for _, r := range routes {
		if strings.HasPrefix(r, "POST ") {
			posts++
		}
	}
	require.GreaterOrEqual(t, posts, 14, "the create and update of every built register")

	type result struct {
		route  string
		status int
		n      int64
		budget int
		sent   string // the statements, for the message of a route over budget
	}
	var results []result
	for _, route := range routes {
		method, pattern := splitRoute(route)
		budget := pageBudget
		if method == http.MethodPost {
			budget = postBudget
		}
		if e, ok := budgetExceptions[route]; ok {
			require.NotEmpty(t, e.reason, "%s: an exception needs its reason", route)
			require.Greater(t, e.budget, budget, "%s: the exception is not above the default", route)
			budget = e.budget
		}
		b.queries.reset()
		resp, body := c.request(t, route, rec.path(t, pattern), acmeOfficer, rec)
		sent := b.queries.statements()
		n := b.queries.reset()
		require.Less(t, resp.StatusCode, 500, "%s: %.300s", route, body)
		if method == http.MethodPost {
			require.Equal(t, http.StatusSeeOther, resp.StatusCode, "%s saves: %.300s", route, body)
		}
		results = append(results, result{route, resp.StatusCode, n, budget, sent})
	}

	slices.SortFunc(results, func(a, b result) int { return strings.Compare(a.route, b.route) })
	var table strings.Builder
	fmt.Fprintf(&table, "database round trips per request, as the compliance officer:\n%-75s %6s %5s %6s\n", "route", "status", "trips", "budget")
	for _, r := range results {
		fmt.Fprintf(&table, "%-75s %6d %5d %6d\n", r.route, r.status, r.n, r.budget)
	}
	t.Log(table.String())
	for _, r := range results {
		require.LessOrEqual(t, r.n, int64(r.budget), "%s: %d round trips, budget %d (a query in a loop?); it sent:\n%s",
			r.route, r.n, r.budget, r.sent)
	}
	for route := range budgetExceptions {
		require.True(t, slices.ContainsFunc(results, func(r result) bool { return r.route == route }), "budget exception %s names no requested route", route)
	}
}
