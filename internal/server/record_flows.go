package server

import (
	"context"
	"net/http"

	"github.com/a-h/templ"
	"github.com/google/uuid"

	"github.com/openaims/openaims/internal/postgres"
	"github.com/openaims/openaims/web/components"
	"github.com/openaims/openaims/web/layout"
	pages "github.com/openaims/openaims/web/pages/orgcontext"
)

// registerPages addresses one register's pages: where they live under the tenant, and the
// breadcrumb that leads back to the list.
type registerPages struct{ slug, title string }

// base is the path of the register's list, e.g. /t/acme/parties.
func (p registerPages) base(r *http.Request) string {
	return tenantHref(r, "/"+p.slug)
}

// href is the path of one record's page.
func (p registerPages) href(r *http.Request, id uuid.UUID) string {
	return p.base(r) + "/" + id.String()
}

// crumbs is the breadcrumb trail of a page of the register.
func (p registerPages) crumbs(r *http.Request, more ...layout.Crumb) []layout.Crumb {
	return append([]layout.Crumb{{Label: p.title, Href: p.base(r)}}, more...)
}

// record is what the flows shared by every register need to know of one of its entries.
type record interface {
	Reference() string // e.g. IP-4
	Label() string     // the reference and the name, as the audit trail shows it
}

// finder loads one record of a register by id.
type finder[T any] func(context.Context, *postgres.Tx, uuid.UUID) (T, error)

// inTenantValue runs fn in a tenant transaction, like inTenant, and returns its result.
func inTenantValue[T any](s *Server, r *http.Request, fn func(*postgres.Tx) (T, error)) (T, error) {
	var out T
	err := s.inTenant(r, func(tx *postgres.Tx) (err error) {
		out, err = fn(tx)
		return err
	})
	return out, err
}

// findRecord loads the record named by the URL's {id}.
func findRecord[T any](s *Server, r *http.Request, find finder[T]) (uuid.UUID, T, error) {
	id, err := idParam(r)
	if err != nil {
		var none T
		return uuid.Nil, none, err
	}
	rec, err := inTenantValue(s, r, func(tx *postgres.Tx) (T, error) { return find(r.Context(), tx, id) })
	return id, rec, err
}

// saved tells the user a record was saved and shows its page.
func (s *Server) saved(w http.ResponseWriter, r *http.Request, msg, href string) {
	s.flash(r, "success", msg)
	http.Redirect(w, r, href, http.StatusSeeOther)
}

// recordForm is a register's add or edit form as it is shown: its heading, where it posts
// and where Cancel leads, the record as stored or as the user typed it, the messages of a
// failed validation, and the members who may own the record.
type recordForm[T any] struct {
	Heading, Action, Cancel string
	Record                  T
	Errors                  map[string]string
	Summary                 []components.ErrorItem
	Owners                  []components.Option
}

// recordPage is a record's page: the record, its history, and the link to its activity trail.
type recordPage[T any] struct {
	Base     string // the register's path
	CanWrite bool
	Record   T
	History  []components.HistoryItem
	Activity string
}

// recordFlows are the pages every register has in common: a record's page, add, edit,
// archive and restore. A register declares one value; its list and export stay its own.
type recordFlows[T record] struct {
	reg        registerPages // its slug is also the records' object type in the audit trail
	addHeading string        // e.g. "Add an interested party"
	id         func(T) uuid.UUID
	blank      func(*http.Request) T // a new record's defaults
	read       func(*http.Request) T // the record the submitted form describes
	find       finder[T]
	// editable refuses to edit a record (e.g. an archived one) with a conflict; nil allows all.
	editable    func(T) error
	create      func(context.Context, *postgres.Tx, T) (T, error)
	update      func(context.Context, *postgres.Tx, uuid.UUID, T) (T, error)
	setArchived func(context.Context, *postgres.Tx, uuid.UUID, bool) (T, error)
	form        func(layout.Page, recordForm[T]) templ.Component
	page        func(layout.Page, recordPage[T]) templ.Component
}

// showRecord shows the record of the URL with its history.
func (f recordFlows[T]) showRecord(s *Server) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := idParam(r)
		if err != nil {
			return err
		}
		v := recordPage[T]{Base: f.reg.base(r), CanWrite: s.can(r, permWriteRegisters),
			Activity: activityHref(tenantHref(r, ""), f.reg.slug, id)}
		err = s.inTenant(r, func(tx *postgres.Tx) (err error) {
			if v.Record, err = f.find(r.Context(), tx, id); err != nil {
				return err
			}
			v.History, err = history(r, tx, f.reg.slug, id)
			return err
		})
		if err != nil {
			return err
		}
		ref := v.Record.Reference()
		s.render(w, r, http.StatusOK, f.page(s.page(r, ref, f.reg.crumbs(r, layout.Crumb{Label: ref})...), v))
		return nil
	}
}

// renderForm shows the form fresh (saveErr nil) or again after a failed save, with the
// messages beside the fields; a saveErr that is not a validation error is returned instead.
func (f recordFlows[T]) renderForm(s *Server, w http.ResponseWriter, r *http.Request, v recordForm[T], saveErr error) error {
	status := http.StatusOK
	if saveErr != nil {
		var ok bool
		if v.Errors, v.Summary, ok = formErrors(saveErr); !ok {
			return saveErr
		}
		status = http.StatusUnprocessableEntity
	}
	if v.Owners == nil {
		owners, err := inTenantValue(s, r, func(tx *postgres.Tx) ([]components.Option, error) { return memberOptions(r, tx) })
		if err != nil {
			return err
		}
		v.Owners = owners
	}
	s.render(w, r, status, f.form(s.page(r, v.Heading, f.reg.crumbs(r, layout.Crumb{Label: v.Heading})...), v))
	return nil
}

// newForm shows the form that adds a record.
func (f recordFlows[T]) newForm(s *Server) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		base := f.reg.base(r)
		return f.renderForm(s, w, r, recordForm[T]{Heading: f.addHeading, Action: base, Cancel: base, Record: f.blank(r)}, nil)
	}
}

// createRecord stores the submitted record and shows it, or shows the form again (422).
func (f recordFlows[T]) createRecord(s *Server) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		in := f.read(r)
		out, err := inTenantValue(s, r, func(tx *postgres.Tx) (T, error) { return f.create(r.Context(), tx, in) })
		if err != nil {
			base := f.reg.base(r)
			return f.renderForm(s, w, r, recordForm[T]{Heading: f.addHeading, Action: base, Cancel: base, Record: in}, err)
		}
		s.saved(w, r, out.Reference()+" added.", f.reg.href(r, f.id(out)))
		return nil
	}
}

// editForm shows the form that edits the record of the URL; the record and the members who
// may own it are read in one transaction.
func (f recordFlows[T]) editForm(s *Server) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := idParam(r)
		if err != nil {
			return err
		}
		var rec T
		var owners []components.Option
		err = s.inTenant(r, func(tx *postgres.Tx) (err error) {
			if rec, err = f.find(r.Context(), tx, id); err != nil {
				return err
			}
			if f.editable != nil {
				if err := f.editable(rec); err != nil {
					return err
				}
			}
			owners, err = memberOptions(r, tx)
			return err
		})
		if err != nil {
			return err
		}
		href := f.reg.href(r, id)
		return f.renderForm(s, w, r, recordForm[T]{Heading: "Edit " + rec.Reference(), Action: href, Cancel: href, Record: rec, Owners: owners}, nil)
	}
}

// updateRecord saves the submitted changes and shows the record, or shows the form again
// (422) with what the user typed.
func (f recordFlows[T]) updateRecord(s *Server) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := idParam(r)
		if err != nil {
			return err
		}
		in := f.read(r)
		out, err := inTenantValue(s, r, func(tx *postgres.Tx) (T, error) { return f.update(r.Context(), tx, id, in) })
		if err == nil {
			s.saved(w, r, out.Reference()+" saved.", f.reg.href(r, id))
			return nil
		}
		// The heading names the stored record, read in a transaction of its own since the
		// failed one may be aborted.
		heading := "Edit"
		if cur, findErr := inTenantValue(s, r, func(tx *postgres.Tx) (T, error) { return f.find(r.Context(), tx, id) }); findErr == nil {
			heading += " " + cur.Reference()
		}
		href := f.reg.href(r, id)
		return f.renderForm(s, w, r, recordForm[T]{Heading: heading, Action: href, Cancel: href, Record: in}, err)
	}
}

// archiveConfirm asks before the record of the URL is archived, saying what will happen.
func (f recordFlows[T]) archiveConfirm(s *Server) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, rec, err := findRecord(s, r, f.find)
		if err != nil {
			return err
		}
		href := f.reg.href(r, id)
		s.render(w, r, http.StatusOK, pages.ArchiveConfirm(s.page(r, "Archive "+rec.Reference(),
			f.reg.crumbs(r, layout.Crumb{Label: rec.Reference(), Href: href})...), rec.Label(), href+"/archive", href))
		return nil
	}
}

// archive archives (true) or restores (false) the record of the URL, then shows it.
func (f recordFlows[T]) archive(s *Server, archived bool) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := idParam(r)
		if err != nil {
			return err
		}
		out, err := inTenantValue(s, r, func(tx *postgres.Tx) (T, error) { return f.setArchived(r.Context(), tx, id, archived) })
		if err != nil {
			return err
		}
		msg := out.Reference() + " restored."
		if archived {
			msg = out.Reference() + " archived. Find it under the Archived status filter."
		}
		s.saved(w, r, msg, f.reg.href(r, id))
		return nil
	}
}
