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
	// Unknown paths get the designed 404 page, with navigation when signed in.
	r.NotFound(s.sessions.LoadAndSave(s.loadUser(s.handle(s.notFound))).ServeHTTP)

	r.Get("/healthz", s.healthz)
	r.Get("/readyz", s.readyz)
	r.Method(http.MethodGet, "/metrics", promhttp.HandlerFor(s.metrics.gatherer, promhttp.HandlerOpts{}))
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

			manage := r.With(s.allow(permManageMembers))
			manage.Get("/members", s.handle(s.membersList))
			manage.Post("/members/invitations", s.handle(s.membersInvite))
			manage.Post("/members/invitations/{id}/revoke", s.handle(s.invitationRevoke))
			manage.Post("/members/{user}", s.handle(s.memberChangeRole))
			manage.Get("/members/{user}/remove", s.handle(s.memberRemoveConfirm))
			manage.Post("/members/{user}/remove", s.handle(s.memberRemove))

			read.Get("/context", s.handle(s.contextList))
			read.Get("/context/export.csv", s.handle(s.contextExport))
			write.Get("/context/new", s.handle(contextFlows.newForm(s)))
			write.Post("/context", s.handle(contextFlows.createRecord(s)))
			write.Get("/context/ai-roles/edit", s.handle(s.aiRolesEdit))
			write.Post("/context/ai-roles", s.handle(s.aiRolesSave))
			read.Get("/context/{id}", s.handle(contextFlows.showRecord(s)))
			write.Get("/context/{id}/edit", s.handle(contextFlows.editForm(s)))
			write.Post("/context/{id}", s.handle(contextFlows.updateRecord(s)))
			write.Get("/context/{id}/archive", s.handle(contextFlows.archiveConfirm(s)))
			write.Post("/context/{id}/archive", s.handle(contextFlows.archive(s, true)))
			write.Post("/context/{id}/restore", s.handle(contextFlows.archive(s, false)))

			read.Get("/parties", s.handle(s.partyList))
			read.Get("/parties/export.csv", s.handle(s.partyExport))
			write.Get("/parties/new", s.handle(partyFlows.newForm(s)))
			write.Post("/parties", s.handle(partyFlows.createRecord(s)))
			read.Get("/parties/{id}", s.handle(partyFlows.showRecord(s)))
			write.Get("/parties/{id}/edit", s.handle(partyFlows.editForm(s)))
			write.Post("/parties/{id}", s.handle(partyFlows.updateRecord(s)))
			write.Get("/parties/{id}/archive", s.handle(partyFlows.archiveConfirm(s)))
			write.Post("/parties/{id}/archive", s.handle(partyFlows.archive(s, true)))
			write.Post("/parties/{id}/restore", s.handle(partyFlows.archive(s, false)))

			for _, reg := range register.All {
				if !reg.Built {
					read.Get("/"+reg.Slug, s.handle(s.planned(reg)))
				}
			}
		})
	})
	return r
}
