package server

import (
	"net/http"

	"github.com/go-chi/chi/v5"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/openaims/openaims/internal/register"
	"github.com/openaims/openaims/web/static"
)

// routes is the route table: every route of the product, with the permission it needs.
func (s *Server) routes() http.Handler {
	r := chi.NewRouter()
	r.Use(s.observe, s.securityHeaders)
	r.NotFound(s.handle(s.notFound))

	r.Get("/healthz", s.healthz)
	r.Get("/readyz", s.readyz)
	r.Handle("/metrics", promhttp.HandlerFor(s.metrics.gatherer, promhttp.HandlerOpts{}))
	r.Handle(static.Prefix+"*", static.Handler())

	r.Group(func(r chi.Router) {
		r.Use(noStore, http.NewCrossOriginProtection().Handler, s.sessions.LoadAndSave, s.loadUser)
		r.Get("/", s.handle(s.home))
		r.Get("/login", s.handle(s.loginForm))
		r.Post("/login", s.handle(s.login))
		r.Post("/logout", s.handle(s.logout))
		r.Get("/join/{tenant}/{token}", s.handle(s.invitationForm))
		r.Post("/join/{tenant}/{token}", s.handle(s.acceptInvitation))

		r.Route("/t/{tenant}", func(r chi.Router) {
			r.Use(s.requireUser, s.tenantMember)
			read, write := r.With(s.allow(permReadRegisters)), r.With(s.allow(permWriteRegisters))

			read.Get("/", s.handle(s.overview))
			r.With(s.allow(permReadActivity)).Get("/activity", s.handle(s.activity))

			read.Get("/context", s.handle(s.contextList))
			read.Get("/context/export.csv", s.handle(s.contextExport))
			write.Get("/context/new", s.handle(s.contextNew))
			write.Post("/context", s.handle(s.contextCreate))
			write.Get("/context/ai-roles/edit", s.handle(s.aiRolesEdit))
			write.Post("/context/ai-roles", s.handle(s.aiRolesSave))
			read.Get("/context/{id}", s.handle(s.contextShow))
			write.Get("/context/{id}/edit", s.handle(s.contextEdit))
			write.Post("/context/{id}", s.handle(s.contextUpdate))
			write.Get("/context/{id}/archive", s.handle(s.contextArchiveConfirm))
			write.Post("/context/{id}/archive", s.handle(s.contextSetArchived(true)))
			write.Post("/context/{id}/restore", s.handle(s.contextSetArchived(false)))

			for _, reg := range register.All {
				if !reg.Built {
					read.Get("/"+reg.Slug, s.handle(s.planned(reg)))
				}
			}
		})
	})
	return r
}
