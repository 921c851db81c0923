package tenant_test

import (
	"context"
	"net/url"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/openaims/openaims/internal/auth"
	"github.com/openaims/openaims/internal/orgcontext"
	"github.com/openaims/openaims/internal/postgres"
	"github.com/openaims/openaims/internal/postgres/pgtest"
	"github.com/openaims/openaims/internal/tenant"
)

// TestDeployAsNonSuperuserOwner deploys as an operator would: the schema owner is an
// ordinary role with CREATEROLE, not a superuser, so forced row-level security applies to it.
// Migrations must succeed, the platform must still resolve a user's memberships (policy
// platform_read), and the owner must not read tenant register data outside a tenant
// transaction.
func TestDeployAsNonSuperuserOwner(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	unlock := pgtest.LockMigrations(t)
	defer unlock()

	admin, err := pgx.Connect(ctx, pgtest.AdminURL())
	require.NoError(t, err)
	defer admin.Close(ctx)
	owner := "aims_owner_" + pgtest.RandomSuffix()
	dbName := owner + "_db"
	_, err = admin.Exec(ctx, "CREATE ROLE "+owner+" LOGIN CREATEROLE NOSUPERUSER NOBYPASSRLS")
	require.NoError(t, err)
	_, err = admin.Exec(ctx, "CREATE DATABASE "+dbName+" OWNER "+owner)
	require.NoError(t, err)
	t.Cleanup(func() {
		_, _ = admin.Exec(ctx, "DROP DATABASE IF EXISTS "+dbName+" WITH (FORCE)")
		_, _ = admin.Exec(ctx, "DROP ROLE IF EXISTS "+owner)
	})

	u, _ := url.Parse(pgtest.URLFor(dbName))
	u.User = url.User(owner)
	mg, err := postgres.NewMigrator(u.String())
	require.NoError(t, err)
	require.NoError(t, mg.Up(), "a CREATEROLE owner can apply every migration")
	require.NoError(t, mg.Close())
	unlock()

	db, err := postgres.Open(ctx, u.String(), 4, nil)
	require.NoError(t, err)
	defer db.Close()
	var super bool
	require.NoError(t, db.Pool.QueryRow(ctx, `SELECT rolsuper FROM pg_roles WHERE rolname = current_user`).Scan(&super))
	require.False(t, super)

	tn, err := tenant.Create(ctx, db, tenant.Tenant{Slug: "owner-test", Name: "Owner test"})
	require.NoError(t, err)
	user, err := auth.CreateUser(ctx, db, auth.NewUser{Email: "o@owner.test", DisplayName: "O", Password: "long-enough-password"})
	require.NoError(t, err)
	require.NoError(t, db.InTenantTx(ctx, tn.ID, postgres.SystemActor("test"), func(tx *postgres.Tx) error {
		return tenant.AddMember(ctx, tx, user.ID, tenant.RoleAdmin)
	}))

	ms, err := tenant.MembershipsOf(ctx, db, user.ID)
	require.NoError(t, err)
	require.Len(t, ms, 1, "the platform resolves memberships through policy platform_read")
	require.Equal(t, tenant.RoleAdmin, ms[0].Role)

	// Only a superuser can mark LIKE LEAKPROOF (migration 000011): without it, search is
	// slower (it reads the tenant's rows instead of the trigram index) but answers the same.
	indexable, err := postgres.SearchIndexable(ctx, db)
	require.NoError(t, err)
	require.False(t, indexable)
	require.NoError(t, db.InTenantTx(ctx, tn.ID, postgres.SystemActor("test"), func(tx *postgres.Tx) error {
		_, err := orgcontext.ListIssues(ctx, tx, postgres.Filter{Search: "drift"})
		return err
	}))

	// Outside a tenant transaction the owner reads no tenant's data: the policy's cast of the
	// unset app.tenant_id fails (closed), or, on a fresh connection, matches nothing.
	var trail int
	err = db.Pool.QueryRow(ctx, `SELECT count(*) FROM audit_events`).Scan(&trail)
	require.True(t, err != nil || trail == 0, "owner read %d trail entries outside a tenant transaction", trail)
}
