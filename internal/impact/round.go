package impact

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/openaims/openaims/internal/apperr"
	"github.com/openaims/openaims/internal/orgcontext"
)

// Triggers are what prompts a round of assessment (ISO/IEC 42005 5.4).
var Triggers = []Choice{
	{Value: "design", Label: "Design of a new AI system"},
	{Value: "pre_deployment", Label: "Before deployment"},
	{Value: "significant_change", Label: "Significant change to the system or its use"},
	{Value: "periodic_review", Label: "Periodic review"},
	{Value: "incident", Label: "After an incident or concern"},
	{Value: "other", Label: "Other"},
}

// LifecycleStages are the AI system life-cycle stages a round can assess (42005 6.2).
var LifecycleStages = []Choice{
	{Value: "idea", Label: "Idea"},
	{Value: "design", Label: "Design"},
	{Value: "development", Label: "Development"},
	{Value: "verification_validation", Label: "Verification and validation"},
	{Value: "deployment", Label: "Deployment"},
	{Value: "operation", Label: "Operation and monitoring"},
	{Value: "retired", Label: "Retired"},
}

// Impact kinds, the people affected, reversibility and scale (42005 6.8).
var (
	Kinds       = []Choice{{Value: "harm", Label: "Harm"}, {Value: "benefit", Label: "Benefit"}}
	AffectedWho = []Choice{{Value: "individuals", Label: "Individuals"}, {Value: "groups", Label: "Groups"},
		{Value: "society", Label: "Society"}}
	Reversibility = []Choice{{Value: "reversible", Label: "Reversible"}, {Value: "partly_reversible", Label: "Partly reversible"},
		{Value: "irreversible", Label: "Irreversible"}}
	Scales = []Choice{{Value: "few", Label: "Few people"}, {Value: "many", Label: "Many people"},
		{Value: "very_many", Label: "Very many people"}}
	// Severities and Likelihoods are the 1–5 ratings of an impact.
	Severities = []Choice{{Value: "1", Label: "1 Negligible"}, {Value: "2", Label: "2 Minor"}, {Value: "3", Label: "3 Moderate"},
		{Value: "4", Label: "4 Major"}, {Value: "5", Label: "5 Severe"}}
	Likelihoods = []Choice{{Value: "1", Label: "1 Rare"}, {Value: "2", Label: "2 Unlikely"}, {Value: "3", Label: "3 Possible"},
		{Value: "4", Label: "4 Likely"}, {Value: "5", Label: "5 Almost certain"}}
)

// MaxImpacts bounds the impacts one round holds.
const MaxImpacts = 30

// maxText bounds each free-text field of a round.
const maxText = 5000

// Impact is one benefit or harm of the AI system, on whom, how severe and likely, how
// reversible and how widespread (42005 6.8). Severity and likelihood are 1–5; they travel
// as the strings a form sends, so a form can be shown again exactly as it was typed.
type Impact struct {
	Kind          string `json:"kind"`
	Affected      string `json:"affected"`
	Description   string `json:"description"`
	Severity      string `json:"severity"`
	Likelihood    string `json:"likelihood"`
	Reversibility string `json:"reversibility"`
	Scale         string `json:"scale"`
}

// Harm reports whether the impact is a harm (a risk can be raised from it).
func (i Impact) Harm() bool { return i.Kind == "harm" }

// Blank reports whether an impact row of a form was left empty. Selects always send a
// value, so only the description says whether the row is used.
func (i Impact) Blank() bool { return strings.TrimSpace(i.Description) == "" }

// Rating returns severity or likelihood as a number (0 when it is not one).
func Rating(s string) int {
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > 5 {
		return 0
	}
	return n
}

// ImpactField names the form field of impact row i, e.g. "impact_2_severity".
func ImpactField(i int, name string) string { return fmt.Sprintf("impact_%d_%s", i, name) }

// Round is one round of an impact assessment: the ISO/IEC 42005 record-level fields, the
// impacts table, the round's state and its approval.
type Round struct {
	AssessmentID uuid.UUID `json:"-"`
	Number       int       `json:"round"`
	State        string    `json:"state"`
	// 5.4 trigger and timing; 6.2 scope.
	Trigger        string `json:"trigger"`
	Timing         string `json:"timing"`
	Scope          string `json:"scope"`
	LifecycleStage string `json:"lifecycle_stage"`
	SystemVersion  string `json:"system_version"`
	// 6.3 the AI system.
	Functionalities string `json:"functionalities"`
	Purpose         string `json:"purpose"`
	IntendedUses    string `json:"intended_uses"`
	UnintendedUses  string `json:"unintended_uses"`
	// 6.4 data.
	DataSources string `json:"data_sources"`
	DataQuality string `json:"data_quality"`
	DataBias    string `json:"data_bias"`
	// 6.5 algorithms and models.
	ModelAlgorithms  string `json:"model_algorithms"`
	ModelVersions    string `json:"model_versions"`
	ModelLimitations string `json:"model_limitations"`
	// 6.6 deployment environment.
	DeploymentGeography   string `json:"deployment_geography"`
	DeploymentLanguages   string `json:"deployment_languages"`
	DeploymentConstraints string `json:"deployment_constraints"`
	// 6.7 interested parties.
	PartiesDirect     string `json:"parties_direct"`
	PartiesIndirect   string `json:"parties_indirect"`
	PartiesVulnerable string `json:"parties_vulnerable"`
	// 6.8 impacts; 6.9 measures.
	Impacts            []Impact `json:"impacts"`
	Mitigations        string   `json:"mitigations"`
	BenefitMeasures    string   `json:"benefit_measures"`
	ResidualImpact     string   `json:"residual_impact"`
	RelatedAssessments string   `json:"related_assessments"`
	// 5.11 approval.
	ApprovedBy   string     `json:"approved_by"`
	ApprovedAt   *time.Time `json:"approved_at"`
	ApprovalNote string     `json:"approval_note"`
	UpdatedAt    time.Time  `json:"-"`
	UpdatedBy    string     `json:"-"`
}

// Editable reports whether the round may be changed: only a draft can be.
func (r Round) Editable() bool { return r.State == StateDraft }

// Harms counts the round's harms.
func (r Round) Harms() int { return r.count("harm") }

// Benefits counts the round's benefits.
func (r Round) Benefits() int { return r.count("benefit") }

func (r Round) count(kind string) int {
	n := 0
	for _, i := range r.Impacts {
		if i.Kind == kind {
			n++
		}
	}
	return n
}

// texts are the round's free-text fields with their form names and the label that names
// them in messages, in form order.
func (r *Round) texts() []struct {
	name, label string
	value       *string
} {
	return []struct {
		name, label string
		value       *string
	}{
		{"timing", "timing", &r.Timing},
		{"scope", "scope", &r.Scope},
		{"system_version", "version assessed", &r.SystemVersion},
		{"functionalities", "functionalities and capabilities", &r.Functionalities},
		{"purpose", "purpose", &r.Purpose},
		{"intended_uses", "intended uses", &r.IntendedUses},
		{"unintended_uses", "unintended uses and foreseeable misuse", &r.UnintendedUses},
		{"data_sources", "data sources", &r.DataSources},
		{"data_quality", "data quality", &r.DataQuality},
		{"data_bias", "known limitations and bias of the data", &r.DataBias},
		{"model_algorithms", "algorithms and models", &r.ModelAlgorithms},
		{"model_versions", "development history and versions", &r.ModelVersions},
		{"model_limitations", "known limitations of the model", &r.ModelLimitations},
		{"deployment_geography", "geographic area", &r.DeploymentGeography},
		{"deployment_languages", "languages", &r.DeploymentLanguages},
		{"deployment_constraints", "environment and constraints", &r.DeploymentConstraints},
		{"parties_direct", "directly affected parties", &r.PartiesDirect},
		{"parties_indirect", "indirectly affected parties", &r.PartiesIndirect},
		{"parties_vulnerable", "vulnerable groups", &r.PartiesVulnerable},
		{"mitigations", "mitigations of harms", &r.Mitigations},
		{"benefit_measures", "measures to enhance benefits", &r.BenefitMeasures},
		{"residual_impact", "residual impact", &r.ResidualImpact},
		{"related_assessments", "related assessments", &r.RelatedAssessments},
	}
}

// Normalize trims the text and drops impact rows left blank.
func (r *Round) Normalize() {
	r.Trigger, r.LifecycleStage = strings.TrimSpace(r.Trigger), strings.TrimSpace(r.LifecycleStage)
	for _, t := range r.texts() {
		*t.value = strings.TrimSpace(*t.value)
	}
	// A new slice: reusing r.Impacts' array would rewrite the caller's copy of the rows.
	kept := make([]Impact, 0, len(r.Impacts))
	for _, i := range r.Impacts {
		if !i.Blank() {
			i.Description = strings.TrimSpace(i.Description)
			kept = append(kept, i)
		}
	}
	r.Impacts = kept
}

// Validate checks every field and each impact row, in form order.
func (r Round) Validate() error {
	var v apperr.Validation
	v.Check(r.Trigger == "" || orgcontext.Has(Triggers, r.Trigger), "trigger", "Choose what prompted this round from the list")
	v.Check(r.LifecycleStage == "" || orgcontext.Has(LifecycleStages, r.LifecycleStage), "lifecycle_stage", "Choose a life-cycle stage from the list")
	for _, t := range r.texts() {
		v.Check(utf8.RuneCountInString(*t.value) <= maxText, t.name, "Keep the "+t.label+" under 5,000 characters")
	}
	v.Check(len(r.Impacts) <= MaxImpacts, "impacts", fmt.Sprintf("Record at most %d impacts per round", MaxImpacts))
	for n, i := range r.Impacts {
		v.Check(orgcontext.Has(Kinds, i.Kind), ImpactField(n, "kind"), "Choose benefit or harm")
		v.Check(orgcontext.Has(AffectedWho, i.Affected), ImpactField(n, "affected"), "Choose who is affected")
		v.Check(i.Description != "" && utf8.RuneCountInString(i.Description) <= 2000, ImpactField(n, "description"), "Describe the impact (up to 2,000 characters)")
		v.Check(Rating(i.Severity) > 0, ImpactField(n, "severity"), "Choose a severity from 1 to 5")
		v.Check(Rating(i.Likelihood) > 0, ImpactField(n, "likelihood"), "Choose a likelihood from 1 to 5")
		v.Check(orgcontext.Has(Reversibility, i.Reversibility), ImpactField(n, "reversibility"), "Choose how reversible the impact is")
		v.Check(orgcontext.Has(Scales, i.Scale), ImpactField(n, "scale"), "Choose how many people are affected")
	}
	return v.Err()
}

// ReadyForApproval says what a round still lacks before it can be approved: the minimum
// record an approver and an auditor need (why, what, for what, on whom, which impacts, what
// is done about them, what remains). Each message names the field on the round's form.
func (r Round) ReadyForApproval() []apperr.FieldError {
	var missing []apperr.FieldError
	need := func(ok bool, field, what string) {
		if !ok {
			missing = append(missing, apperr.FieldError{Field: field, Message: fmt.Sprintf("Round %d has no %s yet", r.Number, what)})
		}
	}
	need(r.Trigger != "", "trigger", "trigger (what prompted it)")
	need(r.Scope != "", "scope", "scope")
	need(r.Purpose != "", "purpose", "purpose")
	need(r.IntendedUses != "", "intended_uses", "intended uses")
	need(r.PartiesDirect != "", "parties_direct", "directly affected parties")
	need(len(r.Impacts) > 0, "impacts", "impacts (benefits or harms)")
	need(r.Harms() == 0 || r.Mitigations != "", "mitigations", "mitigations for its harms")
	need(r.ResidualImpact != "", "residual_impact", "residual impact")
	return missing
}

// ImpactsText is the impacts table as lines of text, for the audit trail and CSV export.
func ImpactsText(impacts []Impact) string {
	lines := make([]string, len(impacts))
	for n, i := range impacts {
		lines[n] = fmt.Sprintf("%d. %s on %s, severity %s, likelihood %s, %s, %s: %s", n+1,
			orgcontext.LabelOf(Kinds, i.Kind), strings.ToLower(orgcontext.LabelOf(AffectedWho, i.Affected)),
			i.Severity, i.Likelihood, strings.ToLower(orgcontext.LabelOf(Reversibility, i.Reversibility)),
			strings.ToLower(orgcontext.LabelOf(Scales, i.Scale)), i.Description)
	}
	return strings.Join(lines, "\n")
}

// auditView is the round as the audit trail records it: every field, the impacts as
// readable lines so that the record's history shows what changed in words.
func (r Round) auditView() map[string]any {
	m := map[string]any{"round": r.Number, "state": orgcontext.LabelOf(States, r.State),
		"trigger": orgcontext.LabelOf(Triggers, r.Trigger), "lifecycle_stage": orgcontext.LabelOf(LifecycleStages, r.LifecycleStage),
		"impacts": ImpactsText(r.Impacts), "approved_by": r.ApprovedBy, "approval_note": r.ApprovalNote}
	if r.ApprovedAt != nil {
		m["approved_at"] = r.ApprovedAt.UTC().Format(time.RFC3339)
	}
	for _, t := range r.texts() {
		m[t.name] = *t.value
	}
	return m
}

// TextField is a free-text field of a round: its form name and where its value lives.
type TextField struct {
	Name  string
	Value *string
}

// TextFields lists the free-text fields of r in form order, for a form to read into.
func TextFields(r *Round) []TextField {
	texts := r.texts()
	out := make([]TextField, len(texts))
	for i, t := range texts {
		out[i] = TextField{Name: t.name, Value: t.value}
	}
	return out
}
