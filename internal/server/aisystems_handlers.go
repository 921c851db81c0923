package server

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/a-h/templ"
	"github.com/google/uuid"

	"github.com/openaims/openaims/internal/aisystem"
	"github.com/openaims/openaims/internal/postgres"
	"github.com/openaims/openaims/web/components"
	"github.com/openaims/openaims/web/layout"
	pages "github.com/openaims/openaims/web/pages/aisystem"
)

// aiSystemPages are the pages of the AI system inventory (Annex A.4, A.6, A.7, A.9, A.10).
var aiSystemPages = registerPages{slug: aisystem.Object, title: "AI systems"}

// aiSystemFlows add, edit, archive and restore AI systems; the system's page is
// aiSystemShow, which also loads the records linked to it.
var aiSystemFlows = recordFlows[aisystem.System]{
	reg: aiSystemPages, addHeading: "Add an AI system",
	id: func(s aisystem.System) uuid.UUID { return s.ID },
	blank: func(r *http.Request) aisystem.System {
		return aisystem.System{OwnerID: req(r).User.ID.String(), EUAIActClass: aisystem.NotAssessed, Data: []aisystem.DataResource{}}
	},
	read: aiSystemFromForm, find: aisystem.Find, editable: aisystem.System.Editable,
	create: aisystem.Create, update: aisystem.Update, setArchived: aisystem.SetArchived,
	form: func(p layout.Page, f recordForm[aisystem.System]) templ.Component {
		return pages.Form(p, pages.FormView{Heading: f.Heading, Action: f.Action, Cancel: f.Cancel, System: f.Record,
			Errors: f.Errors, Summary: f.Summary, Owners: f.Owners, Stages: options(aisystem.LifecycleStages),
			Roles: options(aisystem.OrgRoles), Classes: options(aisystem.EUAIActClasses), Scopes: options(aisystem.ScopeChoices)})
	},
}

// aiSystemShow shows an AI system with its history and the records linked to it (the first
// of each kind, with their counts): the risks that name it, their treatments and controls,
// and its impact assessments.
func (s *Server) aiSystemShow(w http.ResponseWriter, r *http.Request) error {
	id, err := idParam(r)
	if err != nil {
		return err
	}
	tenantBase := tenantHref(r, "")
	v := pages.ShowView{Tenant: tenantBase, Base: aiSystemPages.base(r), CanWrite: s.can(r, permWriteRegisters),
		Activity: activityHref(tenantBase, aisystem.Object, id)}
	err = s.inTenant(r, func(tx *postgres.Tx) (err error) {
		if v.System, err = aisystem.Find(r.Context(), tx, id); err != nil {
			return err
		}
		if v.Links, err = aisystem.FindLinks(r.Context(), tx, id, linkedShown); err != nil {
			return err
		}
		v.History, err = history(r, tx, aisystem.Object, id)
		return err
	})
	if err != nil {
		return err
	}
	ref := v.System.Reference()
	s.render(w, r, http.StatusOK, pages.Show(s.page(r, ref, aiSystemPages.crumbs(r, layout.Crumb{Label: ref})...), v))
	return nil
}

func (s *Server) aiSystemList(w http.ResponseWriter, r *http.Request) error {
	lr := parseList(r, aiSystemPages.base(r), aisystem.Filters...)
	v := pages.ListView{
		Base: lr.Base, CanWrite: s.can(r, permWriteRegisters), Search: lr.Filter.Search, Filters: lr.Filter.Fields,
		Stages: options(aisystem.LifecycleStages), Classes: options(aisystem.EUAIActClasses), Scopes: options(aisystem.ScopeChoices),
		Headers: []components.SortLink{lr.SortLink("Ref", "ref"), lr.SortLink("Name", "name"), lr.SortLink("Stage", "stage"),
			lr.SortLink("EU AI Act class", "class"), lr.SortLink("Updated", "updated")},
		ExportHref: lr.ExportHref(), Filtered: lr.Filtered(),
	}
	err := s.inTenant(r, func(tx *postgres.Tx) error {
		page, err := aisystem.List(r.Context(), tx, lr.Filter)
		if err != nil {
			return err
		}
		v.Systems, v.Pager = page.Items, pager(lr, page)
		v.Owners, err = memberOptions(r, tx)
		return err
	})
	if err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, pages.List(s.page(r, aiSystemPages.title), v))
	return nil
}

func (s *Server) aiSystemExport(w http.ResponseWriter, r *http.Request) error {
	lr := parseList(r, aiSystemPages.base(r), aisystem.Filters...)
	return s.inTenant(r, func(tx *postgres.Tx) error {
		return streamCSV(w, "ai-systems", []string{"Reference", "Name", "Purpose", "Description", "Intended use",
			"Intended users", "Life-cycle stage", "Organisation's role", "EU AI Act class", "Why this class", "AIMS scope",
			"Tooling", "Computing resources", "Suppliers", "Data resources", "Data resource count", "With personal data",
			"Risks", "Owner", "Archived", "Updated at", "Updated by"},
			func(write func(...string) error) error {
				return aisystem.Each(r.Context(), tx, lr.Filter, func(a aisystem.System) error {
					return write(a.Reference(), a.Name, a.Purpose, a.Description, a.IntendedUse, a.IntendedUsers,
						a.StageLabel(), a.RoleLabel(), a.ClassLabel(), a.EUAIActReason, a.ScopeLabel(),
						a.Tooling, a.Compute, a.Suppliers, dataCell(a.Data), strconv.Itoa(a.DataCount),
						strconv.Itoa(a.PersonalDataCount), strconv.Itoa(a.RiskCount), a.OwnerName,
						csvDate(a.ArchivedAt), a.UpdatedAt.UTC().Format("2006-01-02 15:04:05"), a.UpdatedBy)
				})
			})
	})
}

// dataCell puts a system's data resources in one CSV cell, " | " between them, each with
// what is recorded of it, e.g. "Triage records [personal data] source: EHR; provenance: …".
func dataCell(data []aisystem.DataResource) string {
	parts := make([]string, len(data))
	for i, d := range data {
		s := d.Name
		if d.PersonalData {
			s += " [personal data]"
		}
		var facts []string
		for _, f := range [][2]string{{"source", d.Source}, {"acquisition", d.Acquisition}, {"provenance", d.Provenance},
			{"quality checks", d.QualityChecks}, {"preparation", d.Preparation}} {
			if f[1] != "" {
				facts = append(facts, f[0]+": "+f[1])
			}
		}
		if len(facts) > 0 {
			s += " " + strings.Join(facts, "; ")
		}
		parts[i] = s
	}
	return strings.Join(parts, " | ")
}

// aiSystemFromForm reads the AI system form. Data blocks left blank are dropped here already
// (Normalize drops them too), so that the block numbers of validation messages are the
// blocks the re-shown form has; what the user typed in the others is kept as typed.
func aiSystemFromForm(r *http.Request) aisystem.System {
	v := r.PostFormValue
	s := aisystem.System{Name: v("name"), Purpose: v("purpose"), Description: v("description"),
		IntendedUse: v("intended_use"), IntendedUsers: v("intended_users"), LifecycleStage: v("lifecycle_stage"),
		OrgRole: v("org_role"), EUAIActClass: v("eu_ai_act_class"), EUAIActReason: v("eu_ai_act_reason"),
		InScope: aisystem.ParseInScope(v("in_scope")), Tooling: v("tooling"), Compute: v("compute"),
		Suppliers: v("suppliers"), OwnerID: v("owner_id"), Data: []aisystem.DataResource{}}
	// One block past the limit is read, so that too many blocks are reported rather than cut.
	for i := 0; i <= aisystem.MaxData; i++ {
		value := func(name string) string { return v(aisystem.DataField(i, name)) }
		d := aisystem.DataResource{Name: value("name"), Source: value("source"), Acquisition: value("acquisition"),
			Provenance: value("provenance"), QualityChecks: value("quality_checks"), PersonalData: value("personal_data") != "",
			Preparation: value("preparation")}
		if !d.Blank() {
			s.Data = append(s.Data, d)
		}
	}
	return s
}
