package server

import (
	"net/http"
	"strconv"

	"github.com/google/uuid"

	"github.com/openaims/openaims/internal/orgcontext"
	"github.com/openaims/openaims/internal/postgres"
	"github.com/openaims/openaims/web/components"
	"github.com/openaims/openaims/web/layout"
	pages "github.com/openaims/openaims/web/pages/orgcontext"
)

func (s *Server) contextBase(r *http.Request) string { return "/t/" + req(r).Membership.TenantSlug + "/context" }

func (s *Server) contextCrumbs(r *http.Request, more ...layout.Crumb) []layout.Crumb {
	return append([]layout.Crumb{{Label: "Context", Href: s.contextBase(r)}}, more...)
}

func (s *Server) contextList(w http.ResponseWriter, r *http.Request) error {
	lr := parseList(r, s.contextBase(r), "origin", "category", "status", "owner")
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
	lr := parseList(r, s.contextBase(r), "origin", "category", "status", "owner")
	return s.inTenant(r, func(tx *postgres.Tx) error {
		return streamCSV(w, "context-issues", []string{"Reference", "Title", "Origin", "Category", "Description",
			"Effect on the AIMS", "Owner", "Status", "Next review", "Archived", "Updated at", "Updated by"},
			func(write func(...string) error) error {
				return orgcontext.EachIssue(r.Context(), tx, lr.Filter, func(i orgcontext.Issue) error {
					archived := ""
					if i.ArchivedAt != nil {
						archived = i.ArchivedAt.UTC().Format("2006-01-02")
					}
					return write(i.Reference(), i.Title, orgcontext.LabelOf(orgcontext.IssueOrigins, i.Origin),
						orgcontext.LabelOf(orgcontext.IssueCategories, i.Category), i.Description, i.Effect, i.OwnerName,
						orgcontext.LabelOf(orgcontext.IssueStatuses, i.Status), i.ReviewDate, archived,
						i.UpdatedAt.UTC().Format("2006-01-02 15:04:05"), i.UpdatedBy)
				})
			})
	})
}

func (s *Server) contextShow(w http.ResponseWriter, r *http.Request) error {
	id, err := idParam(r)
	if err != nil {
		return err
	}
	v := pages.IssueView{Base: s.contextBase(r), CanWrite: s.can(r, permWriteRegisters),
		Activity: activityHref("/t/"+req(r).Membership.TenantSlug, orgcontext.IssueObject, id)}
	err = s.inTenant(r, func(tx *postgres.Tx) error {
		if v.Issue, err = orgcontext.FindIssue(r.Context(), tx, id); err != nil {
			return err
		}
		v.History, err = history(r, tx, orgcontext.IssueObject, id)
		return err
	})
	if err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, pages.IssueShow(s.page(r, v.Issue.Reference(), s.contextCrumbs(r, layout.Crumb{Label: v.Issue.Reference()})...), v))
	return nil
}

// issueFromForm reads the context issue form.
func issueFromForm(r *http.Request) orgcontext.Issue {
	return orgcontext.Issue{Title: r.PostFormValue("title"), Origin: r.PostFormValue("origin"), Category: r.PostFormValue("category"),
		Description: r.PostFormValue("description"), Effect: r.PostFormValue("effect"), OwnerID: r.PostFormValue("owner_id"),
		Status: r.PostFormValue("status"), ReviewDate: r.PostFormValue("review_date")}
}

// renderIssueForm shows the add or edit form, with validation messages when err has them.
func (s *Server) renderIssueForm(w http.ResponseWriter, r *http.Request, status int, v pages.IssueFormView, err error) error {
	if err != nil {
		var ok bool
		if v.Errors, v.Summary, ok = formErrors(err); !ok {
			return err
		}
	}
	v.Origins, v.Categories, v.Statuses = options(orgcontext.IssueOrigins), options(orgcontext.IssueCategories), options(orgcontext.IssueStatuses)
	if err := s.inTenant(r, func(tx *postgres.Tx) (err error) {
		v.Owners, err = memberOptions(r, tx)
		return err
	}); err != nil {
		return err
	}
	s.render(w, r, status, pages.IssueForm(s.page(r, v.Heading, s.contextCrumbs(r, layout.Crumb{Label: v.Heading})...), v))
	return nil
}

func (s *Server) contextNew(w http.ResponseWriter, r *http.Request) error {
	base := s.contextBase(r)
	return s.renderIssueForm(w, r, http.StatusOK, pages.IssueFormView{Heading: "Add a context issue", Action: base, Cancel: base,
		Issue: orgcontext.Issue{Status: "open", OwnerID: req(r).User.ID.String()}}, nil)
}

func (s *Server) contextCreate(w http.ResponseWriter, r *http.Request) error {
	base := s.contextBase(r)
	in := issueFromForm(r)
	var out orgcontext.Issue
	err := s.inTenant(r, func(tx *postgres.Tx) (err error) {
		out, err = orgcontext.CreateIssue(r.Context(), tx, in)
		return err
	})
	if err != nil {
		return s.renderIssueForm(w, r, http.StatusUnprocessableEntity, pages.IssueFormView{Heading: "Add a context issue", Action: base, Cancel: base, Issue: in}, err)
	}
	s.flash(r, "success", out.Reference()+" added.")
	http.Redirect(w, r, base+"/"+out.ID.String(), http.StatusSeeOther)
	return nil
}

func (s *Server) contextEdit(w http.ResponseWriter, r *http.Request) error {
	id, err := idParam(r)
	if err != nil {
		return err
	}
	var in orgcontext.Issue
	if err := s.inTenant(r, func(tx *postgres.Tx) (err error) {
		in, err = orgcontext.FindIssue(r.Context(), tx, id)
		return err
	}); err != nil {
		return err
	}
	return s.renderIssueForm(w, r, http.StatusOK, s.issueEditView(r, id, in), nil)
}

func (s *Server) issueEditView(r *http.Request, id uuid.UUID, in orgcontext.Issue) pages.IssueFormView {
	href := s.contextBase(r) + "/" + id.String()
	ref := "CTX-" + strconv.Itoa(in.Ref)
	return pages.IssueFormView{Heading: "Edit " + ref, Action: href, Cancel: href, Issue: in}
}

func (s *Server) contextUpdate(w http.ResponseWriter, r *http.Request) error {
	id, err := idParam(r)
	if err != nil {
		return err
	}
	in := issueFromForm(r)
	var out orgcontext.Issue
	err = s.inTenant(r, func(tx *postgres.Tx) (err error) {
		out, err = orgcontext.UpdateIssue(r.Context(), tx, id, in)
		if err == nil {
			return nil
		}
		// Keep the reference for the heading of the re-shown form.
		if cur, findErr := orgcontext.FindIssue(r.Context(), tx, id); findErr == nil {
			in.Ref = cur.Ref
		}
		return err
	})
	if err != nil {
		return s.renderIssueForm(w, r, http.StatusUnprocessableEntity, s.issueEditView(r, id, in), err)
	}
	s.flash(r, "success", out.Reference()+" saved.")
	http.Redirect(w, r, s.contextBase(r)+"/"+id.String(), http.StatusSeeOther)
	return nil
}

func (s *Server) contextArchiveConfirm(w http.ResponseWriter, r *http.Request) error {
	id, err := idParam(r)
	if err != nil {
		return err
	}
	var i orgcontext.Issue
	if err := s.inTenant(r, func(tx *postgres.Tx) (err error) {
		i, err = orgcontext.FindIssue(r.Context(), tx, id)
		return err
	}); err != nil {
		return err
	}
	href := s.contextBase(r) + "/" + id.String()
	s.render(w, r, http.StatusOK, pages.ArchiveConfirm(s.page(r, "Archive "+i.Reference(), s.contextCrumbs(r, layout.Crumb{Label: i.Reference(), Href: href})...),
		i.Label(), href+"/archive", href))
	return nil
}

// contextSetArchived archives or restores an issue.
func (s *Server) contextSetArchived(archived bool) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := idParam(r)
		if err != nil {
			return err
		}
		var out orgcontext.Issue
		if err := s.inTenant(r, func(tx *postgres.Tx) (err error) {
			out, err = orgcontext.SetIssueArchived(r.Context(), tx, id, archived)
			return err
		}); err != nil {
			return err
		}
		msg := out.Reference() + " restored."
		if archived {
			msg = out.Reference() + " archived. Find it under the Archived status filter."
		}
		s.flash(r, "success", msg)
		http.Redirect(w, r, s.contextBase(r)+"/"+id.String(), http.StatusSeeOther)
		return nil
	}
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
	base := s.contextBase(r)
	v := pages.AIRolesFormView{Action: base + "/ai-roles", Cancel: base, Roles: roles}
	if err != nil {
		var ok bool
		if v.Errors, v.Summary, ok = formErrors(err); !ok {
			return err
		}
	}
	s.render(w, r, status, pages.AIRolesForm(s.page(r, "AI roles", s.contextCrumbs(r, layout.Crumb{Label: "AI roles"})...), v))
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
	s.flash(r, "success", "The organisation's AI roles are saved.")
	http.Redirect(w, r, s.contextBase(r), http.StatusSeeOther)
	return nil
}
