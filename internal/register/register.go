// Package register lists the AIMS registers of PRODUCT.md — URL slug, title, the ISO/IEC
// 42001 clauses they evidence, their navigation group — and which of them are built.
package register

import "strings"

// Register is one register of the AIMS.
type Register struct {
	Slug    string
	Title   string
	Clauses string // clause and Annex A ids it evidences, as shown in navigation
	Group   string
	Purpose string // one line on what the register is for
	Built   bool
}

// Navigation groups, in the order of the standard's clauses.
const (
	Context     = "Context"
	Leadership  = "Leadership"
	Planning    = "Planning"
	Support     = "Support"
	Operation   = "Operation"
	Performance = "Performance evaluation"
	Improvement = "Improvement"
)

// Groups lists the navigation groups in order.
var Groups = []string{Context, Leadership, Planning, Support, Operation, Performance, Improvement}

// All is every register, in navigation order.
var All = []Register{
	{"context", "Context", "4.1", Context, "Internal and external issues that affect the AIMS, and the organisation's AI roles.", true},
	{"parties", "Interested parties", "4.2", Context, "Interested parties, their requirements, and which of them the AIMS addresses.", true},
	{"scope", "Scope", "4.3", Context, "The approved, versioned scope statement and the AI systems in and out of scope.", false},
	{"policies", "Policies", "5.2, A.2", Leadership, "The AI policy and related policies, their reviews and executive approval.", false},
	{"roles", "Roles and responsibilities", "5.3, A.3.2", Leadership, "AIMS roles, responsibilities and authorities, and who holds them.", false},
	{"risks", "AI risks", "6.1.2, 8.2", Planning, "The AI risk register, assessed on the organisation's own criteria.", true},
	{"treatments", "Risk treatments", "6.1.3, 8.3", Planning, "Treatment plans for AI risks and the controls they use.", true},
	{"controls", "Controls and SoA", "6.1.3 d", Planning, "Annex A controls and the Statement of Applicability.", true},
	{"impact-assessments", "Impact assessments", "6.1.4, 8.4", Planning, "AI system impact assessments on individuals, groups and society.", true},
	{"objectives", "AI objectives", "6.2", Planning, "Measurable AI objectives, their owners, targets and progress.", false},
	{"competence", "Competence", "7.2, 7.3", Support, "Competence requirements, training and awareness records.", false},
	{"communications", "Communications", "7.4, A.8", Support, "The communication plan and its records.", false},
	{"documents", "Documents", "7.5", Support, "Documented information: versions, owners, approval and retention.", false},
	{"evidence", "Evidence", "all", Support, "Immutable evidence files attached to records.", false},
	{"ai-systems", "AI systems", "A.4, A.6, A.7, A.9, A.10", Operation, "The inventory of AI systems: purpose, life cycle, role, EU AI Act class, data, resources and suppliers.", true},
	{"metrics", "Metrics", "9.1", Performance, "Monitoring and measurement: metrics and their recorded values.", false},
	{"audits", "Internal audits", "9.2", Performance, "The audit programme, audits, checklists and findings.", false},
	{"reviews", "Management reviews", "9.3", Performance, "Management reviews: inputs, decisions and executive sign-off.", false},
	{"nonconformities", "Nonconformities", "10.2", Improvement, "Nonconformities and their corrective actions.", false},
	{"incidents", "AI incidents", "10.2, A.8.3", Improvement, "AI incidents and raised concerns.", false},
}

// Find returns the register with slug.
func Find(slug string) (Register, bool) {
	for _, r := range All {
		if r.Slug == slug {
			return r, true
		}
	}
	return Register{}, false
}

// PrimaryClause is the first clause the register evidences, short enough for navigation.
func (r Register) PrimaryClause() string {
	first, _, _ := strings.Cut(r.Clauses, ",")
	return first
}
