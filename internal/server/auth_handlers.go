package server

import (
	"errors"
	"math"
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/openaims/openaims/internal/apperr"
	"github.com/openaims/openaims/internal/auditlog"
	"github.com/openaims/openaims/internal/auth"
	"github.com/openaims/openaims/internal/postgres"
	"github.com/openaims/openaims/internal/tenant"
	"github.com/openaims/openaims/web/components"
	authpages "github.com/openaims/openaims/web/pages/auth"
)

// failedSignInFloor is the least time a failed sign-in takes, so the work done for a known
// account (recording the failure in its tenants' trails) cannot be told apart by timing
// from an unknown one.
const failedSignInFloor = 400 * time.Millisecond

// home sends a signed-in user to their first workspace and anyone else to sign in.
func (s *Server) home(w http.ResponseWriter, r *http.Request) error {
	rq := req(r)
	if rq.User == nil {
		http.Redirect(w, r, "/login", http.StatusSeeOther)
		return nil
	}
	if len(rq.Memberships) == 0 {
		return apperr.Errorf(apperr.NotFound, "You are not a member of any workspace yet")
	}
	http.Redirect(w, r, "/t/"+rq.Memberships[0].TenantSlug+"/", http.StatusSeeOther)
	return nil
}

func (s *Server) loginForm(w http.ResponseWriter, r *http.Request) error {
	if req(r).User != nil {
		http.Redirect(w, r, safeNext(r.URL.Query().Get("next")), http.StatusSeeOther)
		return nil
	}
	s.render(w, r, http.StatusOK, authpages.Login(s.page(r, "Sign in"), authpages.LoginForm{Next: r.URL.Query().Get("next")}))
	return nil
}

// clientAddr is the address sign-in throttling counts against.
func clientAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// startSession signs u in on a new session token (a new token at sign-in defeats session
// fixation).
func (s *Server) startSession(r *http.Request, u auth.User) error {
	if err := s.sessions.RenewToken(r.Context()); err != nil {
		return err
	}
	s.sessions.Put(r.Context(), "user_id", u.ID)
	s.sessions.Put(r.Context(), "user_email", u.Email)
	s.sessions.Put(r.Context(), "user_name", u.DisplayName)
	req(r).User = &u
	return nil
}

func (s *Server) login(w http.ResponseWriter, r *http.Request) error {
	start := time.Now()
	email, password, next := r.PostFormValue("email"), r.PostFormValue("password"), safeNext(r.PostFormValue("next"))
	form := authpages.LoginForm{Email: email, Next: next}
	u, err := auth.SignIn(r.Context(), s.db, email, password, clientAddr(r))
	var throttled *auth.ThrottledError
	switch {
	case errors.As(err, &throttled):
		form.RetryAfterMinutes = throttled.Minutes()
		// Retry-After takes whole seconds (RFC 9110), not a Go duration such as "14m59s".
		w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(throttled.RetryAfter.Seconds()))))
		s.render(w, r, http.StatusTooManyRequests, authpages.Login(s.page(r, "Sign in"), form))
		return nil
	case apperr.Is(err, apperr.Unauthenticated):
		s.recordFailedSignIn(r, email)
		time.Sleep(time.Until(start.Add(failedSignInFloor)))
		form.Error = auth.ErrBadCredentials.Message
		s.render(w, r, http.StatusUnauthorized, authpages.Login(s.page(r, "Sign in"), form))
		return nil
	case err != nil:
		return err
	}
	if err := s.startSession(r, u); err != nil {
		return err
	}
	s.recordInEveryTenant(r, u, auditlog.Event{Action: "auth.sign_in", ObjectType: "session", ObjectID: u.ID.String(), ObjectLabel: u.Email})
	http.Redirect(w, r, next, http.StatusSeeOther)
	return nil
}

// recordFailedSignIn writes a failed sign-in to the trails of the account's tenants when
// the account exists; an unknown address is only logged.
func (s *Server) recordFailedSignIn(r *http.Request, email string) {
	u, err := auth.FindUserByEmail(r.Context(), s.db, email)
	if err != nil {
		req(r).Log.Warn("failed sign-in", "reason", "unknown account")
		return
	}
	req(r).Log.Warn("failed sign-in", "account", u.ID.String())
	s.recordInEveryTenant(r, u, auditlog.Event{Action: "auth.sign_in_failed", ObjectType: "session", ObjectID: u.ID.String(),
		ObjectLabel: u.Email, After: map[string]any{"client": clientAddr(r)}})
}

// recordInEveryTenant appends e to the trail of every tenant u belongs to: sign-in events
// concern each workspace the account can reach.
func (s *Server) recordInEveryTenant(r *http.Request, u auth.User, e auditlog.Event) {
	ms, err := tenant.MembershipsOf(r.Context(), s.db, u.ID)
	if err != nil {
		req(r).Log.Error("record sign-in event", "err", err)
		return
	}
	actor := postgres.Actor{UserID: u.ID, Label: u.Email, RequestID: req(r).ID}
	for _, m := range ms {
		err := s.db.InTenantTx(r.Context(), m.TenantID, actor, func(tx *postgres.Tx) error {
			return auditlog.Record(r.Context(), tx, e)
		})
		if err != nil {
			req(r).Log.Error("record sign-in event", "tenant", m.TenantSlug, "err", err)
		}
	}
}

func (s *Server) logout(w http.ResponseWriter, r *http.Request) error {
	if u := req(r).User; u != nil {
		s.recordInEveryTenant(r, *u, auditlog.Event{Action: "auth.sign_out", ObjectType: "session", ObjectID: u.ID.String(), ObjectLabel: u.Email})
	}
	if err := s.sessions.Destroy(r.Context()); err != nil {
		return err
	}
	http.Redirect(w, r, "/login", http.StatusSeeOther)
	return nil
}

// invitation resolves the tenant and pending invitation of a one-time link.
func (s *Server) invitation(r *http.Request) (tenant.Tenant, tenant.Invitation, error) {
	t, err := tenant.FindBySlug(r.Context(), s.db, chi.URLParam(r, "tenant"))
	if err != nil {
		return tenant.Tenant{}, tenant.Invitation{}, err
	}
	var inv tenant.Invitation
	err = s.db.InTenantTx(r.Context(), t.ID, req(r).actor(), func(tx *postgres.Tx) error {
		inv, err = tenant.FindInvitation(r.Context(), tx, chi.URLParam(r, "token"))
		return err
	})
	return t, inv, err
}

func (s *Server) invitationForm(w http.ResponseWriter, r *http.Request) error {
	t, inv, err := s.invitation(r)
	if err != nil {
		return err
	}
	_, err = auth.FindUserByEmail(r.Context(), s.db, inv.Email)
	form := authpages.InviteForm{Action: r.URL.Path, TenantName: t.Name, Email: inv.Email, Role: inv.Role.Label(), ExistingUser: err == nil}
	s.render(w, r, http.StatusOK, authpages.Invite(s.page(r, "Join "+t.Name), form))
	return nil
}

// acceptInvitation creates the account (or checks the existing account's password) and
// makes it a member, then signs the user in.
func (s *Server) acceptInvitation(w http.ResponseWriter, r *http.Request) error {
	t, inv, err := s.invitation(r)
	if err != nil {
		return err
	}
	form := authpages.InviteForm{Action: r.URL.Path, TenantName: t.Name, Email: inv.Email, Role: inv.Role.Label(), Name: r.PostFormValue("name")}
	password := r.PostFormValue("password")
	u, findErr := auth.FindUserByEmail(r.Context(), s.db, inv.Email)
	form.ExistingUser = findErr == nil
	if form.ExistingUser {
		u, err = auth.SignIn(r.Context(), s.db, inv.Email, password, clientAddr(r))
		if err != nil {
			form.PasswordError = "Enter the password of your existing account"
			var throttled *auth.ThrottledError
			if errors.As(err, &throttled) {
				form.PasswordError = throttled.Error()
			}
		}
	} else {
		if password != r.PostFormValue("confirm_password") {
			form.ConfirmError = "Enter the same password twice"
		}
		if form.ConfirmError == "" {
			u, err = auth.CreateUser(r.Context(), s.db, auth.NewUser{Email: inv.Email, DisplayName: form.Name, Password: password})
			fields := apperr.FieldsOf(err)
			form.NameError, form.PasswordError = fields["name"], fields["password"]
			if err != nil && fields == nil {
				return err
			}
		}
	}
	for id, msg := range map[string]string{"name": form.NameError, "password": form.PasswordError, "confirm_password": form.ConfirmError} {
		if msg != "" {
			form.Errors = append(form.Errors, components.ErrorItem{FieldID: id, Message: msg})
		}
	}
	if len(form.Errors) > 0 {
		s.render(w, r, http.StatusUnprocessableEntity, authpages.Invite(s.page(r, "Join "+t.Name), form))
		return nil
	}
	actor := postgres.Actor{UserID: u.ID, Label: u.Email, RequestID: req(r).ID}
	err = s.db.InTenantTx(r.Context(), t.ID, actor, func(tx *postgres.Tx) error {
		inv, err := tenant.FindInvitation(r.Context(), tx, chi.URLParam(r, "token"))
		if err != nil {
			return err
		}
		return tenant.AcceptInvitation(r.Context(), tx, inv, u.ID)
	})
	if err != nil {
		return err
	}
	if err := s.startSession(r, u); err != nil {
		return err
	}
	s.flash(r, "success", "Welcome to "+t.Name+". You joined as "+inv.Role.Label()+".")
	http.Redirect(w, r, "/t/"+t.Slug+"/", http.StatusSeeOther)
	return nil
}
