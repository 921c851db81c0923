package pgtest

import (
	"context"
	"fmt"
	"testing"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/openaims/openaims/internal/postgres"
)

// EmptyDatabase creates a database with no schema at all (not cloned from the migrated
// template), drops it when the test ends, and returns its URL. Migration tests use it.
func EmptyDatabase(t testing.TB) string {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, AdminURL())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	name := randomName("aims_empty_")
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatalf("pgtest: create %s: %v", name, err)
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

// LockMigrations holds the lock the template build takes until the returned function is
// called: the first migration touches the cluster-wide role aims_app, so migrations of
// different databases on one server must not run at the same time.
func LockMigrations(t testing.TB) (unlock func()) {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, AdminURL())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(ctx, `SELECT pg_advisory_lock(4200042)`); err != nil {
		_ = conn.Close(ctx)
		t.Fatalf("pgtest: lock: %v", err)
	}
	// Closing the session releases its advisory locks.
	return func() { _ = conn.Close(ctx) }
}

// TenantOptions are the fields of a test tenant; zero values get unique defaults.
type TenantOptions struct {
	Slug string
	Name string
}

// CreateTenant inserts a tenant as the platform role and returns its id.
func CreateTenant(t testing.TB, db *postgres.DB, o TenantOptions) uuid.UUID {
	t.Helper()
	if o.Slug == "" {
		o.Slug = randomName("t-")
	}
	if o.Name == "" {
		o.Name = "Tenant " + o.Slug
	}
	var id uuid.UUID
	if err := db.Pool.QueryRow(context.Background(), `INSERT INTO tenants (slug, name) VALUES ($1, $2) RETURNING id`,
		o.Slug, o.Name).Scan(&id); err != nil {
		t.Fatalf("pgtest: create tenant %s: %v", o.Slug, err)
	}
	return id
}

// UserOptions are the fields of a test user; zero values get unique defaults. The default
// password hash matches no password: tests that sign in create users through package auth.
type UserOptions struct {
	Email        string
	DisplayName  string
	PasswordHash string
}

// CreateUser inserts a user as the platform role and returns its id.
func CreateUser(t testing.TB, db *postgres.DB, o UserOptions) uuid.UUID {
	t.Helper()
	if o.Email == "" {
		o.Email = randomName("user-") + "@example.com"
	}
	if o.DisplayName == "" {
		o.DisplayName = "User " + o.Email
	}
	if o.PasswordHash == "" {
		o.PasswordHash = "not-a-hash"
	}
	var id uuid.UUID
	if err := db.Pool.QueryRow(context.Background(), `INSERT INTO users (email, display_name, password_hash)
		VALUES ($1, $2, $3) RETURNING id`, o.Email, o.DisplayName, o.PasswordHash).Scan(&id); err != nil {
		t.Fatalf("pgtest: create user %s: %v", o.Email, err)
	}
	return id
}

// AddMember gives userID role in tenantID through a tenant transaction, without an audit
// entry (it is set-up, not a change under test).
func AddMember(t testing.TB, db *postgres.DB, tenantID, userID uuid.UUID, role string) {
	t.Helper()
	err := db.InTenantTx(context.Background(), tenantID, postgres.SystemActor("pgtest"), func(tx *postgres.Tx) error {
		_, err := tx.Exec(context.Background(), `INSERT INTO memberships (tenant_id, user_id, role) VALUES ($1, $2, $3)`,
			tenantID, userID, role)
		return err
	})
	if err != nil {
		t.Fatalf("pgtest: add member %s to %s: %v", userID, tenantID, err)
	}
}

// Tenancy is the usual starting point of a tenant test: a fresh database, one tenant, and
// an administrator of it to act as.
type Tenancy struct {
	DB       *postgres.DB
	TenantID uuid.UUID
	AdminID  uuid.UUID
	// Actor is the administrator, for InTenantTx.
	Actor postgres.Actor
}

// NewTenancy returns a fresh database with one tenant and its administrator.
func NewTenancy(t testing.TB) Tenancy {
	t.Helper()
	db := New(t)
	return AddTenancy(t, db)
}

// AddTenancy adds another tenant with its own administrator to db.
func AddTenancy(t testing.TB, db *postgres.DB) Tenancy {
	t.Helper()
	tenantID := CreateTenant(t, db, TenantOptions{})
	email := randomName("admin-") + "@example.com"
	adminID := CreateUser(t, db, UserOptions{Email: email})
	AddMember(t, db, tenantID, adminID, "admin")
	return Tenancy{DB: db, TenantID: tenantID, AdminID: adminID,
		Actor: postgres.Actor{UserID: adminID, Label: email, RequestID: fmt.Sprintf("test-%s", t.Name())}}
}

// Tx runs fn in a tenant transaction of tn as its administrator and fails the test on error.
func (tn Tenancy) Tx(t testing.TB, fn func(tx *postgres.Tx) error) {
	t.Helper()
	if err := tn.DB.InTenantTx(context.Background(), tn.TenantID, tn.Actor, fn); err != nil {
		t.Fatalf("pgtest: tenant transaction: %v", err)
	}
}

// Try runs fn in a tenant transaction of tn as its administrator and returns its error.
func (tn Tenancy) Try(fn func(tx *postgres.Tx) error) error {
	return tn.DB.InTenantTx(context.Background(), tn.TenantID, tn.Actor, fn)
}
