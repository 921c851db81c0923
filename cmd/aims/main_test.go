package main

import (
	"bytes"
	"context"
	"math"
	"runtime/debug"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/openaims/openaims/internal/postgres/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

func TestEveryCommandHasHelp(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	require.NoError(t, run([]string{"--help"}, &out, &out))
	for _, cmd := range []string{"serve", "migrate", "seed demo", "seed bench", "tenant create", "user create", "audit verify", "bench"} {
		require.Contains(t, out.String(), "aims "+cmd)
		var help bytes.Buffer
		require.NoError(t, run(append(strings.Fields(cmd), "--help"), &help, &help), cmd)
		require.Contains(t, help.String(), "Usage: aims "+cmd, cmd)
	}
	require.Error(t, run([]string{"frobnicate"}, &out, &out))
}

// TestOperatorCommands walks the operator's path: create a tenant and its first
// administrator, verify the trail, then tamper with it and see verify fail naming the entry.
func TestOperatorCommands(t *testing.T) {
	dbURL := pgtest.NewDatabase(t)
	t.Setenv("DATABASE_URL", dbURL)
	var out bytes.Buffer
	require.NoError(t, run([]string{"tenant", "create", "--slug", "initech", "--name", "Initech"}, &out, &out))
	require.Contains(t, out.String(), "with the 38 Annex A controls", "every tenant starts with its Statement of Applicability")
	require.NoError(t, run([]string{"user", "create", "--email", "Boss@Initech.test", "--name", "Bill", "--tenant", "initech",
		"--role", "admin", "--password", "a-long-enough-password"}, &out, &out))
	require.Contains(t, out.String(), "boss@initech.test is Administrator of initech")

	err := run([]string{"user", "create", "--email", "x@initech.test", "--name", "X", "--tenant", "initech", "--password", "short"}, &out, &out)
	require.ErrorContains(t, err, "--password")

	out.Reset()
	require.NoError(t, run([]string{"audit", "verify", "--tenant", "initech"}, &out, &out))
	// The Annex A controls seeded with the tenant, and the administrator's membership.
	require.Contains(t, out.String(), "initech: 2 entries, chain intact")

	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dbURL)
	require.NoError(t, err)
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, `SET session_replication_role = replica;
		UPDATE audit_events SET actor_label = 'someone-else' WHERE seq = 1`)
	require.NoError(t, err)
	err = run([]string{"audit", "verify"}, &out, &out)
	require.ErrorContains(t, err, "broken at entry 1")
}

// TestSeedBench loads a small benchmark data set, runs it again (nothing to do), and
// verifies the trails it wrote.
func TestSeedBench(t *testing.T) {
	t.Setenv("DATABASE_URL", pgtest.NewDatabase(t))
	var out bytes.Buffer
	require.ErrorContains(t, run([]string{"seed", "bench", "--records", "0"}, &out, &out), "--records")
	require.NoError(t, run([]string{"seed", "bench", "--tenants", "2", "--records", "200"}, &out, &out))
	require.Contains(t, out.String(), "bench-large: loaded in")
	require.Contains(t, out.String(), "small tenants: 2 seeded")
	out.Reset()
	require.NoError(t, run([]string{"seed", "bench", "--tenants", "2", "--records", "200"}, &out, &out))
	require.Contains(t, out.String(), "bench-large: already loaded, nothing to do")
	require.Contains(t, out.String(), "small tenants: 0 seeded (0 rows) in")
	out.Reset()
	require.NoError(t, run([]string{"audit", "verify"}, &out, &out))
	require.Contains(t, out.String(), "bench-large: 1000 entries, chain intact")
	require.Contains(t, out.String(), "bench-0002: 60 entries, chain intact")
}

func TestTuneGCLeavesWhatTheEnvironmentSets(t *testing.T) {
	// Not parallel: the collector's settings are the process's.
	prevPercent := debug.SetGCPercent(100)
	prevLimit := debug.SetMemoryLimit(math.MaxInt64)
	t.Cleanup(func() { debug.SetGCPercent(prevPercent); debug.SetMemoryLimit(prevLimit) })

	tuneGC(func(string) string { return "" })
	require.Equal(t, serveGCPercent, debug.SetGCPercent(100))
	require.Equal(t, int64(serveMemoryGoal), debug.SetMemoryLimit(math.MaxInt64))

	tuneGC(func(name string) string { return map[string]string{"GOGC": "100", "GOMEMLIMIT": "1GiB"}[name] })
	require.Equal(t, 100, debug.SetGCPercent(100), "GOGC set: left alone")
	require.Equal(t, int64(math.MaxInt64), debug.SetMemoryLimit(math.MaxInt64), "GOMEMLIMIT set: left alone")
}
