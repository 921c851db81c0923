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
	// RiskRefs are the references of the system's risks the plan treats, e.g. RISK-4.
	RiskRefs []string
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
	// TreatmentRefs are the references of the treatments through which the control applies.
	TreatmentRefs []string
}

// Links are every record linked to an AI system: the risks that name it, the treatments of
// those risks, the controls those treatments use, and the system's impact assessments.
// Archived records are included, flagged, after the live ones: the link still exists.
type Links struct {
	Risks       []LinkedRisk
	Treatments  []LinkedTreatment
	Assessments []LinkedAssessment
	Controls    []LinkedControl
}

// Empty reports whether nothing is linked to the system yet.
func (l Links) Empty() bool {
	return len(l.Risks)+len(l.Treatments)+len(l.Assessments)+len(l.Controls) == 0
}

const (
	linkedRisksSQL = `SELECT r.id, r.ref, r.title, r.status, r.inherent_level, coalesce(r.residual_level, ''),
			r.archived_at IS NOT NULL
		FROM risk_ai_systems ras
		JOIN risks r ON r.tenant_id = ras.tenant_id AND r.id = ras.risk_id
		WHERE ras.tenant_id = $1 AND ras.system_id = $2
		ORDER BY r.archived_at IS NOT NULL, r.ref`

	linkedTreatmentsSQL = `SELECT t.id, t.ref, t.title, t.option, t.status, coalesce(to_char(t.due_date, 'YYYY-MM-DD'), ''),
			t.archived_at IS NOT NULL, array_agg(r.ref ORDER BY r.ref)
		FROM risk_ai_systems ras
		JOIN treatment_risks tr ON tr.tenant_id = ras.tenant_id AND tr.risk_id = ras.risk_id
		JOIN treatments t ON t.tenant_id = tr.tenant_id AND t.id = tr.treatment_id
		JOIN risks r ON r.tenant_id = tr.tenant_id AND r.id = tr.risk_id
		WHERE ras.tenant_id = $1 AND ras.system_id = $2
		GROUP BY t.tenant_id, t.id
		ORDER BY t.archived_at IS NOT NULL, t.ref`

	linkedAssessmentsSQL = `SELECT ia.id, ia.ref, ia.title, ia.current_round, coalesce(rd.state, ''),
			coalesce(to_char(ia.next_review, 'YYYY-MM-DD'), ''), ia.archived_at IS NOT NULL
		FROM impact_assessments ia
		LEFT JOIN impact_assessment_rounds rd ON rd.tenant_id = ia.tenant_id AND rd.assessment_id = ia.id
			AND rd.round = ia.current_round
		WHERE ia.tenant_id = $1 AND ia.system_id = $2
		ORDER BY ia.archived_at IS NOT NULL, ia.ref`

	linkedControlsSQL = `SELECT c.id, c.code, c.title, c.applicable, c.implementation_status, c.archived_at IS NOT NULL,
			array_agg(DISTINCT t.ref ORDER BY t.ref)
		FROM risk_ai_systems ras
		JOIN treatment_risks tr ON tr.tenant_id = ras.tenant_id AND tr.risk_id = ras.risk_id
		JOIN treatment_controls tc ON tc.tenant_id = tr.tenant_id AND tc.treatment_id = tr.treatment_id
		JOIN treatments t ON t.tenant_id = tc.tenant_id AND t.id = tc.treatment_id
		JOIN controls c ON c.tenant_id = tc.tenant_id AND c.id = tc.control_id
		WHERE ras.tenant_id = $1 AND ras.system_id = $2
		GROUP BY c.tenant_id, c.id
		ORDER BY c.archived_at IS NOT NULL, c.position, c.code`
)

// FindLinks returns every record linked to the AI system id, in one round trip.
func FindLinks(ctx context.Context, tx *postgres.Tx, id uuid.UUID) (Links, error) {
	batch := &pgx.Batch{}
	for _, sql := range []string{linkedRisksSQL, linkedTreatmentsSQL, linkedAssessmentsSQL, linkedControlsSQL} {
		batch.Queue(sql, tx.TenantID, id)
	}
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
	if l.Treatments, err = collect(res, "treatments", func(row pgx.CollectableRow) (LinkedTreatment, error) {
		var t LinkedTreatment
		var refs []int
		err := row.Scan(&t.ID, &t.Ref, &t.Title, &t.Option, &t.Status, &t.DueDate, &t.Archived, &refs)
		t.RiskRefs = refStrings("RISK-", refs)
		return t, err
	}); err != nil {
		return Links{}, err
	}
	if l.Assessments, err = collect(res, "impact assessments", func(row pgx.CollectableRow) (LinkedAssessment, error) {
		var a LinkedAssessment
		return a, row.Scan(&a.ID, &a.Ref, &a.Title, &a.Round, &a.State, &a.NextReview, &a.Archived)
	}); err != nil {
		return Links{}, err
	}
	if l.Controls, err = collect(res, "controls", func(row pgx.CollectableRow) (LinkedControl, error) {
		var c LinkedControl
		var refs []int
		err := row.Scan(&c.ID, &c.Code, &c.Title, &c.Applicable, &c.ImplementationStatus, &c.Archived, &refs)
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
