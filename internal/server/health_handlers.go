package server

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/openaims/openaims/internal/postgres"
)

// healthz answers while the process is up.
func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, _ = w.Write([]byte("ok\n"))
}

// readyz answers 200 when the database is reachable and the schema is at the version this
// binary expects, 503 with the reason otherwise.
func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	v, dirty, err := s.db.SchemaVersion(ctx)
	switch {
	case err != nil:
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = w.Write([]byte("database unreachable\n"))
	case dirty || v != postgres.LatestVersion():
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = fmt.Fprintf(w, "schema at version %d (dirty=%t), want %d\n", v, dirty, postgres.LatestVersion())
	default:
		_, _ = w.Write([]byte("ready\n"))
	}
}
