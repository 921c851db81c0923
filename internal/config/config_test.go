package config

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestLoadDefaults(t *testing.T) {
	t.Parallel()
	c, err := Load(env(nil))
	require.NoError(t, err)
	require.Equal(t, "localhost:8080", c.Addr)
	require.Equal(t, "./data", c.DataDir)
	require.Equal(t, DefaultDatabaseURL, c.DatabaseURL)
	require.Equal(t, "http://localhost:8080", c.BaseURL)
	require.Equal(t, 30*time.Minute, c.SessionIdle)
	require.False(t, c.Production())
	require.Empty(t, c.BenchBaseline, "the unauthenticated baseline endpoint is off unless asked for")
	require.Empty(t, c.DebugAddr, "runtime profiles are served only when asked for")
}

func TestLoadRejectsBadValuesNamingTheVariable(t *testing.T) {
	t.Parallel()
	cases := map[string]map[string]string{
		"AIMS_ADDR":             {"AIMS_ADDR": "8080"},
		"AIMS_ENV":              {"AIMS_ENV": "staging"},
		"AIMS_LOG_LEVEL":        {"AIMS_LOG_LEVEL": "loud"},
		"AIMS_SESSION_IDLE":     {"AIMS_SESSION_IDLE": "soon"},
		"DATABASE_URL":          {"DATABASE_URL": "mysql://x"},
		"AIMS_DB_MAX_CONNS":     {"AIMS_DB_MAX_CONNS": "many"},
		"AIMS_DEMO_PASSWORD":    {"AIMS_DEMO_PASSWORD": "short"},
		"AIMS_BASE_URL":         {"AIMS_BASE_URL": "example.com"},
		"AIMS_SESSION_LIFETIME": {"AIMS_SESSION_LIFETIME": "10m"},
		"AIMS_BENCH_BASELINE":   {"AIMS_BENCH_BASELINE": "bench-large", "AIMS_ENV": "production"},
		"AIMS_DEBUG_ADDR":       {"AIMS_DEBUG_ADDR": "6060"},
	}
	for name, vars := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			_, err := Load(env(vars))
			require.Error(t, err)
			require.Contains(t, err.Error(), name)
		})
	}
}
