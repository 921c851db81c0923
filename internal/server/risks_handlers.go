package server

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/google/uuid"

	"github.com/openaims/openaims/internal/aisystem"
	"github.com/openaims/openaims/internal/orgcontext"
	"github.com/openaims/openaims/internal/postgres"
	"github.com/openaims/openaims/internal/risk"
	"github.com/openaims/openaims/internal/treatment"
	"github.com/openaims/openaims/web/components"
	"github.com/openaims/openaims/web/layout"
	pages "github.com/openaims/openaims/web/pages/risks"
)

// riskPages are the pages of the AI risk register (6.1.2, 8.2).
var riskPages = registerPages{slug: risk.Object, title: "AI risks"}

// riskFlows archive and restore risks; the register's other pages are its own, since its
// forms need the criteria and the AI systems.
var riskFlows = recordFlows[risk.Risk]{reg: riskPages, find: risk.Find, setArchived: risk.SetArchived}

func (s *Server) riskList(w http.ResponseWriter, r *http.Request) error {
	lr := parseList(r, riskPages.base(r), risk.Filters...)
	v := pages.ListView{
		Base: lr.Base, CriteriaHref: lr.Base + "/criteria", HeatMapHref: lr.Base + "/heatmap", SystemsHref: tenantHref(r, "/ai-systems"),
		CanWrite: s.can(r, permWriteRegisters), Search: lr.Filter.Search, Filters: lr.Filter.Fields,
		Statuses: options(risk.Statuses), Sources: options(risk.Sources), Objectives: options(risk.Objectives),
		Headers: []components.SortLink{lr.SortLink("Ref", "ref"), lr.SortLink("Title", "title"), lr.SortLink("Inherent", "level"),
			lr.SortLink("Status", "status"), lr.SortLink("Next review", "review"), lr.SortLink("Updated", "updated")},
		ExportHref: lr.ExportHref(), Filtered: lr.Filtered(),
	}
	err := s.inTenant(r, func(tx *postgres.Tx) (err error) {
		if v.SystemField, v.Systems, err = systemFilter(r, tx, &lr); err != nil {
			return err
		}
		page, err := risk.ListRisks(r.Context(), tx, lr.Filter)
		if err != nil {
			return err
		}
		v.Risks, v.Pager = page.Items, pager(lr, page)
		if v.Owners, err = memberOptions(r, tx); err != nil {
			return err
		}
		if v.Maps, err = risk.LoadHeatMaps(r.Context(), tx); err != nil {
			return err
		}
		v.Chips, err = riskChips(r, tx, lr, v.Maps.Inherent.Criteria)
		return err
	})
	if err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, pages.List(s.page(r, riskPages.title), v))
	return nil
}

// riskChips names the filters the list's form does not show, each with the list without it.
func riskChips(r *http.Request, tx *postgres.Tx, lr listRequest, c risk.Criteria) ([]pages.Chip, error) {
	without := func(field string) string {
		v := lr.values()
		v.Del(field)
		return lr.href(v)
	}
	var chips []pages.Chip
	for _, f := range []struct{ field, kind string }{{"cell", "Inherent"}, {"rcell", "Residual"}} {
		value := lr.Filter.Fields[f.field]
		if value == "" {
			continue
		}
		label := f.kind + " cell: not a cell of the matrix"
		if l, i, ok := risk.ParseCell(value); ok {
			label = fmt.Sprintf("%s likelihood %s × impact %s", f.kind, c.LikelihoodLabel(l), c.ImpactLabel(i))
		}
		chips = append(chips, pages.Chip{Label: label, RemoveHref: without(f.field)})
	}
	if value := lr.Filter.Fields["impact_assessment"]; value != "" {
		label := "Raised from an impact assessment"
		if id, err := uuid.Parse(value); err == nil {
			name, err := risk.AssessmentLabel(r.Context(), tx, id)
			if err != nil {
				return nil, err
			}
			if name != "" {
				label = "Raised from " + name
			}
		}
		chips = append(chips, pages.Chip{Label: label, RemoveHref: without("impact_assessment")})
	}
	return chips, nil
}

func (s *Server) riskExport(w http.ResponseWriter, r *http.Request) error {
	lr := parseList(r, riskPages.base(r), risk.Filters...)
	return s.inTenant(r, func(tx *postgres.Tx) error {
		if _, _, err := systemFilter(r, tx, &lr); err != nil {
			return err
		}
		c, err := risk.LoadCriteria(r.Context(), tx)
		if err != nil {
			return err
		}
		return streamCSV(w, "ai-risks", []string{"Reference", "Title", "AI systems", "Event", "Risk source", "Objective affected",
			"Assets", "Consequences", "Affected parties", "Existing controls", "Inherent likelihood", "Inherent impact",
			"Inherent level", "Residual likelihood", "Residual impact", "Residual level", "Within acceptance threshold",
			"Owner", "Next review", "Status", "Raised from", "Archived", "Updated at", "Updated by"},
			func(write func(...string) error) error {
				return risk.EachRisk(r.Context(), tx, lr.Filter, func(k risk.Risk) error {
					systems := make([]string, len(k.Systems))
					for i, sys := range k.Systems {
						systems[i] = sys.Reference() + " " + sys.Name
					}
					within := c.Acceptable(k.InherentLevel)
					if k.HasResidual() {
						within = c.Acceptable(k.ResidualLevel)
					}
					raised := ""
					if k.ImpactAssessmentRef > 0 {
						raised = fmt.Sprintf("IA-%d %s", k.ImpactAssessmentRef, k.ImpactAssessmentTitle)
					}
					return write(k.Reference(), k.Title, strings.Join(systems, " | "), k.Event,
						orgcontext.LabelOf(risk.Sources, k.RiskSource), orgcontext.LabelOf(risk.Objectives, k.ObjectiveAffected),
						k.Assets, k.Consequences, k.AffectedParties, k.ExistingControls,
						c.LikelihoodLabel(k.InherentLikelihood), c.ImpactLabel(k.InherentImpact), risk.LevelLabel(k.InherentLevel),
						c.LikelihoodLabel(k.ResidualLikelihood), c.ImpactLabel(k.ResidualImpact), risk.LevelLabel(k.ResidualLevel),
						yesNo(within), k.OwnerName, k.ReviewDate, orgcontext.LabelOf(risk.Statuses, k.Status), raised,
						csvDate(k.ArchivedAt), k.UpdatedAt.UTC().Format("2006-01-02 15:04:05"), k.UpdatedBy)
				})
			})
	})
}

func yesNo(b bool) string {
	if b {
		return "Yes"
	}
	return "No"
}

func (s *Server) riskHeatMap(w http.ResponseWriter, r *http.Request) error {
	base := riskPages.base(r)
	v := pages.HeatMapsView{Base: base, CriteriaHref: base + "/criteria"}
	err := s.inTenant(r, func(tx *postgres.Tx) (err error) {
		v.Maps, err = risk.LoadHeatMaps(r.Context(), tx)
		return err
	})
	if err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, pages.HeatMapPage(s.page(r, "Risk heat map", riskPages.crumbs(r, layout.Crumb{Label: "Heat map"})...), v))
	return nil
}

func (s *Server) riskShow(w http.ResponseWriter, r *http.Request) error {
	id, err := idParam(r)
	if err != nil {
		return err
	}
	base := riskPages.base(r)
	v := pages.ShowView{Base: base, CanWrite: s.can(r, permWriteRegisters), CanApprove: s.can(r, permApprove),
		CriteriaHref: base + "/criteria", Activity: activityHref(tenantHref(r, ""), risk.Object, id)}
	if v.CanWrite {
		v.TreatmentNew = tenantHref(r, "/treatments/new?risk="+id.String())
	}
	err = s.inTenant(r, func(tx *postgres.Tx) (err error) {
		if v.Dossier, err = risk.FindDossier(r.Context(), tx, id); err != nil {
			return err
		}
		treatments, err := treatment.ForRisk(r.Context(), tx, id, linkedShown)
		if err != nil {
			return err
		}
		v.TreatmentsTotal, v.TreatmentsHref = treatments.Total, tenantHref(r, "/treatments?risk="+id.String())
		for _, t := range treatments.Items {
			v.Treatments = append(v.Treatments, pages.Link{Href: tenantHref(r, "/treatments/"+t.ID.String()),
				Label: t.Reference() + " " + t.Title, Note: treatmentNote(t), Archived: t.Archived})
		}
		v.History, err = history(r, tx, risk.Object, id)
		return err
	})
	if err != nil {
		return err
	}
	k := v.Dossier.Risk
	for _, sys := range k.Systems {
		v.Systems = append(v.Systems, pages.Link{Href: tenantHref(r, "/ai-systems/"+sys.ID.String()), Label: sys.Reference() + " " + sys.Name})
	}
	if k.ImpactAssessmentID != "" {
		v.Assessment = &pages.Link{Href: tenantHref(r, "/impact-assessments/"+k.ImpactAssessmentID),
			Label: fmt.Sprintf("IA-%d %s", k.ImpactAssessmentRef, k.ImpactAssessmentTitle)}
	}
	ref := k.Reference()
	s.render(w, r, http.StatusOK, pages.Show(s.page(r, ref, riskPages.crumbs(r, layout.Crumb{Label: ref})...), v))
	return nil
}

// treatmentNote is a treatment's option, status and actions done, as a risk's page lists it.
func treatmentNote(t treatment.Summary) string {
	note := treatment.LabelOf(treatment.OptionNames, t.Option) + " · " + treatment.LabelOf(treatment.Statuses, t.Status)
	if t.ActionCount > 0 {
		note += fmt.Sprintf(" · %d of %d actions done", t.ActionsDone, t.ActionCount)
	}
	if t.DueDate != "" {
		note += " · due " + t.DueDate
	}
	return note
}

// riskFromForm reads the risk form. Ratings that are not numbers read as 0, which
// validation reports as not chosen.
func riskFromForm(r *http.Request) risk.Risk {
	_ = r.ParseForm()
	num := func(name string) int {
		n, _ := strconv.Atoi(r.PostFormValue(name))
		return n
	}
	return risk.Risk{
		Title: r.PostFormValue("title"), SystemIDs: r.PostForm["ai_systems"], AddSystems: r.PostFormValue("add_systems"),
		Event:      r.PostFormValue("event"),
		RiskSource: r.PostFormValue("risk_source"), ObjectiveAffected: r.PostFormValue("objective_affected"),
		Assets: r.PostFormValue("assets"), Consequences: r.PostFormValue("consequences"),
		AffectedParties: r.PostFormValue("affected_parties"), ExistingControls: r.PostFormValue("existing_controls"),
		Ratings: ratingsFromForm(num),
		OwnerID: r.PostFormValue("owner_id"), ReviewDate: r.PostFormValue("review_date"), Status: r.PostFormValue("status"),
		AssessmentNote: r.PostFormValue("note"),
	}
}

func ratingsFromForm(num func(string) int) risk.Ratings {
	return risk.Ratings{InherentLikelihood: num("inherent_likelihood"), InherentImpact: num("inherent_impact"),
		ResidualLikelihood: num("residual_likelihood"), ResidualImpact: num("residual_impact")}
}

// renderRiskForm shows the add or edit form, fresh (saveErr nil) or again with the messages
// of a failed save (422); a saveErr that is not a validation error is returned instead.
func (s *Server) renderRiskForm(w http.ResponseWriter, r *http.Request, v pages.FormView, saveErr error) error {
	status := http.StatusOK
	if saveErr != nil {
		var ok bool
		if v.Errors, v.Summary, ok = formErrors(saveErr); !ok {
			return saveErr
		}
		status = http.StatusUnprocessableEntity
	}
	if err := s.inTenant(r, func(tx *postgres.Tx) error { return riskFormOptions(r, tx, &v) }); err != nil {
		return err
	}
	s.render(w, r, status, pages.Form(s.page(r, v.Heading, riskPages.crumbs(r, layout.Crumb{Label: v.Heading})...), v))
	return nil
}

// riskFormOptions fills in what the risk form offers: owners, AI systems and the criteria.
func riskFormOptions(r *http.Request, tx *postgres.Tx, v *pages.FormView) (err error) {
	base := riskPages.base(r)
	v.CriteriaHref, v.SystemsHref = base+"/criteria", tenantHref(r, "/ai-systems/new")
	if v.Owners, err = memberOptions(r, tx); err != nil {
		return err
	}
	choice, err := aisystem.LoadFilterChoice(r.Context(), tx, "")
	if err != nil {
		return err
	}
	systems := choice.Options
	if v.ManySystems = systems == nil; v.ManySystems {
		// Only the risk's own systems are listed; others are added by reference.
		ids := parseIDs(v.Risk.SystemIDs)
		for _, s := range v.Risk.Systems {
			ids = append(ids, s.ID)
		}
		if systems, err = aisystem.OptionsByID(r.Context(), tx, ids); err != nil {
			return err
		}
	}
	for _, o := range systems {
		v.Systems = append(v.Systems, pages.SystemOption{ID: o.ID.String(), Label: o.Label(), Archived: o.Archived})
	}
	v.Criteria, err = risk.LoadCriteria(r.Context(), tx)
	return err
}

const addRiskHeading = "Add a risk"

func (s *Server) riskNew(w http.ResponseWriter, r *http.Request) error {
	base := riskPages.base(r)
	in := risk.Risk{Status: "identified", OwnerID: req(r).User.ID.String()}
	// A link from an AI system's page may preselect it.
	if sys := r.URL.Query().Get("system"); sys != "" {
		in.SystemIDs = []string{sys}
	}
	return s.renderRiskForm(w, r, pages.FormView{Heading: addRiskHeading, Action: base, Cancel: base, New: true, Risk: in}, nil)
}

func (s *Server) riskCreate(w http.ResponseWriter, r *http.Request) error {
	in := riskFromForm(r)
	out, err := inTenantValue(s, r, func(tx *postgres.Tx) (risk.Risk, error) { return risk.Create(r.Context(), tx, in) })
	if err != nil {
		base := riskPages.base(r)
		return s.renderRiskForm(w, r, pages.FormView{Heading: addRiskHeading, Action: base, Cancel: base, New: true, Risk: in}, err)
	}
	s.saved(w, r, fmt.Sprintf("%s added: inherent level %s.", out.Reference(), risk.LevelLabel(out.InherentLevel)), riskPages.href(r, out.ID))
	return nil
}

// riskEdit shows the edit form; the risk and the form's options are read in one transaction.
func (s *Server) riskEdit(w http.ResponseWriter, r *http.Request) error {
	id, err := idParam(r)
	if err != nil {
		return err
	}
	var v pages.FormView
	err = s.inTenant(r, func(tx *postgres.Tx) error {
		k, err := risk.Find(r.Context(), tx, id)
		if err != nil {
			return err
		}
		if err := k.Editable(); err != nil {
			return err
		}
		href := riskPages.href(r, id)
		v = pages.FormView{Heading: "Edit " + k.Reference(), Action: href, Cancel: href, Risk: k, AssessHref: href + "/assess"}
		return riskFormOptions(r, tx, &v)
	})
	if err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, pages.Form(s.page(r, v.Heading, riskPages.crumbs(r, layout.Crumb{Label: v.Heading})...), v))
	return nil
}

func (s *Server) riskUpdate(w http.ResponseWriter, r *http.Request) error {
	id, err := idParam(r)
	if err != nil {
		return err
	}
	in := riskFromForm(r)
	out, err := inTenantValue(s, r, func(tx *postgres.Tx) (risk.Risk, error) { return risk.Update(r.Context(), tx, id, in) })
	if err == nil {
		s.saved(w, r, out.Reference()+" saved.", riskPages.href(r, id))
		return nil
	}
	// The stored risk gives the heading and the ratings the form shows but does not send;
	// it is read in a transaction of its own, since the failed one may be aborted.
	cur, findErr := inTenantValue(s, r, func(tx *postgres.Tx) (risk.Risk, error) { return risk.Find(r.Context(), tx, id) })
	if findErr != nil {
		return findErr
	}
	in.ID, in.Ref, in.Ratings, in.InherentLevel, in.ResidualLevel = cur.ID, cur.Ref, cur.Ratings, cur.InherentLevel, cur.ResidualLevel
	href := riskPages.href(r, id)
	return s.renderRiskForm(w, r, pages.FormView{Heading: "Edit " + cur.Reference(), Action: href, Cancel: href, Risk: in, AssessHref: href + "/assess"}, err)
}

// renderAssessForm shows the re-assessment form of the risk id, fresh or with the messages
// of a failed save.
func (s *Server) renderAssessForm(w http.ResponseWriter, r *http.Request, id uuid.UUID, in *risk.Reassessment, saveErr error) error {
	href := riskPages.href(r, id)
	v := pages.AssessView{Action: href + "/assess", Cancel: href, CriteriaHref: riskPages.base(r) + "/criteria"}
	status := http.StatusOK
	if saveErr != nil {
		var ok bool
		if v.Errors, v.Summary, ok = formErrors(saveErr); !ok {
			return saveErr
		}
		status = http.StatusUnprocessableEntity
	}
	err := s.inTenant(r, func(tx *postgres.Tx) (err error) {
		if v.Risk, err = risk.Find(r.Context(), tx, id); err != nil {
			return err
		}
		v.Criteria, err = risk.LoadCriteria(r.Context(), tx)
		return err
	})
	if err == nil && saveErr == nil {
		err = v.Risk.Editable()
	}
	if err != nil {
		return err
	}
	if in != nil {
		v.Input = *in
	} else {
		v.Input = risk.Reassessment{Ratings: v.Risk.Ratings, ReviewDate: v.Risk.ReviewDate}
	}
	heading := "Re-assess " + v.Risk.Reference()
	s.render(w, r, status, pages.AssessForm(s.page(r, heading, riskPages.crumbs(r, layout.Crumb{Label: v.Risk.Reference(), Href: href},
		layout.Crumb{Label: "Re-assess"})...), v))
	return nil
}

func (s *Server) riskAssessForm(w http.ResponseWriter, r *http.Request) error {
	id, err := idParam(r)
	if err != nil {
		return err
	}
	return s.renderAssessForm(w, r, id, nil, nil)
}

func (s *Server) riskAssess(w http.ResponseWriter, r *http.Request) error {
	id, err := idParam(r)
	if err != nil {
		return err
	}
	num := func(name string) int {
		n, _ := strconv.Atoi(r.PostFormValue(name))
		return n
	}
	in := risk.Reassessment{Ratings: ratingsFromForm(num), Note: r.PostFormValue("note"), ReviewDate: r.PostFormValue("review_date")}
	var before risk.Risk
	out, err := inTenantValue(s, r, func(tx *postgres.Tx) (risk.Risk, error) {
		var err error
		if before, err = risk.Find(r.Context(), tx, id); err != nil {
			return risk.Risk{}, err
		}
		return risk.Assess(r.Context(), tx, id, in)
	})
	if err != nil {
		return s.renderAssessForm(w, r, id, &in, err)
	}
	msg := fmt.Sprintf("%s re-assessed: inherent %s", out.Reference(), risk.LevelLabel(out.InherentLevel))
	if out.HasResidual() {
		msg += ", residual " + risk.LevelLabel(out.ResidualLevel)
	}
	msg += "."
	if before.Status == risk.StatusAccepted && out.Status != risk.StatusAccepted {
		msg += " The residual level changed, so the earlier acceptance no longer covers it."
	}
	s.saved(w, r, msg, riskPages.href(r, id))
	return nil
}

// renderAcceptForm shows the acceptance form of the risk id, fresh or with the messages of
// a failed acceptance.
func (s *Server) renderAcceptForm(w http.ResponseWriter, r *http.Request, id uuid.UUID, reason string, saveErr error) error {
	href := riskPages.href(r, id)
	v := pages.AcceptView{Action: href + "/accept", Cancel: href, Reason: reason}
	status := http.StatusOK
	if saveErr != nil {
		var ok bool
		if v.Errors, v.Summary, ok = formErrors(saveErr); !ok {
			return saveErr
		}
		status = http.StatusUnprocessableEntity
	}
	err := s.inTenant(r, func(tx *postgres.Tx) (err error) {
		if v.Risk, err = risk.Find(r.Context(), tx, id); err != nil {
			return err
		}
		v.Criteria, err = risk.LoadCriteria(r.Context(), tx)
		return err
	})
	if err == nil && saveErr == nil {
		err = v.Risk.Editable()
	}
	if err != nil {
		return err
	}
	heading := "Accept residual risk"
	s.render(w, r, status, pages.AcceptForm(s.page(r, heading+" of "+v.Risk.Reference(),
		riskPages.crumbs(r, layout.Crumb{Label: v.Risk.Reference(), Href: href}, layout.Crumb{Label: heading})...), v))
	return nil
}

func (s *Server) riskAcceptForm(w http.ResponseWriter, r *http.Request) error {
	id, err := idParam(r)
	if err != nil {
		return err
	}
	return s.renderAcceptForm(w, r, id, "", nil)
}

func (s *Server) riskAccept(w http.ResponseWriter, r *http.Request) error {
	id, err := idParam(r)
	if err != nil {
		return err
	}
	reason := r.PostFormValue("reason")
	out, err := inTenantValue(s, r, func(tx *postgres.Tx) (risk.Risk, error) { return risk.Accept(r.Context(), tx, id, reason) })
	if err != nil {
		return s.renderAcceptForm(w, r, id, reason, err)
	}
	s.saved(w, r, fmt.Sprintf("The residual risk of %s is accepted at %s.", out.Reference(), risk.LevelLabel(out.ResidualLevel)), riskPages.href(r, id))
	return nil
}

func (s *Server) riskCriteria(w http.ResponseWriter, r *http.Request) error {
	base := riskPages.base(r)
	v := pages.CriteriaView{CanEdit: s.can(r, permManageSettings), EditHref: base + "/criteria/edit", RisksHref: base,
		Activity: tenantHref(r, "/activity?"+url.Values{"object": {risk.CriteriaObject}}.Encode())}
	err := s.inTenant(r, func(tx *postgres.Tx) (err error) {
		v.Criteria, err = risk.LoadCriteria(r.Context(), tx)
		return err
	})
	if err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, pages.CriteriaPage(s.page(r, "Risk criteria", riskPages.crumbs(r, layout.Crumb{Label: "Risk criteria"})...), v))
	return nil
}

// renderCriteriaForm shows the criteria form with c, and the messages of saveErr if any.
func (s *Server) renderCriteriaForm(w http.ResponseWriter, r *http.Request, status int, c risk.Criteria, resized bool, saveErr error) error {
	base := riskPages.base(r)
	v := pages.CriteriaFormView{Action: base + "/criteria", Cancel: base + "/criteria", Criteria: c, Resized: resized}
	if saveErr != nil {
		var ok bool
		if v.Errors, v.Summary, ok = formErrors(saveErr); !ok {
			return saveErr
		}
	}
	err := s.inTenant(r, func(tx *postgres.Tx) (err error) {
		v.Risks, err = risk.Count(r.Context(), tx)
		return err
	})
	if err != nil {
		return err
	}
	heading := "Edit the risk criteria"
	s.render(w, r, status, pages.CriteriaForm(s.page(r, heading, riskPages.crumbs(r, layout.Crumb{Label: "Risk criteria", Href: base + "/criteria"},
		layout.Crumb{Label: "Edit"})...), v))
	return nil
}

func (s *Server) riskCriteriaEdit(w http.ResponseWriter, r *http.Request) error {
	c, err := inTenantValue(s, r, func(tx *postgres.Tx) (risk.Criteria, error) { return risk.LoadCriteria(r.Context(), tx) })
	if err != nil {
		return err
	}
	return s.renderCriteriaForm(w, r, http.StatusOK, c, false, nil)
}

func (s *Server) riskCriteriaSave(w http.ResponseWriter, r *http.Request) error {
	c, resized := criteriaFromForm(r)
	if resized {
		return s.renderCriteriaForm(w, r, http.StatusOK, c, true, nil)
	}
	var changed []risk.Relevelled
	err := s.inTenant(r, func(tx *postgres.Tx) (err error) {
		_, changed, err = risk.SaveCriteria(r.Context(), tx, c)
		return err
	})
	if err != nil {
		return s.renderCriteriaForm(w, r, http.StatusUnprocessableEntity, c, false, err)
	}
	msg := "The risk criteria are saved. No risk changed level."
	switch n := len(changed); {
	case n == 1:
		msg = "The risk criteria are saved. " + risk.Reference(changed[0].Ref) + " changed level."
	case n > 1:
		msg = fmt.Sprintf("The risk criteria are saved. %d risks changed level.", n)
	}
	s.saved(w, r, msg, riskPages.base(r)+"/criteria")
	return nil
}

// criteriaFromForm reads the criteria form as it was shown (rendered_* points per scale),
// and reports resized when the user asked for another number of points: the criteria are
// then those of the new size, with the typed values kept and new cells filled from their
// nearest neighbour, to be shown again rather than saved.
func criteriaFromForm(r *http.Request) (risk.Criteria, bool) {
	count := func(name string) int {
		n, err := strconv.Atoi(r.PostFormValue(name))
		if err != nil {
			return 0
		}
		return min(max(n, risk.MinScale), risk.MaxScale)
	}
	shownL, shownI := count("rendered_likelihood"), count("rendered_impact")
	if shownL == 0 || shownI == 0 {
		shownL, shownI = 5, 5
	}
	c := risk.Criteria{AcceptanceThreshold: r.PostFormValue("acceptance_threshold")}
	for i := range shownL {
		c.LikelihoodLabels = append(c.LikelihoodLabels, r.PostFormValue(risk.LikelihoodField(i, "label")))
		c.LikelihoodDescriptions = append(c.LikelihoodDescriptions, r.PostFormValue(risk.LikelihoodField(i, "description")))
	}
	for i := range shownI {
		c.ImpactLabels = append(c.ImpactLabels, r.PostFormValue(risk.ImpactField(i, "label")))
		c.ImpactDescriptions = append(c.ImpactDescriptions, r.PostFormValue(risk.ImpactField(i, "description")))
	}
	for l := 1; l <= shownL; l++ {
		for i := 1; i <= shownI; i++ {
			c.Levels = append(c.Levels, r.PostFormValue(risk.LevelField(l, i)))
		}
	}
	wantL, wantI := count("likelihood_points"), count("impact_points")
	if wantL == 0 {
		wantL = shownL
	}
	if wantI == 0 {
		wantI = shownI
	}
	if r.PostFormValue("resize") == "" && wantL == shownL && wantI == shownI {
		return c, false
	}
	return resizeCriteria(c, wantL, wantI), true
}

// resizeCriteria returns c with l likelihood and i impact points: points added at the top
// of a scale start blank, and each new matrix cell takes the level of the nearest old one.
func resizeCriteria(c risk.Criteria, l, i int) risk.Criteria {
	out := risk.Criteria{AcceptanceThreshold: c.AcceptanceThreshold}
	pad := func(s []string, n int) []string {
		s = append([]string{}, s...)
		for len(s) < n {
			s = append(s, "")
		}
		return s[:n]
	}
	out.LikelihoodLabels, out.LikelihoodDescriptions = pad(c.LikelihoodLabels, l), pad(c.LikelihoodDescriptions, l)
	out.ImpactLabels, out.ImpactDescriptions = pad(c.ImpactLabels, i), pad(c.ImpactDescriptions, i)
	for li := 1; li <= l; li++ {
		for ii := 1; ii <= i; ii++ {
			out.Levels = append(out.Levels, c.Level(min(li, c.LikelihoodCount()), min(ii, c.ImpactCount())))
		}
	}
	return out
}
