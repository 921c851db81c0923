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

// summaryFields are the pointers summaryColumns are read into.
func summaryFields(s *Summary) []any {
	return []any{&s.ID, &s.Ref, &s.Title, &s.Option, &s.Status, &s.DueDate, &s.Overdue, &s.Archived, &s.Effectiveness,
		&s.ActionCount, &s.ActionsDone, &s.Risks, &s.Controls, &s.Systems}
}

// Linked is what a record's page shows of the treatments linked to it: some of them (all
// when there are few) and how many there are, archived ones included. The page links to the
// treatments list, filtered to the record, for the others.
type Linked struct {
	Items []Summary // live ones first, by reference
	Total int
}

// ForRisk returns up to limit treatments that treat risk riskID, with the controls they
// use, and how many treat it: what the risk's page shows, in one round trip.
func ForRisk(ctx context.Context, tx *postgres.Tx, riskID uuid.UUID, limit int) (Linked, error) {
	return linked(ctx, tx, "treatment_risks", "risk_id", riskID, limit)
}

// ForControl returns up to limit treatments that use control controlID, with the risks
// they treat and the AI systems of those risks, and how many use it: what the control's
// page shows, in one round trip.
func ForControl(ctx context.Context, tx *postgres.Tx, controlID uuid.UUID, limit int) (Linked, error) {
	return linked(ctx, tx, "treatment_controls", "control_id", controlID, limit)
}

// linked reads up to limit treatments linked to id through table.column, and counts the
// links, in one round trip. Both read only the index on (tenant_id, column, treatment_id):
// the treatments shown are the first limit links in its order, each read by its key (OFFSET
// 0 keeps the planner from reading every treatment of the tenant for a hash join instead),
// so the page costs the same whatever the number of links; the summary's own links are read
// for the treatments shown only.
func linked(ctx context.Context, tx *postgres.Tx, table, column string, id uuid.UUID, limit int) (Linked, error) {
	// table and column are this package's constants, never user input.
	batch := &pgx.Batch{}
	batch.Queue(`SELECT `+summaryColumns+` FROM (
			SELECT l.tenant_id, l.treatment_id FROM `+table+` l
			WHERE l.tenant_id = $1 AND l.`+column+` = $2 ORDER BY l.treatment_id LIMIT $3) l
		CROSS JOIN LATERAL (SELECT t.tenant_id, t.id, t.ref, t.title, t.option, t.status, t.due_date, t.archived_at,
				t.effectiveness
			FROM treatments t WHERE t.tenant_id = l.tenant_id AND t.id = l.treatment_id OFFSET 0) t
		ORDER BY t.archived_at IS NOT NULL, t.ref`, tx.TenantID, id, limit)
	batch.Queue(`SELECT count(*)::int FROM `+table+` WHERE tenant_id = $1 AND `+column+` = $2`, tx.TenantID, id)
	res := tx.SendBatch(ctx, batch)
	defer res.Close()
	rows, err := res.Query()
	if err != nil {
		return Linked{}, fmt.Errorf("treatment: treatments of %s %s: %w", column, id, err)
	}
	out := Linked{Items: []Summary{}}
	out.Items, err = pgx.AppendRows(out.Items, rows, func(row pgx.CollectableRow) (Summary, error) {
		var s Summary
		return s, row.Scan(summaryFields(&s)...)
	})
	if err != nil {
		return Linked{}, fmt.Errorf("treatment: treatments of %s %s: %w", column, id, err)
	}
	if err := res.QueryRow().Scan(&out.Total); err != nil {
		return Linked{}, fmt.Errorf("treatment: count treatments of %s %s: %w", column, id, err)
	}
	return out, nil
}
