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
	// The load harness's baseline, unauthenticated: off (404) unless AIMS_BENCH_BASELINE names a tenant.
	r.Get("/bench/baseline", s.benchBaseline(r.NotFoundHandler()))

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

			read.Get("/ai-systems", s.handle(s.aiSystemList))
			read.Get("/ai-systems/export.csv", s.handle(s.aiSystemExport))
			write.Get("/ai-systems/new", s.handle(aiSystemFlows.newForm(s)))
			write.Post("/ai-systems", s.handle(aiSystemFlows.createRecord(s)))
			read.Get("/ai-systems/{id}", s.handle(s.aiSystemShow))
			write.Get("/ai-systems/{id}/edit", s.handle(aiSystemFlows.editForm(s)))
			write.Post("/ai-systems/{id}", s.handle(aiSystemFlows.updateRecord(s)))
			write.Get("/ai-systems/{id}/archive", s.handle(aiSystemFlows.archiveConfirm(s)))
			write.Post("/ai-systems/{id}/archive", s.handle(aiSystemFlows.archive(s, true)))
			write.Post("/ai-systems/{id}/restore", s.handle(aiSystemFlows.archive(s, false)))

			read.Get("/risks", s.handle(s.riskList))
			read.Get("/risks/export.csv", s.handle(s.riskExport))
			read.Get("/risks/heatmap", s.handle(s.riskHeatMap))
			read.Get("/risks/criteria", s.handle(s.riskCriteria))
			r.With(s.allow(permManageSettings)).Get("/risks/criteria/edit", s.handle(s.riskCriteriaEdit))
			r.With(s.allow(permManageSettings)).Post("/risks/criteria", s.handle(s.riskCriteriaSave))
			write.Get("/risks/new", s.handle(s.riskNew))
			write.Post("/risks", s.handle(s.riskCreate))
			read.Get("/risks/{id}", s.handle(s.riskShow))
			write.Get("/risks/{id}/edit", s.handle(s.riskEdit))
			write.Post("/risks/{id}", s.handle(s.riskUpdate))
			write.Get("/risks/{id}/assess", s.handle(s.riskAssessForm))
			write.Post("/risks/{id}/assess", s.handle(s.riskAssess))
			r.With(s.allow(permApprove)).Get("/risks/{id}/accept", s.handle(s.riskAcceptForm))
			r.With(s.allow(permApprove)).Post("/risks/{id}/accept", s.handle(s.riskAccept))
			write.Get("/risks/{id}/archive", s.handle(riskFlows.archiveConfirm(s)))
			write.Post("/risks/{id}/archive", s.handle(riskFlows.archive(s, true)))
			write.Post("/risks/{id}/restore", s.handle(riskFlows.archive(s, false)))

			read.Get("/impact-assessments", s.handle(s.impactList))
			read.Get("/impact-assessments/export.csv", s.handle(s.impactExport))
			write.Get("/impact-assessments/new", s.handle(s.impactNew))
			write.Post("/impact-assessments", s.handle(s.impactCreate))
			read.Get("/impact-assessments/{id}", s.handle(s.impactShow))
			write.Get("/impact-assessments/{id}/edit", s.handle(s.impactEdit))
			write.Post("/impact-assessments/{id}", s.handle(s.impactUpdate))
			write.Get("/impact-assessments/{id}/archive", s.handle(impactFlows.archiveConfirm(s)))
			write.Post("/impact-assessments/{id}/archive", s.handle(impactFlows.archive(s, true)))
			write.Post("/impact-assessments/{id}/restore", s.handle(impactFlows.archive(s, false)))
			r.With(s.allow(permApprove)).Post("/impact-assessments/{id}/approve", s.handle(s.impactApprove))
			write.Get("/impact-assessments/{id}/rounds/new", s.handle(s.impactStartRoundConfirm))
			write.Post("/impact-assessments/{id}/rounds", s.handle(s.impactStartRound))
			read.Get("/impact-assessments/{id}/rounds/{round}", s.handle(s.impactRound))
			write.Get("/impact-assessments/{id}/rounds/{round}/edit", s.handle(s.impactRoundEdit))
			write.Post("/impact-assessments/{id}/rounds/{round}", s.handle(s.impactRoundSave))
			write.Post("/impact-assessments/{id}/rounds/{round}/impacts/{position}/risk", s.handle(s.impactRaiseRisk))

			read.Get("/controls", s.handle(s.controlList))
			read.Get("/controls/export.csv", s.handle(s.controlExport))
			read.Get("/controls/soa", s.handle(s.soaPage))
			read.Get("/controls/soa.csv", s.handle(s.soaExport))
			write.Get("/controls/new", s.handle(controlFlows.newForm(s)))
			write.Post("/controls", s.handle(controlFlows.createRecord(s)))
			read.Get("/controls/{id}", s.handle(s.controlShow))
			write.Get("/controls/{id}/edit", s.handle(controlFlows.editForm(s)))
			write.Post("/controls/{id}", s.handle(s.controlUpdate))
			write.Get("/controls/{id}/archive", s.handle(s.controlArchiveConfirm))
			write.Post("/controls/{id}/archive", s.handle(controlFlows.archive(s, true)))
			write.Post("/controls/{id}/restore", s.handle(controlFlows.archive(s, false)))

			read.Get("/treatments", s.handle(s.treatmentList))
			read.Get("/treatments/export.csv", s.handle(s.treatmentExport))
			write.Get("/treatments/new", s.handle(s.treatmentNew))
			write.Post("/treatments", s.handle(s.treatmentCreate))
			read.Get("/treatments/{id}", s.handle(s.treatmentShow))
			write.Get("/treatments/{id}/edit", s.handle(s.treatmentEdit))
			write.Post("/treatments/{id}", s.handle(s.treatmentUpdate))
			write.Get("/treatments/{id}/archive", s.handle(treatmentFlows.archiveConfirm(s)))
			write.Post("/treatments/{id}/archive", s.handle(treatmentFlows.archive(s, true)))
			write.Post("/treatments/{id}/restore", s.handle(treatmentFlows.archive(s, false)))

			for _, reg := range register.All {
				if !reg.Built {
					read.Get("/"+reg.Slug, s.handle(s.planned(reg)))
				}
			}
		})
	})
	return r
}
