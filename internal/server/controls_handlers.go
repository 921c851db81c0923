package server

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/a-h/templ"
	"github.com/google/uuid"

	"github.com/openaims/openaims/internal/control"
	"github.com/openaims/openaims/internal/postgres"
	"github.com/openaims/openaims/internal/treatment"
	"github.com/openaims/openaims/web/components"
	"github.com/openaims/openaims/web/layout"
	pages "github.com/openaims/openaims/web/pages/controls"
	ocpages "github.com/openaims/openaims/web/pages/orgcontext"
)

// controlPages are the pages of the controls register and the Statement of Applicability
// (6.1.3 d).
var controlPages = registerPages{slug: control.Object, title: "Controls and SoA"}

// controlFlows add custom controls, open the decision form, and archive or restore custom
// controls. A control's page, the update and the archive confirmation are the register's
// own: the page lists treatments, a failed update re-shows the catalog's text of an Annex A
// control, and Annex A controls are never archived.
var controlFlows = recordFlows[control.Control]{
	reg: controlPages, addHeading: "Add a custom control",
	id: func(c control.Control) uuid.UUID { return c.ID },
	blank: func(r *http.Request) control.Control {
		return control.Control{ImplementationStatus: "not_started", OwnerID: req(r).User.ID.String()}
	},
	read: controlFromForm, find: control.Find, editable: control.Control.Editable,
	create: control.Create, setArchived: control.SetArchived,
	form: func(p layout.Page, f recordForm[control.Control]) templ.Component {
		return pages.Form(p, pages.FormView{Heading: f.Heading, Action: f.Action, Cancel: f.Cancel, Control: f.Record,
			Errors: f.Errors, Summary: f.Summary, Owners: f.Owners})
	},
}

// controlFilters are the list's filter fields, in the order of the query string. "system"
// (an AI system id) is the link from a system's page to the controls used for its risks.
var controlFilters = []string{"objective", "applicability", "status", "owner", "kind", "system"}

func (s *Server) controlList(w http.ResponseWriter, r *http.Request) error {
	lr := parseList(r, controlPages.base(r), controlFilters...)
	v := pages.ListView{
		Base: lr.Base, CanWrite: s.can(r, permWriteRegisters), Search: lr.Filter.Search, Filters: lr.Filter.Fields,
		Headers: []components.SortLink{lr.SortLink("Code", "code"), lr.SortLink("Title", "title"),
			lr.SortLink("Implementation", "status"), lr.SortLink("Updated", "updated")},
		ExportHref: lr.ExportHref(), Filtered: lr.Filtered(),
	}
	err := s.inTenant(r, func(tx *postgres.Tx) error {
		page, err := control.ListControls(r.Context(), tx, lr.Filter)
		if err != nil {
			return err
		}
		v.Controls, v.Pager = page.Items, pager(lr, page)
		if v.Owners, err = memberOptions(r, tx); err != nil {
			return err
		}
		v.System, err = controlSystemScope(r, tx, lr)
		return err
	})
	if err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, pages.List(s.page(r, controlPages.title), v))
	return nil
}

// controlSystemScope names the AI system the list is narrowed to, with the list without it,
// or nil; a value that names no system of the tenant is still shown, as not found.
func controlSystemScope(r *http.Request, tx *postgres.Tx, lr listRequest) (*pages.Scope, error) {
	value := lr.Filter.Fields["system"]
	if value == "" {
		return nil, nil
	}
	label := ""
	if id, err := uuid.Parse(value); err == nil {
		if label, err = control.SystemLabel(r.Context(), tx, id); err != nil {
			return nil, err
		}
	}
	if label == "" {
		label = "an AI system that was not found"
	}
	without := lr.values()
	without.Del("system")
	return &pages.Scope{Field: "system", Value: value, Label: "Used for the risks of " + label, ClearHref: lr.href(without)}, nil
}

func (s *Server) controlExport(w http.ResponseWriter, r *http.Request) error {
	lr := parseList(r, controlPages.base(r), controlFilters...)
	return s.inTenant(r, func(tx *postgres.Tx) error {
		return streamCSV(w, "controls", []string{"Code", "Title", "Source", "Objective", "Applicable", "Reasons for inclusion",
			"Justification", "Implementation status", "Owner", "Treatments", "Archived", "Updated at", "Updated by"},
			func(write func(...string) error) error {
				return control.EachControl(r.Context(), tx, lr.Filter, func(c control.Control) error {
					return write(c.Code, c.Title, controlSource(c), objectiveCell(c), c.ApplicabilityLabel(),
						strings.Join(c.ReasonLabels(), "; "), c.Justification,
						control.LabelOf(control.ImplementationStatuses, c.ImplementationStatus), c.OwnerName,
						strconv.Itoa(c.TreatmentCount), csvDate(c.ArchivedAt), c.UpdatedAt.UTC().Format("2006-01-02 15:04:05"), c.UpdatedBy)
				})
			})
	})
}

// controlSource says where a control comes from: Annex A or the tenant.
func controlSource(c control.Control) string {
	if c.AnnexA {
		return "Annex A"
	}
	return "Custom"
}

func objectiveCell(c control.Control) string {
	if c.ObjectiveID == "" {
		return ""
	}
	return c.ObjectiveID + " " + c.ObjectiveTitle
}

// controlShow shows a control with its decision, the first treatments that use it and its
// history.
func (s *Server) controlShow(w http.ResponseWriter, r *http.Request) error {
	id, err := idParam(r)
	if err != nil {
		return err
	}
	v := pages.ShowView{Base: controlPages.base(r), Tenant: tenantHref(r, ""), CanWrite: s.can(r, permWriteRegisters),
		Activity: activityHref(tenantHref(r, ""), control.Object, id)}
	err = s.inTenant(r, func(tx *postgres.Tx) (err error) {
		if v.Control, err = control.Find(r.Context(), tx, id); err != nil {
			return err
		}
		if v.Treatments, err = treatment.ForControl(r.Context(), tx, id, linkedShown); err != nil {
			return err
		}
		v.History, err = history(r, tx, control.Object, id)
		return err
	})
	if err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, pages.Show(s.page(r, v.Control.Code, controlPages.crumbs(r, layout.Crumb{Label: v.Control.Code})...), v))
	return nil
}

// controlUpdate saves the decision form. When it fails, the form is shown again with what
// the user chose, over the stored control: an Annex A control's form shows the catalog's
// code, title and description, which it does not send.
func (s *Server) controlUpdate(w http.ResponseWriter, r *http.Request) error {
	id, err := idParam(r)
	if err != nil {
		return err
	}
	in := controlFromForm(r)
	out, err := inTenantValue(s, r, func(tx *postgres.Tx) (control.Control, error) { return control.Update(r.Context(), tx, id, in) })
	if err == nil {
		s.saved(w, r, out.Code+" saved.", controlPages.href(r, id))
		return nil
	}
	cur, findErr := inTenantValue(s, r, func(tx *postgres.Tx) (control.Control, error) { return control.Find(r.Context(), tx, id) })
	if findErr != nil {
		return findErr
	}
	shown := in
	shown.ID, shown.Code, shown.AnnexA = cur.ID, cur.Code, cur.AnnexA
	if cur.AnnexA {
		shown.Title, shown.Description, shown.ObjectiveID, shown.ObjectiveTitle = cur.Title, cur.Description, cur.ObjectiveID, cur.ObjectiveTitle
	}
	href := controlPages.href(r, id)
	return controlFlows.renderForm(s, w, r, recordForm[control.Control]{Heading: "Edit " + cur.Code, Action: href, Cancel: href, Record: shown}, err)
}

// controlArchiveConfirm asks before a custom control is archived; an Annex A control cannot
// be, and the answer says what to do instead.
func (s *Server) controlArchiveConfirm(w http.ResponseWriter, r *http.Request) error {
	id, c, err := findRecord(s, r, control.Find)
	if err != nil {
		return err
	}
	if err := c.Archivable(); err != nil {
		return err
	}
	href := controlPages.href(r, id)
	s.render(w, r, http.StatusOK, ocpages.ArchiveConfirm(s.page(r, "Archive "+c.Code,
		controlPages.crumbs(r, layout.Crumb{Label: c.Code, Href: href})...), c.Label(), href+"/archive", href))
	return nil
}

// soaPage shows the Statement of Applicability; its data is one query.
func (s *Server) soaPage(w http.ResponseWriter, r *http.Request) error {
	m := req(r).Membership
	v := pages.SoAView{Base: controlPages.base(r), Tenant: tenantHref(r, ""), TenantName: m.TenantName,
		GeneratedAt: time.Now().UTC().Format("2006-01-02 15:04 UTC")}
	err := s.inTenant(r, func(tx *postgres.Tx) (err error) {
		v.Statement, err = control.StatementOfApplicability(r.Context(), tx)
		return err
	})
	if err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, pages.SoA(s.page(r, "Statement of Applicability",
		controlPages.crumbs(r, layout.Crumb{Label: "Statement of Applicability"})...), v))
	return nil
}

// soaExport downloads the Statement of Applicability as CSV, grouped as the page is, each
// control with every live treatment that uses it. It streams: rows are written as the
// database returns them.
func (s *Server) soaExport(w http.ResponseWriter, r *http.Request) error {
	return s.inTenant(r, func(tx *postgres.Tx) error {
		return streamCSV(w, "statement-of-applicability", []string{"Objective", "Control", "Title", "Source", "Applicable",
			"Reasons for inclusion", "Justification", "Implementation status", "Owner", "Treatments", "Updated at"},
			func(write func(...string) error) error {
				return control.EachInStatement(r.Context(), tx, func(g control.Group, c control.Control) error {
					objective := g.Title
					if g.ID != "" {
						objective = g.ID + " " + g.Title
					}
					refs := make([]string, len(c.Treatments))
					for i, t := range c.Treatments {
						refs[i] = t.Reference() + " " + t.Title
					}
					implementation := control.LabelOf(control.ImplementationStatuses, c.ImplementationStatus)
					if c.Applicability == control.Excluded {
						implementation = "Not required"
					}
					return write(objective, c.Code, c.Title, controlSource(c), c.ApplicabilityLabel(), strings.Join(c.ReasonLabels(), "; "),
						c.Justification, implementation, c.OwnerName, strings.Join(refs, "; "),
						c.UpdatedAt.UTC().Format("2006-01-02 15:04:05"))
				})
			})
	})
}

// controlFromForm reads the control form. The inclusion reasons are checkboxes of one name.
func controlFromForm(r *http.Request) control.Control {
	_ = r.ParseForm()
	reasons := r.PostForm["inclusion_reasons"]
	if reasons == nil {
		reasons = []string{}
	}
	return control.Control{Title: r.PostFormValue("title"), ObjectiveID: r.PostFormValue("objective_id"),
		Description: r.PostFormValue("description"), Applicability: r.PostFormValue("applicability"),
		InclusionReasons: reasons, Justification: r.PostFormValue("justification"),
		ImplementationStatus: r.PostFormValue("implementation_status"), OwnerID: r.PostFormValue("owner_id")}
}
