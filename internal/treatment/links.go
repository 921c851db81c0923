package treatment

import (
	"context"
	"fmt"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/openaims/openaims/internal/postgres"
)

// Summary is a treatment as another record's page lists it: a risk's page shows the plans
// that treat it, a control's page the plans that use it, each with the risks, controls and
// AI systems at the other end.
type Summary struct {
	ID            uuid.UUID
	Ref           int
	Title         string
	Option        string
	Status        string
	DueDate       string
	Overdue       bool
	Archived      bool
	Effectiveness string
	ActionCount   int
	ActionsDone   int
	Risks         []RiskLink
	Controls      []ControlLink
	Systems       []SystemLink
}

// Reference is the treatment's human reference, e.g. TRT-3.
func (s Summary) Reference() string { return Reference(s.Ref) }

// summaryColumns reads a treatment t with its links as JSON, so a list of them is one query.
const summaryColumns = `t.id, t.ref, t.title, t.option, t.status, coalesce(to_char(t.due_date, 'YYYY-MM-DD'), ''),
	` + overdueExpr + `, t.archived_at IS NOT NULL, t.effectiveness,
	(SELECT count(*)::int FROM treatment_actions a WHERE a.tenant_id = t.tenant_id AND a.treatment_id = t.id),
	(SELECT count(*)::int FROM treatment_actions a WHERE a.tenant_id = t.tenant_id AND a.treatment_id = t.id AND a.status = 'done'),
	(SELECT coalesce(json_agg(json_build_object('id', r.id, 'ref', r.ref, 'title', r.title, 'inherent_level', r.inherent_level,
			'residual_level', coalesce(r.residual_level, ''), 'status', r.status, 'archived', r.archived_at IS NOT NULL) ORDER BY r.ref), '[]')
		FROM treatment_risks x JOIN risks r ON r.tenant_id = x.tenant_id AND r.id = x.risk_id
		WHERE x.tenant_id = t.tenant_id AND x.treatment_id = t.id),
	(SELECT coalesce(json_agg(json_build_object('id', c.id, 'code', c.code, 'title', c.title,
			'applicability', CASE WHEN c.applicable THEN 'yes' WHEN NOT c.applicable THEN 'no' ELSE '' END,
			'implementation_status', c.implementation_status, 'archived', c.archived_at IS NOT NULL) ORDER BY c.position), '[]')
		FROM treatment_controls x JOIN controls c ON c.tenant_id = x.tenant_id AND c.id = x.control_id
		WHERE x.tenant_id = t.tenant_id AND x.treatment_id = t.id),
	(SELECT coalesce(json_agg(json_build_object('id', s.id, 'ref', s.ref, 'name', s.name) ORDER BY s.ref), '[]')
		FROM ai_systems s WHERE s.tenant_id = t.tenant_id AND s.id IN (
			SELECT ras.system_id FROM treatment_risks x
			JOIN risk_ai_systems ras ON ras.tenant_id = x.tenant_id AND ras.risk_id = x.risk_id
			WHERE x.tenant_id = t.tenant_id AND x.treatment_id = t.id))`

func scanSummary(row pgx.CollectableRow) (Summary, error) {
	var s Summary
	err := row.Scan(&s.ID, &s.Ref, &s.Title, &s.Option, &s.Status, &s.DueDate, &s.Overdue, &s.Archived, &s.Effectiveness,
		&s.ActionCount, &s.ActionsDone, &s.Risks, &s.Controls, &s.Systems)
	return s, err
}

// ForRisk lists the treatments that treat risk riskID, live ones first, by reference, with
// the controls they use: what the risk's page shows, in one query.
func ForRisk(ctx context.Context, tx *postgres.Tx, riskID uuid.UUID) ([]Summary, error) {
	return linked(ctx, tx, "treatment_risks", "risk_id", riskID)
}

// ForControl lists the treatments that use control controlID, with the risks they treat and
// the AI systems of those risks: what the control's page shows, in one query.
func ForControl(ctx context.Context, tx *postgres.Tx, controlID uuid.UUID) ([]Summary, error) {
	return linked(ctx, tx, "treatment_controls", "control_id", controlID)
}

func linked(ctx context.Context, tx *postgres.Tx, table, column string, id uuid.UUID) ([]Summary, error) {
	// table and column are this package's constants, never user input.
	rows, err := tx.Query(ctx, `SELECT `+summaryColumns+` FROM treatments t
		WHERE t.tenant_id = $1 AND EXISTS (SELECT 1 FROM `+table+` l
			WHERE l.tenant_id = t.tenant_id AND l.treatment_id = t.id AND l.`+column+` = $2)
		ORDER BY t.archived_at IS NOT NULL, t.ref`, tx.TenantID, id)
	if err != nil {
		return nil, fmt.Errorf("treatment: treatments of %s %s: %w", column, id, err)
	}
	out, err := pgx.CollectRows(rows, scanSummary)
	if err != nil {
		return nil, fmt.Errorf("treatment: treatments of %s %s: %w", column, id, err)
	}
	if out == nil {
		out = []Summary{}
	}
	return out, nil
}
