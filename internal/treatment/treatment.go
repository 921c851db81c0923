// Package treatment holds the risk treatment plans (ISO/IEC 42001 6.1.3 and 8.3): the
// option chosen for one or more risks, the Annex A or custom controls the plan uses, the
// actions that carry it out with owners and due dates, and the check of its effectiveness.
package treatment

import (
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/openaims/openaims/internal/apperr"
	"github.com/openaims/openaims/internal/orgcontext"
	"github.com/openaims/openaims/internal/record"
)

// Object is the object type of treatments in the audit trail and the URL slug.
const Object = "treatments"

// Choice is an allowed value of a field and its label.
type Choice = orgcontext.Choice

// OptionChoices are the risk treatment options of ISO/IEC 23894 (6.5.2).
var OptionChoices = []Choice{
	{Value: "modify", Label: "Modify: reduce the likelihood or the impact"},
	{Value: "avoid", Label: "Avoid: stop or change the activity"},
	{Value: "share", Label: "Share: with a supplier, partner or insurer"},
	{Value: "retain", Label: "Retain: accept the risk as it is"},
}

// OptionNames are the short names of the options, for lists and badges.
var OptionNames = []Choice{{Value: "modify", Label: "Modify"}, {Value: "avoid", Label: "Avoid"}, {Value: "share", Label: "Share"}, {Value: "retain", Label: "Retain"}}

// Statuses are the states of a treatment plan. Completing the last action does not change
// the plan's status: whoever owns the plan says when it is completed.
var Statuses = []Choice{
	{Value: "planned", Label: "Planned"},
	{Value: "in_progress", Label: "In progress"},
	{Value: "completed", Label: "Completed"},
	{Value: "cancelled", Label: "Cancelled"},
}

// Effectiveness are the results of the effectiveness check (8.3, 9.1).
var Effectiveness = []Choice{
	{Value: "not_checked", Label: "Not checked yet"},
	{Value: "effective", Label: "Effective"},
	{Value: "partially_effective", Label: "Partially effective"},
	{Value: "not_effective", Label: "Not effective"},
}

// ActionStatuses are the states of an action of a plan.
var ActionStatuses = []Choice{{Value: "open", Label: "Open"}, {Value: "in_progress", Label: "In progress"}, {Value: "done", Label: "Done"}}

// MaxActions bounds the actions one treatment form holds; MaxLinks the risks or controls.
const (
	MaxActions = 20
	MaxLinks   = 200
)

// Has reports whether value is one of choices.
func Has(choices []Choice, value string) bool { return orgcontext.Has(choices, value) }

// LabelOf returns the label of value in choices, or value itself.
func LabelOf(choices []Choice, value string) string { return orgcontext.LabelOf(choices, value) }

// Reference formats a treatment number as its human reference, e.g. TRT-3.
func Reference(ref int) string { return fmt.Sprintf("TRT-%d", ref) }

// RiskLink is a risk a treatment treats, as the treatment shows it.
type RiskLink struct {
	ID            uuid.UUID `json:"id"`
	Ref           int       `json:"ref"`
	Title         string    `json:"title"`
	InherentLevel string    `json:"inherent_level"`
	ResidualLevel string    `json:"residual_level"`
	Status        string    `json:"status"`
	Archived      bool      `json:"archived"`
}

// Reference is the risk's human reference, e.g. RISK-3.
func (r RiskLink) Reference() string { return fmt.Sprintf("RISK-%d", r.Ref) }

// ControlLink is a control a treatment uses, with its Statement of Applicability state.
type ControlLink struct {
	ID                   uuid.UUID `json:"id"`
	Code                 string    `json:"code"`
	Title                string    `json:"title"`
	Applicability        string    `json:"applicability"` // yes, no, or "" when not decided
	ImplementationStatus string    `json:"implementation_status"`
	Archived             bool      `json:"archived"`
}

// SystemLink is an AI system concerned by a risk a treatment treats.
type SystemLink struct {
	ID   uuid.UUID `json:"id"`
	Ref  int       `json:"ref"`
	Name string    `json:"name"`
}

// Reference is the AI system's human reference, e.g. AIS-2.
func (s SystemLink) Reference() string { return fmt.Sprintf("AIS-%d", s.Ref) }

// Action is one step of a treatment plan.
type Action struct {
	Title     string `json:"title"`
	OwnerID   string `json:"owner_id"`
	OwnerName string `json:"owner"`
	DueDate   string `json:"due_date"`
	Status    string `json:"status"`
}

// Blank reports whether an action row was left empty. The status select always sends a
// value, so it does not count.
func (a Action) Blank() bool {
	return strings.TrimSpace(a.Title) == "" && strings.TrimSpace(a.OwnerID) == "" && strings.TrimSpace(a.DueDate) == ""
}

// Overdue reports whether the action is not done and its due date is before today.
func (a Action) Overdue(today string) bool {
	return a.Status != "done" && a.DueDate != "" && a.DueDate < today
}

// ActionField names the form field of action i, e.g. "act_2_title".
func ActionField(i int, name string) string { return fmt.Sprintf("act_%d_%s", i, name) }

// Treatment is a risk treatment plan. Ids and dates travel as the strings a form sends.
type Treatment struct {
	ID                 uuid.UUID `json:"id"`
	Ref                int       `json:"ref"`
	Title              string    `json:"title"`
	Option             string    `json:"option"`
	Description        string    `json:"description"`
	OwnerID            string    `json:"owner_id"`
	OwnerName          string    `json:"owner"`
	DueDate            string    `json:"due_date"`
	Status             string    `json:"status"`
	EffectivenessCheck string    `json:"effectiveness_check"`
	Effectiveness      string    `json:"effectiveness"`
	// RiskIDs and ControlIDs are the links as a form sends them; Risks and Controls as
	// stored, with their references and titles.
	RiskIDs    []string `json:"-"`
	ControlIDs []string `json:"-"`
	// AddRisks are risk references typed into the form ("RISK-12, RISK-40") when the
	// register is too large to list; saving adds those risks to RiskIDs.
	AddRisks   string        `json:"-"`
	Risks      []RiskLink    `json:"-"`
	Controls   []ControlLink `json:"-"`
	Actions    []Action      `json:"-"`
	ArchivedAt *time.Time    `json:"archived_at"`
	// Summaries of the links for lists: the references, and the actions done of all.
	RiskRefs     string    `json:"-"`
	ControlCodes string    `json:"-"`
	ActionCount  int       `json:"-"`
	ActionsDone  int       `json:"-"`
	Overdue      bool      `json:"-"`
	CreatedAt    time.Time `json:"-"`
	CreatedBy    string    `json:"-"`
	UpdatedAt    time.Time `json:"-"`
	UpdatedBy    string    `json:"-"`
}

// Reference is the treatment's human reference, e.g. TRT-3.
func (t Treatment) Reference() string { return Reference(t.Ref) }

// Label is the reference and title, as the audit trail shows it.
func (t Treatment) Label() string { return t.Reference() + " " + t.Title }

// Archived reports whether the treatment is archived.
func (t Treatment) Archived() bool { return t.ArchivedAt != nil }

// Editable returns a conflict when the treatment is archived.
func (t Treatment) Editable() error { return record.Editable(t.Reference(), t.ArchivedAt) }

// Open reports whether the plan is still to be carried out (planned or in progress).
func (t Treatment) Open() bool { return t.Status == "planned" || t.Status == "in_progress" }

// AllActionsDone reports whether the plan has actions and every one is done: the page then
// suggests completing the plan, which stays a decision of its owner.
func (t Treatment) AllActionsDone() bool {
	if len(t.Actions) == 0 {
		return false
	}
	for _, a := range t.Actions {
		if a.Status != "done" {
			return false
		}
	}
	return true
}

// HasRisk reports whether the form or record links risk id.
func (t Treatment) HasRisk(id string) bool { return slices.Contains(t.RiskIDs, id) }

// HasControl reports whether the form or record links control id.
func (t Treatment) HasControl(id string) bool { return slices.Contains(t.ControlIDs, id) }

// Normalize trims text, drops blank action rows and repeated links.
func (t *Treatment) Normalize() {
	for _, s := range []*string{&t.Title, &t.Description, &t.OwnerID, &t.DueDate, &t.EffectivenessCheck} {
		*s = strings.TrimSpace(*s)
	}
	if t.Effectiveness == "" {
		t.Effectiveness = "not_checked"
	}
	t.RiskIDs, t.ControlIDs = unique(t.RiskIDs), unique(t.ControlIDs)
	kept := make([]Action, 0, len(t.Actions))
	for _, a := range t.Actions {
		if !a.Blank() {
			a.Title, a.OwnerID, a.DueDate = strings.TrimSpace(a.Title), strings.TrimSpace(a.OwnerID), strings.TrimSpace(a.DueDate)
			kept = append(kept, a)
		}
	}
	t.Actions = kept
}

func unique(ids []string) []string {
	out := make([]string, 0, len(ids))
	for _, id := range ids {
		if id = strings.TrimSpace(id); id != "" && !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	return out
}

// Validate checks every field and each action row, in form order.
func (t Treatment) Validate() error {
	var v apperr.Validation
	v.Check(t.Title != "" && utf8.RuneCountInString(t.Title) <= 200, "title", "Enter a title of up to 200 characters")
	v.Check(Has(OptionChoices, t.Option), "option", "Choose how the risk is treated")
	v.Check(utf8.RuneCountInString(t.Description) <= 5000, "description", "Keep the description under 5,000 characters")
	checkIDs(&v, "risk_ids", t.RiskIDs, "Choose risks from the list")
	checkIDs(&v, "control_ids", t.ControlIDs, "Choose controls from the list")
	record.CheckOwner(&v, "owner_id", t.OwnerID)
	record.CheckDate(&v, "due_date", t.DueDate)
	v.Check(Has(Statuses, t.Status), "status", "Choose a status")
	v.Check(Has(Effectiveness, t.Effectiveness), "effectiveness", "Choose the result of the effectiveness check")
	v.Check(t.Effectiveness == "not_checked" || t.EffectivenessCheck != "", "effectiveness_check",
		"Describe how the effectiveness was checked before recording its result")
	v.Check(utf8.RuneCountInString(t.EffectivenessCheck) <= 5000, "effectiveness_check", "Keep this under 5,000 characters")
	v.Check(len(t.Actions) <= MaxActions, "actions", fmt.Sprintf("Record at most %d actions per treatment", MaxActions))
	for i, a := range t.Actions {
		v.Check(a.Title != "" && utf8.RuneCountInString(a.Title) <= 500, ActionField(i, "title"), "Describe the action (up to 500 characters)")
		record.CheckOwner(&v, ActionField(i, "owner"), a.OwnerID)
		record.CheckDate(&v, ActionField(i, "due"), a.DueDate)
		v.Check(Has(ActionStatuses, a.Status), ActionField(i, "status"), "Choose the action's status")
	}
	return v.Err()
}

func checkIDs(v *apperr.Validation, field string, ids []string, message string) {
	if len(ids) > MaxLinks {
		v.Add(field, fmt.Sprintf("Choose at most %d", MaxLinks))
		return
	}
	for _, id := range ids {
		if _, err := uuid.Parse(id); err != nil {
			v.Add(field, message)
			return
		}
	}
}

// snapshot is the treatment as the audit trail records it: links and actions as text, so
// the record's history reads as sentences rather than JSON.
func (t Treatment) snapshot() map[string]any {
	risks := make([]string, len(t.Risks))
	for i, r := range t.Risks {
		risks[i] = r.Reference() + " " + r.Title
	}
	controls := make([]string, len(t.Controls))
	for i, c := range t.Controls {
		controls[i] = c.Code + " " + c.Title
	}
	actions := make([]string, len(t.Actions))
	for i, a := range t.Actions {
		s := a.Title + " [" + LabelOf(ActionStatuses, a.Status)
		if a.OwnerName != "" {
			s += "; " + a.OwnerName
		}
		if a.DueDate != "" {
			s += "; due " + a.DueDate
		}
		actions[i] = s + "]"
	}
	return map[string]any{
		"id": t.ID, "ref": t.Ref, "title": t.Title, "option": t.Option, "description": t.Description,
		"owner_id": t.OwnerID, "owner": t.OwnerName, "due_date": t.DueDate, "status": t.Status,
		"effectiveness_check": t.EffectivenessCheck, "effectiveness": t.Effectiveness,
		"risks": strings.Join(risks, "; "), "controls": strings.Join(controls, "; "), "actions": strings.Join(actions, " | "),
		"archived_at": t.ArchivedAt,
	}
}
