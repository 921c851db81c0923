// Package aisystem holds the inventory of AI systems (Annex A.4, A.6, A.7, A.9, A.10): what
// each system is for, where it is in its life cycle, the organisation's role towards it, its
// EU AI Act class, its data, tooling, compute and suppliers, and the risks, treatments,
// impact assessments and controls linked to it.
package aisystem

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/openaims/openaims/internal/apperr"
	"github.com/openaims/openaims/internal/orgcontext"
	"github.com/openaims/openaims/internal/record"
)

// Choice is an allowed value of a field and its label; the same type as every register's,
// so the server turns them into form options one way.
type Choice = orgcontext.Choice

// LifecycleStages are the stages of an AI system's life cycle (A.6.2), in order.
var LifecycleStages = []Choice{
	{Value: "idea", Label: "Idea"},
	{Value: "design", Label: "Design"},
	{Value: "development", Label: "Development"},
	{Value: "verification_validation", Label: "Verification and validation"},
	{Value: "deployment", Label: "Deployment"},
	{Value: "operation", Label: "Operation"},
	{Value: "retired", Label: "Retired"},
}

// OrgRoles are the roles the organisation can play towards an AI system (EU AI Act terms).
var OrgRoles = []Choice{
	{Value: "provider", Label: "Provider"},
	{Value: "deployer", Label: "Deployer"},
	{Value: "both", Label: "Provider and deployer"},
	{Value: "other", Label: "Other"},
}

// NotAssessed is the EU AI Act class of a system whose class has not been determined yet.
const NotAssessed = "not_assessed"

// EUAIActClasses are the risk classes of the EU AI Act, most severe first.
var EUAIActClasses = []Choice{
	{Value: "prohibited", Label: "Prohibited practice"},
	{Value: "high_risk", Label: "High-risk"},
	{Value: "limited", Label: "Limited risk (transparency)"},
	{Value: "minimal", Label: "Minimal risk"},
	{Value: NotAssessed, Label: "Not yet assessed"},
}

// ScopeChoices answer whether a system is inside the AIMS scope (clause 4.3).
var ScopeChoices = []Choice{{Value: "true", Label: "In scope"}, {Value: "false", Label: "Out of scope"}}

// MaxData bounds the data resources one system form holds.
const MaxData = 20

// Text limits, in characters.
const (
	maxName  = 200
	maxText  = 5000
	maxShort = 2000
)

// DataResource is one data set an AI system uses (A.4.3, A.7): where it comes from, how it
// was acquired, its provenance, how its quality is checked, whether it holds personal data,
// and how it is prepared.
type DataResource struct {
	Name          string `json:"name"`
	Source        string `json:"source"`
	Acquisition   string `json:"acquisition"`
	Provenance    string `json:"provenance"`
	QualityChecks string `json:"quality_checks"`
	PersonalData  bool   `json:"personal_data"`
	Preparation   string `json:"preparation"`
}

// System is one AI system of the inventory. InScope is nil until someone says whether the
// system is in the AIMS scope, so a form can insist on an answer.
type System struct {
	ID             uuid.UUID      `json:"id"`
	Ref            int            `json:"ref"`
	Name           string         `json:"name"`
	Purpose        string         `json:"purpose"`
	Description    string         `json:"description"`
	IntendedUse    string         `json:"intended_use"`
	IntendedUsers  string         `json:"intended_users"`
	LifecycleStage string         `json:"lifecycle_stage"`
	OrgRole        string         `json:"org_role"`
	EUAIActClass   string         `json:"eu_ai_act_class"`
	EUAIActReason  string         `json:"eu_ai_act_reason"`
	InScope        *bool          `json:"in_scope"`
	Tooling        string         `json:"tooling"`
	Compute        string         `json:"compute"`
	Suppliers      string         `json:"suppliers"`
	OwnerID        string         `json:"owner_id"`
	OwnerName      string         `json:"owner"`
	Data           []DataResource `json:"data"`
	// DataCount and PersonalDataCount summarise Data, and RiskCount the live risks that name
	// the system, in lists.
	DataCount         int        `json:"-"`
	PersonalDataCount int        `json:"-"`
	RiskCount         int        `json:"-"`
	ArchivedAt        *time.Time `json:"archived_at"`
	UpdatedAt         time.Time  `json:"-"`
	UpdatedBy         string     `json:"-"`
	CreatedAt         time.Time  `json:"-"`
	CreatedBy         string     `json:"-"`
}

// Reference formats an AI system's reference number, e.g. AIS-3.
func Reference(ref int) string { return fmt.Sprintf("AIS-%d", ref) }

// Reference is the system's human reference, e.g. AIS-3.
func (s System) Reference() string { return Reference(s.Ref) }

// Label is the reference and name, as the audit trail shows it.
func (s System) Label() string { return s.Reference() + " " + s.Name }

// Archived reports whether the system is archived.
func (s System) Archived() bool { return s.ArchivedAt != nil }

// Editable returns a conflict when the system is archived: archiving promises that the
// record is no longer edited until it is restored.
func (s System) Editable() error { return record.Editable(s.Reference(), s.ArchivedAt) }

// InScopeValue is InScope as the scope choices and filters spell it: "true", "false", or ""
// when it is not answered.
func (s System) InScopeValue() string {
	if s.InScope == nil {
		return ""
	}
	if *s.InScope {
		return "true"
	}
	return "false"
}

// ParseInScope reads a scope choice ("true" or "false"); anything else is no answer.
func ParseInScope(v string) *bool {
	switch v {
	case "true":
		b := true
		return &b
	case "false":
		b := false
		return &b
	}
	return nil
}

// Normalize trims the text and drops data rows left entirely blank.
func (s *System) Normalize() {
	for _, f := range []*string{&s.Name, &s.Purpose, &s.Description, &s.IntendedUse, &s.IntendedUsers,
		&s.EUAIActReason, &s.Tooling, &s.Compute, &s.Suppliers, &s.OwnerID} {
		*f = strings.TrimSpace(*f)
	}
	// A new slice: reusing s.Data's array would rewrite the caller's copy of the rows.
	kept := make([]DataResource, 0, len(s.Data))
	for _, d := range s.Data {
		if !d.Blank() {
			for _, f := range []*string{&d.Name, &d.Source, &d.Acquisition, &d.Provenance, &d.QualityChecks, &d.Preparation} {
				*f = strings.TrimSpace(*f)
			}
			kept = append(kept, d)
		}
	}
	s.Data = kept
}

// Blank reports whether a data row was left empty: no text in any field and the personal
// data box not ticked. A form drops such rows before validating, so that the row numbers in
// its messages match the rows it shows again.
func (d DataResource) Blank() bool {
	for _, f := range []string{d.Name, d.Source, d.Acquisition, d.Provenance, d.QualityChecks, d.Preparation} {
		if strings.TrimSpace(f) != "" {
			return false
		}
	}
	return !d.PersonalData
}

// DataField names the form field of data resource i, e.g. "data_2_source".
func DataField(i int, name string) string { return fmt.Sprintf("data_%d_%s", i, name) }

// Validate checks every field and each data row, one message per field in form order.
func (s System) Validate() error {
	var v apperr.Validation
	within := func(text string, limit int) bool { return utf8.RuneCountInString(text) <= limit }
	v.Check(s.Name != "" && within(s.Name, maxName), "name", "Enter a name of up to 200 characters")
	v.Check(s.Purpose != "" && within(s.Purpose, maxText), "purpose", "Say what the AI system is for, in up to 5,000 characters")
	v.Check(within(s.Description, maxText), "description", "Keep the description under 5,000 characters")
	v.Check(within(s.IntendedUse, maxText), "intended_use", "Keep the intended use under 5,000 characters")
	v.Check(within(s.IntendedUsers, maxShort), "intended_users", "Keep the intended users under 2,000 characters")
	v.Check(orgcontext.Has(LifecycleStages, s.LifecycleStage), "lifecycle_stage", "Choose the life-cycle stage")
	v.Check(orgcontext.Has(OrgRoles, s.OrgRole), "org_role", "Choose the organisation's role")
	v.Check(orgcontext.Has(EUAIActClasses, s.EUAIActClass), "eu_ai_act_class", "Choose the EU AI Act class, or ‘Not yet assessed’")
	if s.EUAIActClass != NotAssessed && orgcontext.Has(EUAIActClasses, s.EUAIActClass) {
		v.Check(s.EUAIActReason != "", "eu_ai_act_reason", "Say why the system is in this class, for example the Annex III point or the article that applies")
	}
	v.Check(within(s.EUAIActReason, maxText), "eu_ai_act_reason", "Keep the reason under 5,000 characters")
	v.Check(s.InScope != nil, "in_scope", "Say whether the AI system is in the scope of the AIMS")
	v.Check(within(s.Tooling, maxText), "tooling", "Keep the tooling under 5,000 characters")
	v.Check(within(s.Compute, maxText), "compute", "Keep the computing resources under 5,000 characters")
	v.Check(within(s.Suppliers, maxText), "suppliers", "Keep the suppliers under 5,000 characters")
	if s.OwnerID != "" {
		_, err := uuid.Parse(s.OwnerID)
		v.Check(err == nil, "owner_id", "Choose an owner from the list")
	}
	v.Check(len(s.Data) <= MaxData, "data", fmt.Sprintf("Record at most %d data resources per AI system", MaxData))
	for i, d := range s.Data {
		v.Check(d.Name != "" && within(d.Name, maxName), DataField(i, "name"), "Name the data resource (up to 200 characters)")
		for _, f := range []struct{ name, value string }{{"source", d.Source}, {"acquisition", d.Acquisition},
			{"provenance", d.Provenance}, {"quality_checks", d.QualityChecks}, {"preparation", d.Preparation}} {
			v.Check(within(f.value, maxShort), DataField(i, f.name), "Keep this under 2,000 characters")
		}
	}
	return v.Err()
}

// StageLabel is the system's life-cycle stage in words.
func (s System) StageLabel() string { return orgcontext.LabelOf(LifecycleStages, s.LifecycleStage) }

// RoleLabel is the organisation's role towards the system in words.
func (s System) RoleLabel() string { return orgcontext.LabelOf(OrgRoles, s.OrgRole) }

// ClassLabel is the system's EU AI Act class in words.
func (s System) ClassLabel() string { return orgcontext.LabelOf(EUAIActClasses, s.EUAIActClass) }

// ScopeLabel says whether the system is in the AIMS scope, in words.
func (s System) ScopeLabel() string { return orgcontext.LabelOf(ScopeChoices, s.InScopeValue()) }
