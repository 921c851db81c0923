package server

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/openaims/openaims/internal/auth"
	"github.com/openaims/openaims/internal/authz"
	"github.com/openaims/openaims/internal/config"
	"github.com/openaims/openaims/internal/demo"
	"github.com/openaims/openaims/internal/orgcontext"
	"github.com/openaims/openaims/internal/postgres"
	"github.com/openaims/openaims/internal/postgres/pgtest"
	"github.com/openaims/openaims/internal/tenant"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// demoPassword is the password of every demo account in these tests.
const demoPassword = "demo-password"

// Demo accounts the tests sign in as.
const (
	acmeAdmin   = "admin@acme.test"
	acmeOfficer = "officer@acme.test" // also an auditor of globex in the demo seed
	acmeAuditor = "auditor@acme.test"
	acmeExec    = "exec@acme.test"
)

// roundTrips counts the statements and batches sent to PostgreSQL: each is one network
// round trip (a batch of queries travels as one). When record is set, it also keeps the
// start of each statement since the last reset, to say what a request sent.
type roundTrips struct {
	n      atomic.Int64
	record atomic.Bool
	mu     sync.Mutex
	sql    []string
}

// note keeps the start of a statement when recording.
func (c *roundTrips) note(prefix, sql string) {
	if !c.record.Load() {
		return
	}
	sql = strings.Join(strings.Fields(sql), " ")
	if len(sql) > 100 {
		sql = sql[:100] + "…"
	}
	c.mu.Lock()
	c.sql = append(c.sql, prefix+sql)
	c.mu.Unlock()
}

func (c *roundTrips) TraceQueryStart(ctx context.Context, _ *pgx.Conn, d pgx.TraceQueryStartData) context.Context {
	c.n.Add(1)
	c.note("", d.SQL)
	return ctx
}

func (c *roundTrips) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}

func (c *roundTrips) TraceBatchStart(ctx context.Context, _ *pgx.Conn, d pgx.TraceBatchStartData) context.Context {
	c.n.Add(1)
	c.note("batch: ", fmt.Sprintf("%d queries", d.Batch.Len()))
	return ctx
}

func (c *roundTrips) TraceBatchQuery(_ context.Context, _ *pgx.Conn, d pgx.TraceBatchQueryData) {
	c.note("  · ", d.SQL)
}

func (c *roundTrips) TraceBatchEnd(context.Context, *pgx.Conn, pgx.TraceBatchEndData) {}

// reset starts a new count and returns the previous one.
func (c *roundTrips) reset() int64 {
	c.mu.Lock()
	c.sql = nil
	c.mu.Unlock()
	return c.n.Swap(0)
}

// statements returns the statements noted since the last reset, one a line.
func (c *roundTrips) statements() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return strings.Join(c.sql, "\n")
}

// bundle is what setup gives a test: a database with the demo seeded, a server on it, and
// the query counter of its pool.
type bundle struct {
	db      *postgres.DB
	cfg     config.Config
	srv     *Server
	ts      *httptest.Server
	queries *roundTrips
}

// testConfig is the configuration every test server runs with.
func testConfig(t testing.TB, databaseURL string) config.Config {
	t.Helper()
	env := map[string]string{"DATABASE_URL": databaseURL, "AIMS_DEMO_PASSWORD": demoPassword, "AIMS_LOG_LEVEL": "debug"}
	cfg, err := config.Load(func(k string) string { return env[k] })
	require.NoError(t, err)
	return cfg
}

// testLogger discards the server's log unless AIMS_TEST_LOG is set, then it goes to stderr.
func testLogger() *slog.Logger {
	if os.Getenv("AIMS_TEST_LOG") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

// setup returns a fresh database with the demo seeded and a server on it.
func setup(t testing.TB) *bundle {
	t.Helper()
	ctx := context.Background()
	url := pgtest.NewDatabase(t)
	q := &roundTrips{}
	db, err := postgres.Open(ctx, url, 10, q)
	require.NoError(t, err)
	t.Cleanup(db.Close)
	require.NoError(t, demo.Seed(ctx, db, demoPassword, func(string, ...any) {}))
	b := &bundle{db: db, cfg: testConfig(t, url), queries: q}
	b.srv, b.ts = b.newServer(t)
	return b
}

// newServer starts another Server instance on the bundle's database, as a second replica
// behind a load balancer would be.
func (b *bundle) newServer(t testing.TB) (*Server, *httptest.Server) {
	t.Helper()
	enforcer, err := authz.New()
	require.NoError(t, err)
	srv := New(b.cfg, b.db, enforcer, testLogger(), nil)
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	return srv, ts
}

// tenantID returns the id of the tenant with slug.
func (b *bundle) tenantID(t testing.TB, slug string) uuid.UUID {
	t.Helper()
	tn, err := tenant.FindBySlug(context.Background(), b.db, slug)
	require.NoError(t, err)
	return tn.ID
}

// userID returns the id of the user with email.
func (b *bundle) userID(t testing.TB, email string) uuid.UUID {
	t.Helper()
	u, err := auth.FindUserByEmail(context.Background(), b.db, email)
	require.NoError(t, err)
	return u.ID
}

// inTenant runs fn in a tenant transaction of slug, acting as the tenant's demo
// administrator (records name a real user as their author).
func (b *bundle) inTenant(t testing.TB, slug string, fn func(tx *postgres.Tx) error) {
	t.Helper()
	email := demo.Email("admin", slug)
	actor := postgres.Actor{UserID: b.userID(t, email), Label: email, RequestID: "test"}
	require.NoError(t, b.db.InTenantTx(context.Background(), b.tenantID(t, slug), actor, fn))
}

// issues returns every context issue of slug, archived ones included.
func (b *bundle) issues(t testing.TB, slug string) []orgcontext.Issue {
	t.Helper()
	var out []orgcontext.Issue
	for _, status := range []string{"", postgres.ShowArchived} {
		b.inTenant(t, slug, func(tx *postgres.Tx) error {
			return orgcontext.EachIssue(context.Background(), tx, postgres.Filter{Fields: map[string]string{"status": status}},
				func(i orgcontext.Issue) error { out = append(out, i); return nil })
		})
	}
	return out
}

// parties returns every interested party of slug, archived ones included.
func (b *bundle) parties(t testing.TB, slug string) []orgcontext.Party {
	t.Helper()
	var out []orgcontext.Party
	for _, status := range []string{"", postgres.ShowArchived} {
		b.inTenant(t, slug, func(tx *postgres.Tx) error {
			return orgcontext.EachParty(context.Background(), tx, postgres.Filter{Fields: map[string]string{"status": status}},
				func(p orgcontext.Party) error { out = append(out, p); return nil })
		})
	}
	return out
}

// accessDenied counts the access.denied entries of slug's trail.
func (b *bundle) accessDenied(t testing.TB, slug string) int {
	t.Helper()
	var n int
	b.inTenant(t, slug, func(tx *postgres.Tx) error {
		return tx.QueryRow(context.Background(), `SELECT count(*) FROM audit_events WHERE tenant_id = $1 AND action = 'access.denied'`,
			tx.TenantID).Scan(&n)
	})
	return n
}

// client is a browser stand-in: its own cookie jar, and redirects are returned, not
// followed, so tests see each 303.
type client struct {
	*http.Client
	base string
}

// anonymous returns a client of ts that is not signed in.
func anonymous(t testing.TB, ts *httptest.Server) *client {
	t.Helper()
	jar, err := cookiejar.New(nil)
	require.NoError(t, err)
	return &client{base: ts.URL, Client: &http.Client{Jar: jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// signIn returns a client of the bundle's server signed in as email.
func (b *bundle) signIn(t testing.TB, email string) *client {
	t.Helper()
	return signInTo(t, b.ts, email)
}

// signInTo signs in as email on ts.
func signInTo(t testing.TB, ts *httptest.Server, email string) *client {
	t.Helper()
	c := anonymous(t, ts)
	status, body := c.postForm(t, "/login", url.Values{"email": {email}, "password": {demoPassword}})
	require.Equal(t, http.StatusSeeOther, status, "sign in as %s: %s", email, body)
	return c
}

// do sends r, checks the headers every HTML response must carry, and returns the response
// with its body read.
func (c *client) do(t testing.TB, r *http.Request) (*http.Response, string) {
	t.Helper()
	resp, err := c.Do(r)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	if strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
		requireSecurityHeaders(t, r.Method+" "+r.URL.Path, resp.Header)
	}
	return resp, string(b)
}

// requireSecurityHeaders checks the headers of an HTML response.
func requireSecurityHeaders(t testing.TB, what string, h http.Header) {
	t.Helper()
	csp := h.Get("Content-Security-Policy")
	require.NotEmpty(t, csp, "%s: Content-Security-Policy", what)
	require.NotContains(t, csp, "unsafe-inline", "%s: CSP", what)
	require.NotContains(t, csp, "unsafe-eval", "%s: CSP", what)
	require.Contains(t, csp, "frame-ancestors 'none'", "%s: CSP", what)
	require.Equal(t, "nosniff", h.Get("X-Content-Type-Options"), "%s: X-Content-Type-Options", what)
	require.Equal(t, "DENY", h.Get("X-Frame-Options"), "%s: X-Frame-Options", what)
}

func (c *client) newRequest(t testing.TB, method, path string, body io.Reader) *http.Request {
	t.Helper()
	r, err := http.NewRequest(method, c.base+path, body)
	require.NoError(t, err)
	return r
}

// get requests path and returns the status and body.
func (c *client) get(t testing.TB, path string) (int, string) {
	t.Helper()
	resp, body := c.do(t, c.newRequest(t, http.MethodGet, path, nil))
	return resp.StatusCode, body
}

// getResp requests path and returns the response (body closed) and the body.
func (c *client) getResp(t testing.TB, path string) (*http.Response, string) {
	t.Helper()
	return c.do(t, c.newRequest(t, http.MethodGet, path, nil))
}

// postForm posts form to path and returns the status and body.
func (c *client) postForm(t testing.TB, path string, form url.Values) (int, string) {
	t.Helper()
	resp, body := c.postFormResp(t, path, form)
	return resp.StatusCode, body
}

// postFormResp posts form to path and returns the response (body closed) and the body.
func (c *client) postFormResp(t testing.TB, path string, form url.Values) (*http.Response, string) {
	t.Helper()
	r := c.newRequest(t, http.MethodPost, path, strings.NewReader(form.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return c.do(t, r)
}

// sessionCookie returns the client's session cookie value ("" when it has none).
func (c *client) sessionCookie(t testing.TB) string {
	t.Helper()
	u, err := url.Parse(c.base)
	require.NoError(t, err)
	for _, ck := range c.Jar.Cookies(u) {
		if ck.Name == "aims_session" {
			return ck.Value
		}
	}
	return ""
}

// withCookie returns an anonymous client of ts that carries the session token value.
func withCookie(t testing.TB, ts *httptest.Server, value string) *client {
	t.Helper()
	c := anonymous(t, ts)
	u, err := url.Parse(ts.URL)
	require.NoError(t, err)
	c.Jar.SetCookies(u, []*http.Cookie{{Name: "aims_session", Value: value, Path: "/"}})
	return c
}

// TestSignedInPageRoundTrips reports the database round trips of a signed-in register page
// and fails when they grow: each one is a network hop on every page view.
func TestSignedInPageRoundTrips(t *testing.T) {
	t.Parallel()
	b := setup(t)
	c := b.signIn(t, acmeOfficer)
	// The first view warms the pool's connections and statement caches.
	status, _ := c.get(t, "/t/acme/context")
	require.Equal(t, http.StatusOK, status)

	b.queries.reset()
	status, body := c.get(t, "/t/acme/context")
	n := b.queries.reset()
	require.Equal(t, http.StatusOK, status)
	require.Contains(t, body, "Context of the organisation")
	t.Logf("GET /t/acme/context as compliance officer: %d database round trips", n)
	// The session with the user's memberships, tenant transaction begin, the list with its
	// count (one batch), members, AI roles, commit. The session is not saved again: it did
	// not change and its idle deadline was renewed less than a minute ago (sessionStore).
	const budget = 6
	require.LessOrEqual(t, n, int64(budget), "round trips of a signed-in list page")
}
