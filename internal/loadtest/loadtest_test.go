package loadtest_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/openaims/openaims/internal/auth"
	"github.com/openaims/openaims/internal/authz"
	"github.com/openaims/openaims/internal/config"
	"github.com/openaims/openaims/internal/demo"
	"github.com/openaims/openaims/internal/loadtest"
	"github.com/openaims/openaims/internal/orgcontext"
	"github.com/openaims/openaims/internal/postgres"
	"github.com/openaims/openaims/internal/postgres/pgtest"
	"github.com/openaims/openaims/internal/server"
	"github.com/openaims/openaims/internal/tenant"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

const password = "demo-password"

// startServer seeds the demo into a fresh database and serves it, with the baseline on
// for baseline (a tenant slug; "" leaves it off). The demo tenant acme stands in for
// bench-large: same personas, every register filled in, only smaller. Its context
// register gets a second page, so that a deep page is driven too.
func startServer(t *testing.T, baseline string) (*httptest.Server, *postgres.DB) {
	t.Helper()
	ctx := context.Background()
	url := pgtest.NewDatabase(t)
	db, err := postgres.Open(ctx, url, 10, nil)
	require.NoError(t, err)
	t.Cleanup(db.Close)
	require.NoError(t, demo.Seed(ctx, db, password, func(string, ...any) {}))
	acme, err := tenant.FindBySlug(ctx, db, "acme")
	require.NoError(t, err)
	// Records name a real user as their author.
	admin, err := auth.FindUserByEmail(ctx, db, demo.Email("admin", "acme"))
	require.NoError(t, err)
	actor := postgres.Actor{UserID: admin.ID, Label: admin.Email, RequestID: "test"}
	require.NoError(t, db.InTenantTx(ctx, acme.ID, actor, func(tx *postgres.Tx) error {
		for i := range postgres.DefaultPageSize {
			if _, err := orgcontext.CreateIssue(ctx, tx, orgcontext.Issue{Title: fmt.Sprintf("Harness issue %d", i),
				Origin: "internal", Category: "technology", Status: "open"}); err != nil {
				return err
			}
		}
		return nil
	}))
	return serve(t, db, url, baseline), db
}

func serve(t *testing.T, db *postgres.DB, url, baseline string) *httptest.Server {
	t.Helper()
	env := map[string]string{"DATABASE_URL": url, "AIMS_DEMO_PASSWORD": password, "AIMS_BENCH_BASELINE": baseline}
	cfg, err := config.Load(func(k string) string { return env[k] })
	require.NoError(t, err)
	enforcer, err := authz.New()
	require.NoError(t, err)
	ts := httptest.NewServer(server.New(cfg, db, enforcer, slog.New(slog.NewTextHandler(io.Discard, nil)), nil))
	t.Cleanup(ts.Close)
	return ts
}

// TestRunAgainstTheServer runs the harness briefly against the real server: every
// endpoint is driven under both models without an error, and the JSON file holds it all.
func TestRunAgainstTheServer(t *testing.T) {
	t.Parallel()
	ts, _ := startServer(t, "acme")
	var progress strings.Builder
	rep, err := loadtest.Run(context.Background(), loadtest.Config{
		Base: ts.URL, Tenant: "acme", Password: password, Models: []string{loadtest.ModelOpen, loadtest.ModelClosed},
		Rate: 200, Duration: 10 * time.Millisecond, Concurrency: 2, Requests: 2, ExportRuns: 2,
		// The server runs in this process: its memory is this process's.
		ServerPID: os.Getpid(), Progress: &progress,
	})
	require.NoError(t, err)
	require.Len(t, rep.Runs, 2)

	var names []string
	for _, run := range rep.Runs {
		for _, res := range append([]loadtest.Result{run.Baseline}, run.Endpoints...) {
			require.Positive(t, res.Requests, "%s %s was driven", run.Model, res.Name)
			require.Zero(t, res.Errors, "%s %s: %v %v", run.Model, res.Name, res.StatusCodes, res.ErrorSamples)
			require.Positive(t, res.ServerRSS, "%s %s: the server's memory meanwhile", run.Model, res.Name)
			if run.Model == loadtest.ModelClosed {
				require.Equal(t, 2, res.Requests, "%s: --requests ends the closed model's attack", res.Name)
			}
		}
		require.Equal(t, "baseline", run.Baseline.Name)
		if run.Model == loadtest.ModelOpen {
			for _, res := range run.Endpoints {
				names = append(names, res.Name)
			}
		}
	}
	want := []string{"risks heat map", "controls SoA", "risks create", "risks update", "context page 2",
		"risks ?cell=", "risks ?q=", "activity ?object=risks&id="}
	for _, reg := range loadtest.Registers {
		want = append(want, reg+" list", reg+" detail (")
	}
	for _, f := range []string{"status", "inherent", "residual", "source", "objective", "system", "owner"} {
		want = append(want, "risks ?"+f+"=")
	}
	for _, s := range []string{"ref", "title", "level", "status", "review", "updated"} {
		want = append(want, "risks ?sort="+s, "risks ?sort="+s+"&dir=desc")
	}
	for _, w := range want {
		require.True(t, slices.ContainsFunc(names, func(n string) bool { return strings.HasPrefix(n, w) }), "%q among %q", w, names)
	}
	require.Contains(t, rep.Skipped, "risks deep page: the register has a single page")

	require.NotNil(t, rep.Export)
	require.Len(t, rep.Export.Runs, 2)
	for _, r := range rep.Export.Runs {
		require.Equal(t, 200, r.Status)
		require.Empty(t, r.Error)
		require.Greater(t, r.Lines, int64(13), "the header and every risk of acme")
	}
	require.NotNil(t, rep.Server)
	require.Positive(t, rep.Server.PeakRSS)
	require.GreaterOrEqual(t, rep.Server.PeakRSS, rep.Server.ExportRSSBefore)
	require.Zero(t, rep.FailedEndpoints())
	require.Contains(t, progress.String(), "risks list")

	var table strings.Builder
	require.NoError(t, loadtest.WriteTable(&table, rep))
	require.Contains(t, table.String(), "closed c=2")

	out := filepath.Join(t.TempDir(), "results.json")
	require.NoError(t, loadtest.WriteJSON(out, rep))
	b, err := os.ReadFile(out)
	require.NoError(t, err)
	var back loadtest.Report
	require.NoError(t, json.Unmarshal(b, &back))
	require.Equal(t, len(rep.Runs[1].Endpoints), len(back.Runs[1].Endpoints))
	require.Equal(t, rep.Runs[1].Endpoints[0].P99, back.Runs[1].Endpoints[0].P99)
	var raw map[string]any
	require.NoError(t, json.Unmarshal(b, &raw))
	require.Contains(t, raw, "runs")
	require.Contains(t, raw["runs"].([]any)[0].(map[string]any)["baseline"], "p99_ms")
}

// TestRunNeedsTheBaseline: a server without AIMS_BENCH_BASELINE is not measured against
// nothing, and --only narrows the run.
func TestRunNeedsTheBaseline(t *testing.T) {
	t.Parallel()
	ts, db := startServer(t, "")
	cfg := loadtest.Config{Base: ts.URL, Tenant: "acme", Password: password, Models: []string{loadtest.ModelClosed},
		Rate: 1, Duration: 25 * time.Millisecond, Concurrency: 2, Requests: 2, Only: regexp.MustCompile(`^risks list$`)}
	_, err := loadtest.Run(context.Background(), cfg)
	require.ErrorContains(t, err, "AIMS_BENCH_BASELINE=acme")

	cfg.Base = serve(t, db, pgURL(t, db), "acme").URL
	rep, err := loadtest.Run(context.Background(), cfg)
	require.NoError(t, err)
	require.Len(t, rep.Runs, 1)
	require.Len(t, rep.Runs[0].Endpoints, 1)
	require.Equal(t, "risks list", rep.Runs[0].Endpoints[0].Name)
	require.Nil(t, rep.Export, "not matched by --only")

	cfg.Password = "not-the-password"
	_, err = loadtest.Run(context.Background(), cfg)
	require.ErrorContains(t, err, "sign in as auditor@acme.test")
}

// pgURL is the connection string of db's pool.
func pgURL(t *testing.T, db *postgres.DB) string {
	t.Helper()
	return db.Pool.Config().ConnString()
}
