package server

import (
	"net/http"

	"github.com/a-h/templ"
	"github.com/google/uuid"

	"github.com/openaims/openaims/internal/orgcontext"
	"github.com/openaims/openaims/internal/postgres"
	"github.com/openaims/openaims/web/components"
	"github.com/openaims/openaims/web/layout"
	pages "github.com/openaims/openaims/web/pages/orgcontext"
)

// contextPages are the pages of the context register (clause 4.1).
var contextPages = registerPages{slug: orgcontext.IssueObject, title: "Context"}

// contextFlows add, edit, archive and restore context issues.
var contextFlows = recordFlows[orgcontext.Issue]{
	reg: contextPages, addHeading: "Add a context issue",
	id: func(i orgcontext.Issue) uuid.UUID { return i.ID },
	blank: func(r *http.Request) orgcontext.Issue {
		return orgcontext.Issue{Status: "open", OwnerID: req(r).User.ID.String()}
	},
	read: issueFromForm, find: orgcontext.FindIssue, editable: orgcontext.Issue.Editable,
	create: orgcontext.CreateIssue, update: orgcontext.UpdateIssue, setArchived: orgcontext.SetIssueArchived,
	form: func(p layout.Page, f recordForm[orgcontext.Issue]) templ.Component {
		return pages.IssueForm(p, pages.IssueFormView{Heading: f.Heading, Action: f.Action, Cancel: f.Cancel, Issue: f.Record,
			Errors: f.Errors, Summary: f.Summary, Owners: f.Owners, Origins: options(orgcontext.IssueOrigins),
			Categories: options(orgcontext.IssueCategories), Statuses: options(orgcontext.IssueStatuses)})
	},
	page: func(p layout.Page, v recordPage[orgcontext.Issue]) templ.Component {
		return pages.IssueShow(p, pages.IssueView{Base: v.Base, CanWrite: v.CanWrite, Issue: v.Record, History: v.History, Activity: v.Activity})
	},
}

func (s *Server) contextList(w http.ResponseWriter, r *http.Request) error {
	lr := parseList(r, contextPages.base(r), "origin", "category", "status", "owner")
	v := pages.IssueListView{
		Base: lr.Base, CanWrite: s.can(r, permWriteRegisters), Search: lr.Filter.Search, Filters: lr.Filter.Fields,
		Origins: options(orgcontext.IssueOrigins), Categories: options(orgcontext.IssueCategories), Statuses: options(orgcontext.IssueStatuses),
		Headers: []components.SortLink{lr.SortLink("Ref", "ref"), lr.SortLink("Title", "title"), lr.SortLink("Category", "category"),
			lr.SortLink("Status", "status"), lr.SortLink("Updated", "updated")},
		ExportHref: lr.ExportHref(), Filtered: lr.Filtered(),
	}
	err := s.inTenant(r, func(tx *postgres.Tx) error {
		page, err := orgcontext.ListIssues(r.Context(), tx, lr.Filter)
		if err != nil {
			return err
		}
		v.Issues, v.Pager = page.Items, pager(lr, page)
		if v.Owners, err = memberOptions(r, tx); err != nil {
			return err
		}
		v.AIRoles, err = orgcontext.AIRoles(r.Context(), tx)
		return err
	})
	if err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, pages.IssueList(s.page(r, "Context"), v))
	return nil
}

func (s *Server) contextExport(w http.ResponseWriter, r *http.Request) error {
	lr := parseList(r, contextPages.base(r), "origin", "category", "status", "owner")
	return s.inTenant(r, func(tx *postgres.Tx) error {
		return streamCSV(w, "context-issues", []string{"Reference", "Title", "Origin", "Category", "Description",
			"Effect on the AIMS", "Owner", "Status", "Next review", "Archived", "Updated at", "Updated by"},
			func(write func(...string) error) error {
				return orgcontext.EachIssue(r.Context(), tx, lr.Filter, func(i orgcontext.Issue) error {
					return write(i.Reference(), i.Title, orgcontext.LabelOf(orgcontext.IssueOrigins, i.Origin),
						orgcontext.LabelOf(orgcontext.IssueCategories, i.Category), i.Description, i.Effect, i.OwnerName,
						orgcontext.LabelOf(orgcontext.IssueStatuses, i.Status), i.ReviewDate, csvDate(i.ArchivedAt),
						i.UpdatedAt.UTC().Format("2006-01-02 15:04:05"), i.UpdatedBy)
				})
			})
	})
}

// issueFromForm reads the context issue form.
func issueFromForm(r *http.Request) orgcontext.Issue {
	return orgcontext.Issue{Title: r.PostFormValue("title"), Origin: r.PostFormValue("origin"), Category: r.PostFormValue("category"),
		Description: r.PostFormValue("description"), Effect: r.PostFormValue("effect"), OwnerID: r.PostFormValue("owner_id"),
		Status: r.PostFormValue("status"), ReviewDate: r.PostFormValue("review_date")}
}

func (s *Server) aiRolesEdit(w http.ResponseWriter, r *http.Request) error {
	var roles []orgcontext.AIRole
	if err := s.inTenant(r, func(tx *postgres.Tx) (err error) {
		roles, err = orgcontext.AIRoles(r.Context(), tx)
		return err
	}); err != nil {
		return err
	}
	return s.renderAIRolesForm(w, r, http.StatusOK, roles, nil)
}

func (s *Server) renderAIRolesForm(w http.ResponseWriter, r *http.Request, status int, roles []orgcontext.AIRole, err error) error {
	base := contextPages.base(r)
	v := pages.AIRolesFormView{Action: base + "/ai-roles", Cancel: base, Roles: roles}
	if err != nil {
		var ok bool
		if v.Errors, v.Summary, ok = formErrors(err); !ok {
			return err
		}
	}
	s.render(w, r, status, pages.AIRolesForm(s.page(r, "AI roles", contextPages.crumbs(r, layout.Crumb{Label: "AI roles"})...), v))
	return nil
}

func (s *Server) aiRolesSave(w http.ResponseWriter, r *http.Request) error {
	roles := make([]orgcontext.AIRole, len(orgcontext.AIRoleKinds))
	for i, k := range orgcontext.AIRoleKinds {
		roles[i] = orgcontext.AIRole{Role: k.Value, Applies: r.PostFormValue("applies_"+k.Value) != "", Note: r.PostFormValue("note_" + k.Value)}
	}
	err := s.inTenant(r, func(tx *postgres.Tx) error { return orgcontext.SaveAIRoles(r.Context(), tx, roles) })
	if err != nil {
		return s.renderAIRolesForm(w, r, http.StatusUnprocessableEntity, roles, err)
	}
	s.saved(w, r, "The organisation's AI roles are saved.", contextPages.base(r))
	return nil
}
