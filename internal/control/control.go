// Package control holds the controls of the Statement of Applicability (ISO/IEC 42001
// 6.1.3 d): the 38 Annex A controls every tenant gets from the catalog, the custom controls
// a tenant adds, and per control the decision whether it applies, why, and how far it is
// implemented.
package control

import (
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/openaims/openaims/internal/apperr"
	"github.com/openaims/openaims/internal/catalog"
	"github.com/openaims/openaims/internal/orgcontext"
	"github.com/openaims/openaims/internal/record"
)

// Object is the object type of controls in the audit trail and the URL slug.
const Object = "controls"

// Choice is an allowed value of a field and its label.
type Choice = orgcontext.Choice

// Applicability decisions as forms and filters spell them; the database keeps a nullable
// boolean (NULL while undecided).
const (
	Applicable    = "yes"
	Excluded      = "no"
	Undecided     = ""
	undecidedName = "undecided" // the filter value of Undecided, which cannot be empty
)

// Applicabilities are the decisions of the Statement of Applicability, in form order.
var Applicabilities = []Choice{
	{Value: Applicable, Label: "Applicable"},
	{Value: Excluded, Label: "Excluded"},
	{Value: undecidedName, Label: "Not decided yet"},
}

// ImplementationStatuses are how far an applicable control is implemented.
var ImplementationStatuses = []Choice{
	{Value: "not_started", Label: "Not started"},
	{Value: "planned", Label: "Planned"},
	{Value: "partially_implemented", Label: "Partially implemented"},
	{Value: "implemented", Label: "Implemented"},
}

// InclusionReasons are why an applicable control is included (6.1.3 d asks for the
// justification of inclusions as well as exclusions).
var InclusionReasons = []Choice{
	{Value: "treatment", Label: "Needed by a risk treatment"},
	{Value: "legal", Label: "Legal, regulatory or contractual requirement"},
	{Value: "other", Label: "Other reason (explain in the justification)"},
}

// ReasonNames are the short names of the inclusion reasons, as the Statement of
// Applicability and its export show them.
var ReasonNames = []Choice{
	{Value: "treatment", Label: "Risk treatment"},
	{Value: "legal", Label: "Legal or contractual requirement"},
	{Value: "other", Label: "Other reason"},
}

// Kinds separate the Annex A controls from the tenant's own, for the list filter.
var Kinds = []Choice{{Value: "annex_a", Label: "Annex A"}, {Value: "custom", Label: "Custom"}}

// annexA is the catalog, parsed once: lists and the statement read its objectives on every
// request.
var annexA = catalog.MustLoad()

// CustomPositionBase is where custom controls start in the published order: after Annex A.
const CustomPositionBase = 1000

// Has reports whether value is one of choices.
func Has(choices []Choice, value string) bool { return orgcontext.Has(choices, value) }

// LabelOf returns the label of value in choices, or value itself.
func LabelOf(choices []Choice, value string) string { return orgcontext.LabelOf(choices, value) }

// Objectives are the Annex A objectives a control can serve, in published order (A.6 as
// A.6.1 and A.6.2), as choices labelled "A.6.2 AI system life cycle".
func Objectives() []Choice {
	var out []Choice
	for _, o := range annexA.Objectives {
		out = append(out, Choice{Value: o.ID, Label: o.ID + " " + o.Title})
	}
	return out
}

// objectiveTitle is the catalog title of objective id, and whether there is one.
func objectiveTitle(id string) (string, bool) {
	for _, o := range annexA.Objectives {
		if o.ID == id {
			return o.Title, true
		}
	}
	return "", false
}

// TreatmentRef is a treatment that uses a control, as the Statement of Applicability lists it.
type TreatmentRef struct {
	ID     uuid.UUID `json:"id"`
	Ref    int       `json:"ref"`
	Title  string    `json:"title"`
	Status string    `json:"status"`
}

// Reference is the treatment's human reference, e.g. TRT-3.
func (t TreatmentRef) Reference() string { return fmt.Sprintf("TRT-%d", t.Ref) }

// Control is an Annex A or custom control with its Statement of Applicability decision.
// Applicability is "yes", "no" or "" (not decided yet), as the form sends it.
type Control struct {
	ID                   uuid.UUID  `json:"id"`
	Code                 string     `json:"code"`
	Position             int        `json:"-"`
	AnnexA               bool       `json:"annex_a"`
	Title                string     `json:"title"`
	ObjectiveID          string     `json:"objective"`
	ObjectiveTitle       string     `json:"-"`
	Description          string     `json:"description"`
	Applicability        string     `json:"applicable"`
	Justification        string     `json:"justification"`
	InclusionReasons     []string   `json:"inclusion_reasons"`
	ImplementationStatus string     `json:"implementation_status"`
	OwnerID              string     `json:"owner_id"`
	OwnerName            string     `json:"owner"`
	ArchivedAt           *time.Time `json:"archived_at"`
	// TreatmentCount is how many live treatments use the control; Treatments are some of
	// them: at most SoATreatments in the Statement of Applicability, all of them in its CSV
	// export (EachInStatement).
	TreatmentCount int            `json:"-"`
	Treatments     []TreatmentRef `json:"-"`
	CreatedAt      time.Time      `json:"-"`
	CreatedBy      string         `json:"-"` // "" for controls seeded from the catalog
	UpdatedAt      time.Time      `json:"-"`
	UpdatedBy      string         `json:"-"`
}

// Reference is the control's code: its Annex A id (A.6.2.4) or its custom reference (CUS-2).
func (c Control) Reference() string { return c.Code }

// Label is the code and title, as the audit trail shows it.
func (c Control) Label() string { return c.Code + " " + c.Title }

// Archived reports whether the control is archived.
func (c Control) Archived() bool { return c.ArchivedAt != nil }

// Editable returns a conflict when the control is archived: archiving promises that the
// record is no longer edited until it is restored.
func (c Control) Editable() error { return record.Editable(c.Code, c.ArchivedAt) }

// Archivable refuses to archive an Annex A control: the Statement of Applicability must
// account for every one of them, so one that does not apply is excluded, with a reason.
func (c Control) Archivable() error {
	if c.AnnexA {
		return apperr.Errorf(apperr.Conflict, "%s is an Annex A control and cannot be archived: the Statement of Applicability must account for every Annex A control. If it does not apply, edit it and mark it excluded with the justification.", c.Code)
	}
	return nil
}

// ApplicabilityLabel names the decision: Applicable, Excluded or Not decided yet.
func (c Control) ApplicabilityLabel() string {
	if c.Applicability == Undecided {
		return LabelOf(Applicabilities, undecidedName)
	}
	return LabelOf(Applicabilities, c.Applicability)
}

// ReasonLabels are the short names of the inclusion reasons, in form order.
func (c Control) ReasonLabels() []string {
	var out []string
	for _, r := range ReasonNames {
		if slices.Contains(c.InclusionReasons, r.Value) {
			out = append(out, r.Label)
		}
	}
	return out
}

// HasReason reports whether reason is among the inclusion reasons.
func (c Control) HasReason(reason string) bool { return slices.Contains(c.InclusionReasons, reason) }

// Normalize trims text, reads the "undecided" filter spelling as undecided, keeps the
// inclusion reasons in form order without duplicates, and drops them unless the control
// is applicable: an excluded or undecided control has no reason to be included.
func (c *Control) Normalize() {
	for _, s := range []*string{&c.Title, &c.Description, &c.Justification, &c.OwnerID, &c.ObjectiveID, &c.Applicability} {
		*s = strings.TrimSpace(*s)
	}
	if c.Applicability == undecidedName {
		c.Applicability = Undecided
	}
	reasons := []string{}
	for _, r := range InclusionReasons {
		if slices.Contains(c.InclusionReasons, r.Value) {
			reasons = append(reasons, r.Value)
		}
	}
	for _, r := range c.InclusionReasons {
		if !Has(InclusionReasons, r) && !slices.Contains(reasons, r) {
			reasons = append(reasons, r) // unknown values stay, for Validate to report
		}
	}
	if c.Applicability != Applicable {
		reasons = []string{}
	}
	c.InclusionReasons = reasons
	if c.ImplementationStatus == "" {
		c.ImplementationStatus = "not_started"
	}
}

// Validate checks every field and returns one message per field in form order. The title,
// description and objective of an Annex A control come from the catalog and are not checked.
func (c Control) Validate() error {
	var v apperr.Validation
	if !c.AnnexA {
		v.Check(c.Title != "" && utf8.RuneCountInString(c.Title) <= 200, "title", "Enter a title of up to 200 characters")
		if c.ObjectiveID != "" {
			_, ok := objectiveTitle(c.ObjectiveID)
			v.Check(ok, "objective_id", "Choose an Annex A objective from the list, or none")
		}
		v.Check(utf8.RuneCountInString(c.Description) <= 5000, "description", "Keep the description under 5,000 characters")
	}
	v.Check(c.Applicability == Applicable || c.Applicability == Excluded || c.Applicability == Undecided,
		"applicability", "Choose whether the control is applicable")
	for _, r := range c.InclusionReasons {
		if !Has(InclusionReasons, r) {
			v.Add("inclusion_reasons", "Choose reasons from the list")
			break
		}
	}
	if c.Applicability == Applicable {
		v.Check(len(c.InclusionReasons) > 0, "inclusion_reasons", "Choose at least one reason for including the control")
	}
	switch {
	case c.Applicability == Excluded && c.Justification == "":
		v.Add("justification", "Say why the control is excluded: the Statement of Applicability must justify every exclusion")
	case c.HasReason("other") && c.Justification == "":
		v.Add("justification", "Explain the other reason for including the control")
	}
	v.Check(utf8.RuneCountInString(c.Justification) <= 5000, "justification", "Keep the justification under 5,000 characters")
	v.Check(Has(ImplementationStatuses, c.ImplementationStatus), "implementation_status", "Choose an implementation status")
	if c.OwnerID != "" {
		_, err := uuid.Parse(c.OwnerID)
		v.Check(err == nil, "owner_id", "Choose an owner from the list")
	}
	return v.Err()
}

// snapshot is the control as the audit trail records it: the reasons as words, so that the
// record's history reads as text rather than JSON.
func (c Control) snapshot() map[string]any {
	return map[string]any{
		"id": c.ID, "code": c.Code, "annex_a": c.AnnexA, "title": c.Title, "objective": c.ObjectiveID,
		"description": c.Description, "applicable": c.Applicability, "justification": c.Justification,
		"inclusion_reasons": strings.Join(c.ReasonLabels(), "; "), "implementation_status": c.ImplementationStatus,
		"owner_id": c.OwnerID, "owner": c.OwnerName, "archived_at": c.ArchivedAt,
	}
}
