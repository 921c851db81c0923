package server

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/http"
	"runtime/debug"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"
	"github.com/google/uuid"

	"github.com/openaims/openaims/internal/apperr"
	"github.com/openaims/openaims/internal/auditlog"
	"github.com/openaims/openaims/internal/auth"
	"github.com/openaims/openaims/internal/authz"
	"github.com/openaims/openaims/internal/postgres"
	"github.com/openaims/openaims/internal/tenant"
)

// Permissions that routes and pages share.
var (
	permReadRegisters  = authz.Permission{Object: authz.Registers, Action: authz.Read}
	permWriteRegisters = authz.Permission{Object: authz.Registers, Action: authz.Write}
	permReadActivity   = authz.Permission{Object: authz.Activity, Action: authz.Read}
	permManageMembers  = authz.Permission{Object: authz.Members, Action: authz.Manage}
	permApprove        = authz.Permission{Object: authz.Registers, Action: authz.Approve}
	permManageSettings = authz.Permission{Object: authz.Settings, Action: authz.Manage}
)

func newRequestID() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// observe gives every request an id and a logger carrying it, recovers panics, and logs
// and measures the request when it ends.
func (s *Server) observe(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rq := &request{ID: newRequestID()}
		rq.Log = s.log.With("request_id", rq.ID)
		ww := middleware.NewWrapResponseWriter(w, r.ProtoMajor)
		ww.Header().Set("X-Request-Id", rq.ID)
		r = r.WithContext(withRequest(r.Context(), rq))
		defer func() {
			if p := recover(); p != nil {
				if p == http.ErrAbortHandler {
					panic(p)
				}
				rq.Log.Error("panic", "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
				if ww.Status() == 0 {
					s.renderError(ww, r, fmt.Errorf("panic: %v", p))
				}
			}
			status := ww.Status()
			if status == 0 {
				status = http.StatusOK
			}
			took := time.Since(start)
			s.metrics.observe(r, status, took)
			rq.Log.Info("request", "method", r.Method, "path", r.URL.Path, "status", status,
				"bytes", ww.BytesWritten(), "duration_ms", float64(took.Microseconds())/1000)
		}()
		next.ServeHTTP(ww, r)
	})
}

// securityHeaders sets a strict Content-Security-Policy (no inline script or style) and
// the other headers every response should carry.
func (s *Server) securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "+
			"font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()")
		if s.cfg.Production() {
			h.Set("Strict-Transport-Security", "max-age=63072000; includeSubDomains")
		}
		next.ServeHTTP(w, r)
	})
}

// noStore keeps pages with tenant data out of shared and browser caches.
func noStore(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		next.ServeHTTP(w, r)
	})
}

// loadUser reads the signed-in user from the session and their memberships, which the
// session store read in the same query as the session (a session saved without its user
// costs a query of its own), so every later check needs no further round trip.
func (s *Server) loadUser(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		req(r).HasSession = true
		id, ok := s.sessions.Get(r.Context(), "user_id").(uuid.UUID)
		if !ok {
			next.ServeHTTP(w, r)
			return
		}
		rq := req(r)
		var ms []tenant.Membership
		if rq.session != nil && rq.session.userID == id {
			ms = rq.session.memberships
		} else {
			var err error
			if ms, err = tenant.MembershipsOf(r.Context(), s.db, id); err != nil {
				s.renderError(w, r, err)
				return
			}
		}
		rq.User = &auth.User{ID: id, Email: s.sessions.GetString(r.Context(), "user_email"), DisplayName: s.sessions.GetString(r.Context(), "user_name")}
		rq.Memberships = ms
		rq.Log = rq.Log.With("user_id", id.String())
		next.ServeHTTP(w, r)
	})
}

// requireUser sends anonymous visitors to sign in.
func (s *Server) requireUser(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if req(r).User == nil {
			s.renderError(w, r, apperr.Errorf(apperr.Unauthenticated, "Sign in to continue"))
			return
		}
		next.ServeHTTP(w, r)
	})
}

// tenantMember resolves the tenant in the URL among the user's memberships. A tenant the
// user does not belong to answers 404 — the same as one that does not exist.
func (s *Server) tenantMember(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rq := req(r)
		slug := chi.URLParam(r, "tenant")
		for i := range rq.Memberships {
			if rq.Memberships[i].TenantSlug == slug {
				rq.Membership = &rq.Memberships[i]
				rq.Log = rq.Log.With("tenant", slug)
				next.ServeHTTP(w, r)
				return
			}
		}
		rq.Log.Warn("tenant not found for user", "tenant", slug)
		s.renderError(w, r, apperr.Errorf(apperr.NotFound, "No such workspace"))
	})
}

// can reports whether the request's role in its tenant allows p.
func (s *Server) can(r *http.Request, p authz.Permission) bool {
	m := req(r).Membership
	return m != nil && s.authz.Allowed(string(m.Role), p)
}

// allow enforces p on a route. A denial is recorded in the tenant's audit trail and
// answered 403.
func (s *Server) allow(p authz.Permission) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if s.can(r, p) {
				next.ServeHTTP(w, r)
				return
			}
			rq := req(r)
			err := s.inTenant(r, func(tx *postgres.Tx) error {
				return auditlog.Record(r.Context(), tx, auditlog.Event{Action: "access.denied", ObjectType: "route",
					ObjectID: r.Method + " " + r.URL.Path, After: map[string]any{"permission": p.String(), "role": rq.Membership.Role}})
			})
			if err != nil {
				rq.Log.Error("record denied access", "err", err)
			}
			s.renderError(w, r, apperr.Errorf(apperr.Forbidden, "Your role (%s) does not allow this. Ask an administrator of this workspace if you need it.", rq.Membership.Role.Label()))
		})
	}
}
