package server

import (
	"errors"
	"net/http"

	"github.com/go-chi/chi/v5"
	"github.com/google/uuid"

	"github.com/openaims/openaims/internal/apperr"
	"github.com/openaims/openaims/internal/postgres"
	"github.com/openaims/openaims/internal/tenant"
	"github.com/openaims/openaims/web/components"
	"github.com/openaims/openaims/web/layout"
	pages "github.com/openaims/openaims/web/pages/members"
)

func (s *Server) membersBase(r *http.Request) string {
	return tenantHref(r, "/members")
}

// roleOptions lists the four roles for a select.
func roleOptions() []components.Option {
	out := make([]components.Option, len(tenant.Roles))
	for i, role := range tenant.Roles {
		out[i] = components.Option{Value: string(role), Label: role.Label()}
	}
	return out
}

// memberParam parses the {user} of the URL (a user id); a malformed id is simply not found.
func memberParam(r *http.Request) (uuid.UUID, error) {
	id, err := uuid.Parse(chi.URLParam(r, "user"))
	if err != nil {
		return uuid.Nil, apperr.Errorf(apperr.NotFound, "No such member")
	}
	return id, nil
}

// renderMembers shows the members page with status, loading the members and pending
// invitations into v (in a transaction of its own: after a refused change, the change's
// transaction has been rolled back).
func (s *Server) renderMembers(w http.ResponseWriter, r *http.Request, status int, v pages.MembersView) error {
	v.Base, v.Self, v.Roles = s.membersBase(r), req(r).User.ID, roleOptions()
	err := s.inTenant(r, func(tx *postgres.Tx) (err error) {
		if v.Members, err = tenant.Members(r.Context(), tx); err != nil {
			return err
		}
		v.Invitations, err = tenant.PendingInvitations(r.Context(), tx)
		return err
	})
	if err != nil {
		return err
	}
	s.render(w, r, status, pages.Members(s.page(r, "Members"), v))
	return nil
}

// renderMembersError re-shows the members page with a refused change's message in the
// error summary, pointing at fieldID (and beside it when the field shows messages). Errors
// other than invalid input and conflicts are returned for the error page.
func (s *Server) renderMembersError(w http.ResponseWriter, r *http.Request, v pages.MembersView, fieldID string, err error) error {
	var ae *apperr.Error
	if !errors.As(err, &ae) || (ae.Code != apperr.Invalid && ae.Code != apperr.Conflict) {
		return err
	}
	msg := ae.Message
	if len(ae.Fields) > 0 {
		msg = ae.Fields[0].Message
	}
	v.Errors = map[string]string{fieldID: msg}
	v.Summary = []components.ErrorItem{{FieldID: fieldID, Message: msg}}
	return s.renderMembers(w, r, statusOf(ae.Code), v)
}

func (s *Server) membersList(w http.ResponseWriter, r *http.Request) error {
	return s.renderMembers(w, r, http.StatusOK, pages.MembersView{})
}

// membersInvite creates an invitation and shows its one-time link on the page it answers
// with (200, no redirect): the token is never put in the session, a URL or the history.
func (s *Server) membersInvite(w http.ResponseWriter, r *http.Request) error {
	email, role := r.PostFormValue("email"), r.PostFormValue("role")
	var inv tenant.Invitation
	var token string
	err := s.inTenant(r, func(tx *postgres.Tx) (err error) {
		inv, token, err = tenant.Invite(r.Context(), tx, email, tenant.Role(role))
		return err
	})
	if err != nil {
		v := pages.MembersView{InviteEmail: email, InviteRole: role}
		var ok bool
		if v.Errors, v.Summary, ok = formErrors(err); !ok {
			return err
		}
		return s.renderMembers(w, r, statusOf(apperr.CodeOf(err)), v)
	}
	slug := req(r).Membership.TenantSlug
	return s.renderMembers(w, r, http.StatusOK, pages.MembersView{Created: &pages.CreatedInvitation{
		Email: inv.Email, RoleLabel: inv.Role.Label(), Link: s.cfg.BaseURL + "/join/" + slug + "/" + token, ExpiresAt: inv.ExpiresAt}})
}

func (s *Server) invitationRevoke(w http.ResponseWriter, r *http.Request) error {
	id, err := idParam(r)
	if err != nil {
		return err
	}
	if err := s.inTenant(r, func(tx *postgres.Tx) error { return tenant.RevokeInvitation(r.Context(), tx, id) }); err != nil {
		return err
	}
	s.flash(r, "success", "Invitation revoked: its link no longer works.")
	http.Redirect(w, r, s.membersBase(r), http.StatusSeeOther)
	return nil
}

// memberChangeRole sets a member's role. Administrators who give up their own role are
// sent to the workspace overview, as the members page is no longer theirs.
func (s *Server) memberChangeRole(w http.ResponseWriter, r *http.Request) error {
	id, err := memberParam(r)
	if err != nil {
		return err
	}
	role := tenant.Role(r.PostFormValue("role"))
	var m tenant.Member
	err = s.inTenant(r, func(tx *postgres.Tx) error {
		if err := tenant.ChangeRole(r.Context(), tx, id, role); err != nil {
			return err
		}
		m, err = tenant.FindMember(r.Context(), tx, id)
		return err
	})
	if err != nil {
		return s.renderMembersError(w, r, pages.MembersView{}, pages.RoleFieldID(id), err)
	}
	if id == req(r).User.ID && role != tenant.RoleAdmin {
		s.flash(r, "success", "Your role is now "+role.Label()+". You no longer manage the members of this workspace.")
		http.Redirect(w, r, tenantHref(r, "/"), http.StatusSeeOther)
		return nil
	}
	s.flash(r, "success", m.DisplayName+" ("+m.Email+") is now "+m.Role.Label()+".")
	http.Redirect(w, r, s.membersBase(r), http.StatusSeeOther)
	return nil
}

func (s *Server) memberRemoveConfirm(w http.ResponseWriter, r *http.Request) error {
	id, err := memberParam(r)
	if err != nil {
		return err
	}
	var members []tenant.Member
	if err := s.inTenant(r, func(tx *postgres.Tx) (err error) {
		members, err = tenant.Members(r.Context(), tx)
		return err
	}); err != nil {
		return err
	}
	base := s.membersBase(r)
	v := pages.RemoveView{TenantName: req(r).Membership.TenantName, Self: id == req(r).User.ID,
		Action: base + "/" + id.String() + "/remove", Cancel: base}
	admins, found := 0, false
	for _, m := range members {
		if m.Role == tenant.RoleAdmin {
			admins++
		}
		if m.UserID == id {
			v.Member, found = m, true
		}
	}
	if !found {
		return apperr.Errorf(apperr.NotFound, "No such member")
	}
	v.LastAdmin = v.Member.Role == tenant.RoleAdmin && admins == 1
	title := "Remove " + v.Member.DisplayName
	s.render(w, r, http.StatusOK, pages.RemoveConfirm(s.page(r, title, layout.Crumb{Label: "Members", Href: base}, layout.Crumb{Label: title}), v))
	return nil
}

// memberRemove ends a membership. Administrators who remove themselves lose access at once,
// so they are sent home rather than back to this workspace.
func (s *Server) memberRemove(w http.ResponseWriter, r *http.Request) error {
	id, err := memberParam(r)
	if err != nil {
		return err
	}
	var m tenant.Member
	err = s.inTenant(r, func(tx *postgres.Tx) (err error) {
		if m, err = tenant.FindMember(r.Context(), tx, id); err != nil {
			return err
		}
		return tenant.RemoveMember(r.Context(), tx, id)
	})
	if err != nil {
		return s.renderMembersError(w, r, pages.MembersView{}, pages.RemoveLinkID(id), err)
	}
	if id == req(r).User.ID {
		s.flash(r, "success", "You left "+req(r).Membership.TenantName+".")
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return nil
	}
	s.flash(r, "success", m.DisplayName+" ("+m.Email+") no longer has access to this workspace.")
	http.Redirect(w, r, s.membersBase(r), http.StatusSeeOther)
	return nil
}
