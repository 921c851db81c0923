// Package risk holds the organisation's AI risk criteria (clause 6.1.1) and its AI risk
// register (6.1.2, 8.2): risks with the ISO/IEC 23894 fields, their dated assessments, the
// heat map of the tenant's own matrix, and the acceptance of residual risk.
package risk

import (
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/openaims/openaims/internal/apperr"
	"github.com/openaims/openaims/internal/orgcontext"
)

// Choice is an allowed value of a field and its label.
type Choice = orgcontext.Choice

// Levels are the risk level bands, least severe first.
var Levels = []Choice{{Value: "low", Label: "Low"}, {Value: "medium", Label: "Medium"}, {Value: "high", Label: "High"}, {Value: "critical", Label: "Critical"}}

// Scale bounds: the schema allows 2 to 10 points on each scale.
const (
	MinScale = 2
	MaxScale = 10
)

// LevelRank is the severity of level, 1 (low) to 4 (critical), or 0 for none.
func LevelRank(level string) int {
	for i, l := range Levels {
		if l.Value == level {
			return i + 1
		}
	}
	return 0
}

// LevelLabel is the label of level, e.g. "High", or "" for none.
func LevelLabel(level string) string {
	if level == "" {
		return ""
	}
	return orgcontext.LabelOf(Levels, level)
}

// Criteria are a tenant's risk criteria (6.1.1): the likelihood and impact scales with a
// label and description per point, the matrix of level bands, and the acceptance threshold.
// Ratings are 1-based points on the scales; Levels is the matrix flattened row by row, one
// row per likelihood: Levels[(likelihood-1)*len(ImpactLabels) + impact-1].
type Criteria struct {
	LikelihoodLabels       []string `json:"likelihood_labels"`
	LikelihoodDescriptions []string `json:"likelihood_descriptions"`
	ImpactLabels           []string `json:"impact_labels"`
	ImpactDescriptions     []string `json:"impact_descriptions"`
	Levels                 []string `json:"levels"`
	// AcceptanceThreshold is the highest level that may be retained without treatment.
	AcceptanceThreshold string `json:"acceptance_threshold"`
	// Default is set when the tenant has not saved criteria and the product's apply.
	Default   bool      `json:"-"`
	UpdatedAt time.Time `json:"-"`
	UpdatedBy string    `json:"-"`
}

// DefaultCriteria are the product's 5 × 5 criteria, used until an administrator saves the
// tenant's own. The bands follow the conventional symmetric matrix: a risk is critical only
// when it is both likely and severe, and never lower than medium when one axis is at its top.
func DefaultCriteria() Criteria {
	return Criteria{
		LikelihoodLabels: []string{"Rare", "Unlikely", "Possible", "Likely", "Almost certain"},
		LikelihoodDescriptions: []string{
			"Could happen only in exceptional circumstances; not expected in the next five years.",
			"Could happen but is not expected; about once in two to five years.",
			"Might well happen; about once a year or in 1–10% of uses.",
			"Will probably happen; several times a year or in over 10% of uses.",
			"Is expected to happen, or is already happening; monthly or more often.",
		},
		ImpactLabels: []string{"Negligible", "Minor", "Moderate", "Major", "Severe"},
		ImpactDescriptions: []string{
			"No noticeable effect on people, the organisation or its objectives.",
			"Limited, short-lived effect, easily put right; no harm to individuals' rights or safety.",
			"Noticeable harm to some individuals or a group, a complaint to a regulator, or a missed AI objective; reversible with effort.",
			"Serious harm to individuals or groups, a regulatory breach or sanction, or a major loss of trust; hard to reverse.",
			"Irreversible harm to health, safety or fundamental rights, prohibition of the system, or a threat to the organisation.",
		},
		Levels: []string{
			"low", "low", "low", "medium", "medium",
			"low", "low", "medium", "medium", "high",
			"low", "medium", "medium", "high", "high",
			"medium", "medium", "high", "high", "critical",
			"medium", "high", "high", "critical", "critical",
		},
		AcceptanceThreshold: "medium",
		Default:             true,
	}
}

// LikelihoodCount and ImpactCount are the number of points on each scale.
func (c Criteria) LikelihoodCount() int { return len(c.LikelihoodLabels) }

// ImpactCount is the number of points on the impact scale.
func (c Criteria) ImpactCount() int { return len(c.ImpactLabels) }

// Level is the level band of a rating, or "" when the rating is off the scales.
func (c Criteria) Level(likelihood, impact int) string {
	if likelihood < 1 || impact < 1 || likelihood > c.LikelihoodCount() || impact > c.ImpactCount() {
		return ""
	}
	i := (likelihood-1)*c.ImpactCount() + impact - 1
	if i >= len(c.Levels) {
		return ""
	}
	return c.Levels[i]
}

// Acceptable reports whether level is at or below the acceptance threshold.
func (c Criteria) Acceptable(level string) bool {
	r := LevelRank(level)
	return r > 0 && r <= LevelRank(c.AcceptanceThreshold)
}

// LikelihoodLabel is the label of a likelihood rating, e.g. "3 Possible".
func (c Criteria) LikelihoodLabel(n int) string { return pointLabel(c.LikelihoodLabels, n) }

// ImpactLabel is the label of an impact rating, e.g. "4 Major".
func (c Criteria) ImpactLabel(n int) string { return pointLabel(c.ImpactLabels, n) }

func pointLabel(labels []string, n int) string {
	if n < 1 {
		return ""
	}
	if n > len(labels) {
		return fmt.Sprintf("%d (off the current scale)", n)
	}
	return fmt.Sprintf("%d %s", n, labels[n-1])
}

// LikelihoodField names the form field of likelihood point i (0-based), e.g. "likelihood_1_label".
func LikelihoodField(i int, part string) string { return fmt.Sprintf("likelihood_%d_%s", i+1, part) }

// ImpactField names the form field of impact point i (0-based), e.g. "impact_1_description".
func ImpactField(i int, part string) string { return fmt.Sprintf("impact_%d_%s", i+1, part) }

// LevelField names the form field of the matrix cell at likelihood l and impact i (1-based).
func LevelField(l, i int) string { return fmt.Sprintf("level_%d_%d", l, i) }

// Normalize trims labels and descriptions.
func (c *Criteria) Normalize() {
	for _, s := range [][]string{c.LikelihoodLabels, c.LikelihoodDescriptions, c.ImpactLabels, c.ImpactDescriptions, c.Levels} {
		for i := range s {
			s[i] = strings.TrimSpace(s[i])
		}
	}
	c.AcceptanceThreshold = strings.TrimSpace(c.AcceptanceThreshold)
}

// Validate checks the scales, the matrix and the threshold, with one message per field.
func (c Criteria) Validate() error {
	var v apperr.Validation
	checkScale(&v, "likelihood", c.LikelihoodLabels, c.LikelihoodDescriptions, LikelihoodField)
	checkScale(&v, "impact", c.ImpactLabels, c.ImpactDescriptions, ImpactField)
	if len(c.Levels) != c.LikelihoodCount()*c.ImpactCount() {
		v.Add("levels", "Give a level for every cell of the matrix")
	} else {
		for l := 1; l <= c.LikelihoodCount(); l++ {
			for i := 1; i <= c.ImpactCount(); i++ {
				v.Check(LevelRank(c.Level(l, i)) > 0, LevelField(l, i), fmt.Sprintf("Choose the level of likelihood %d × impact %d", l, i))
			}
		}
		if err := c.monotonic(); err != "" {
			v.Add("levels", err)
		}
	}
	v.Check(LevelRank(c.AcceptanceThreshold) > 0, "acceptance_threshold", "Choose the highest level that may be accepted without treatment")
	return v.Err()
}

// monotonic says which cell breaks the rule that a more likely or more severe rating is
// never a lower level, or "" when none does. A matrix that breaks it would rank a risk
// lower after it got worse.
func (c Criteria) monotonic() string {
	for l := 1; l <= c.LikelihoodCount(); l++ {
		for i := 1; i <= c.ImpactCount(); i++ {
			here := LevelRank(c.Level(l, i))
			if l > 1 && here < LevelRank(c.Level(l-1, i)) {
				return fmt.Sprintf("Likelihood %d × impact %d is lower than the less likely cell below it; a level must not fall as likelihood rises", l, i)
			}
			if i > 1 && here < LevelRank(c.Level(l, i-1)) {
				return fmt.Sprintf("Likelihood %d × impact %d is lower than the less severe cell beside it; a level must not fall as impact rises", l, i)
			}
		}
	}
	return ""
}

func checkScale(v *apperr.Validation, name string, labels, descriptions []string, field func(int, string) string) {
	if len(labels) < MinScale || len(labels) > MaxScale || len(descriptions) != len(labels) {
		v.Add(name+"_labels", fmt.Sprintf("Give the %s scale %d to %d points, each with a label and a description", name, MinScale, MaxScale))
		return
	}
	for i, l := range labels {
		v.Check(l != "" && utf8.RuneCountInString(l) <= 40, field(i, "label"), fmt.Sprintf("Enter a label of up to 40 characters for %s %d", name, i+1))
		v.Check(!slices.Contains(labels[:i], l) || l == "", field(i, "label"), fmt.Sprintf("Use a different label for %s %d: each point needs its own", name, i+1))
		v.Check(utf8.RuneCountInString(descriptions[i]) <= 500, field(i, "description"), "Keep the description under 500 characters")
	}
}
