package impact

import (
	"context"
	"fmt"
	"math"
	"strings"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/openaims/openaims/internal/apperr"
	"github.com/openaims/openaims/internal/auditlog"
	"github.com/openaims/openaims/internal/orgcontext"
	"github.com/openaims/openaims/internal/postgres"
	"github.com/openaims/openaims/internal/risk"
)

// DefaultObjective is the objective a raised risk affects unless the user chooses another.
const DefaultObjective = "safety"

// RaisedSource is the risk source of a raised risk: impact assessments find harms of how the
// AI system behaves, which ISO/IEC 23894 files under machine-learning-related sources.
const RaisedSource = "machine_learning_related"

// ObjectiveField names the objective select of impact row i on the record page.
func ObjectiveField(i int) string { return fmt.Sprintf("impact_%d_objective", i) }

// ScaleRating maps a 1–5 rating of an impact onto a criteria scale of points points, keeping
// both ends: 1 stays the lowest point and 5 the highest (on a 5-point scale it is unchanged).
func ScaleRating(v, points int) int {
	if points <= 1 {
		return 1
	}
	return 1 + int(math.Round(float64(v-1)*float64(points-1)/4))
}

// RaiseRisk raises a risk from the harm at position (0-based) of round n of assessment id:
// the risk names the assessed AI system, links back to the assessment, and is rated by
// mapping the harm's likelihood and severity onto the tenant's criteria. Risks are raised
// from the current round only, whether it is a draft or approved: an earlier round's harms
// are either still in the current one or were dropped from it.
func RaiseRisk(ctx context.Context, tx *postgres.Tx, id uuid.UUID, n, position int, objective string) (risk.Risk, error) {
	a, r, err := lockCurrent(ctx, tx, id)
	if err != nil {
		return risk.Risk{}, err
	}
	if n < 1 || n > a.Round || position < 0 || (n == a.Round && position >= len(r.Impacts)) {
		return risk.Risk{}, apperr.Errorf(apperr.NotFound, "No such impact in this assessment")
	}
	if n != a.Round {
		return risk.Risk{}, apperr.Errorf(apperr.Conflict, "Round %d of %s has been superseded. Raise risks from the harms of the current round, %d.",
			n, a.Reference(), a.Round)
	}
	harm := r.Impacts[position]
	if !harm.Harm() {
		return risk.Risk{}, apperr.Errorf(apperr.Conflict, "Impact %d of round %d is a benefit. Risks are raised from harms.", position+1, n)
	}
	if objective == "" {
		objective = DefaultObjective
	}
	if !orgcontext.Has(risk.Objectives, objective) {
		return risk.Risk{}, fieldError(ObjectiveField(position), "Choose the objective the risk affects from the list")
	}
	c, err := risk.LoadCriteria(ctx, tx)
	if err != nil {
		return risk.Risk{}, err
	}
	severity, likelihood := Rating(harm.Severity), Rating(harm.Likelihood)
	rt := risk.Ratings{InherentLikelihood: ScaleRating(likelihood, c.LikelihoodCount()), InherentImpact: ScaleRating(severity, c.ImpactCount())}
	source := fmt.Sprintf("%s round %d, impact %d", a.Reference(), n, position+1)
	affected := orgcontext.LabelOf(AffectedWho, harm.Affected)
	if r.PartiesDirect != "" {
		affected += ": " + r.PartiesDirect
	}
	in := risk.Risk{
		Title:             riskTitle(harm.Description),
		Event:             harm.Description,
		RiskSource:        RaisedSource,
		ObjectiveAffected: objective,
		Consequences: fmt.Sprintf("Harm to %s found by impact assessment %s: severity %d of 5, likelihood %d of 5, %s, %s.",
			strings.ToLower(orgcontext.LabelOf(AffectedWho, harm.Affected)), source, severity, likelihood,
			strings.ToLower(orgcontext.LabelOf(Reversibility, harm.Reversibility)),
			strings.ToLower(orgcontext.LabelOf(Scales, harm.Scale))+" affected"),
		AffectedParties:    clip(affected, 5000),
		ExistingControls:   r.Mitigations,
		SystemIDs:          []string{a.SystemID},
		Ratings:            rt,
		OwnerID:            a.OwnerID,
		ReviewDate:         a.NextReview,
		Status:             "assessed",
		ImpactAssessmentID: id.String(),
		AssessmentNote: clip(fmt.Sprintf("Rated from %s: severity %d of 5 gives impact %d (%s), likelihood %d of 5 gives likelihood %d (%s) on the criteria.",
			source, severity, rt.InherentImpact, c.ImpactLabel(rt.InherentImpact), likelihood, rt.InherentLikelihood,
			c.LikelihoodLabel(rt.InherentLikelihood)), 2000),
	}
	out, err := risk.Create(ctx, tx, in)
	if err != nil {
		return risk.Risk{}, err
	}
	return out, auditlog.Record(ctx, tx, auditlog.Event{Action: Object + ".raise_risk", ObjectType: Object,
		ObjectID: id.String(), ObjectLabel: roundLabel(a, n),
		After: map[string]any{"raised_risk": out.Label(), "from_impact": fmt.Sprintf("%d. %s", position+1, harm.Description),
			"inherent_level": out.InherentLevel}})
}

// riskTitle is a raised risk's title: the harm's first line, cut to the 200 characters a
// title holds.
func riskTitle(description string) string {
	line, _, _ := strings.Cut(description, "\n")
	return clip(strings.TrimSpace(line), 200)
}

// clip cuts s to at most n characters, ending in an ellipsis when it was cut.
func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n-1]) + "…"
}
