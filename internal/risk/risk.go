package risk

import (
	"encoding/json"
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

// Statuses are the states of a risk through the risk process (23894 clause 6).
var Statuses = []Choice{
	{Value: "identified", Label: "Identified"},
	{Value: "assessed", Label: "Assessed"},
	{Value: "treatment_planned", Label: "Treatment planned"},
	{Value: "treated", Label: "Treated"},
	{Value: "accepted", Label: "Accepted"},
	{Value: "closed", Label: "Closed"},
}

// StatusAccepted is the status only an acceptance of the residual risk sets.
const StatusAccepted = "accepted"

// MaxSystems bounds the AI systems one risk names.
const MaxSystems = 50

var picklists = catalog.MustLoad()

// Sources are the risk sources of the catalog's picklist (42001 Annex C.3, 23894 Annex B).
var Sources = picklist(picklists.RiskSources)

// Objectives are the objectives a risk can affect (42001 Annex C.2, 23894 Annex A).
var Objectives = picklist(picklists.ObjectivesAffected)

func picklist(keys []string) []Choice {
	out := make([]Choice, len(keys))
	for i, k := range keys {
		out[i] = Choice{Value: k, Label: catalog.Label(k)}
	}
	return out
}

// SystemLink is an AI system a risk concerns, as the risk shows it.
type SystemLink struct {
	ID   uuid.UUID `json:"id"`
	Ref  int       `json:"ref"`
	Name string    `json:"name"`
}

// Reference is the AI system's human reference, e.g. AIS-2.
func (s SystemLink) Reference() string { return fmt.Sprintf("AIS-%d", s.Ref) }

// MarshalJSON writes the system as the audit trail shows it, "AIS-2 Fraud detection"; a
// change of a risk's AI systems then reads as names, not ids.
func (s SystemLink) MarshalJSON() ([]byte, error) { return json.Marshal(s.Reference() + " " + s.Name) }

// Ratings are the likelihood and impact of a risk before (inherent) and after (residual)
// treatment, as points on the tenant's scales; a zero residual rating means "not yet rated".
type Ratings struct {
	InherentLikelihood int `json:"inherent_likelihood"`
	InherentImpact     int `json:"inherent_impact"`
	ResidualLikelihood int `json:"residual_likelihood"`
	ResidualImpact     int `json:"residual_impact"`
}

// HasResidual reports whether the residual risk is rated.
func (r Ratings) HasResidual() bool { return r.ResidualLikelihood > 0 && r.ResidualImpact > 0 }

// Check adds a message per rating that is off the scales of c.
func (r Ratings) Check(v *apperr.Validation, c Criteria) {
	v.Check(r.InherentLikelihood >= 1 && r.InherentLikelihood <= c.LikelihoodCount(), "inherent_likelihood", "Choose how likely the risk is before treatment")
	v.Check(r.InherentImpact >= 1 && r.InherentImpact <= c.ImpactCount(), "inherent_impact", "Choose how severe its impact is before treatment")
	switch {
	case r.ResidualLikelihood == 0 && r.ResidualImpact == 0:
	case r.ResidualLikelihood == 0:
		v.Add("residual_likelihood", "Choose the residual likelihood too, or clear both residual ratings")
	case r.ResidualImpact == 0:
		v.Add("residual_impact", "Choose the residual impact too, or clear both residual ratings")
	default:
		v.Check(r.ResidualLikelihood >= 1 && r.ResidualLikelihood <= c.LikelihoodCount(), "residual_likelihood", "Choose a likelihood from the list")
		v.Check(r.ResidualImpact >= 1 && r.ResidualImpact <= c.ImpactCount(), "residual_impact", "Choose an impact from the list")
	}
}

// Risk is an AI risk (6.1.2) with the ISO/IEC 23894 identification fields, the AI systems
// it concerns, its inherent and residual ratings and levels on the tenant's criteria, and
// where it stands. Ids and dates travel as the strings a form sends.
type Risk struct {
	ID                uuid.UUID `json:"id"`
	Ref               int       `json:"ref"`
	Title             string    `json:"title"`
	Event             string    `json:"event"`
	RiskSource        string    `json:"risk_source"`
	ObjectiveAffected string    `json:"objective_affected"`
	Assets            string    `json:"assets"`
	Consequences      string    `json:"consequences"`
	AffectedParties   string    `json:"affected_parties"`
	ExistingControls  string    `json:"existing_controls"`
	// SystemIDs are the AI systems as a form sends them; Systems as stored, with names.
	SystemIDs []string `json:"-"`
	// AddSystems are AI system references typed into the form ("AIS-12, AIS-40") when the
	// inventory is too large to list; saving adds those systems to SystemIDs.
	AddSystems string       `json:"-"`
	Systems    []SystemLink `json:"ai_systems"`
	Ratings
	InherentLevel string `json:"inherent_level"`
	ResidualLevel string `json:"residual_level"`
	OwnerID       string `json:"owner_id"`
	OwnerName     string `json:"owner"`
	ReviewDate    string `json:"review_date"`
	Status        string `json:"status"`
	// ImpactAssessmentID is the impact assessment the risk was raised from, or "".
	ImpactAssessmentID string `json:"impact_assessment_id"`
	// ImpactAssessmentRef and ImpactAssessmentTitle name that assessment (IA-n) on pages.
	ImpactAssessmentRef   int    `json:"-"`
	ImpactAssessmentTitle string `json:"impact_assessment"`
	// AssessmentNote is the note of the first assessment, recorded on create.
	AssessmentNote string     `json:"-"`
	ArchivedAt     *time.Time `json:"archived_at"`
	UpdatedAt      time.Time  `json:"-"`
	UpdatedBy      string     `json:"-"`
	CreatedAt      time.Time  `json:"-"`
	CreatedBy      string     `json:"-"`
}

// Reference is the risk's human reference, e.g. RISK-7.
func (r Risk) Reference() string { return Reference(r.Ref) }

// Reference formats a risk number as its human reference.
func Reference(ref int) string { return fmt.Sprintf("RISK-%d", ref) }

// Label is the reference and title, as the audit trail shows it.
func (r Risk) Label() string { return r.Reference() + " " + r.Title }

// Archived reports whether the risk is archived.
func (r Risk) Archived() bool { return r.ArchivedAt != nil }

// Editable returns a conflict when the risk is archived.
func (r Risk) Editable() error { return record.Editable(r.Reference(), r.ArchivedAt) }

// HasSystem reports whether the risk names the AI system id (as the form sends it).
func (r Risk) HasSystem(id string) bool {
	if slices.Contains(r.SystemIDs, id) {
		return true
	}
	return slices.ContainsFunc(r.Systems, func(s SystemLink) bool { return s.ID.String() == id })
}

// Normalize trims text and drops repeated or blank AI system ids.
func (r *Risk) Normalize() {
	for _, s := range []*string{&r.Title, &r.Event, &r.Assets, &r.Consequences, &r.AffectedParties, &r.ExistingControls,
		&r.OwnerID, &r.ReviewDate, &r.ImpactAssessmentID, &r.AssessmentNote} {
		*s = strings.TrimSpace(*s)
	}
	ids := make([]string, 0, len(r.SystemIDs))
	for _, id := range r.SystemIDs {
		if id = strings.TrimSpace(id); id != "" && !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	r.SystemIDs = ids
}

// Validate checks every field against the tenant's criteria c, one message per field in form order.
func (r Risk) Validate(c Criteria) error {
	var v apperr.Validation
	v.Check(r.Title != "" && utf8.RuneCountInString(r.Title) <= 200, "title", "Enter a title of up to 200 characters")
	v.Check(len(r.SystemIDs) > 0, "ai_systems", "Choose at least one AI system the risk concerns")
	v.Check(len(r.SystemIDs) <= MaxSystems, "ai_systems", fmt.Sprintf("Choose at most %d AI systems", MaxSystems))
	for _, id := range r.SystemIDs {
		if _, err := uuid.Parse(id); err != nil {
			v.Add("ai_systems", "Choose AI systems from the list")
			break
		}
	}
	v.Check(utf8.RuneCountInString(r.Event) <= 5000, "event", "Keep the event under 5,000 characters")
	v.Check(orgcontext.Has(Sources, r.RiskSource), "risk_source", "Choose the source of the risk")
	v.Check(orgcontext.Has(Objectives, r.ObjectiveAffected), "objective_affected", "Choose the objective the risk affects")
	for _, f := range []struct{ name, value string }{{"assets", r.Assets}, {"consequences", r.Consequences},
		{"affected_parties", r.AffectedParties}, {"existing_controls", r.ExistingControls}} {
		v.Check(utf8.RuneCountInString(f.value) <= 5000, f.name, "Keep this under 5,000 characters")
	}
	r.Ratings.Check(&v, c)
	record.CheckOwner(&v, "owner_id", r.OwnerID)
	record.CheckDate(&v, "review_date", r.ReviewDate)
	v.Check(orgcontext.Has(Statuses, r.Status), "status", "Choose a status")
	v.Check(utf8.RuneCountInString(r.AssessmentNote) <= 2000, "note", "Keep the note under 2,000 characters")
	if r.ImpactAssessmentID != "" {
		_, err := uuid.Parse(r.ImpactAssessmentID)
		v.Check(err == nil, "impact_assessment_id", "Choose the impact assessment from the list")
	}
	return v.Err()
}

// Assessment is one dated result of assessing a risk (8.2): the ratings and levels given,
// by whom and when, and why.
type Assessment struct {
	Seq        int
	AssessedAt time.Time
	AssessedBy string
	Ratings
	InherentLevel string
	ResidualLevel string
	Note          string
}

// Reassessment is what the re-assess form submits: new ratings, a note, and the next
// review date.
type Reassessment struct {
	Ratings
	Note       string
	ReviewDate string
}

// Validate checks the ratings against c, the note and the date.
func (a Reassessment) Validate(c Criteria) error {
	var v apperr.Validation
	a.Ratings.Check(&v, c)
	v.Check(utf8.RuneCountInString(a.Note) <= 2000, "note", "Keep the note under 2,000 characters")
	record.CheckDate(&v, "review_date", a.ReviewDate)
	return v.Err()
}

// Acceptance is a decision to retain a risk's residual level (6.1.3, 8.3): who accepted it,
// when, the level accepted, whether that was above the acceptance threshold, and why.
type Acceptance struct {
	Seq            int
	AcceptedBy     string
	AcceptedAt     time.Time
	ResidualLevel  string
	AboveThreshold bool
	Reason         string
}

// Option is a risk as a picker offers it, e.g. in a treatment's list of risks treated.
type Option struct {
	ID            uuid.UUID
	Ref           int
	Title         string
	InherentLevel string
	ResidualLevel string
	Status        string
	Archived      bool
}

// Reference is the risk's human reference, e.g. RISK-3.
func (o Option) Reference() string { return Reference(o.Ref) }

// Label is the reference and title.
func (o Option) Label() string { return o.Reference() + " " + o.Title }
