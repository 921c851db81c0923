package server

import (
	"context"
	"log/slog"
	"net/http"

	"github.com/google/uuid"

	"github.com/openaims/openaims/internal/auth"
	"github.com/openaims/openaims/internal/postgres"
	"github.com/openaims/openaims/internal/tenant"
)

// request holds what middleware learned about a request: its id and logger, the signed-in
// user and their memberships, and the membership of the tenant in the URL.
type request struct {
	ID          string
	Log         *slog.Logger
	User        *auth.User
	Memberships []tenant.Membership
	Membership  *tenant.Membership
	// HasSession is set once the session middleware has run; routes outside it (the 404
	// page of an unknown path, /healthz, /metrics, static files) have no session to read.
	HasSession bool
	// session is what the session store read for this request (nil when it read none).
	session *loadedSession
}

type requestKey struct{}

func withRequest(ctx context.Context, rq *request) context.Context {
	return context.WithValue(ctx, requestKey{}, rq)
}

// req returns the request's state; middleware always sets it first.
func req(r *http.Request) *request {
	if rq, ok := requestFrom(r.Context()); ok {
		return rq
	}
	return &request{Log: slog.Default()}
}

// tenantHref is a path in the request's tenant, e.g. /t/acme/ai-systems ("" for /t/acme).
func tenantHref(r *http.Request, path string) string {
	return "/t/" + req(r).Membership.TenantSlug + path
}

// actor is who the request acts for, for the audit trail.
func (rq *request) actor() postgres.Actor {
	if rq.User == nil {
		return postgres.Actor{Label: "anonymous", RequestID: rq.ID}
	}
	return postgres.Actor{UserID: rq.User.ID, Label: rq.User.Email, RequestID: rq.ID}
}

// tenantID is the id of the tenant in the URL; tenant routes always have one.
func (rq *request) tenantID() uuid.UUID {
	if rq.Membership == nil {
		return uuid.Nil
	}
	return rq.Membership.TenantID
}

// inTenant runs fn in a tenant transaction for the request's tenant and actor; a request
// that may change records (any method but GET and HEAD) runs it as a write transaction.
func (s *Server) inTenant(r *http.Request, fn func(*postgres.Tx) error) error {
	rq := req(r)
	if r.Method == http.MethodGet || r.Method == http.MethodHead {
		return s.db.InTenantTx(r.Context(), rq.tenantID(), rq.actor(), fn)
	}
	return s.db.InTenantWriteTx(r.Context(), rq.tenantID(), rq.actor(), fn)
}
