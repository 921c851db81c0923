// Package config reads the process configuration from the environment into one validated
// struct. There are no globals: cmd/aims loads a Config and passes it down.
package config

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"runtime"
	"strconv"
	"strings"
	"time"
)

// DefaultDatabaseURL is used when DATABASE_URL is unset: the local PostgreSQL of a developer
// machine, reached over TCP with trust authentication.
const DefaultDatabaseURL = "postgres://postgres@127.0.0.1:5432/openaims?sslmode=disable"

// Config is everything the aims binary can be told through its environment.
type Config struct {
	// DatabaseURL is the PostgreSQL connection string of the schema owner (DATABASE_URL).
	DatabaseURL string
	// Addr is the HTTP listen address (AIMS_ADDR).
	Addr string
	// DataDir is where evidence files are kept (AIMS_DATA_DIR).
	DataDir string
	// Env is "development" or "production" (AIMS_ENV); production sets Secure cookies and JSON logs.
	Env string
	// LogLevel is debug, info, warn or error (AIMS_LOG_LEVEL).
	LogLevel string
	// BaseURL is the public address used in one-time invitation links (AIMS_BASE_URL).
	BaseURL string
	// DemoPassword is the password of the demo users (AIMS_DEMO_PASSWORD).
	DemoPassword string
	// SessionIdle is the idle timeout of a signed-in session (AIMS_SESSION_IDLE).
	SessionIdle time.Duration
	// SessionLifetime is the absolute lifetime of a session (AIMS_SESSION_LIFETIME).
	SessionLifetime time.Duration
	// DBMaxConns caps the connection pool (AIMS_DB_MAX_CONNS).
	DBMaxConns int32
	// ShutdownTimeout bounds how long in-flight requests may drain on SIGTERM (AIMS_SHUTDOWN_TIMEOUT).
	ShutdownTimeout time.Duration
	// BenchBaseline is the slug of the tenant whose newest risks GET /bench/baseline shows,
	// unauthenticated, for the load harness (AIMS_BENCH_BASELINE). Empty, the default, turns
	// the endpoint off: it then answers 404 like any unknown page.
	BenchBaseline string
	// DebugAddr, when set, is the address of a second listener serving Go's runtime profiles
	// (/debug/pprof/) for finding where time and memory go (AIMS_DEBUG_ADDR). Empty, the
	// default, serves none. Keep it on a loopback or private address: profiles show internals.
	DebugAddr string
}

// defaultDBMaxConns is the pool size unless AIMS_DB_MAX_CONNS says otherwise: three
// connections per CPU the process may use, at least 4. PostgreSQL runs one process per
// connection; on the 2-CPU reference machine, 20 connections made 32 clients' requests wait
// on each other inside PostgreSQL instead of in the pool's queue, and the 99th percentile
// of a list page was about 1.5–2x what it is with 6 (docs/performance.md).
func defaultDBMaxConns() int32 { return int32(max(4, 3*runtime.GOMAXPROCS(0))) }

// Production reports whether the process runs with production settings.
func (c Config) Production() bool { return c.Env == "production" }

// Load reads the configuration through getenv (os.Getenv in main, a map in tests) and
// validates it. Every problem is reported, each naming its variable and what is allowed.
func Load(getenv func(string) string) (Config, error) {
	var errs []error
	str := func(name, def string) string {
		if v := strings.TrimSpace(getenv(name)); v != "" {
			return v
		}
		return def
	}
	dur := func(name string, def time.Duration) time.Duration {
		v := getenv(name)
		if v == "" {
			return def
		}
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			errs = append(errs, fmt.Errorf("%s=%q: want a positive Go duration such as 30m or 12h", name, v))
			return def
		}
		return d
	}

	c := Config{
		DatabaseURL:     str("DATABASE_URL", DefaultDatabaseURL),
		Addr:            str("AIMS_ADDR", "localhost:8080"),
		DataDir:         str("AIMS_DATA_DIR", "./data"),
		Env:             str("AIMS_ENV", "development"),
		LogLevel:        str("AIMS_LOG_LEVEL", "info"),
		DemoPassword:    str("AIMS_DEMO_PASSWORD", "demo-password"),
		SessionIdle:     dur("AIMS_SESSION_IDLE", 30*time.Minute),
		SessionLifetime: dur("AIMS_SESSION_LIFETIME", 12*time.Hour),
		ShutdownTimeout: dur("AIMS_SHUTDOWN_TIMEOUT", 20*time.Second),
		DBMaxConns:      defaultDBMaxConns(),
		BenchBaseline:   str("AIMS_BENCH_BASELINE", ""),
		DebugAddr:       str("AIMS_DEBUG_ADDR", ""),
	}
	c.BaseURL = str("AIMS_BASE_URL", "http://"+c.Addr)

	if u, err := url.Parse(c.DatabaseURL); err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		errs = append(errs, fmt.Errorf("DATABASE_URL: want a postgres:// or postgresql:// URL"))
	}
	if _, _, err := net.SplitHostPort(c.Addr); err != nil {
		errs = append(errs, fmt.Errorf("AIMS_ADDR=%q: want host:port, for example localhost:8080", c.Addr))
	}
	if _, _, err := net.SplitHostPort(c.DebugAddr); c.DebugAddr != "" && err != nil {
		errs = append(errs, fmt.Errorf("AIMS_DEBUG_ADDR=%q: want host:port, for example 127.0.0.1:6060", c.DebugAddr))
	}
	if c.Env != "development" && c.Env != "production" {
		errs = append(errs, fmt.Errorf("AIMS_ENV=%q: want development or production", c.Env))
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		errs = append(errs, fmt.Errorf("AIMS_LOG_LEVEL=%q: want debug, info, warn or error", c.LogLevel))
	}
	if u, err := url.Parse(c.BaseURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		errs = append(errs, fmt.Errorf("AIMS_BASE_URL=%q: want an absolute http(s) URL", c.BaseURL))
	}
	if n := len(c.DemoPassword); n < 12 || n > 128 {
		errs = append(errs, fmt.Errorf("AIMS_DEMO_PASSWORD: want 12 to 128 characters, got %d", n))
	}
	if v := getenv("AIMS_DB_MAX_CONNS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 2 || n > 1000 {
			errs = append(errs, fmt.Errorf("AIMS_DB_MAX_CONNS=%q: want a whole number from 2 to 1000", v))
		} else {
			c.DBMaxConns = int32(n)
		}
	}
	if c.BenchBaseline != "" && c.Production() {
		errs = append(errs, fmt.Errorf("AIMS_BENCH_BASELINE=%q: an unauthenticated page of tenant data for load tests; not allowed with AIMS_ENV=production", c.BenchBaseline))
	}
	if c.SessionIdle > c.SessionLifetime {
		errs = append(errs, fmt.Errorf("AIMS_SESSION_IDLE (%s) must not exceed AIMS_SESSION_LIFETIME (%s)", c.SessionIdle, c.SessionLifetime))
	}
	if err := errors.Join(errs...); err != nil {
		return Config{}, fmt.Errorf("configuration: %w", err)
	}
	return c, nil
}
