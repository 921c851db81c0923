package server

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/openaims/openaims/internal/orgcontext"
	"github.com/openaims/openaims/internal/postgres"
	"github.com/openaims/openaims/internal/tenant"
)

// memberRolesOf returns the role of every member of slug, by e-mail address.
func memberRolesOf(t testing.TB, b *bundle, slug string) map[string]tenant.Role {
	t.Helper()
	out := map[string]tenant.Role{}
	b.inTenant(t, slug, func(tx *postgres.Tx) error {
		ms, err := tenant.Members(context.Background(), tx)
		for _, m := range ms {
			out[m.Email] = m.Role
		}
		return err
	})
	return out
}

// pendingInvitationsOf returns the e-mail addresses of slug's pending invitations.
func pendingInvitationsOf(t testing.TB, b *bundle, slug string) []string {
	t.Helper()
	var out []string
	b.inTenant(t, slug, func(tx *postgres.Tx) error {
		invs, err := tenant.PendingInvitations(context.Background(), tx)
		for _, i := range invs {
			out = append(out, i.Email)
		}
		return err
	})
	return out
}

// lastMembershipEvent returns the object label of the newest trail entry of slug with action.
func lastMembershipEvent(t testing.TB, b *bundle, slug, action string) (objectID, label string) {
	t.Helper()
	b.inTenant(t, slug, func(tx *postgres.Tx) error {
		return tx.QueryRow(context.Background(), `SELECT object_id, object_label FROM audit_events
			WHERE tenant_id = $1 AND action = $2 ORDER BY seq DESC LIMIT 1`, tx.TenantID, action).Scan(&objectID, &label)
	})
	return objectID, label
}

var invitationLinkPattern = regexp.MustCompile(`id="invitation-link"[^>]*>([^<]+)</textarea>`)

// invitationPath returns the path of the one-time link the invitation page shows.
func invitationPath(t testing.TB, b *bundle, body string) string {
	t.Helper()
	m := invitationLinkPattern.FindStringSubmatch(body)
	require.NotNil(t, m, "the page shows the one-time link: %.500s", body)
	link := html.UnescapeString(m[1])
	require.True(t, strings.HasPrefix(link, b.cfg.BaseURL+"/join/acme/"), "link %s starts with the base URL", link)
	return strings.TrimPrefix(link, b.cfg.BaseURL)
}

func TestMembersInviteAndJoin(t *testing.T) {
	t.Parallel()
	b := setup(t)
	admin := b.signIn(t, acmeAdmin)

	status, body := admin.get(t, "/t/acme/members")
	require.Equal(t, http.StatusOK, status)
	require.Contains(t, body, acmeOfficer)
	require.Contains(t, body, "No pending invitations")

	status, body = admin.postForm(t, "/t/acme/members/invitations", url.Values{"email": {"not an address"}, "role": {""}})
	require.Equal(t, http.StatusUnprocessableEntity, status)
	require.Contains(t, body, "There is a problem")
	require.Contains(t, body, "Enter an e-mail address")
	require.Contains(t, body, "Choose a role")
	require.Contains(t, body, `value="not an address"`, "the input is kept")

	status, body = admin.postForm(t, "/t/acme/members/invitations", url.Values{"email": {acmeOfficer}, "role": {"auditor"}})
	require.Equal(t, http.StatusConflict, status)
	require.Contains(t, body, "already a member")
	require.Empty(t, pendingInvitationsOf(t, b, "acme"))

	resp, body := admin.postFormResp(t, "/t/acme/members/invitations", url.Values{"email": {"Nina.New@Example.com"}, "role": {"auditor"}})
	require.Equal(t, http.StatusOK, resp.StatusCode, "the link is shown on the answer itself, never through a redirect")
	require.Equal(t, "no-store", resp.Header.Get("Cache-Control"))
	require.Contains(t, body, "Invitation created")
	require.Contains(t, body, "shown only once")
	path := invitationPath(t, b, body)
	token := path[strings.LastIndex(path, "/")+1:]
	require.Equal(t, []string{"nina.new@example.com"}, pendingInvitationsOf(t, b, "acme"))

	status, body = admin.get(t, "/t/acme/members")
	require.Equal(t, http.StatusOK, status)
	require.Contains(t, body, "nina.new@example.com", "listed as pending")
	require.NotContains(t, body, token, "the link is never shown again")

	newcomer := anonymous(t, b.ts)
	status, body = newcomer.get(t, path)
	require.Equal(t, http.StatusOK, status)
	require.Contains(t, body, "nina.new@example.com")
	resp, body = newcomer.postFormResp(t, path, url.Values{"name": {"Nina New"},
		"password": {"a long enough passphrase"}, "confirm_password": {"a long enough passphrase"}})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode, body)
	require.Equal(t, "/t/acme/", resp.Header.Get("Location"))
	status, _ = newcomer.get(t, "/t/acme/context")
	require.Equal(t, http.StatusOK, status)
	require.Equal(t, tenant.RoleAuditor, memberRolesOf(t, b, "acme")["nina.new@example.com"])
	require.Empty(t, pendingInvitationsOf(t, b, "acme"))

	_, label := lastMembershipEvent(t, b, "acme", "membership.create")
	require.Equal(t, "nina.new@example.com", label, "the trail names the member")

	status, _ = anonymous(t, b.ts).get(t, path)
	require.Equal(t, http.StatusNotFound, status, "the link works once")
}

func TestMembersRevokeInvitation(t *testing.T) {
	t.Parallel()
	b := setup(t)
	admin := b.signIn(t, acmeAdmin)
	_, body := admin.postForm(t, "/t/acme/members/invitations", url.Values{"email": {"gone@example.com"}, "role": {"executive"}})
	path := invitationPath(t, b, body)
	var id uuid.UUID
	b.inTenant(t, "acme", func(tx *postgres.Tx) error {
		invs, err := tenant.PendingInvitations(context.Background(), tx)
		require.Len(t, invs, 1)
		id = invs[0].ID
		return err
	})

	resp, _ := admin.postFormResp(t, "/t/acme/members/invitations/"+id.String()+"/revoke", url.Values{})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	require.Equal(t, "/t/acme/members", resp.Header.Get("Location"))
	require.Empty(t, pendingInvitationsOf(t, b, "acme"))
	status, _ := anonymous(t, b.ts).get(t, path)
	require.Equal(t, http.StatusNotFound, status, "a revoked link no longer works")
	_, label := lastMembershipEvent(t, b, "acme", "invitation.revoke")
	require.Equal(t, "gone@example.com", label)

	status, _ = admin.postForm(t, "/t/acme/members/invitations/"+id.String()+"/revoke", url.Values{})
	require.Equal(t, http.StatusNotFound, status, "revoked once")
	status, _ = admin.postForm(t, "/t/acme/members/invitations/not-an-id/revoke", url.Values{})
	require.Equal(t, http.StatusNotFound, status)
}

// TestMembersForbiddenToOtherRoles requests every members route as each role but
// administrator: each answers 403, and nothing changes.
func TestMembersForbiddenToOtherRoles(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	adminID := b.userID(t, acmeAdmin)
	var inv tenant.Invitation
	require.NoError(t, b.db.InTenantTx(ctx, b.tenantID(t, "acme"), postgres.Actor{UserID: adminID, Label: acmeAdmin}, func(tx *postgres.Tx) (err error) {
		inv, _, err = tenant.Invite(ctx, tx, "pending@example.com", tenant.RoleAuditor)
		return err
	}))
	rolesBefore := memberRolesOf(t, b, "acme")
	member := "/t/acme/members/" + adminID.String()
	routes := []struct {
		method, path string
		form         url.Values
	}{
		{http.MethodGet, "/t/acme/members", nil},
		{http.MethodPost, "/t/acme/members/invitations", url.Values{"email": {"intruder@example.com"}, "role": {"admin"}}},
		{http.MethodPost, "/t/acme/members/invitations/" + inv.ID.String() + "/revoke", url.Values{}},
		{http.MethodPost, member, url.Values{"role": {"auditor"}}},
		{http.MethodGet, member + "/remove", nil},
		{http.MethodPost, member + "/remove", url.Values{}},
	}
	for _, email := range []string{acmeOfficer, acmeAuditor, acmeExec} {
		t.Run(email, func(t *testing.T) {
			t.Parallel()
			c := b.signIn(t, email)
			for _, r := range routes {
				status := 0
				if r.method == http.MethodGet {
					status, _ = c.get(t, r.path)
				} else {
					status, _ = c.postForm(t, r.path, r.form)
				}
				require.Equal(t, http.StatusForbidden, status, "%s %s as %s", r.method, r.path, email)
			}
		})
	}
	t.Cleanup(func() {
		require.Equal(t, rolesBefore, memberRolesOf(t, b, "acme"), "no membership changed")
		require.Equal(t, []string{"pending@example.com"}, pendingInvitationsOf(t, b, "acme"), "no invitation created or revoked")
	})
}

func TestMembersLastAdministrator(t *testing.T) {
	t.Parallel()
	b := setup(t)
	admin := b.signIn(t, acmeAdmin)
	adminID := b.userID(t, acmeAdmin)
	before := memberRolesOf(t, b, "acme")
	member := "/t/acme/members/" + adminID.String()

	status, body := admin.postForm(t, member, url.Values{"role": {"compliance_officer"}})
	require.Equal(t, http.StatusConflict, status)
	require.Contains(t, body, "There is a problem")
	require.Contains(t, body, "The last administrator cannot lose the role")

	status, body = admin.postForm(t, member+"/remove", url.Values{})
	require.Equal(t, http.StatusConflict, status)
	require.Contains(t, body, "The last administrator cannot be removed")

	status, body = admin.get(t, member+"/remove")
	require.Equal(t, http.StatusOK, status)
	require.Contains(t, body, "cannot be removed")
	require.NotContains(t, body, "Remove myself", "no removal is offered")

	require.Equal(t, before, memberRolesOf(t, b, "acme"), "nothing changed")
	var n int
	b.inTenant(t, "acme", func(tx *postgres.Tx) error {
		return tx.QueryRow(context.Background(), `SELECT count(*) FROM audit_events WHERE tenant_id = $1
			AND action IN ('membership.update', 'membership.delete')`, tx.TenantID).Scan(&n)
	})
	require.Zero(t, n, "a refused change writes no membership entry")
}

func TestMembersRemovedMemberLosesAccess(t *testing.T) {
	t.Parallel()
	b := setup(t)
	officerID := b.userID(t, acmeOfficer)
	var issue orgcontext.Issue
	b.inTenant(t, "acme", func(tx *postgres.Tx) (err error) {
		issue, err = orgcontext.CreateIssue(context.Background(), tx, orgcontext.Issue{Title: "Owned by the officer",
			Origin: "internal", Category: "technology", Status: "open", OwnerID: officerID.String()})
		return err
	})
	officer := b.signIn(t, acmeOfficer)
	status, _ := officer.get(t, "/t/acme/context")
	require.Equal(t, http.StatusOK, status)

	admin := b.signIn(t, acmeAdmin)
	member := "/t/acme/members/" + officerID.String()
	status, body := admin.get(t, member+"/remove")
	require.Equal(t, http.StatusOK, status)
	require.Contains(t, body, "loses access to this workspace immediately")
	resp, body := admin.postFormResp(t, member+"/remove", url.Values{})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode, body)
	require.Equal(t, "/t/acme/members", resp.Header.Get("Location"))

	for _, path := range []string{"/t/acme/", "/t/acme/context", "/t/acme/context/" + issue.ID.String()} {
		status, _ = officer.get(t, path)
		require.Equal(t, http.StatusNotFound, status, "%s after removal", path)
	}
	status, _ = officer.get(t, "/t/globex/")
	require.Equal(t, http.StatusOK, status, "the officer's other workspace is untouched")
	_, ok := memberRolesOf(t, b, "acme")[acmeOfficer]
	require.False(t, ok)

	b.inTenant(t, "acme", func(tx *postgres.Tx) (err error) {
		issue, err = orgcontext.FindIssue(context.Background(), tx, issue.ID)
		return err
	})
	require.Empty(t, issue.OwnerID, "owned records become ownerless")
	objectID, label := lastMembershipEvent(t, b, "acme", "membership.delete")
	require.Equal(t, officerID.String(), objectID)
	require.Equal(t, acmeOfficer, label)

	status, _ = admin.postForm(t, member+"/remove", url.Values{})
	require.Equal(t, http.StatusNotFound, status, "no longer a member")
}

func TestMembersChangeRoleAndLeave(t *testing.T) {
	t.Parallel()
	b := setup(t)
	admin := b.signIn(t, acmeAdmin)
	members := "/t/acme/members/"

	resp, _ := admin.postFormResp(t, members+b.userID(t, acmeAuditor).String(), url.Values{"role": {"executive"}})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	require.Equal(t, "/t/acme/members", resp.Header.Get("Location"))
	_, body := admin.get(t, "/t/acme/members")
	require.Contains(t, body, "is now Executive")
	require.Equal(t, tenant.RoleExecutive, memberRolesOf(t, b, "acme")[acmeAuditor])
	_, label := lastMembershipEvent(t, b, "acme", "membership.update")
	require.Equal(t, acmeAuditor, label)

	status, body := admin.postForm(t, members+b.userID(t, acmeAuditor).String(), url.Values{"role": {"root"}})
	require.Equal(t, http.StatusUnprocessableEntity, status)
	require.Contains(t, body, "Choose one of the four roles")
	require.Equal(t, tenant.RoleExecutive, memberRolesOf(t, b, "acme")[acmeAuditor])

	// A second administrator who gives up the role lands on the overview.
	resp, _ = admin.postFormResp(t, members+b.userID(t, acmeExec).String(), url.Values{"role": {"admin"}})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	exec := b.signIn(t, acmeExec)
	resp, _ = exec.postFormResp(t, members+b.userID(t, acmeExec).String(), url.Values{"role": {"executive"}})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	require.Equal(t, "/t/acme/", resp.Header.Get("Location"))
	status, _ = exec.get(t, "/t/acme/members")
	require.Equal(t, http.StatusForbidden, status)

	// An administrator who is not the last may leave, and is sent home.
	resp, _ = admin.postFormResp(t, members+b.userID(t, acmeOfficer).String(), url.Values{"role": {"admin"}})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	adminID := b.userID(t, acmeAdmin)
	status, body = admin.get(t, members+adminID.String()+"/remove")
	require.Equal(t, http.StatusOK, status)
	require.Contains(t, body, "Remove myself")
	resp, _ = admin.postFormResp(t, members+adminID.String()+"/remove", url.Values{})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	require.Equal(t, "/", resp.Header.Get("Location"))
	status, _ = admin.get(t, "/t/acme/")
	require.Equal(t, http.StatusNotFound, status)
	require.Equal(t, map[string]tenant.Role{acmeOfficer: tenant.RoleAdmin, acmeAuditor: tenant.RoleExecutive, acmeExec: tenant.RoleExecutive},
		memberRolesOf(t, b, "acme"))
}
