// Package pgtest gives tests a real, migrated PostgreSQL database of their own: migrations
// run once per test binary into a template database, and each test clones it with
// CREATE DATABASE … TEMPLATE (milliseconds) and drops it when it ends.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/openaims/openaims/internal/postgres"
)

// AdminURL is the maintenance database tests connect to; AIMS_TEST_DATABASE_URL overrides it.
func AdminURL() string {
	if v := os.Getenv("AIMS_TEST_DATABASE_URL"); v != "" {
		return v
	}
	return "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"
}

var (
	templateOnce sync.Once
	templateName string
	templateErr  error
)

// Main runs a package's tests and drops the template database afterwards. Call it from
// TestMain in every package that uses New.
func Main(m *testing.M) {
	code := m.Run()
	if templateName != "" {
		ctx := context.Background()
		if conn, err := pgx.Connect(ctx, AdminURL()); err == nil {
			_, _ = conn.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{templateName}.Sanitize()+" WITH (FORCE)")
			_ = conn.Close(ctx)
		}
	}
	os.Exit(code)
}

// URLFor returns the connection URL of database name on the test server.
func URLFor(name string) string {
	u, _ := url.Parse(AdminURL())
	u.Path = "/" + name
	return u.String()
}

func randomName(prefix string) string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return prefix + hex.EncodeToString(b)
}

func buildTemplate(ctx context.Context) (string, error) {
	conn, err := pgx.Connect(ctx, AdminURL())
	if err != nil {
		return "", fmt.Errorf("pgtest: connect to %s (is PostgreSQL running?): %w", AdminURL(), err)
	}
	defer conn.Close(ctx)
	// Packages run their tests in parallel processes; the first migration creates the
	// cluster-wide role aims_app, so templates are built one at a time.
	if _, err := conn.Exec(ctx, `SELECT pg_advisory_lock(4200042)`); err != nil {
		return "", fmt.Errorf("pgtest: lock: %w", err)
	}
	defer conn.Exec(ctx, `SELECT pg_advisory_unlock(4200042)`) //nolint:errcheck
	name := randomName("aims_tpl_")
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		return "", fmt.Errorf("pgtest: create template: %w", err)
	}
	mg, err := postgres.NewMigrator(URLFor(name))
	if err != nil {
		return "", err
	}
	defer mg.Close()
	if err := mg.Up(); err != nil {
		return "", err
	}
	return name, nil
}

// Template returns the name of this test binary's migrated template database.
func Template(t testing.TB) string {
	t.Helper()
	templateOnce.Do(func() { templateName, templateErr = buildTemplate(context.Background()) })
	if templateErr != nil {
		t.Fatal(templateErr)
	}
	return templateName
}

// NewDatabase clones the template into a fresh database, drops it when the test ends, and
// returns its URL.
func NewDatabase(t testing.TB) string {
	t.Helper()
	tpl := Template(t)
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, AdminURL())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	name := randomName("aims_test_")
	if _, err := conn.Exec(ctx, fmt.Sprintf("CREATE DATABASE %s TEMPLATE %s", name, tpl)); err != nil {
		t.Fatalf("pgtest: clone template: %v", err)
	}
	t.Cleanup(func() {
		c, err := pgx.Connect(ctx, AdminURL())
		if err != nil {
			t.Errorf("pgtest: drop %s: %v", name, err)
			return
		}
		defer c.Close(ctx)
		if _, err := c.Exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			t.Errorf("pgtest: drop %s: %v", name, err)
		}
	})
	return URLFor(name)
}

// New returns an open DB on a fresh migrated database, closed when the test ends.
func New(t testing.TB) *postgres.DB {
	t.Helper()
	db, err := postgres.Open(context.Background(), NewDatabase(t), 10, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.Close)
	return db
}

// RandomSuffix is a short random hex string for names of test databases and roles.
func RandomSuffix() string { return randomName("") }
