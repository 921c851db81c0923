// Package impact holds the AI system impact assessments (ISO/IEC 42001 6.1.4, 8.4, A.5),
// recorded with the fields of ISO/IEC 42005. An assessment is done in rounds: only the
// current round, while it is a draft, can be edited; an approved round is frozen, and a new
// round copies it and supersedes it, so every earlier result is retained (8.4).
package impact

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

// Object is the object type of impact assessments in the audit trail and the URL slug.
const Object = "impact-assessments"

// Choice is an allowed value of a field and its label.
type Choice = orgcontext.Choice

// Round states: a draft can be edited; an approved round is frozen until a new round
// supersedes it; a superseded round is kept, read-only, as an earlier result.
const (
	StateDraft      = "draft"
	StateApproved   = "approved"
	StateSuperseded = "superseded"
)

// States are the states of a round, as the list filters and badges name them.
var States = []Choice{{Value: StateDraft, Label: "Draft"}, {Value: StateApproved, Label: "Approved"}, {Value: StateSuperseded, Label: "Superseded"}}

// CurrentStates are the states the current round of an assessment can be in.
var CurrentStates = States[:2]

// Assessment is an AI system impact assessment: what is assessed, who owns it, when it is
// next reviewed, and which round is current. The rounds hold the assessment itself.
type Assessment struct {
	ID         uuid.UUID `json:"id"`
	Ref        int       `json:"ref"`
	Title      string    `json:"title"`
	SystemID   string    `json:"system_id"`
	SystemRef  int       `json:"-"`
	SystemName string    `json:"ai_system"`
	OwnerID    string    `json:"owner_id"`
	OwnerName  string    `json:"owner"`
	NextReview string    `json:"next_review"` // YYYY-MM-DD, as the form sends it
	Round      int       `json:"current_round"`
	// State, ApprovedAt and the counts describe the current round, for lists.
	State       string         `json:"-"`
	ApprovedAt  *time.Time     `json:"-"`
	Harms       int            `json:"-"`
	Benefits    int            `json:"-"`
	RiskCount   int            `json:"-"`
	ArchivedAt  *time.Time     `json:"archived_at"`
	CreatedAt   time.Time      `json:"-"`
	CreatedBy   string         `json:"-"`
	UpdatedAt   time.Time      `json:"-"`
	UpdatedBy   string         `json:"-"`
	Rounds      []RoundSummary `json:"-"` // every round, newest first (FindAssessment only)
	RaisedRisks []RaisedRisk   `json:"-"` // the first RaisedRisksShown risks raised from it, by reference (FindAssessment only)
	RaisedTotal int            `json:"-"` // how many risks were raised from it, archived ones included (FindAssessment only)
}

// RaisedRisksShown is how many of the risks raised from an assessment its page lists; it
// links to the risk register, filtered to the assessment, for the others.
const RaisedRisksShown = 20

// RoundSummary is one round as the record page lists it.
type RoundSummary struct {
	Number     int
	State      string
	Trigger    string
	ApprovedBy string
	ApprovedAt *time.Time
	UpdatedAt  time.Time
	Impacts    int
}

// RaisedRisk is a risk raised from the assessment, as its page links to it.
type RaisedRisk struct {
	ID            uuid.UUID
	Ref           int
	Title         string
	InherentLevel string
	Status        string
	Archived      bool
}

// Reference is the risk's human reference, e.g. RISK-4.
func (r RaisedRisk) Reference() string { return fmt.Sprintf("RISK-%d", r.Ref) }

// Reference is the assessment's human reference, e.g. IA-2.
func (a Assessment) Reference() string { return fmt.Sprintf("IA-%d", a.Ref) }

// Label is the reference and title, as the audit trail shows it.
func (a Assessment) Label() string { return a.Reference() + " " + a.Title }

// SystemReference is the assessed AI system's human reference, e.g. AIS-3.
func (a Assessment) SystemReference() string { return fmt.Sprintf("AIS-%d", a.SystemRef) }

// Archived reports whether the assessment is archived.
func (a Assessment) Archived() bool { return a.ArchivedAt != nil }

// Editable returns a conflict when the assessment is archived: archiving promises that the
// record is no longer changed until it is restored.
func (a Assessment) Editable() error { return record.Editable(a.Reference(), a.ArchivedAt) }

// ReviewDue reports whether the next review date has passed on day today (YYYY-MM-DD).
func (a Assessment) ReviewDue(today string) bool { return a.NextReview != "" && a.NextReview < today }

// Normalize trims the fields a form sends.
func (a *Assessment) Normalize() {
	for _, s := range []*string{&a.Title, &a.SystemID, &a.OwnerID, &a.NextReview} {
		*s = strings.TrimSpace(*s)
	}
}

// Validate checks every field of the assessment, in form order.
func (a Assessment) Validate() error {
	var v apperr.Validation
	v.Check(a.Title != "" && utf8.RuneCountInString(a.Title) <= 200, "title", "Enter a title of up to 200 characters")
	_, err := uuid.Parse(a.SystemID)
	v.Check(err == nil, "system_id", "Choose the AI system this assessment is about")
	if a.OwnerID != "" {
		_, err := uuid.Parse(a.OwnerID)
		v.Check(err == nil, "owner_id", "Choose an owner from the list")
	}
	if a.NextReview == "" {
		v.Add("next_review", "Enter the date of the next review, for example 2027-03-31")
	} else if _, err := time.Parse(time.DateOnly, a.NextReview); err != nil {
		v.Add("next_review", "Enter a real date, for example 2027-03-31")
	}
	return v.Err()
}
