package server

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/openaims/openaims/internal/control"
	"github.com/openaims/openaims/internal/postgres"
	"github.com/openaims/openaims/internal/risk"
	"github.com/openaims/openaims/internal/treatment"
	"github.com/openaims/openaims/web/components"
	"github.com/openaims/openaims/web/layout"
	pages "github.com/openaims/openaims/web/pages/treatments"
)

// treatmentPages are the pages of the risk treatment register (6.1.3, 8.3).
var treatmentPages = registerPages{slug: treatment.Object, title: "Risk treatments"}

// treatmentFlows archive and restore treatments; the register's other pages are its own,
// since its form offers the tenant's risks and controls.
var treatmentFlows = recordFlows[treatment.Treatment]{reg: treatmentPages, find: treatment.Find, setArchived: treatment.SetArchived}

// treatmentFilters are the list's filter fields, in the order of the query string.
var treatmentFilters = []string{"status", "option", "owner", "overdue", "risk", "control", "system"}

func (s *Server) treatmentList(w http.ResponseWriter, r *http.Request) error {
	lr := parseList(r, treatmentPages.base(r), treatmentFilters...)
	v := pages.ListView{
		Base: lr.Base, CanWrite: s.can(r, permWriteRegisters), Search: lr.Filter.Search, Filters: lr.Filter.Fields,
		Headers: []components.SortLink{lr.SortLink("Ref", "ref"), lr.SortLink("Title", "title"), lr.SortLink("Due", "due"),
			lr.SortLink("Status", "status"), lr.SortLink("Updated", "updated")},
		ExportHref: lr.ExportHref(), NewHref: lr.Base + "/new", Filtered: lr.Filtered(),
	}
	err := s.inTenant(r, func(tx *postgres.Tx) error {
		page, err := treatment.ListTreatments(r.Context(), tx, lr.Filter)
		if err != nil {
			return err
		}
		v.Treatments, v.Pager = page.Items, pager(lr, page)
		if v.Owners, err = memberOptions(r, tx); err != nil {
			return err
		}
		v.Scopes, err = treatmentScopes(r, tx, lr)
		return err
	})
	if err != nil {
		return err
	}
	// Planning a treatment from a list narrowed to a risk or control starts with it ticked.
	for _, sc := range v.Scopes {
		if sc.Field != "system" {
			v.NewHref = lr.Base + "/new?" + url.Values{sc.Field: {sc.Value}}.Encode()
		}
	}
	s.render(w, r, http.StatusOK, pages.List(s.page(r, treatmentPages.title), v))
	return nil
}

// treatmentScopes names the risk, control or AI system the list is narrowed to, each with
// the list without it. A value that names nothing of the tenant is still shown, as not found.
func treatmentScopes(r *http.Request, tx *postgres.Tx, lr listRequest) ([]pages.Scope, error) {
	var out []pages.Scope
	for _, kind := range []string{"risk", "control", "system"} {
		value := lr.Filter.Fields[kind]
		if value == "" {
			continue
		}
		label := ""
		if id, err := uuid.Parse(value); err == nil {
			if label, err = treatment.LinkLabel(r.Context(), tx, kind, id); err != nil {
				return nil, err
			}
		}
		if label == "" {
			label = "a " + kind + " that was not found"
		}
		prefix := "Treating "
		switch kind {
		case "control":
			prefix = "Using control "
		case "system":
			prefix = "Treating risks of AI system "
		}
		without := lr.values()
		without.Del(kind)
		out = append(out, pages.Scope{Field: kind, Value: value, Label: prefix + label, ClearHref: lr.href(without)})
	}
	return out, nil
}

func (s *Server) treatmentExport(w http.ResponseWriter, r *http.Request) error {
	lr := parseList(r, treatmentPages.base(r), treatmentFilters...)
	return s.inTenant(r, func(tx *postgres.Tx) error {
		return streamCSV(w, "risk-treatments", []string{"Reference", "Title", "Option", "Description", "Risks", "Controls",
			"Actions", "Actions done", "Owner", "Due date", "Overdue", "Status", "Effectiveness check", "Effectiveness",
			"Archived", "Updated at", "Updated by"},
			func(write func(...string) error) error {
				return treatment.EachTreatment(r.Context(), tx, lr.Filter, func(t treatment.Treatment) error {
					overdue := ""
					if t.Overdue {
						overdue = "yes"
					}
					return write(t.Reference(), t.Title, treatment.LabelOf(treatment.OptionNames, t.Option), t.Description,
						t.RiskRefs, t.ControlCodes, actionsCell(t.Actions), strconv.Itoa(t.ActionsDone), t.OwnerName, t.DueDate, overdue,
						treatment.LabelOf(treatment.Statuses, t.Status), t.EffectivenessCheck,
						treatment.LabelOf(treatment.Effectiveness, t.Effectiveness), csvDate(t.ArchivedAt),
						t.UpdatedAt.UTC().Format("2006-01-02 15:04:05"), t.UpdatedBy)
				})
			})
	})
}

// actionsCell puts a plan's actions in one CSV cell, " | " between them, e.g.
// "Train the nurses [Open; Olivia Officer; due 2027-01-31]".
func actionsCell(actions []treatment.Action) string {
	parts := make([]string, len(actions))
	for i, a := range actions {
		meta := []string{treatment.LabelOf(treatment.ActionStatuses, a.Status)}
		if a.OwnerName != "" {
			meta = append(meta, a.OwnerName)
		}
		if a.DueDate != "" {
			meta = append(meta, "due "+a.DueDate)
		}
		parts[i] = a.Title + " [" + strings.Join(meta, "; ") + "]"
	}
	return strings.Join(parts, " | ")
}

// treatmentShow shows a plan with its risks, controls, actions and history.
func (s *Server) treatmentShow(w http.ResponseWriter, r *http.Request) error {
	id, err := idParam(r)
	if err != nil {
		return err
	}
	v := pages.ShowView{Base: treatmentPages.base(r), Tenant: tenantHref(r, ""), CanWrite: s.can(r, permWriteRegisters),
		Today: time.Now().UTC().Format(time.DateOnly), Activity: activityHref(tenantHref(r, ""), treatment.Object, id)}
	err = s.inTenant(r, func(tx *postgres.Tx) (err error) {
		if v.Treatment, err = treatment.Find(r.Context(), tx, id); err != nil {
			return err
		}
		v.History, err = history(r, tx, treatment.Object, id)
		return err
	})
	if err != nil {
		return err
	}
	ref := v.Treatment.Reference()
	s.render(w, r, http.StatusOK, pages.Show(s.page(r, ref, treatmentPages.crumbs(r, layout.Crumb{Label: ref})...), v))
	return nil
}

// treatmentNew shows the form that plans a treatment; ?risk= and ?control= tick a risk or a
// control to start with (the links from a risk's or a control's page).
func (s *Server) treatmentNew(w http.ResponseWriter, r *http.Request) error {
	t := treatment.Treatment{Option: "modify", Status: "planned", Effectiveness: "not_checked", OwnerID: req(r).User.ID.String()}
	q := r.URL.Query()
	if id, err := uuid.Parse(q.Get("risk")); err == nil {
		t.RiskIDs = []string{id.String()}
	}
	if id, err := uuid.Parse(q.Get("control")); err == nil {
		t.ControlIDs = []string{id.String()}
	}
	base := treatmentPages.base(r)
	return s.treatmentForm(w, r, pages.FormView{Heading: "Plan a treatment", Action: base, Cancel: base, Treatment: t}, nil)
}

func (s *Server) treatmentCreate(w http.ResponseWriter, r *http.Request) error {
	in := treatmentFromForm(r)
	out, err := inTenantValue(s, r, func(tx *postgres.Tx) (treatment.Treatment, error) { return treatment.Create(r.Context(), tx, in) })
	if err != nil {
		base := treatmentPages.base(r)
		return s.treatmentForm(w, r, pages.FormView{Heading: "Plan a treatment", Action: base, Cancel: base, Treatment: in}, err)
	}
	s.saved(w, r, out.Reference()+" added.", treatmentPages.href(r, out.ID))
	return nil
}

// treatmentEdit shows the edit form; the plan and the form's options are read in one
// transaction.
func (s *Server) treatmentEdit(w http.ResponseWriter, r *http.Request) error {
	id, err := idParam(r)
	if err != nil {
		return err
	}
	var v pages.FormView
	err = s.inTenant(r, func(tx *postgres.Tx) error {
		t, err := treatment.Find(r.Context(), tx, id)
		if err != nil {
			return err
		}
		if err := t.Editable(); err != nil {
			return err
		}
		href := treatmentPages.href(r, id)
		v = pages.FormView{Heading: "Edit " + t.Reference(), Action: href, Cancel: href, Treatment: t}
		return treatmentFormOptions(r, tx, &v)
	})
	if err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, pages.Form(s.page(r, v.Heading, treatmentPages.crumbs(r, layout.Crumb{Label: v.Heading})...), v))
	return nil
}

func (s *Server) treatmentUpdate(w http.ResponseWriter, r *http.Request) error {
	id, err := idParam(r)
	if err != nil {
		return err
	}
	in := treatmentFromForm(r)
	out, err := inTenantValue(s, r, func(tx *postgres.Tx) (treatment.Treatment, error) { return treatment.Update(r.Context(), tx, id, in) })
	if err == nil {
		s.saved(w, r, out.Reference()+" saved.", treatmentPages.href(r, id))
		return nil
	}
	// The heading names the stored plan, read in a transaction of its own since the failed
	// one may be aborted.
	heading := "Edit"
	if cur, findErr := inTenantValue(s, r, func(tx *postgres.Tx) (treatment.Treatment, error) { return treatment.Find(r.Context(), tx, id) }); findErr == nil {
		heading += " " + cur.Reference()
	}
	href := treatmentPages.href(r, id)
	return s.treatmentForm(w, r, pages.FormView{Heading: heading, Action: href, Cancel: href, Treatment: in}, err)
}

// treatmentForm shows the form fresh (saveErr nil) or again after a failed save (422), with
// the members, risks and controls to choose from in one transaction. Archived risks and
// controls the plan links are offered too, so saving does not drop them.
func (s *Server) treatmentForm(w http.ResponseWriter, r *http.Request, v pages.FormView, saveErr error) error {
	status := http.StatusOK
	if saveErr != nil {
		var ok bool
		if v.Errors, v.Summary, ok = formErrors(saveErr); !ok {
			return saveErr
		}
		status = http.StatusUnprocessableEntity
	}
	if err := s.inTenant(r, func(tx *postgres.Tx) error { return treatmentFormOptions(r, tx, &v) }); err != nil {
		return err
	}
	crumbs := treatmentPages.crumbs(r, layout.Crumb{Label: v.Heading})
	s.render(w, r, status, pages.Form(s.page(r, v.Heading, crumbs...), v))
	return nil
}

// risksListed is how many risks the treatment form lists as checkboxes. A larger register
// lists only the plan's own risks and takes others by reference: listing 100,000 made the
// form 34 MB.
const risksListed = 100

// treatmentFormOptions fills in what the treatment form offers: owners, risks and controls.
func treatmentFormOptions(r *http.Request, tx *postgres.Tx, v *pages.FormView) (err error) {
	v.RisksHref = tenantHref(r, "/risks/new")
	if v.Owners, err = memberOptions(r, tx); err != nil {
		return err
	}
	if v.Risks, v.ManyRisks, err = risk.Options(r.Context(), tx, risksListed); err != nil {
		return err
	}
	if v.ManyRisks {
		// Only the risks the plan links are listed; others are added by reference.
		v.Risks, err = risk.OptionsByID(r.Context(), tx, parseIDs(v.Treatment.RiskIDs))
		if err != nil {
			return err
		}
	} else if missing := missingRisks(v.Risks, v.Treatment.RiskIDs); len(missing) > 0 {
		archived, err := risk.OptionsByID(r.Context(), tx, missing)
		if err != nil {
			return err
		}
		v.Risks = append(v.Risks, archived...)
	}
	v.Controls, err = control.Options(r.Context(), tx, parseIDs(v.Treatment.ControlIDs))
	return err
}

// missingRisks are the linked risks that the live options do not list (archived ones).
func missingRisks(opts []risk.Option, ids []string) []uuid.UUID {
	live := map[uuid.UUID]bool{}
	for _, o := range opts {
		live[o.ID] = true
	}
	var out []uuid.UUID
	for _, id := range parseIDs(ids) {
		if !live[id] {
			out = append(out, id)
		}
	}
	return out
}

// parseIDs parses the well-formed ids of a list and skips the others.
func parseIDs(ids []string) []uuid.UUID {
	out := []uuid.UUID{}
	for _, s := range ids {
		if id, err := uuid.Parse(s); err == nil {
			out = append(out, id)
		}
	}
	return out
}

// treatmentFromForm reads the treatment form. Action rows left blank are dropped here, so
// that the row numbers of validation messages are the rows the re-shown form has.
func treatmentFromForm(r *http.Request) treatment.Treatment {
	_ = r.ParseForm()
	t := treatment.Treatment{Title: r.PostFormValue("title"), Option: r.PostFormValue("option"),
		Description: r.PostFormValue("description"), OwnerID: r.PostFormValue("owner_id"), DueDate: r.PostFormValue("due_date"),
		Status: r.PostFormValue("status"), EffectivenessCheck: r.PostFormValue("effectiveness_check"),
		Effectiveness: r.PostFormValue("effectiveness"),
		RiskIDs:       append([]string{}, r.PostForm["risk_ids"]...), ControlIDs: append([]string{}, r.PostForm["control_ids"]...),
		AddRisks: r.PostFormValue("add_risks"),
		Actions:  []treatment.Action{}}
	// One row past the limit is read, so that too many rows are reported rather than cut.
	for i := 0; i <= treatment.MaxActions; i++ {
		value := func(name string) string { return r.PostFormValue(treatment.ActionField(i, name)) }
		a := treatment.Action{Title: value("title"), OwnerID: value("owner"), DueDate: value("due"), Status: value("status")}
		if !a.Blank() {
			t.Actions = append(t.Actions, a)
		}
	}
	return t
}
