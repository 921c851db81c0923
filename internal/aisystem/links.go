package aisystem

import (
	"context"
	"fmt"
	"strconv"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/openaims/openaims/internal/postgres"
)

// LinkedRisk is a risk of the register (6.1.2) that names the AI system.
type LinkedRisk struct {
	ID            uuid.UUID
	Ref           int
	Title         string
	Status        string
	InherentLevel string
	ResidualLevel string // "" until the residual risk is assessed
	Archived      bool
}

// Reference is the risk's human reference, e.g. RISK-4.
func (r LinkedRisk) Reference() string { return "RISK-" + strconv.Itoa(r.Ref) }

// LinkedTreatment is a treatment plan (6.1.3) of one or more of the system's risks.
type LinkedTreatment struct {
	ID       uuid.UUID
	Ref      int
	Title    string
	Option   string
	Status   string
	DueDate  string // YYYY-MM-DD, or ""
	Archived bool
	// RiskRefs are the references of the first RefsShown of the system's risks the plan
	// treats, e.g. RISK-4, and RiskCount how many of them it treats.
	RiskRefs  []string
	RiskCount int
}

// Reference is the treatment's human reference, e.g. TRT-2.
func (t LinkedTreatment) Reference() string { return "TRT-" + strconv.Itoa(t.Ref) }

// LinkedAssessment is an impact assessment (6.1.4, 8.4) of the AI system.
type LinkedAssessment struct {
	ID         uuid.UUID
	Ref        int
	Title      string
	Round      int
	State      string // of the current round: draft, approved or superseded
	NextReview string // YYYY-MM-DD, or ""
	Archived   bool
}

// Reference is the assessment's human reference, e.g. IA-1.
func (a LinkedAssessment) Reference() string { return "IA-" + strconv.Itoa(a.Ref) }

// LinkedControl is a control (Annex A or custom) that a treatment of the system's risks uses.
type LinkedControl struct {
	ID                   uuid.UUID
	Code                 string // e.g. A.6.2.4 or CUS-1
	Title                string
	Applicable           *bool // nil until the Statement of Applicability decides
	ImplementationStatus string
	Archived             bool
	// TreatmentRefs are the references of the first RefsShown treatments through which the
	// control applies, and TreatmentCount how many there are.
	TreatmentRefs  []string
	TreatmentCount int
}

// Links are the records linked to an AI system: the risks that name it, the treatments of
// those risks, the controls those treatments use, and the system's impact assessments. Of
// each kind the page shows a few (FindLinks' limit) and how many there are in all (the
// totals), and links to the register's list, filtered to the system, for the others.
// Archived records are included, flagged, after the live ones: the link still exists.
type Links struct {
	Risks       []LinkedRisk
	Treatments  []LinkedTreatment
	Assessments []LinkedAssessment
	Controls    []LinkedControl

	RiskTotal, TreatmentTotal, AssessmentTotal, ControlTotal int
}

// Empty reports whether nothing is linked to the system yet.
func (l Links) Empty() bool {
	return l.RiskTotal+l.TreatmentTotal+l.AssessmentTotal+l.ControlTotal == 0
}

// RefsShown is how many references a linked treatment or control lists in its row (the
// risks a treatment treats, the treatments a control is used by); the row counts the rest.
const RefsShown = 5

// The queries read the links from the index on the system: the risks that name it, then
// the links of those risks. The risks are the first $3 links in the index's order (shown by
// reference), so that section costs the same whatever the number of risks, and they are
// counted by the index alone. Treatments and controls are reached through the system's
// risks, a few each, and each query returns its first $3 rows and, in every row, how many
// rows there are (count(*) OVER (), taken before the LIMIT). OFFSET 0 keeps each lateral
// subquery a nested loop of key lookups per risk: left to itself, the planner would read
// every link of the tenant for a hash join.
const (
	linkedRisksSQL = `SELECT r.id, r.ref, r.title, r.status, r.inherent_level, coalesce(r.residual_level, ''),
			r.archived_at IS NOT NULL
		FROM (SELECT ras.tenant_id, ras.risk_id FROM risk_ai_systems ras
			WHERE ras.tenant_id = $1 AND ras.system_id = $2 ORDER BY ras.risk_id LIMIT $3) ras
		CROSS JOIN LATERAL (SELECT r.id, r.ref, r.title, r.status, r.inherent_level, r.residual_level, r.archived_at
			FROM risks r WHERE r.tenant_id = ras.tenant_id AND r.id = ras.risk_id OFFSET 0) r
		ORDER BY r.archived_at IS NOT NULL, r.ref`

	riskTotalSQL = `SELECT count(*)::int FROM risk_ai_systems WHERE tenant_id = $1 AND system_id = $2`

	linkedTreatmentsSQL = `SELECT l.id, l.ref, l.title, l.option, l.status, coalesce(to_char(l.due_date, 'YYYY-MM-DD'), ''),
			l.archived_at IS NOT NULL, (array_agg(l.risk_ref ORDER BY l.risk_ref))[1:$4], count(*)::int, count(*) OVER ()::int
		FROM risk_ai_systems ras
		CROSS JOIN LATERAL (SELECT t.id, t.ref, t.title, t.option, t.status, t.due_date, t.archived_at, r.ref AS risk_ref
			FROM treatment_risks tr
			JOIN risks r ON r.tenant_id = tr.tenant_id AND r.id = tr.risk_id
			JOIN treatments t ON t.tenant_id = tr.tenant_id AND t.id = tr.treatment_id
			WHERE tr.tenant_id = ras.tenant_id AND tr.risk_id = ras.risk_id OFFSET 0) l
		WHERE ras.tenant_id = $1 AND ras.system_id = $2
		GROUP BY l.id, l.ref, l.title, l.option, l.status, l.due_date, l.archived_at
		ORDER BY l.archived_at IS NOT NULL, l.ref LIMIT $3`

	linkedAssessmentsSQL = `SELECT ia.id, ia.ref, ia.title, ia.current_round, coalesce(rd.state, ''),
			coalesce(to_char(ia.next_review, 'YYYY-MM-DD'), ''), ia.archived_at IS NOT NULL, count(*) OVER ()::int
		FROM impact_assessments ia
		LEFT JOIN impact_assessment_rounds rd ON rd.tenant_id = ia.tenant_id AND rd.assessment_id = ia.id
			AND rd.round = ia.current_round
		WHERE ia.tenant_id = $1 AND ia.system_id = $2
		ORDER BY ia.archived_at IS NOT NULL, ia.ref LIMIT $3`

	linkedControlsSQL = `SELECT l.id, l.code, l.title, l.applicable, l.implementation_status, l.archived_at IS NOT NULL,
			(array_agg(DISTINCT l.treatment_ref ORDER BY l.treatment_ref))[1:$4], count(DISTINCT l.treatment_ref)::int,
			count(*) OVER ()::int
		FROM risk_ai_systems ras
		CROSS JOIN LATERAL (SELECT c.id, c.code, c.title, c.applicable, c.implementation_status, c.archived_at, c.position,
				t.ref AS treatment_ref
			FROM treatment_risks tr
			JOIN treatment_controls tc ON tc.tenant_id = tr.tenant_id AND tc.treatment_id = tr.treatment_id
			JOIN treatments t ON t.tenant_id = tr.tenant_id AND t.id = tr.treatment_id
			JOIN controls c ON c.tenant_id = tc.tenant_id AND c.id = tc.control_id
			WHERE tr.tenant_id = ras.tenant_id AND tr.risk_id = ras.risk_id OFFSET 0) l
		WHERE ras.tenant_id = $1 AND ras.system_id = $2
		GROUP BY l.id, l.code, l.title, l.applicable, l.implementation_status, l.archived_at, l.position
		ORDER BY l.archived_at IS NOT NULL, l.position, l.code LIMIT $3`
)

// FindLinks returns up to limit records of each kind linked to the AI system id, and how
// many there are of each, in one round trip. The risks shown are limit of them (all when
// there are no more), the others the first by reference.
func FindLinks(ctx context.Context, tx *postgres.Tx, id uuid.UUID, limit int) (Links, error) {
	batch := &pgx.Batch{}
	batch.Queue(linkedRisksSQL, tx.TenantID, id, limit)
	batch.Queue(riskTotalSQL, tx.TenantID, id)
	batch.Queue(linkedTreatmentsSQL, tx.TenantID, id, limit, RefsShown)
	batch.Queue(linkedAssessmentsSQL, tx.TenantID, id, limit)
	batch.Queue(linkedControlsSQL, tx.TenantID, id, limit, RefsShown)
	res := tx.SendBatch(ctx, batch)
	defer res.Close()
	var l Links
	var err error
	if l.Risks, err = collect(res, "risks", func(row pgx.CollectableRow) (LinkedRisk, error) {
		var r LinkedRisk
		return r, row.Scan(&r.ID, &r.Ref, &r.Title, &r.Status, &r.InherentLevel, &r.ResidualLevel, &r.Archived)
	}); err != nil {
		return Links{}, err
	}
	if err := res.QueryRow().Scan(&l.RiskTotal); err != nil {
		return Links{}, fmt.Errorf("aisystem: linked risks: %w", err)
	}
	if l.Treatments, err = collect(res, "treatments", func(row pgx.CollectableRow) (LinkedTreatment, error) {
		var t LinkedTreatment
		var refs []int
		err := row.Scan(&t.ID, &t.Ref, &t.Title, &t.Option, &t.Status, &t.DueDate, &t.Archived, &refs, &t.RiskCount, &l.TreatmentTotal)
		t.RiskRefs = refStrings("RISK-", refs)
		return t, err
	}); err != nil {
		return Links{}, err
	}
	if l.Assessments, err = collect(res, "impact assessments", func(row pgx.CollectableRow) (LinkedAssessment, error) {
		var a LinkedAssessment
		return a, row.Scan(&a.ID, &a.Ref, &a.Title, &a.Round, &a.State, &a.NextReview, &a.Archived, &l.AssessmentTotal)
	}); err != nil {
		return Links{}, err
	}
	if l.Controls, err = collect(res, "controls", func(row pgx.CollectableRow) (LinkedControl, error) {
		var c LinkedControl
		var refs []int
		err := row.Scan(&c.ID, &c.Code, &c.Title, &c.Applicable, &c.ImplementationStatus, &c.Archived, &refs, &c.TreatmentCount, &l.ControlTotal)
		c.TreatmentRefs = refStrings("TRT-", refs)
		return c, err
	}); err != nil {
		return Links{}, err
	}
	return l, nil
}

// collect reads the next result of a batch into a slice.
func collect[T any](res pgx.BatchResults, what string, fn pgx.RowToFunc[T]) ([]T, error) {
	rows, err := res.Query()
	if err != nil {
		return nil, fmt.Errorf("aisystem: linked %s: %w", what, err)
	}
	out, err := pgx.CollectRows(rows, fn)
	if err != nil {
		return nil, fmt.Errorf("aisystem: linked %s: %w", what, err)
	}
	return out, nil
}

func refStrings(prefix string, refs []int) []string {
	out := make([]string, len(refs))
	for i, n := range refs {
		out[i] = prefix + strconv.Itoa(n)
	}
	return out
}
