package server

import (
	"bytes"
	"html/template"
	"net/http"
	"sync/atomic"

	"github.com/google/uuid"

	"github.com/openaims/openaims/internal/baseline"
	"github.com/openaims/openaims/internal/postgres"
	"github.com/openaims/openaims/internal/tenant"
)

// baselinePage is the baseline's whole page: a plain table, no layout, no stylesheet.
var baselinePage = template.Must(template.New("baseline").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Baseline: {{.Tenant}}</title></head>
<body><table>
<thead><tr><th>Ref</th><th>Title</th><th>Status</th><th>Updated</th></tr></thead>
<tbody>
{{- range .Rows}}
<tr><td>RISK-{{.Ref}}</td><td>{{.Title}}</td><td>{{.Status}}</td><td>{{.UpdatedAt.Format "2006-01-02 15:04:05"}}</td></tr>
{{- end}}
</tbody></table></body></html>
`))

// benchBaseline serves GET /bench/baseline, the load harness's baseline: the newest page of
// risks of the tenant AIMS_BENCH_BASELINE names, without sign-in. Anyone could read it, so it
// is off unless configured, and off it is the notFound page of any unknown path.
func (s *Server) benchBaseline(notFound http.Handler) http.HandlerFunc {
	slug := s.cfg.BenchBaseline
	if slug == "" {
		return notFound.ServeHTTP
	}
	// The tenant's id never changes: it is looked up once, on the first request that finds
	// the tenant, so that every later request is the one tenant transaction.
	var tenantID atomic.Pointer[uuid.UUID]
	return s.handle(func(w http.ResponseWriter, r *http.Request) error {
		id := tenantID.Load()
		if id == nil {
			t, err := tenant.FindBySlug(r.Context(), s.db, slug)
			if err != nil {
				return err
			}
			id = &t.ID
			tenantID.Store(id)
		}
		var rows []baseline.Row
		actor := postgres.Actor{Label: "bench-baseline", RequestID: req(r).ID}
		err := s.db.InTenantTx(r.Context(), *id, actor, func(tx *postgres.Tx) (err error) {
			rows, err = baseline.Newest(r.Context(), tx)
			return err
		})
		if err != nil {
			return err
		}
		var buf bytes.Buffer
		if err := baselinePage.Execute(&buf, struct {
			Tenant string
			Rows   []baseline.Row
		}{slug, rows}); err != nil {
			return err
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		_, _ = buf.WriteTo(w)
		return nil
	})
}
