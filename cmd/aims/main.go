// Command aims is OpenAIMS: the web server and the operator's commands.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/openaims/openaims/internal/apperr"
	"github.com/openaims/openaims/internal/auditlog"
	"github.com/openaims/openaims/internal/auth"
	"github.com/openaims/openaims/internal/authz"
	"github.com/openaims/openaims/internal/benchseed"
	"github.com/openaims/openaims/internal/config"
	"github.com/openaims/openaims/internal/control"
	"github.com/openaims/openaims/internal/demo"
	"github.com/openaims/openaims/internal/postgres"
	"github.com/openaims/openaims/internal/server"
	"github.com/openaims/openaims/internal/tenant"
)

const usage = `aims — OpenAIMS, an ISO/IEC 42001 AI management system

Usage:
  aims serve                      apply pending migrations and serve HTTP on AIMS_ADDR
  aims migrate [up|down|version|force V]
                                  manage the database schema (default: up)
  aims seed demo                  create the demo tenants acme and globex (idempotent)
  aims seed bench [--tenants N] [--records M]
                                  load the benchmark data: bench-large and N small tenants (idempotent)
  aims tenant create --slug S --name N
                                  create a tenant
  aims user create --email E --name N --tenant S --role R [--password P]
                                  create a user (or reuse one) and make them a member
  aims audit verify [--tenant SLUG]
                                  check the hash chains of the audit trail
  aims bench [--base URL] [--tenant S] [--model open|closed|both] [--out FILE] …
                                  load-test a running server against its baseline (docs/performance.md)

Configuration comes from the environment: DATABASE_URL, AIMS_ADDR, AIMS_DATA_DIR, AIMS_ENV,
AIMS_LOG_LEVEL, AIMS_BASE_URL, AIMS_DEMO_PASSWORD, AIMS_SESSION_IDLE, AIMS_SESSION_LIFETIME,
AIMS_DB_MAX_CONNS, AIMS_SHUTDOWN_TIMEOUT, AIMS_BENCH_BASELINE (see README.md). Run 'aims COMMAND --help' for a
command's flags.
`

func main() {
	if err := run(os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "aims:", err)
		os.Exit(1)
	}
}

func run(args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprint(stdout, usage)
		return nil
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	cmd, rest := args[0], args[1:]
	if len(rest) > 0 && (cmd == "seed" || cmd == "tenant" || cmd == "user" || cmd == "audit") {
		cmd, rest = cmd+" "+rest[0], rest[1:]
	}
	switch cmd {
	case "serve":
		return serve(ctx, rest, stdout, stderr)
	case "migrate":
		return migrate(rest, stdout, stderr)
	case "seed demo":
		return seedDemo(ctx, rest, stdout, stderr)
	case "seed bench":
		return seedBench(ctx, rest, stdout, stderr)
	case "tenant create":
		return tenantCreate(ctx, rest, stdout, stderr)
	case "user create":
		return userCreate(ctx, rest, stdout, stderr)
	case "audit verify":
		return auditVerify(ctx, rest, stdout, stderr)
	case "bench":
		return bench(ctx, rest, stdout, stderr)
	}
	fmt.Fprint(stderr, usage)
	return fmt.Errorf("unknown command %q", cmd)
}

// flags parses a command's flags; --help prints its usage and stops.
func flags(name, summary string, args []string, stderr io.Writer, define func(*flag.FlagSet)) (*flag.FlagSet, error) {
	fs := flag.NewFlagSet("aims "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	define(fs)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: aims %s\n\n%s\n", name, summary)
		fs.PrintDefaults()
	}
	return fs, fs.Parse(args)
}

var errHelp = flag.ErrHelp

func loadConfig() (config.Config, error) { return config.Load(os.Getenv) }

func newLogger(cfg config.Config, w io.Writer) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(cfg.LogLevel))
	opts := &slog.HandlerOptions{Level: level}
	if cfg.Production() {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// openMigrated creates the database if missing, applies migrations and opens the pool.
func openMigrated(ctx context.Context, cfg config.Config) (*postgres.DB, error) {
	if err := postgres.EnsureDatabase(ctx, cfg.DatabaseURL); err != nil {
		return nil, err
	}
	mg, err := postgres.NewMigrator(cfg.DatabaseURL)
	if err != nil {
		return nil, err
	}
	err = mg.Up()
	closeErr := mg.Close()
	if err := errors.Join(err, closeErr); err != nil {
		return nil, err
	}
	return postgres.Open(ctx, cfg.DatabaseURL, cfg.DBMaxConns, nil)
}

func serve(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if _, err := flags("serve", "Apply pending migrations, then serve HTTP on AIMS_ADDR until SIGTERM or SIGINT.\n"+
		"With AIMS_BENCH_BASELINE=<tenant slug>, also serve GET /bench/baseline, the unauthenticated\n"+
		"baseline page of the load harness (aims bench), showing that tenant's newest risks; off by default.\n"+
		"With AIMS_DEBUG_ADDR=host:port, also serve Go's runtime profiles (/debug/pprof/) there; off by default.\n"+
		"Unless GOGC or GOMEMLIMIT are set, the garbage collector runs with GOGC=400 and a 150 MiB soft limit.", args, stderr, func(*flag.FlagSet) {}); err != nil {
		return ignoreHelp(err)
	}
	cfg, err := loadConfig()
	if err != nil {
		return err
	}
	log := newLogger(cfg, stderr)
	tuneGC(os.Getenv)
	db, err := openMigrated(ctx, cfg)
	if err != nil {
		return err
	}
	defer db.Close()
	enforcer, err := authz.New()
	if err != nil {
		return err
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	srv := &http.Server{Addr: cfg.Addr, Handler: server.New(cfg, db, enforcer, log, reg),
		ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second, IdleTimeout: 120 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.ListenAndServe() }()
	log.Info("serving", "url", "http://"+cfg.Addr, "env", cfg.Env)
	if cfg.DebugAddr != "" {
		debug := &http.Server{Addr: cfg.DebugAddr, Handler: server.DebugHandler(), ReadHeaderTimeout: 10 * time.Second}
		go func() { errc <- debug.ListenAndServe() }()
		defer debug.Close()
		log.Warn("runtime profiles are served: keep this address private", "url", "http://"+cfg.DebugAddr+"/debug/pprof/")
	}
	if cfg.BenchBaseline != "" {
		log.Warn("GET /bench/baseline is on: it shows anyone the newest risks of a tenant; unset AIMS_BENCH_BASELINE outside load tests",
			"tenant", cfg.BenchBaseline)
	}
	if indexed, err := postgres.SearchIndexable(ctx, db); err != nil {
		log.Warn("could not check whether register search can use its indexes", "err", err)
	} else if !indexed {
		log.Warn("register search reads every row of a tenant: its trigram indexes need LIKE marked LEAKPROOF "+
			"(docs/security.md); as a superuser, run this once in the database", "sql", postgres.LeakproofSearchStatement)
	}
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down: draining in-flight requests", "timeout", cfg.ShutdownTimeout)
	sctx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	log.Info("stopped")
	return nil
}

func ignoreHelp(err error) error {
	if errors.Is(err, errHelp) {
		return nil
	}
	return err
}

func migrate(args []string, stdout, stderr io.Writer) error {
	fs, err := flags("migrate [up|down|version|force V]", "Manage the schema: up applies pending migrations (the default), down reverts all,\nversion prints the applied version, force V marks version V clean after a manual repair.", args, stderr, func(*flag.FlagSet) {})
	if err != nil {
		return ignoreHelp(err)
	}
	cfg, err := loadConfig()
	if err != nil {
		return err
	}
	if err := postgres.EnsureDatabase(context.Background(), cfg.DatabaseURL); err != nil {
		return err
	}
	mg, err := postgres.NewMigrator(cfg.DatabaseURL)
	if err != nil {
		return err
	}
	defer mg.Close()
	switch action := fs.Arg(0); action {
	case "", "up":
		if err := mg.Up(); err != nil {
			return err
		}
	case "down":
		if err := mg.Down(); err != nil {
			return err
		}
	case "force":
		v, err := strconv.Atoi(fs.Arg(1))
		if err != nil {
			return fmt.Errorf("migrate force: want a version number, got %q", fs.Arg(1))
		}
		if err := mg.Force(v); err != nil {
			return err
		}
	case "version":
	default:
		return fmt.Errorf("migrate: unknown action %q (want up, down, version or force V)", action)
	}
	v, dirty, err := mg.Version()
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "schema version %d (latest %d, dirty %t)\n", v, postgres.LatestVersion(), dirty)
	return nil
}

func seedDemo(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if _, err := flags("seed demo", "Create the demo tenants acme and globex with their four users each and register data.\nIdempotent. Users get AIMS_DEMO_PASSWORD (default demo-password).", args, stderr, func(*flag.FlagSet) {}); err != nil {
		return ignoreHelp(err)
	}
	cfg, err := loadConfig()
	if err != nil {
		return err
	}
	db, err := openMigrated(ctx, cfg)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := demo.Seed(ctx, db, cfg.DemoPassword, func(f string, a ...any) { fmt.Fprintf(stdout, f+"\n", a...) }); err != nil {
		return err
	}
	fmt.Fprintln(stdout, "demo ready. Sign in with any of:")
	for _, t := range demo.Tenants {
		for _, p := range demo.Personas {
			fmt.Fprintf(stdout, "  %-22s %s\n", demo.Email(p.Local, t.Slug), p.Role.Label())
		}
	}
	fmt.Fprintln(stdout, "password: the value of AIMS_DEMO_PASSWORD (default demo-password)")
	return nil
}

func seedBench(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var tenants, records int
	_, err := flags("seed bench [--tenants N] [--records M]", "Load the data set of the load harness: tenant bench-large with M risks and, in proportion,\n"+
		"AI systems, treatments, controls, impact assessments, context issues, parties and audit-trail\n"+
		"entries (M=100000: 1,000, 20,000, 38+60, 500, 2,000, 2,000 and 500,000), with users\n"+
		"officer@, auditor@, exec@ and admin@bench-large.test; and N small tenants bench-0001 ….\n"+
		"Idempotent: a tenant that has its data is left alone. Users get AIMS_DEMO_PASSWORD\n"+
		"(default demo-password).", args, stderr, func(fs *flag.FlagSet) {
		fs.IntVar(&tenants, "tenants", 1000, "number of small tenants")
		fs.IntVar(&records, "records", 100000, "number of risks in bench-large")
	})
	if err != nil {
		return ignoreHelp(err)
	}
	if tenants < 0 || tenants > 9999 || records < 1 || records > 10_000_000 {
		return fmt.Errorf("seed bench: want --tenants from 0 to 9999 and --records from 1 to 10000000")
	}
	cfg, err := loadConfig()
	if err != nil {
		return err
	}
	if cfg.Production() {
		return errors.New("seed bench: refused with AIMS_ENV=production: it creates thousands of accounts with a known password")
	}
	db, err := openMigrated(ctx, cfg)
	if err != nil {
		return err
	}
	defer db.Close()
	start := time.Now()
	rep, err := benchseed.Seed(ctx, db, benchseed.NewPlan(tenants, records), cfg.DemoPassword,
		func(f string, a ...any) { fmt.Fprintf(stdout, f+"\n", a...) })
	if err != nil {
		return err
	}
	if rep.LargeCreated {
		fmt.Fprintf(stdout, "%s: loaded in %.1fs\n", benchseed.LargeSlug, rep.LargeTook.Seconds())
		for _, t := range benchseed.Tables(rep.Large) {
			fmt.Fprintf(stdout, "  %-26s %9d\n", t, rep.Large[t])
		}
	}
	var small int64
	for _, n := range rep.Small {
		small += n
	}
	fmt.Fprintf(stdout, "small tenants: %d seeded (%d rows) in %.1fs, %d already there\n", rep.SmallCreated, small,
		rep.SmallTook.Seconds(), rep.SmallSkipped)
	fmt.Fprintln(stdout, "not loaded: evidence and nonconformities (their registers have no tables yet)")
	fmt.Fprintf(stdout, "accounts created: %d; tables vacuumed and analysed in %.1fs; total %.1fs\n", rep.Users,
		rep.VacuumTook.Seconds(), time.Since(start).Seconds())
	fmt.Fprintf(stdout, "sign in as officer@, auditor@, exec@ or admin@%s.test with AIMS_DEMO_PASSWORD (default demo-password)\n",
		benchseed.LargeSlug)
	return nil
}

func tenantCreate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var slug, name string
	_, err := flags("tenant create --slug S --name N", "Create a tenant. Then add its first administrator with 'aims user create --role admin'.", args, stderr, func(fs *flag.FlagSet) {
		fs.StringVar(&slug, "slug", "", "URL slug: 1-40 lower-case letters, digits, inner hyphens (required)")
		fs.StringVar(&name, "name", "", "organisation name (required)")
	})
	if err != nil {
		return ignoreHelp(err)
	}
	cfg, err := loadConfig()
	if err != nil {
		return err
	}
	db, err := openMigrated(ctx, cfg)
	if err != nil {
		return err
	}
	defer db.Close()
	t, err := tenant.Create(ctx, db, tenant.Tenant{Slug: slug, Name: name})
	if err != nil {
		return describe(err)
	}
	// Every tenant starts with the Annex A controls of its Statement of Applicability.
	if err := db.InTenantWriteTx(ctx, t.ID, postgres.SystemActor("cli"), func(tx *postgres.Tx) error {
		return control.SeedAnnexA(ctx, tx)
	}); err != nil {
		return fmt.Errorf("tenant %s: seed the Annex A controls: %w", t.Slug, err)
	}
	fmt.Fprintf(stdout, "created tenant %s (%s), id %s, with the 38 Annex A controls\n", t.Slug, t.Name, t.ID)
	return nil
}

func userCreate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var email, name, slug, role, password string
	_, err := flags("user create --email E --name N --tenant S --role R [--password P]",
		"Create a user, or reuse the account with that e-mail, and give them a role in a tenant.\nThe password is read from --password or, if omitted, from AIMS_USER_PASSWORD.", args, stderr, func(fs *flag.FlagSet) {
			fs.StringVar(&email, "email", "", "e-mail address (required)")
			fs.StringVar(&name, "name", "", "display name (required for a new account)")
			fs.StringVar(&slug, "tenant", "", "tenant slug (required)")
			fs.StringVar(&role, "role", "admin", "role: admin, compliance_officer, auditor or executive")
			fs.StringVar(&password, "password", "", "password of 12-128 characters for a new account")
		})
	if err != nil {
		return ignoreHelp(err)
	}
	if password == "" {
		password = os.Getenv("AIMS_USER_PASSWORD")
	}
	cfg, err := loadConfig()
	if err != nil {
		return err
	}
	db, err := openMigrated(ctx, cfg)
	if err != nil {
		return err
	}
	defer db.Close()
	t, err := tenant.FindBySlug(ctx, db, slug)
	if err != nil {
		return describe(err)
	}
	u, err := auth.FindUserByEmail(ctx, db, email)
	if err != nil {
		if u, err = auth.CreateUser(ctx, db, auth.NewUser{Email: email, DisplayName: name, Password: password}); err != nil {
			return describe(err)
		}
		fmt.Fprintf(stdout, "created user %s\n", u.Email)
	}
	err = db.InTenantWriteTx(ctx, t.ID, postgres.SystemActor("cli"), func(tx *postgres.Tx) error {
		return tenant.AddMember(ctx, tx, u.ID, tenant.Role(role))
	})
	if err != nil {
		return describe(err)
	}
	fmt.Fprintf(stdout, "%s is %s of %s\n", u.Email, tenant.Role(role).Label(), t.Slug)
	return nil
}

func auditVerify(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var slug string
	_, err := flags("audit verify [--tenant SLUG]", "Recompute the SHA-256 hash chain of the audit trail of one tenant, or of every tenant.\nExit status 0 when every chain is intact; 1 and the first bad entry otherwise.", args, stderr, func(fs *flag.FlagSet) {
		fs.StringVar(&slug, "tenant", "", "verify only this tenant")
	})
	if err != nil {
		return ignoreHelp(err)
	}
	cfg, err := loadConfig()
	if err != nil {
		return err
	}
	db, err := postgres.Open(ctx, cfg.DatabaseURL, 4, nil)
	if err != nil {
		return err
	}
	defer db.Close()
	var tenants []tenant.Tenant
	if slug != "" {
		t, err := tenant.FindBySlug(ctx, db, slug)
		if err != nil {
			return describe(err)
		}
		tenants = []tenant.Tenant{t}
	} else if tenants, err = tenant.All(ctx, db); err != nil {
		return err
	}
	for _, t := range tenants {
		n, err := auditlog.Verify(ctx, db, t.ID)
		if err != nil {
			return fmt.Errorf("tenant %s: %w", t.Slug, err)
		}
		fmt.Fprintf(stdout, "%s: %d entries, chain intact\n", t.Slug, n)
	}
	return nil
}

// describe spells out field errors for the terminal.
func describe(err error) error {
	fields := apperr.FieldsOf(err)
	if len(fields) == 0 {
		return err
	}
	msg := err.Error()
	for f, m := range fields {
		msg += fmt.Sprintf("\n  --%s: %s", f, m)
	}
	return errors.New(msg)
}
