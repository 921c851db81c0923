// Package server is the HTTP layer: the route table (routes.go), middleware, one file of
// handlers per domain, and errors.go, the one place an error becomes a response.
package server

import (
	"encoding/gob"
	"log/slog"
	"net/http"
	"time"

	"github.com/alexedwards/scs/v2"
	"github.com/google/uuid"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/openaims/openaims/internal/authz"
	"github.com/openaims/openaims/internal/config"
	"github.com/openaims/openaims/internal/postgres"
	"github.com/openaims/openaims/web/components"
)

// Server holds what handlers share. It keeps no per-user state in memory: sessions and
// throttling live in PostgreSQL, so any number of instances can serve the same users.
type Server struct {
	cfg      config.Config
	db       *postgres.DB
	sessions *scs.SessionManager
	authz    *authz.Enforcer
	log      *slog.Logger
	metrics  *metrics
	handler  http.Handler
}

// Sessions saved by scs's gob codec, before sessionCodec, hold these types.
func init() {
	gob.Register(uuid.UUID{})
	gob.Register([]components.FlashMessage{})
}

// New wires a Server. registry receives the HTTP and pool metrics (nil: a private one).
func New(cfg config.Config, db *postgres.DB, enforcer *authz.Enforcer, log *slog.Logger, registry prometheus.Registerer) *Server {
	sm := scs.New()
	sm.Store = newSessionStore(db, cfg.SessionIdle, 10*time.Minute, log)
	sm.Codec = sessionCodec{}
	sm.IdleTimeout = cfg.SessionIdle
	sm.Lifetime = cfg.SessionLifetime
	sm.Cookie.Name = "aims_session"
	sm.Cookie.HttpOnly = true
	sm.Cookie.SameSite = http.SameSiteLaxMode
	sm.Cookie.Secure = cfg.Production()
	sm.Cookie.Path = "/"
	if registry == nil {
		registry = prometheus.NewRegistry()
	}
	s := &Server{cfg: cfg, db: db, sessions: sm, authz: enforcer, log: log, metrics: newMetrics(registry, db)}
	s.handler = s.routes()
	return s
}

// ServeHTTP serves every route.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }
