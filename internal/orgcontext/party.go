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

// PartyKinds are the kinds of interested party (clause 4.2).
var PartyKinds = []Choice{
	{"customer", "Customer or user"},
	{"affected", "Affected individuals or communities"},
	{"regulator", "Regulator or authority"},
	{"employee", "Employees"},
	{"supplier", "Supplier or AI provider"},
	{"partner", "Partner"},
	{"investor", "Owner, board or investor"},
	{"society", "Civil society or the public"},
	{"other", "Other"},
}

// PartyStatuses are the states of an interested party entry.
var PartyStatuses = []Choice{{"active", "Active"}, {"inactive", "No longer relevant"}}

// MaxRequirements bounds the requirements one party form holds.
const MaxRequirements = 20

// Requirement is one need or expectation of an interested party, whether it is a legal or
// regulatory requirement, and whether (and how) the AIMS addresses it.
type Requirement struct {
	Text      string `json:"requirement"`
	Legal     bool   `json:"legal"`
	Addressed bool   `json:"addressed"`
	How       string `json:"how"`
}

// Party is an interested party relevant to the AIMS (clause 4.2) with its requirements.
type Party struct {
	ID           uuid.UUID     `json:"id"`
	Ref          int           `json:"ref"`
	Name         string        `json:"name"`
	Kind         string        `json:"kind"`
	Description  string        `json:"description"`
	OwnerID      string        `json:"owner_id"`
	OwnerName    string        `json:"owner"`
	Status       string        `json:"status"`
	Requirements []Requirement `json:"requirements"`
	// RequirementCount, LegalCount and AddressedCount summarise Requirements in lists.
	RequirementCount int        `json:"-"`
	LegalCount       int        `json:"-"`
	AddressedCount   int        `json:"-"`
	ArchivedAt       *time.Time `json:"archived_at"`
	UpdatedAt        time.Time  `json:"-"`
	UpdatedBy        string     `json:"-"`
	CreatedAt        time.Time  `json:"-"`
	CreatedBy        string     `json:"-"`
}

// Reference is the party's human reference, e.g. IP-4.
func (p Party) Reference() string { return fmt.Sprintf("IP-%d", p.Ref) }

// Label is the reference and name, as the audit trail shows it.
func (p Party) Label() string { return p.Reference() + " " + p.Name }

// Editable returns a conflict when the party is archived: archiving promises that the record
// is no longer edited until it is restored.
func (p Party) Editable() error { return record.Editable(p.Reference(), p.ArchivedAt) }

// Archived reports whether the party is archived.
func (p Party) Archived() bool { return p.ArchivedAt != nil }

// Normalize trims text and drops requirement rows left entirely blank.
func (p *Party) Normalize() {
	p.Name, p.Description, p.OwnerID = strings.TrimSpace(p.Name), strings.TrimSpace(p.Description), strings.TrimSpace(p.OwnerID)
	// A new slice: reusing p.Requirements' array would rewrite the caller's copy of the rows.
	kept := make([]Requirement, 0, len(p.Requirements))
	for _, r := range p.Requirements {
		if !r.Blank() {
			r.Text, r.How = strings.TrimSpace(r.Text), strings.TrimSpace(r.How)
			kept = append(kept, r)
		}
	}
	p.Requirements = kept
}

// Blank reports whether a requirement row was left empty: no text in either field and no box ticked.
// A form drops such rows before validating, so that the row numbers in its messages match
// the rows it shows again.
func (r Requirement) Blank() bool {
	return strings.TrimSpace(r.Text) == "" && strings.TrimSpace(r.How) == "" && !r.Legal && !r.Addressed
}

// RequirementField names the form field of requirement i, e.g. "req_2_text".
func RequirementField(i int, name string) string { return fmt.Sprintf("req_%d_%s", i, name) }

// Validate checks every field and each requirement row.
func (p Party) Validate() error {
	var v apperr.Validation
	v.Check(p.Name != "" && utf8.RuneCountInString(p.Name) <= 200, "name", "Enter a name of up to 200 characters")
	v.Check(Has(PartyKinds, p.Kind), "kind", "Choose the kind of party")
	v.Check(utf8.RuneCountInString(p.Description) <= 5000, "description", "Keep the description under 5,000 characters")
	record.CheckOwner(&v, "owner_id", p.OwnerID)
	v.Check(Has(PartyStatuses, p.Status), "status", "Choose a status")
	v.Check(len(p.Requirements) <= MaxRequirements, "requirements", fmt.Sprintf("Record at most %d requirements per party", MaxRequirements))
	for i, r := range p.Requirements {
		v.Check(r.Text != "" && utf8.RuneCountInString(r.Text) <= 2000, RequirementField(i, "text"), "Describe the requirement (up to 2,000 characters)")
		v.Check(!r.Addressed || r.How != "", RequirementField(i, "how"), "Say how the AIMS addresses this requirement")
		v.Check(utf8.RuneCountInString(r.How) <= 2000, RequirementField(i, "how"), "Keep this under 2,000 characters")
	}
	return v.Err()
}
