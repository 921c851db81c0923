package server

import (
	"html"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/openaims/openaims/internal/authz"
)

// TestBenchBaseline covers the load harness's baseline: off by default, on for the tenant
// AIMS_BENCH_BASELINE names, and then one page of that tenant's risks in a tenant
// transaction and nothing more.
func TestBenchBaseline(t *testing.T) {
	t.Parallel()
	b := setup(t)
	withBaseline := func(slug string) *client {
		cfg := b.cfg
		cfg.BenchBaseline = slug
		enforcer, err := authz.New()
		require.NoError(t, err)
		ts := httptest.NewServer(New(cfg, b.db, enforcer, testLogger(), nil))
		t.Cleanup(ts.Close)
		return anonymous(t, ts)
	}
	acme, globex := b.risks(t, "acme"), b.risks(t, "globex")
	require.NotEmpty(t, acme)

	t.Run("off by default: the page of an unknown path", func(t *testing.T) {
		c := anonymous(t, b.ts)
		status, body := c.get(t, "/bench/baseline")
		require.Equal(t, http.StatusNotFound, status)
		_, unknown := c.get(t, "/bench/no-such-page")
		require.Equal(t, unknown, body)
		for _, k := range acme {
			require.NotContains(t, body, html.EscapeString(k.Title))
		}
	})

	t.Run("a tenant that does not exist", func(t *testing.T) {
		status, _ := withBaseline("no-such-tenant").get(t, "/bench/baseline")
		require.Equal(t, http.StatusNotFound, status)
	})

	t.Run("on: the tenant's newest risks, one tenant transaction", func(t *testing.T) {
		c := withBaseline("acme")
		resp, body := c.getResp(t, "/bench/baseline") // the first request also looks up the tenant
		require.Equal(t, http.StatusOK, resp.StatusCode, body)
		b.queries.reset()
		resp, body = c.getResp(t, "/bench/baseline")
		n := b.queries.reset()
		require.Equal(t, http.StatusOK, resp.StatusCode)
		require.Equal(t, "no-store", resp.Header.Get("Cache-Control"))
		require.Empty(t, resp.Cookies(), "no session")
		require.Equal(t, min(len(acme), 50), strings.Count(body, "<tr><td>RISK-"))
		for _, k := range acme {
			require.Contains(t, body, html.EscapeString(k.Title))
		}
		titles := map[string]bool{}
		for _, k := range acme {
			titles[k.Title] = true
		}
		for _, k := range globex {
			if titles[k.Title] {
				continue // the demo tenants share some titles
			}
			require.NotContains(t, body, html.EscapeString(k.Title), "only the configured tenant's risks")
		}
		// Begin (with the tenant pinned), the query, commit.
		require.LessOrEqual(t, n, int64(3), "round trips of the baseline")
	})
}
