// Package orgcontext holds the context of the organisation (clause 4.1: internal and
// external issues, and the organisation's AI roles) and its interested parties (4.2).
package orgcontext

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/openaims/openaims/internal/apperr"
	"github.com/openaims/openaims/internal/record"
)

// Choice is an allowed value of a field and its label.
type Choice struct{ Value, Label string }

// IssueOrigins says whether an issue arises inside or outside the organisation.
var IssueOrigins = []Choice{{"internal", "Internal"}, {"external", "External"}}

// IssueCategories are the kinds of issue an AIMS context analysis considers.
var IssueCategories = []Choice{
	{"legal_regulatory", "Legal and regulatory"},
	{"ethical_societal", "Ethical and societal"},
	{"market_competition", "Market and competition"},
	{"technology", "Technology"},
	{"economic_political", "Economic and political"},
	{"environmental", "Environmental and climate"},
	{"strategy", "Strategy and objectives"},
	{"governance_culture", "Governance and culture"},
	{"capabilities_resources", "Capabilities and resources"},
	{"processes_data", "Processes and data"},
}

// IssueStatuses are the states of a context issue.
var IssueStatuses = []Choice{{"open", "Open"}, {"monitored", "Monitored"}, {"addressed", "Addressed"}}

// Issue is an internal or external issue relevant to the AIMS (clause 4.1). Dates and ids
// travel as the strings a form sends, so a form can be re-shown exactly as it was typed.
type Issue struct {
	ID          uuid.UUID  `json:"id"`
	Ref         int        `json:"ref"`
	Title       string     `json:"title"`
	Origin      string     `json:"origin"`
	Category    string     `json:"category"`
	Description string     `json:"description"`
	Effect      string     `json:"effect"`
	OwnerID     string     `json:"owner_id"`
	OwnerName   string     `json:"owner"`
	Status      string     `json:"status"`
	ReviewDate  string     `json:"review_date"`
	ArchivedAt  *time.Time `json:"archived_at"`
	UpdatedAt   time.Time  `json:"-"`
	UpdatedBy   string     `json:"-"`
	CreatedAt   time.Time  `json:"-"`
	CreatedBy   string     `json:"-"`
}

// Reference is the issue's human reference, e.g. CTX-7.
func (i Issue) Reference() string { return fmt.Sprintf("CTX-%d", i.Ref) }

// Label is the reference and title, as the audit trail shows it.
func (i Issue) Label() string { return i.Reference() + " " + i.Title }

// Editable returns a conflict when the issue is archived: archiving promises that the record
// is no longer edited until it is restored.
func (i Issue) Editable() error { return record.Editable(i.Reference(), i.ArchivedAt) }

// Archived reports whether the issue is archived.
func (i Issue) Archived() bool { return i.ArchivedAt != nil }

// Normalize trims the free-text fields.
func (i *Issue) Normalize() {
	for _, s := range []*string{&i.Title, &i.Description, &i.Effect, &i.OwnerID, &i.ReviewDate} {
		*s = strings.TrimSpace(*s)
	}
}

// Validate checks every field and returns one message per field in form order.
func (i Issue) Validate() error {
	var v apperr.Validation
	v.Check(i.Title != "" && utf8.RuneCountInString(i.Title) <= 200, "title", "Enter a title of up to 200 characters")
	v.Check(Has(IssueOrigins, i.Origin), "origin", "Choose whether the issue is internal or external")
	v.Check(Has(IssueCategories, i.Category), "category", "Choose a category")
	v.Check(utf8.RuneCountInString(i.Description) <= 5000, "description", "Keep the description under 5,000 characters")
	v.Check(utf8.RuneCountInString(i.Effect) <= 5000, "effect", "Keep the effect under 5,000 characters")
	record.CheckOwner(&v, "owner_id", i.OwnerID)
	v.Check(Has(IssueStatuses, i.Status), "status", "Choose a status")
	record.CheckDate(&v, "review_date", i.ReviewDate)
	return v.Err()
}

// Has reports whether value is one of choices.
func Has(choices []Choice, value string) bool {
	for _, c := range choices {
		if c.Value == value {
			return true
		}
	}
	return false
}

// LabelOf returns the label of value in choices, or value itself.
func LabelOf(choices []Choice, value string) string {
	for _, c := range choices {
		if c.Value == value {
			return c.Label
		}
	}
	return value
}
