package tenant_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"sync"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/openaims/openaims/internal/apperr"
	"github.com/openaims/openaims/internal/auditlog"
	"github.com/openaims/openaims/internal/postgres"
	"github.com/openaims/openaims/internal/postgres/pgtest"
	"github.com/openaims/openaims/internal/tenant"
)

func roleOf(t *testing.T, tn pgtest.Tenancy, userID uuid.UUID) tenant.Role {
	t.Helper()
	var role tenant.Role
	tn.Tx(t, func(tx *postgres.Tx) error {
		members, err := tenant.Members(context.Background(), tx)
		for _, m := range members {
			if m.UserID == userID {
				role = m.Role
			}
		}
		return err
	})
	return role
}

func history(t *testing.T, tn pgtest.Tenancy, objectType, objectID string) []auditlog.Entry {
	t.Helper()
	var h []auditlog.Entry
	tn.Tx(t, func(tx *postgres.Tx) error {
		var err error
		h, err = auditlog.History(context.Background(), tx, objectType, objectID, 50)
		return err
	})
	return h
}

func TestLastAdministratorStays(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	cases := []struct {
		name string
		op   func(tx *postgres.Tx, admin uuid.UUID) error
	}{
		{"remove", func(tx *postgres.Tx, admin uuid.UUID) error { return tenant.RemoveMember(ctx, tx, admin) }},
		{"demote", func(tx *postgres.Tx, admin uuid.UUID) error {
			return tenant.ChangeRole(ctx, tx, admin, tenant.RoleAuditor)
		}},
		{"demote through AddMember", func(tx *postgres.Tx, admin uuid.UUID) error {
			return tenant.AddMember(ctx, tx, admin, tenant.RoleExecutive)
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			tn := pgtest.NewTenancy(t)
			auditor := pgtest.CreateUser(t, tn.DB, pgtest.UserOptions{})
			pgtest.AddMember(t, tn.DB, tn.TenantID, auditor, "auditor")

			err := tn.Try(func(tx *postgres.Tx) error { return c.op(tx, tn.AdminID) })
			require.True(t, apperr.Is(err, apperr.Conflict), "got %v", err)
			require.Equal(t, tenant.RoleAdmin, roleOf(t, tn, tn.AdminID))
			require.Empty(t, history(t, tn, "membership", tn.AdminID.String()), "a refused change leaves no trail entry")

			// With a second administrator the same change goes through.
			pgtest.AddMember(t, tn.DB, tn.TenantID, pgtest.CreateUser(t, tn.DB, pgtest.UserOptions{}), "admin")
			require.NoError(t, tn.Try(func(tx *postgres.Tx) error { return c.op(tx, tn.AdminID) }))
			require.NotEqual(t, tenant.RoleAdmin, roleOf(t, tn, tn.AdminID))
			require.Len(t, history(t, tn, "membership", tn.AdminID.String()), 1)
		})
	}
}

func TestConcurrentRemovalsKeepAnAdministrator(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tn := pgtest.NewTenancy(t)
	second := pgtest.CreateUser(t, tn.DB, pgtest.UserOptions{})
	pgtest.AddMember(t, tn.DB, tn.TenantID, second, "admin")

	// Each administrator removes the other at the same time: one must be refused.
	var wg sync.WaitGroup
	errs := make([]error, 2)
	start := make(chan struct{})
	for i, victim := range []uuid.UUID{tn.AdminID, second} {
		wg.Go(func() {
			<-start
			errs[i] = tn.Try(func(tx *postgres.Tx) error { return tenant.RemoveMember(ctx, tx, victim) })
		})
	}
	close(start)
	wg.Wait()
	conflicts := 0
	for _, err := range errs {
		if err != nil {
			require.True(t, apperr.Is(err, apperr.Conflict), "got %v", err)
			conflicts++
		}
	}
	require.Equal(t, 1, conflicts)
	var admins int
	tn.Tx(t, func(tx *postgres.Tx) error {
		return tx.QueryRow(ctx, `SELECT count(*) FROM memberships WHERE role = 'admin'`).Scan(&admins)
	})
	require.Equal(t, 1, admins)
}

func TestMembershipChangesAreAudited(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tn := pgtest.NewTenancy(t)
	user := pgtest.CreateUser(t, tn.DB, pgtest.UserOptions{})

	tn.Tx(t, func(tx *postgres.Tx) error { return tenant.AddMember(ctx, tx, user, tenant.RoleAuditor) })
	require.Equal(t, tenant.RoleAuditor, roleOf(t, tn, user))
	tn.Tx(t, func(tx *postgres.Tx) error { return tenant.ChangeRole(ctx, tx, user, tenant.RoleComplianceOfficer) })
	tn.Tx(t, func(tx *postgres.Tx) error { return tenant.ChangeRole(ctx, tx, user, tenant.RoleComplianceOfficer) }) // no change, no entry
	tn.Tx(t, func(tx *postgres.Tx) error { return tenant.AddMember(ctx, tx, user, tenant.RoleExecutive) })          // existing: a role change
	tn.Tx(t, func(tx *postgres.Tx) error { return tenant.RemoveMember(ctx, tx, user) })
	require.Empty(t, roleOf(t, tn, user))

	h := history(t, tn, "membership", user.String())
	type step struct{ action, before, after string }
	var got []step
	for _, e := range h {
		got = append(got, step{e.Action, string(e.Before), string(e.After)})
		require.Equal(t, tn.AdminID, e.ActorID)
	}
	require.Equal(t, []step{
		{"membership.delete", `{"role":"executive"}`, ""},
		{"membership.update", `{"role":"compliance_officer"}`, `{"role":"executive"}`},
		{"membership.update", `{"role":"auditor"}`, `{"role":"compliance_officer"}`},
		{"membership.create", "", `{"role":"auditor"}`},
	}, got)

	n, err := auditlog.Verify(ctx, tn.DB, tn.TenantID)
	require.NoError(t, err)
	require.Equal(t, int64(4), n)
}

func TestMembershipErrors(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tn := pgtest.NewTenancy(t)
	other := pgtest.AddTenancy(t, tn.DB)
	cases := []struct {
		name string
		op   func(tx *postgres.Tx) error
		code apperr.Code
	}{
		{"unknown role", func(tx *postgres.Tx) error { return tenant.AddMember(ctx, tx, tn.AdminID, "owner") }, apperr.Invalid},
		{"change to unknown role", func(tx *postgres.Tx) error { return tenant.ChangeRole(ctx, tx, tn.AdminID, "root") }, apperr.Invalid},
		{"change a stranger", func(tx *postgres.Tx) error { return tenant.ChangeRole(ctx, tx, uuid.New(), tenant.RoleAuditor) }, apperr.NotFound},
		{"remove a stranger", func(tx *postgres.Tx) error { return tenant.RemoveMember(ctx, tx, uuid.New()) }, apperr.NotFound},
		// Another tenant's administrator is a stranger here, whatever their id.
		{"remove another tenant's admin", func(tx *postgres.Tx) error { return tenant.RemoveMember(ctx, tx, other.AdminID) }, apperr.NotFound},
		{"demote another tenant's admin", func(tx *postgres.Tx) error {
			return tenant.ChangeRole(ctx, tx, other.AdminID, tenant.RoleAuditor)
		}, apperr.NotFound},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := tn.Try(c.op)
			require.Equal(t, c.code, apperr.CodeOf(err), "got %v", err)
		})
	}
	require.Equal(t, tenant.RoleAdmin, roleOf(t, other, other.AdminID))
}

func TestInvitationLifecycle(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tn := pgtest.NewTenancy(t)
	invitee := pgtest.CreateUser(t, tn.DB, pgtest.UserOptions{Email: "new.person@example.com"})

	var inv tenant.Invitation
	var token string
	tn.Tx(t, func(tx *postgres.Tx) error {
		var err error
		inv, token, err = tenant.Invite(ctx, tx, "  New.Person@Example.com ", tenant.RoleComplianceOfficer)
		require.Equal(t, tx.Now.Add(tenant.InvitationTTL), inv.ExpiresAt)
		return err
	})
	require.Equal(t, "new.person@example.com", inv.Email)
	raw, err := base64.RawURLEncoding.DecodeString(token)
	require.NoError(t, err)
	require.Len(t, raw, 32, "256 bits of randomness")

	tn.Tx(t, func(tx *postgres.Tx) error {
		pending, err := tenant.PendingInvitations(ctx, tx)
		require.Len(t, pending, 1)
		require.Equal(t, inv.ID, pending[0].ID)
		return err
	})

	tn.Tx(t, func(tx *postgres.Tx) error {
		found, err := tenant.FindInvitation(ctx, tx, token)
		if err != nil {
			return err
		}
		require.Equal(t, inv.ID, found.ID)
		require.Equal(t, tenant.RoleComplianceOfficer, found.Role)
		return tenant.AcceptInvitation(ctx, tx, found, invitee)
	})
	require.Equal(t, tenant.RoleComplianceOfficer, roleOf(t, tn, invitee))

	err = tn.Try(func(tx *postgres.Tx) error {
		_, err := tenant.FindInvitation(ctx, tx, token)
		return err
	})
	require.True(t, apperr.Is(err, apperr.NotFound), "a used invitation cannot be used again: %v", err)
	tn.Tx(t, func(tx *postgres.Tx) error {
		pending, err := tenant.PendingInvitations(ctx, tx)
		require.Empty(t, pending)
		return err
	})

	var actions []string
	for _, e := range history(t, tn, "invitation", inv.ID.String()) {
		actions = append(actions, e.Action)
	}
	require.Equal(t, []string{"invitation.accept", "invitation.create"}, actions)
	require.Len(t, history(t, tn, "membership", invitee.String()), 1)

	// Invite refuses people who are already members.
	err = tn.Try(func(tx *postgres.Tx) error {
		_, _, err := tenant.Invite(ctx, tx, "new.person@example.com", tenant.RoleAuditor)
		return err
	})
	require.True(t, apperr.Is(err, apperr.Conflict))
	require.Contains(t, apperr.FieldsOf(err), "email")
}

func TestInvitationsThatNoLongerWork(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tn := pgtest.NewTenancy(t)
	other := pgtest.AddTenancy(t, tn.DB)

	invite := func(t *testing.T, tn pgtest.Tenancy, email string) (tenant.Invitation, string) {
		var inv tenant.Invitation
		var token string
		tn.Tx(t, func(tx *postgres.Tx) error {
			var err error
			inv, token, err = tenant.Invite(ctx, tx, email, tenant.RoleAuditor)
			return err
		})
		return inv, token
	}
	find := func(tn pgtest.Tenancy, token string) error {
		return tn.Try(func(tx *postgres.Tx) error {
			_, err := tenant.FindInvitation(ctx, tx, token)
			return err
		})
	}

	t.Run("revoked", func(t *testing.T) {
		inv, token := invite(t, tn, "revoked@example.com")
		require.NoError(t, find(tn, token))
		tn.Tx(t, func(tx *postgres.Tx) error { return tenant.RevokeInvitation(ctx, tx, inv.ID) })
		require.True(t, apperr.Is(find(tn, token), apperr.NotFound))
		err := tn.Try(func(tx *postgres.Tx) error { return tenant.RevokeInvitation(ctx, tx, inv.ID) })
		require.True(t, apperr.Is(err, apperr.NotFound), "revoking twice")
		require.Equal(t, "invitation.revoke", history(t, tn, "invitation", inv.ID.String())[0].Action)
	})

	t.Run("expired", func(t *testing.T) {
		inv, token := invite(t, tn, "expired@example.com")
		require.NoError(t, find(tn, token))
		_, err := tn.DB.Pool.Exec(ctx, `UPDATE invitations SET expires_at = now() - interval '1 minute' WHERE id = $1`, inv.ID)
		require.NoError(t, err)
		require.True(t, apperr.Is(find(tn, token), apperr.NotFound))
		tn.Tx(t, func(tx *postgres.Tx) error {
			pending, err := tenant.PendingInvitations(ctx, tx)
			for _, p := range pending {
				require.NotEqual(t, inv.ID, p.ID)
			}
			return err
		})
	})

	t.Run("forged or mangled token", func(t *testing.T) {
		_, token := invite(t, tn, "forged@example.com")
		for _, bad := range []string{"", "x", token[:len(token)-1], token + "A", base64.RawURLEncoding.EncodeToString(make([]byte, 32))} {
			require.True(t, apperr.Is(find(tn, bad), apperr.NotFound), "token %q", bad)
		}
	})

	t.Run("another tenant's token", func(t *testing.T) {
		_, token := invite(t, other, "elsewhere@example.com")
		require.NoError(t, find(other, token))
		require.True(t, apperr.Is(find(tn, token), apperr.NotFound), "a token only works in its own tenant")
	})

	t.Run("another tenant's invitation cannot be revoked", func(t *testing.T) {
		inv, token := invite(t, other, "keep@example.com")
		err := tn.Try(func(tx *postgres.Tx) error { return tenant.RevokeInvitation(ctx, tx, inv.ID) })
		require.True(t, apperr.Is(err, apperr.NotFound))
		require.NoError(t, find(other, token))
	})
}

func TestInvitationTokenIsStoredHashed(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tn := pgtest.NewTenancy(t)
	var inv tenant.Invitation
	var token string
	tn.Tx(t, func(tx *postgres.Tx) error {
		var err error
		inv, token, err = tenant.Invite(ctx, tx, "hashed@example.com", tenant.RoleExecutive)
		return err
	})
	raw, err := base64.RawURLEncoding.DecodeString(token)
	require.NoError(t, err)

	var row string
	var stored []byte
	require.NoError(t, tn.DB.Pool.QueryRow(ctx, `SELECT i::text, token_hash FROM invitations i WHERE id = $1`, inv.ID).Scan(&row, &stored))
	require.NotContains(t, row, token, "the token itself is not stored")
	require.False(t, bytes.Contains(stored, raw), "the token bytes are not stored")
	sum := sha256.Sum256([]byte(token))
	require.Equal(t, sum[:], stored)

	// Nor does it reach the audit trail.
	var trail string
	require.NoError(t, tn.DB.Pool.QueryRow(ctx, `SELECT string_agg(e::text, ' ') FROM audit_events e WHERE tenant_id = $1`, tn.TenantID).Scan(&trail))
	require.Contains(t, trail, "invitation.create")
	require.NotContains(t, trail, token)
}

func TestInviteValidation(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tn := pgtest.NewTenancy(t)
	cases := []struct {
		name, email string
		role        tenant.Role
		fields      []string
	}{
		{"bad email", "not-an-address", tenant.RoleAuditor, []string{"email"}},
		{"display-name form", "Bob <bob@example.com>", tenant.RoleAuditor, []string{"email"}},
		{"bad role", "ok@example.com", "superuser", []string{"role"}},
		{"both", "", "", []string{"email", "role"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := tn.Try(func(tx *postgres.Tx) error {
				_, _, err := tenant.Invite(ctx, tx, c.email, c.role)
				return err
			})
			require.True(t, apperr.Is(err, apperr.Invalid), "got %v", err)
			var fields []string
			for f := range apperr.FieldsOf(err) {
				fields = append(fields, f)
			}
			require.ElementsMatch(t, c.fields, fields)
		})
	}
}

func TestMembershipsOfSpansTenants(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := pgtest.New(t)
	beta := pgtest.CreateTenant(t, db, pgtest.TenantOptions{Slug: "beta", Name: "Beta Org"})
	alpha := pgtest.CreateTenant(t, db, pgtest.TenantOptions{Slug: "alpha", Name: "Alpha Org"})
	gamma := pgtest.CreateTenant(t, db, pgtest.TenantOptions{Slug: "gamma", Name: "Gamma Org"})
	user := pgtest.CreateUser(t, db, pgtest.UserOptions{})
	stranger := pgtest.CreateUser(t, db, pgtest.UserOptions{})
	pgtest.AddMember(t, db, beta, user, "auditor")
	pgtest.AddMember(t, db, alpha, user, "admin")
	pgtest.AddMember(t, db, gamma, stranger, "admin")

	got, err := tenant.MembershipsOf(ctx, db, user)
	require.NoError(t, err)
	require.Equal(t, []tenant.Membership{
		{TenantID: alpha, TenantSlug: "alpha", TenantName: "Alpha Org", UserID: user, Role: tenant.RoleAdmin},
		{TenantID: beta, TenantSlug: "beta", TenantName: "Beta Org", UserID: user, Role: tenant.RoleAuditor},
	}, got)

	none, err := tenant.MembershipsOf(ctx, db, uuid.New())
	require.NoError(t, err)
	require.Empty(t, none)
}

func TestTenantCreateAndFind(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := pgtest.New(t)
	created, err := tenant.Create(ctx, db, tenant.Tenant{Slug: "acme", Name: "Acme Ltd"})
	require.NoError(t, err)
	require.NotEqual(t, uuid.Nil, created.ID)

	found, err := tenant.FindBySlug(ctx, db, "acme")
	require.NoError(t, err)
	require.Equal(t, created, found)

	_, err = tenant.Create(ctx, db, tenant.Tenant{Slug: "acme", Name: "Another Acme"})
	require.True(t, apperr.Is(err, apperr.Conflict))
	require.Contains(t, apperr.FieldsOf(err), "slug")

	_, err = tenant.FindBySlug(ctx, db, "nope")
	require.True(t, apperr.Is(err, apperr.NotFound))

	all, err := tenant.All(ctx, db)
	require.NoError(t, err)
	require.Equal(t, []tenant.Tenant{created}, all)
}

func TestTenantValidate(t *testing.T) {
	t.Parallel()
	long := string(bytes.Repeat([]byte("a"), 201))
	cases := []struct {
		slug, name string
		fields     []string
	}{
		{"acme", "Acme", nil},
		{"a", "A", nil},
		{"acme-2", "Acme", nil},
		{"-acme", "Acme", []string{"slug"}},
		{"acme-", "Acme", []string{"slug"}},
		{"Acme", "Acme", []string{"slug"}},
		{"ac me", "Acme", []string{"slug"}},
		{string(bytes.Repeat([]byte("a"), 41)), "Acme", []string{"slug"}},
		{"acme", "", []string{"name"}},
		{"acme", long, []string{"name"}},
		{"", "", []string{"slug", "name"}},
	}
	for _, c := range cases {
		err := tenant.Tenant{Slug: c.slug, Name: c.name}.Validate()
		var fields []string
		for f := range apperr.FieldsOf(err) {
			fields = append(fields, f)
		}
		require.ElementsMatch(t, c.fields, fields, "slug %q name %q", c.slug, c.name)
	}
}
