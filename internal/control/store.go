package control

import (
	"context"
	"fmt"
	"strconv"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/openaims/openaims/internal/apperr"
	"github.com/openaims/openaims/internal/auditlog"
	"github.com/openaims/openaims/internal/postgres"
	"github.com/openaims/openaims/internal/record"
)

// applicabilityExpr spells the nullable applicable column as the form does.
const applicabilityExpr = `CASE WHEN c.applicable THEN 'yes' WHEN NOT c.applicable THEN 'no' ELSE '' END`

const columns = `c.id, c.code, c.position, c.annex_a, c.title, c.objective_id, c.objective_title, c.description,
	` + applicabilityExpr + `, c.justification, c.inclusion_reasons, c.implementation_status,
	coalesce(c.owner_id::text, ''), coalesce(o.display_name, ''), c.archived_at, coalesce(tc.treatments, 0),
	c.created_at, coalesce(cb.display_name, ''), c.updated_at, coalesce(ub.display_name, '')`

// The number of live treatments that use a control is read from control_treatment_counts,
// which triggers keep (000012): counting the links of every listed control would cost what
// the links number.
const from = `controls c
	LEFT JOIN users o ON o.id = c.owner_id
	LEFT JOIN users cb ON cb.id = c.created_by
	LEFT JOIN users ub ON ub.id = c.updated_by
	LEFT JOIN control_treatment_counts tc ON tc.tenant_id = c.tenant_id AND tc.control_id = c.id`

func scan(c *Control) []any {
	return []any{&c.ID, &c.Code, &c.Position, &c.AnnexA, &c.Title, &c.ObjectiveID, &c.ObjectiveTitle, &c.Description,
		&c.Applicability, &c.Justification, &c.InclusionReasons, &c.ImplementationStatus, &c.OwnerID, &c.OwnerName,
		&c.ArchivedAt, &c.TreatmentCount, &c.CreatedAt, &c.CreatedBy, &c.UpdatedAt, &c.UpdatedBy}
}

// Sorts are the orders the controls list offers; each has an index. "code" is the
// published order of Annex A, custom controls after it.
var Sorts = map[string]postgres.SortKey{
	"code":    {Expr: "c.position", Type: "integer"},
	"title":   {Expr: "lower(c.title)", Type: "text"},
	"status":  {Expr: "c.implementation_status", Type: "text"},
	"updated": {Expr: "c.updated_at", Type: "timestamptz"},
}

// List is how the controls register is listed. The status filter is the implementation
// status (and "archived"); applicability and kind filter on what the columns spell.
var List = postgres.ListSpec{
	Table: "controls",
	From:  from, CountFrom: "controls c", Columns: columns, IDExpr: "c.id", ArchivedExpr: "c.archived_at",
	SearchExpr: "c.search_text",
	Sorts:      Sorts, DefaultSort: "code",
	Filterable: map[string]string{
		"objective":     "c.objective_id",
		"applicability": `CASE WHEN c.applicable THEN 'yes' WHEN NOT c.applicable THEN 'no' ELSE 'undecided' END`,
		"status":        "c.implementation_status",
		"kind":          `CASE WHEN c.annex_a THEN 'annex_a' ELSE 'custom' END`,
	},
	IDFilters: map[string]string{"owner": "c.owner_id"},
}

// query is the list query of f. Besides List's filters, "system" (an AI system id) keeps
// the controls that a treatment of the system's risks uses, as the system's page lists them.
func query(f postgres.Filter) postgres.ListQuery {
	q := List.Query(f)
	if v := f.Fields["system"]; v != "" {
		id, err := uuid.Parse(v)
		if err != nil {
			q.Narrow("false") // a malformed id matches nothing
			return q
		}
		q.Narrow(`EXISTS (SELECT 1 FROM treatment_controls x
			JOIN treatment_risks tr ON tr.tenant_id = x.tenant_id AND tr.treatment_id = x.treatment_id
			JOIN risk_ai_systems ras ON ras.tenant_id = tr.tenant_id AND ras.risk_id = tr.risk_id
			WHERE x.tenant_id = c.tenant_id AND x.control_id = c.id AND ras.system_id = @system)`)
		q.Args["system"] = id
	}
	return q
}

// ListControls returns a page of controls matching f.
func ListControls(ctx context.Context, tx *postgres.Tx, f postgres.Filter) (postgres.Page[Control], error) {
	return postgres.List(ctx, tx, query(f), scan)
}

// EachControl streams every control matching f (all pages) to fn, for the CSV export.
func EachControl(ctx context.Context, tx *postgres.Tx, f postgres.Filter, fn func(Control) error) error {
	return postgres.Each(ctx, tx, query(f), scan, fn)
}

// SystemLabel is the reference and name of the AI system id, e.g. "AIS-3 Triage model", for
// the list filtered to it; "" when the tenant has no such system.
func SystemLabel(ctx context.Context, tx *postgres.Tx, id uuid.UUID) (string, error) {
	var label string
	err := tx.QueryRow(ctx, `SELECT 'AIS-' || ref || ' ' || name FROM ai_systems WHERE tenant_id = $1 AND id = $2`,
		tx.TenantID, id).Scan(&label)
	if postgres.IsNoRows(err) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("control: AI system %s: %w", id, err)
	}
	return label, nil
}

// Find returns the control with id.
func Find(ctx context.Context, tx *postgres.Tx, id uuid.UUID) (Control, error) {
	return find(ctx, tx, id, "")
}

func find(ctx context.Context, tx *postgres.Tx, id uuid.UUID, lock string) (Control, error) {
	var c Control
	err := tx.QueryRow(ctx, `SELECT `+columns+` FROM `+from+` WHERE c.tenant_id = $1 AND c.id = $2`+lock,
		tx.TenantID, id).Scan(scan(&c)...)
	if postgres.IsNoRows(err) {
		return Control{}, apperr.Errorf(apperr.NotFound, "No such control")
	}
	if err != nil {
		return Control{}, fmt.Errorf("control: find %s: %w", id, err)
	}
	return c, nil
}

// SeedAnnexA gives the transaction's tenant the 38 Annex A controls of the catalog, in
// published order and not decided yet, in one statement. Controls the tenant already has
// are left alone, so it is safe to call again; the trail records the seed when it added any.
func SeedAnnexA(ctx context.Context, tx *postgres.Tx) error {
	all := annexA.Controls()
	codes, titles, objIDs, objTitles, summaries := make([]string, len(all)), make([]string, len(all)),
		make([]string, len(all)), make([]string, len(all)), make([]string, len(all))
	for i, c := range all {
		codes[i], titles[i], objIDs[i], objTitles[i], summaries[i] = c.ID, c.Title, c.ObjectiveID, c.ObjectiveTitle, c.Summary
	}
	tag, err := tx.Exec(ctx, `INSERT INTO controls (tenant_id, code, position, annex_a, title, objective_id, objective_title,
			description, created_at, updated_at)
		SELECT $1, code, n::int, true, title, oid, otitle, summary, $2, $2
		FROM unnest($3::text[], $4::text[], $5::text[], $6::text[], $7::text[]) WITH ORDINALITY AS x (code, title, oid, otitle, summary, n)
		ON CONFLICT (tenant_id, code) DO NOTHING`, tx.TenantID, tx.Now, codes, titles, objIDs, objTitles, summaries)
	if err != nil {
		return fmt.Errorf("control: seed Annex A: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return nil
	}
	return auditlog.Record(ctx, tx, auditlog.Event{Action: "controls.seed", ObjectType: Object, ObjectLabel: "Annex A controls",
		After: map[string]any{"catalog": "ISO/IEC 42001:2023 Annex A", "controls_added": tag.RowsAffected()}})
}

func args(tx *postgres.Tx, c Control) pgx.NamedArgs {
	return pgx.NamedArgs{"tenant": tx.TenantID, "id": c.ID, "title": c.Title, "objective": c.ObjectiveID,
		"objective_title": c.ObjectiveTitle, "description": c.Description, "applicability": c.Applicability,
		"justification": c.Justification, "reasons": c.InclusionReasons, "status": c.ImplementationStatus,
		"owner": c.OwnerID, "actor": tx.Actor.UserID, "now": tx.Now}
}

// applicableValue turns the form's decision back into the nullable column.
const applicableValue = `CASE @applicability::text WHEN 'yes' THEN true WHEN 'no' THEN false END`

// Create validates and stores a custom control (CUS-n), placed after Annex A.
func Create(ctx context.Context, tx *postgres.Tx, in Control) (Control, error) {
	in.AnnexA = false
	in.Normalize()
	if err := in.Validate(); err != nil {
		return Control{}, err
	}
	in.ObjectiveTitle, _ = objectiveTitle(in.ObjectiveID)
	n, err := postgres.NextRef(ctx, tx, Object)
	if err != nil {
		return Control{}, err
	}
	a := args(tx, in)
	a["code"], a["position"] = "CUS-"+strconv.Itoa(n), CustomPositionBase+n
	var id uuid.UUID
	err = tx.QueryRow(ctx, `INSERT INTO controls (tenant_id, code, position, annex_a, title, objective_id, objective_title,
			description, applicable, justification, inclusion_reasons, implementation_status, owner_id,
			created_by, created_at, updated_by, updated_at)
		VALUES (@tenant, @code, @position, false, @title, @objective, @objective_title, @description, `+applicableValue+`,
			@justification, @reasons, @status, nullif(@owner, '')::uuid, @actor, @now, @actor, @now)
		RETURNING id`, a).Scan(&id)
	if err != nil {
		return Control{}, record.OwnerError(err, "control: create")
	}
	out, err := Find(ctx, tx, id)
	if err != nil {
		return Control{}, err
	}
	return out, auditlog.Record(ctx, tx, auditlog.Event{Action: "controls.create", ObjectType: Object,
		ObjectID: id.String(), ObjectLabel: out.Label(), After: out.snapshot()})
}

// Update validates and saves the Statement of Applicability decision of a control and, for
// a custom control, its title, objective and description. An Annex A control keeps the
// catalog's.
func Update(ctx context.Context, tx *postgres.Tx, id uuid.UUID, in Control) (Control, error) {
	before, err := find(ctx, tx, id, " FOR UPDATE OF c")
	if err != nil {
		return Control{}, err
	}
	if err := before.Editable(); err != nil {
		return Control{}, err
	}
	in.ID, in.AnnexA = id, before.AnnexA
	if before.AnnexA {
		in.Title, in.ObjectiveID, in.Description = before.Title, before.ObjectiveID, before.Description
	}
	in.Normalize()
	if err := in.Validate(); err != nil {
		return Control{}, err
	}
	in.ObjectiveTitle = before.ObjectiveTitle
	if !before.AnnexA {
		in.ObjectiveTitle, _ = objectiveTitle(in.ObjectiveID)
	}
	if _, err := tx.Exec(ctx, `UPDATE controls SET title = @title, objective_id = @objective, objective_title = @objective_title,
			description = @description, applicable = `+applicableValue+`, justification = @justification,
			inclusion_reasons = @reasons, implementation_status = @status, owner_id = nullif(@owner, '')::uuid,
			updated_by = @actor, updated_at = @now
		WHERE tenant_id = @tenant AND id = @id`, args(tx, in)); err != nil {
		return Control{}, record.OwnerError(err, "control: update")
	}
	after, err := Find(ctx, tx, id)
	if err != nil {
		return Control{}, err
	}
	return after, auditlog.Record(ctx, tx, auditlog.Event{Action: "controls.update", ObjectType: Object,
		ObjectID: id.String(), ObjectLabel: after.Label(), Before: before.snapshot(), After: after.snapshot()})
}

// archive archives and restores Control records.
var archive = record.Archive[Control]{Table: "controls", Object: Object, Find: find, Lock: " FOR UPDATE OF c",
	Allowed:  Control.Archivable,
	Snapshot: func(c Control) any { return c.snapshot() },
}

// SetArchived archives (true) or restores (false) record id; archived records leave the
// default list but keep their history and can be restored.
func SetArchived(ctx context.Context, tx *postgres.Tx, id uuid.UUID, archived bool) (Control, error) {
	return archive.Set(ctx, tx, id, archived)
}

// Option is a control as a multi-select offers it (treatment forms), grouped by objective.
type Option struct {
	ID             uuid.UUID
	Code, Title    string
	ObjectiveID    string // "" for a custom control without one
	ObjectiveTitle string
	AnnexA         bool
}

// Options lists the tenant's live controls in published order, for forms that link to
// them, plus any archived ones named in keep (so that a form keeps what a record links).
func Options(ctx context.Context, tx *postgres.Tx, keep []uuid.UUID) ([]Option, error) {
	if keep == nil {
		keep = []uuid.UUID{}
	}
	rows, err := tx.Query(ctx, `SELECT id, code, title, objective_id, objective_title, annex_a FROM controls
		WHERE tenant_id = $1 AND (archived_at IS NULL OR id = ANY($2)) ORDER BY position, id`, tx.TenantID, keep)
	if err != nil {
		return nil, fmt.Errorf("control: options: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (Option, error) {
		var o Option
		return o, row.Scan(&o.ID, &o.Code, &o.Title, &o.ObjectiveID, &o.ObjectiveTitle, &o.AnnexA)
	})
	if err != nil {
		return nil, fmt.Errorf("control: options: %w", err)
	}
	return out, nil
}
