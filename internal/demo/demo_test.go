package demo

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/openaims/openaims/internal/auth"
	"github.com/openaims/openaims/internal/postgres/pgtest"
	"github.com/openaims/openaims/internal/tenant"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// TestSeedIsIdempotent seeds twice: the second run creates nothing, and the demo has what
// PRODUCT.md promises.
func TestSeedIsIdempotent(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := pgtest.New(t)
	var log []string
	logf := func(f string, a ...any) { log = append(log, f) }
	require.NoError(t, Seed(ctx, db, "demo-password", logf))
	require.NotEmpty(t, log)
	counts := func() (n [3]int) {
		for i, table := range []string{"users", "tenants", "audit_events"} {
			require.NoError(t, db.Pool.QueryRow(ctx, "SELECT count(*) FROM "+table).Scan(&n[i]))
		}
		return n
	}
	first := counts()
	log = nil
	require.NoError(t, Seed(ctx, db, "demo-password", logf))
	require.Empty(t, log, "the second run creates nothing")
	require.Equal(t, first, counts())
	require.Equal(t, 8, first[0])

	for _, slug := range []string{"acme", "globex"} {
		for _, p := range Personas {
			u, err := auth.SignIn(ctx, db, Email(p.Local, slug), "demo-password", "127.0.0.1")
			require.NoError(t, err, "%s@%s signs in", p.Local, slug)
			ms, err := tenant.MembershipsOf(ctx, db, u.ID)
			require.NoError(t, err)
			var role tenant.Role
			for _, m := range ms {
				if m.TenantSlug == slug {
					role = m.Role
				}
			}
			require.Equal(t, p.Role, role, "%s@%s", p.Local, slug)
		}
	}
	u, err := auth.FindUserByEmail(ctx, db, "officer@acme.test")
	require.NoError(t, err)
	ms, err := tenant.MembershipsOf(ctx, db, u.ID)
	require.NoError(t, err)
	require.Len(t, ms, 2, "Acme's officer also audits Globex, to show the tenant switcher")
}
