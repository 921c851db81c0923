package server

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/google/uuid"

	"github.com/openaims/openaims/internal/aisystem"
	"github.com/openaims/openaims/internal/apperr"
	"github.com/openaims/openaims/internal/auditlog"
	"github.com/openaims/openaims/internal/impact"
	"github.com/openaims/openaims/internal/orgcontext"
	"github.com/openaims/openaims/internal/postgres"
	"github.com/openaims/openaims/internal/risk"
	"github.com/openaims/openaims/web/components"
	"github.com/openaims/openaims/web/layout"
	pages "github.com/openaims/openaims/web/pages/impact"
)

// impactPages are the pages of the impact-assessments register (6.1.4, 8.4, A.5).
var impactPages = registerPages{slug: impact.Object, title: "Impact assessments"}

// impactFlows archive and restore assessments; the other pages of the register are its own,
// since an assessment is written in rounds.
var impactFlows = recordFlows[impact.Assessment]{
	reg: impactPages, id: func(a impact.Assessment) uuid.UUID { return a.ID },
	find: impact.FindAssessment, setArchived: impact.SetArchived,
}

// impactLinks are the paths the register's pages link to.
func impactLinks(r *http.Request) pages.Links {
	base := tenantHref(r, "")
	return pages.Links{Base: base + "/" + impact.Object, AISystems: base + "/ai-systems", Risks: base + "/risks"}
}

// today is the current day in UTC, as dates are stored.
func today() string { return time.Now().UTC().Format(time.DateOnly) }

// roundParam parses the {round} of the URL; anything but a round number is not found.
func roundParam(r *http.Request) (int, error) {
	n, err := strconv.Atoi(chi.URLParam(r, "round"))
	if err != nil || n < 1 {
		return 0, apperr.Errorf(apperr.NotFound, "No such round")
	}
	return n, nil
}

// systemOptions lists the AI systems an assessment can be about: the live ones, and the
// archived one it already names, if any, so that saving it keeps the link.
func systemOptions(r *http.Request, tx *postgres.Tx, current string) ([]components.Option, error) {
	systems, err := aisystem.Options(r.Context(), tx)
	if err != nil {
		return nil, err
	}
	var out []components.Option
	for _, s := range systems {
		if !s.Archived || s.ID.String() == current {
			out = append(out, components.Option{Value: s.ID.String(), Label: s.Label()})
		}
	}
	return out, nil
}

func (s *Server) impactList(w http.ResponseWriter, r *http.Request) error {
	lr := parseList(r, impactPages.base(r), impact.Filters...)
	v := pages.ListView{
		Links: impactLinks(r), CanWrite: s.can(r, permWriteRegisters), Today: today(), Search: lr.Filter.Search,
		Filters: lr.Filter.Fields, States: options(impact.CurrentStates),
		Headers: []components.SortLink{lr.SortLink("Ref", "ref"), lr.SortLink("Title", "title"),
			lr.SortLink("Next review", "review"), lr.SortLink("Updated", "updated")},
		ExportHref: lr.ExportHref(), Filtered: lr.Filtered(),
	}
	err := s.inTenant(r, func(tx *postgres.Tx) (err error) {
		if v.SystemField, v.Systems, err = systemFilter(r, tx, &lr); err != nil {
			return err
		}
		page, err := impact.ListAssessments(r.Context(), tx, lr.Filter)
		if err != nil {
			return err
		}
		v.Items, v.Pager = page.Items, pager(lr, page)
		v.Owners, err = memberOptions(r, tx)
		return err
	})
	if err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, pages.List(s.page(r, impactPages.title), v))
	return nil
}

func (s *Server) impactExport(w http.ResponseWriter, r *http.Request) error {
	lr := parseList(r, impactPages.base(r), impact.Filters...)
	day := today()
	label := orgcontext.LabelOf
	return s.inTenant(r, func(tx *postgres.Tx) error {
		if _, _, err := systemFilter(r, tx, &lr); err != nil {
			return err
		}
		return streamCSV(w, "impact-assessments", []string{"Reference", "Title", "AI system", "Owner", "Next review", "Review due",
			"Current round", "State", "Approved by", "Approved at", "Approval note", "Trigger", "Timing", "Scope",
			"Life-cycle stage", "Version assessed", "Functionalities and capabilities", "Purpose", "Intended uses",
			"Unintended uses and foreseeable misuse", "Data sources", "Data quality", "Data limitations and bias",
			"Algorithms and models", "Development history and versions", "Model limitations", "Geographic area", "Languages",
			"Environment and constraints", "Directly affected", "Indirectly affected", "Vulnerable groups", "Impacts",
			"Harms", "Benefits", "Mitigations of harms", "Measures to enhance benefits", "Residual impact",
			"Related assessments", "Risks raised", "Archived", "Updated at", "Updated by"},
			func(write func(...string) error) error {
				return impact.EachAssessment(r.Context(), tx, lr.Filter, func(a impact.Assessment, rd impact.Round) error {
					due := "no"
					if a.ReviewDue(day) && !a.Archived() {
						due = "yes"
					}
					return write(a.Reference(), a.Title, a.SystemReference()+" "+a.SystemName, a.OwnerName, a.NextReview, due,
						strconv.Itoa(a.Round), label(impact.States, rd.State), rd.ApprovedBy, csvTime(rd.ApprovedAt), rd.ApprovalNote,
						label(impact.Triggers, rd.Trigger), rd.Timing, rd.Scope, label(impact.LifecycleStages, rd.LifecycleStage),
						rd.SystemVersion, rd.Functionalities, rd.Purpose, rd.IntendedUses, rd.UnintendedUses, rd.DataSources,
						rd.DataQuality, rd.DataBias, rd.ModelAlgorithms, rd.ModelVersions, rd.ModelLimitations,
						rd.DeploymentGeography, rd.DeploymentLanguages, rd.DeploymentConstraints, rd.PartiesDirect,
						rd.PartiesIndirect, rd.PartiesVulnerable, impact.ImpactsText(rd.Impacts), strconv.Itoa(a.Harms),
						strconv.Itoa(a.Benefits), rd.Mitigations, rd.BenefitMeasures, rd.ResidualImpact, rd.RelatedAssessments,
						strconv.Itoa(a.RiskCount), csvDate(a.ArchivedAt), a.UpdatedAt.UTC().Format("2006-01-02 15:04:05"), a.UpdatedBy)
				})
			})
	})
}

// csvTime is t in UTC to the minute, or "" when t is nil.
func csvTime(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.UTC().Format("2006-01-02 15:04")
}

// assessmentFromForm reads the form of an assessment's own fields.
func assessmentFromForm(r *http.Request) impact.Assessment {
	return impact.Assessment{Title: r.PostFormValue("title"), SystemID: r.PostFormValue("system_id"),
		OwnerID: r.PostFormValue("owner_id"), NextReview: r.PostFormValue("next_review")}
}

// renderAssessmentForm shows the form fresh (saveErr nil) or again after a failed save.
func (s *Server) renderAssessmentForm(w http.ResponseWriter, r *http.Request, v pages.FormView, saveErr error) error {
	status := http.StatusOK
	if saveErr != nil {
		var ok bool
		if v.Errors, v.Summary, ok = formErrors(saveErr); !ok {
			return saveErr
		}
		status = http.StatusUnprocessableEntity
	}
	if err := s.inTenant(r, func(tx *postgres.Tx) error { return assessmentFormOptions(r, tx, &v) }); err != nil {
		return err
	}
	s.render(w, r, status, pages.Form(s.page(r, v.Heading, impactPages.crumbs(r, layout.Crumb{Label: v.Heading})...), v))
	return nil
}

// assessmentFormOptions fills in what the assessment form offers: owners and AI systems.
func assessmentFormOptions(r *http.Request, tx *postgres.Tx, v *pages.FormView) (err error) {
	v.NewSystem = impactLinks(r).AISystems + "/new"
	if v.Owners, err = memberOptions(r, tx); err != nil {
		return err
	}
	v.Systems, err = systemOptions(r, tx, v.Assessment.SystemID)
	return err
}

const newAssessmentHeading = "Start an impact assessment"

// impactNew shows the form that starts an assessment; ?system= preselects the AI system
// (the AI system's page links here).
func (s *Server) impactNew(w http.ResponseWriter, r *http.Request) error {
	base := impactPages.base(r)
	blank := impact.Assessment{OwnerID: req(r).User.ID.String(), SystemID: r.URL.Query().Get("system"),
		NextReview: time.Now().UTC().AddDate(1, 0, 0).Format(time.DateOnly)}
	return s.renderAssessmentForm(w, r, pages.FormView{Heading: newAssessmentHeading, Action: base, Cancel: base, Assessment: blank}, nil)
}

func (s *Server) impactCreate(w http.ResponseWriter, r *http.Request) error {
	in := assessmentFromForm(r)
	out, err := inTenantValue(s, r, func(tx *postgres.Tx) (impact.Assessment, error) { return impact.CreateAssessment(r.Context(), tx, in) })
	if err != nil {
		base := impactPages.base(r)
		return s.renderAssessmentForm(w, r, pages.FormView{Heading: newAssessmentHeading, Action: base, Cancel: base, Assessment: in}, err)
	}
	s.saved(w, r, out.Reference()+" started. Fill in round 1 of the assessment.", impactLinks(r).RoundHref(out, 1)+"/edit")
	return nil
}

// impactEdit shows the edit form; the assessment and the form's options are read in one
// transaction.
func (s *Server) impactEdit(w http.ResponseWriter, r *http.Request) error {
	id, err := idParam(r)
	if err != nil {
		return err
	}
	var v pages.FormView
	err = s.inTenant(r, func(tx *postgres.Tx) error {
		a, err := impact.FindAssessment(r.Context(), tx, id)
		if err != nil {
			return err
		}
		if err := a.Editable(); err != nil {
			return err
		}
		href := impactPages.href(r, id)
		v = pages.FormView{Heading: "Edit " + a.Reference(), Action: href, Cancel: href,
			Assessment: a, SystemFixed: a.Round > 1 || a.State != impact.StateDraft}
		return assessmentFormOptions(r, tx, &v)
	})
	if err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, pages.Form(s.page(r, v.Heading, impactPages.crumbs(r, layout.Crumb{Label: v.Heading})...), v))
	return nil
}

func (s *Server) impactUpdate(w http.ResponseWriter, r *http.Request) error {
	id, err := idParam(r)
	if err != nil {
		return err
	}
	in := assessmentFromForm(r)
	out, err := inTenantValue(s, r, func(tx *postgres.Tx) (impact.Assessment, error) {
		return impact.UpdateAssessment(r.Context(), tx, id, in)
	})
	if err == nil {
		s.saved(w, r, out.Reference()+" saved.", impactPages.href(r, id))
		return nil
	}
	// The stored record names the heading and says whether the system is fixed; it is read
	// in a transaction of its own since the failed one may be aborted.
	v := pages.FormView{Heading: "Edit", Action: impactPages.href(r, id), Cancel: impactPages.href(r, id), Assessment: in}
	if cur, findErr := inTenantValue(s, r, func(tx *postgres.Tx) (impact.Assessment, error) { return impact.FindAssessment(r.Context(), tx, id) }); findErr == nil {
		v.Heading += " " + cur.Reference()
		v.SystemFixed = cur.Round > 1 || cur.State != impact.StateDraft
		in.SystemName = cur.SystemName
		v.Assessment = in
	}
	return s.renderAssessmentForm(w, r, v, err)
}

// renderRecord shows the assessment of the URL with its current round; edit adds what a
// failed approval or raise needs shown (the messages and the user's input).
func (s *Server) renderRecord(w http.ResponseWriter, r *http.Request, status int, edit func(*pages.RecordView)) error {
	id, err := idParam(r)
	if err != nil {
		return err
	}
	v := pages.RecordView{Links: impactLinks(r), CanWrite: s.can(r, permWriteRegisters), CanApprove: s.can(r, permApprove),
		Today: today(), Objectives: options(risk.Objectives),
		Activity: activityHref(tenantHref(r, ""), impact.Object, id)}
	err = s.inTenant(r, func(tx *postgres.Tx) (err error) {
		if v.Assessment, err = impact.FindAssessment(r.Context(), tx, id); err != nil {
			return err
		}
		if v.Round, err = impact.FindRound(r.Context(), tx, id, v.Assessment.Round); err != nil {
			return err
		}
		v.History, err = historyNamed(r, tx, impact.Object, id, impactAction)
		return err
	})
	if err != nil {
		return err
	}
	if edit != nil {
		edit(&v)
	}
	ref := v.Assessment.Reference()
	s.render(w, r, status, pages.Show(s.page(r, ref, impactPages.crumbs(r, layout.Crumb{Label: ref})...), v))
	return nil
}

func (s *Server) impactShow(w http.ResponseWriter, r *http.Request) error {
	return s.renderRecord(w, r, http.StatusOK, nil)
}

// impactAction names a history entry, with its round for the changes made to a round.
func impactAction(e auditlog.Entry) string {
	var after struct {
		Round        int    `json:"round"`
		CurrentRound int    `json:"current_round"`
		RaisedRisk   string `json:"raised_risk"`
	}
	_ = json.Unmarshal(e.After, &after)
	round := " " + strconv.Itoa(after.Round)
	switch strings.TrimPrefix(e.Action, impact.Object+".") {
	case "update_round":
		return "Updated round" + round
	case "approve":
		return "Approved round" + round
	case "start_round":
		return "Started round " + strconv.Itoa(after.CurrentRound)
	case "raise_risk":
		return "Raised " + after.RaisedRisk
	}
	return actionLabel(e.Action)
}

// impactRound shows one round, read-only: the current one or an earlier, superseded one.
func (s *Server) impactRound(w http.ResponseWriter, r *http.Request) error {
	id, err := idParam(r)
	if err != nil {
		return err
	}
	n, err := roundParam(r)
	if err != nil {
		return err
	}
	v := pages.RoundView{Links: impactLinks(r)}
	err = s.inTenant(r, func(tx *postgres.Tx) (err error) {
		if v.Assessment, err = impact.FindAssessment(r.Context(), tx, id); err != nil {
			return err
		}
		v.Round, err = impact.FindRound(r.Context(), tx, id, n)
		return err
	})
	if err != nil {
		return err
	}
	ref, title := v.Assessment.Reference(), "Round "+strconv.Itoa(n)
	s.render(w, r, http.StatusOK, pages.RoundShow(s.page(r, ref+" "+title,
		impactPages.crumbs(r, layout.Crumb{Label: ref, Href: impactPages.href(r, id)}, layout.Crumb{Label: title})...), v))
	return nil
}

// roundFromForm reads the round form. Impact rows left blank are dropped here, so that the
// row numbers of validation messages are the rows the re-shown form has.
func roundFromForm(r *http.Request) impact.Round {
	rd := impact.Round{Trigger: r.PostFormValue("trigger"), LifecycleStage: r.PostFormValue("lifecycle_stage"), Impacts: []impact.Impact{}}
	for _, t := range impact.TextFields(&rd) {
		*t.Value = r.PostFormValue(t.Name)
	}
	// One row past the limit is read, so that too many rows are reported rather than cut.
	for i := 0; i <= impact.MaxImpacts; i++ {
		value := func(name string) string { return r.PostFormValue(impact.ImpactField(i, name)) }
		im := impact.Impact{Kind: value("kind"), Affected: value("affected"), Description: value("description"),
			Severity: value("severity"), Likelihood: value("likelihood"), Reversibility: value("reversibility"), Scale: value("scale")}
		if !im.Blank() {
			rd.Impacts = append(rd.Impacts, im)
		}
	}
	return rd
}

// renderRoundForm shows the form of a draft round, fresh or after a failed save.
func (s *Server) renderRoundForm(w http.ResponseWriter, r *http.Request, a impact.Assessment, rd impact.Round, saveErr error) error {
	v := pages.RoundFormView{Heading: "Edit round " + strconv.Itoa(rd.Number) + " of " + a.Reference(),
		Action: impactLinks(r).RoundHref(a, rd.Number), Cancel: impactPages.href(r, a.ID), Assessment: a, Round: rd}
	status := http.StatusOK
	if saveErr != nil {
		var ok bool
		if v.Errors, v.Summary, ok = formErrors(saveErr); !ok {
			return saveErr
		}
		status = http.StatusUnprocessableEntity
	}
	ref, title := a.Reference(), "Edit round "+strconv.Itoa(rd.Number)
	s.render(w, r, status, pages.RoundForm(s.page(r, title+" of "+ref,
		impactPages.crumbs(r, layout.Crumb{Label: ref, Href: impactPages.href(r, a.ID)}, layout.Crumb{Label: title})...), v))
	return nil
}

// impactRoundEdit shows the form of the round of the URL, which must be the current draft.
func (s *Server) impactRoundEdit(w http.ResponseWriter, r *http.Request) error {
	id, err := idParam(r)
	if err != nil {
		return err
	}
	n, err := roundParam(r)
	if err != nil {
		return err
	}
	var a impact.Assessment
	var rd impact.Round
	err = s.inTenant(r, func(tx *postgres.Tx) (err error) {
		a, rd, err = impact.EditableRound(r.Context(), tx, id, n)
		return err
	})
	if err != nil {
		return err
	}
	return s.renderRoundForm(w, r, a, rd, nil)
}

// impactRoundSave saves the round of the URL; a round that is not the current draft
// answers 409.
func (s *Server) impactRoundSave(w http.ResponseWriter, r *http.Request) error {
	id, err := idParam(r)
	if err != nil {
		return err
	}
	n, err := roundParam(r)
	if err != nil {
		return err
	}
	in := roundFromForm(r)
	_, err = inTenantValue(s, r, func(tx *postgres.Tx) (impact.Round, error) { return impact.SaveRound(r.Context(), tx, id, n, in) })
	if err == nil {
		a := impact.Assessment{ID: id}
		s.saved(w, r, "Round "+strconv.Itoa(n)+" saved.", impactLinks(r).RecordHref(a))
		return nil
	}
	if !apperr.Is(err, apperr.Invalid) {
		return err
	}
	a, findErr := inTenantValue(s, r, func(tx *postgres.Tx) (impact.Assessment, error) { return impact.FindAssessment(r.Context(), tx, id) })
	if findErr != nil {
		return findErr
	}
	in.Number, in.AssessmentID = n, id
	return s.renderRoundForm(w, r, a, in, err)
}

// impactApprove approves the current round with the approver's note; a round that is not
// ready, or a missing note, shows the page again with the messages (422).
func (s *Server) impactApprove(w http.ResponseWriter, r *http.Request) error {
	id, err := idParam(r)
	if err != nil {
		return err
	}
	note := r.PostFormValue("approval_note")
	out, err := inTenantValue(s, r, func(tx *postgres.Tx) (impact.Round, error) { return impact.Approve(r.Context(), tx, id, note) })
	if err == nil {
		s.saved(w, r, "Round "+strconv.Itoa(out.Number)+" approved.", impactPages.href(r, id))
		return nil
	}
	errs, summary, ok := formErrors(err)
	if !ok {
		return err
	}
	// What the round lacks is listed in the approval panel, where the summary points.
	for i := range summary {
		if strings.HasPrefix(summary[i].FieldID, "round-") {
			summary[i].FieldID = "approval"
		}
	}
	return s.renderRecord(w, r, http.StatusUnprocessableEntity, func(v *pages.RecordView) {
		v.Errors, v.Summary, v.ApprovalNote = errs, summary, note
	})
}

// impactStartRoundConfirm asks before a new round supersedes the approved one.
func (s *Server) impactStartRoundConfirm(w http.ResponseWriter, r *http.Request) error {
	id, a, err := findRecord(s, r, impact.FindAssessment)
	if err == nil {
		err = impact.CanStartRound(a)
	}
	if err != nil {
		return err
	}
	href := impactPages.href(r, id)
	title := "Start round " + strconv.Itoa(a.Round+1)
	s.render(w, r, http.StatusOK, pages.StartRound(s.page(r, title+" of "+a.Reference(),
		impactPages.crumbs(r, layout.Crumb{Label: a.Reference(), Href: href}, layout.Crumb{Label: title})...),
		pages.StartRoundView{Assessment: a, Action: href + "/rounds", Cancel: href}))
	return nil
}

// impactStartRound starts the next round and opens its form.
func (s *Server) impactStartRound(w http.ResponseWriter, r *http.Request) error {
	id, err := idParam(r)
	if err != nil {
		return err
	}
	out, err := inTenantValue(s, r, func(tx *postgres.Tx) (impact.Round, error) { return impact.StartRound(r.Context(), tx, id) })
	if err != nil {
		return err
	}
	a := impact.Assessment{ID: id}
	s.saved(w, r, "Round "+strconv.Itoa(out.Number)+" started as a copy of round "+strconv.Itoa(out.Number-1)+
		", which is now superseded and kept read-only. State what prompted this round.", impactLinks(r).RoundHref(a, out.Number)+"/edit")
	return nil
}

// impactRaiseRisk raises a risk from the harm of the URL ({position} counts from 1) and
// shows the new risk.
func (s *Server) impactRaiseRisk(w http.ResponseWriter, r *http.Request) error {
	id, err := idParam(r)
	if err != nil {
		return err
	}
	n, err := roundParam(r)
	if err != nil {
		return err
	}
	pos, err := strconv.Atoi(chi.URLParam(r, "position"))
	if err != nil || pos < 1 {
		return apperr.Errorf(apperr.NotFound, "No such impact")
	}
	objective := r.PostFormValue("objective")
	out, err := inTenantValue(s, r, func(tx *postgres.Tx) (risk.Risk, error) {
		return impact.RaiseRisk(r.Context(), tx, id, n, pos-1, objective)
	})
	if err == nil {
		s.saved(w, r, out.Reference()+" raised from harm "+strconv.Itoa(pos)+" of the impact assessment. Review it and plan its treatment.",
			impactLinks(r).Risks+"/"+out.ID.String())
		return nil
	}
	errs, summary, ok := formErrors(err)
	if !ok {
		return err
	}
	return s.renderRecord(w, r, http.StatusUnprocessableEntity, func(v *pages.RecordView) {
		v.Errors, v.Summary, v.Objective = errs, summary, map[int]string{pos - 1: objective}
	})
}
