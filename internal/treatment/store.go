package treatment

import (
	"context"
	"fmt"
	"slices"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/openaims/openaims/internal/apperr"
	"github.com/openaims/openaims/internal/auditlog"
	"github.com/openaims/openaims/internal/postgres"
	"github.com/openaims/openaims/internal/record"
)

// overdueExpr is true for a plan still open after its due date. A plan without a due date
// is never overdue ('infinity' is also how the due-date index orders it).
const overdueExpr = `(coalesce(t.due_date, 'infinity'::date) < current_date AND t.status IN ('planned', 'in_progress'))`

// columns read a treatment t. Its risks, controls and actions are subqueries in the select
// list rather than lateral joins, so that a list sorted without an index reads them for the
// rows of the page only, after the sort, and the planner has fewer joins to order.
const columns = `t.id, t.ref, t.title, t.option, t.description, coalesce(t.owner_id::text, ''), coalesce(o.display_name, ''),
	coalesce(to_char(t.due_date, 'YYYY-MM-DD'), ''), t.status, t.effectiveness_check, t.effectiveness, t.archived_at,
	` + overdueExpr + `,
	(SELECT coalesce(string_agg('RISK-' || r.ref, ', ' ORDER BY r.ref), '')
		FROM treatment_risks x JOIN risks r ON r.tenant_id = x.tenant_id AND r.id = x.risk_id
		WHERE x.tenant_id = t.tenant_id AND x.treatment_id = t.id),
	(SELECT coalesce(string_agg(c.code, ', ' ORDER BY c.position), '')
		FROM treatment_controls x JOIN controls c ON c.tenant_id = x.tenant_id AND c.id = x.control_id
		WHERE x.tenant_id = t.tenant_id AND x.treatment_id = t.id),
	(SELECT count(*)::int FROM treatment_actions a WHERE a.tenant_id = t.tenant_id AND a.treatment_id = t.id),
	(SELECT count(*)::int FROM treatment_actions a WHERE a.tenant_id = t.tenant_id AND a.treatment_id = t.id AND a.status = 'done'),
	t.created_at, cb.display_name, t.updated_at, ub.display_name`

const from = `treatments t
	LEFT JOIN users o ON o.id = t.owner_id
	JOIN users cb ON cb.id = t.created_by
	JOIN users ub ON ub.id = t.updated_by`

func scan(t *Treatment) []any {
	return []any{&t.ID, &t.Ref, &t.Title, &t.Option, &t.Description, &t.OwnerID, &t.OwnerName, &t.DueDate, &t.Status,
		&t.EffectivenessCheck, &t.Effectiveness, &t.ArchivedAt, &t.Overdue, &t.RiskRefs, &t.ControlCodes,
		&t.ActionCount, &t.ActionsDone, &t.CreatedAt, &t.CreatedBy, &t.UpdatedAt, &t.UpdatedBy}
}

// Sorts are the orders the treatments list offers; each has an index. Plans without a due
// date sort after every dated one.
var Sorts = map[string]postgres.SortKey{
	"ref":     {Expr: "t.ref", Type: "integer"},
	"title":   {Expr: "lower(t.title)", Type: "text"},
	"due":     {Expr: "coalesce(t.due_date, 'infinity'::date)", Type: "date"},
	"status":  {Expr: "t.status", Type: "text"},
	"updated": {Expr: "t.updated_at", Type: "timestamptz"},
}

// List is how the treatments register is listed. Besides the plain filters, a filter may
// name a risk or a control (the plans that treat or use it), an AI system (the plans that
// treat its risks), or ask for overdue plans.
var List = postgres.ListSpec{
	Table: "treatments",
	From:  from, CountFrom: "treatments t", Columns: columns, IDExpr: "t.id", ArchivedExpr: "t.archived_at",
	SearchExpr: "t.search_text", Sorts: Sorts, DefaultSort: "updated",
	Filterable: map[string]string{"status": "t.status", "option": "t.option"},
	IDFilters:  map[string]string{"owner": "t.owner_id"},
}

// query is the list query of f, with the filters a ListSpec cannot spell.
func query(f postgres.Filter) postgres.ListQuery {
	q := List.Query(f)
	if f.Fields["overdue"] == "true" {
		q.Narrow(overdueExpr)
	}
	link := func(field, table, column string) {
		v := f.Fields[field]
		if v == "" {
			return
		}
		id, err := uuid.Parse(v)
		if err != nil {
			q.Narrow("false") // a malformed id matches nothing
			return
		}
		q.Narrow(`EXISTS (SELECT 1 FROM ` + table + ` x WHERE x.tenant_id = t.tenant_id AND x.treatment_id = t.id AND x.` + column + ` = @` + field + `)`)
		q.Args[field] = id
	}
	link("risk", "treatment_risks", "risk_id")
	link("control", "treatment_controls", "control_id")
	if v := f.Fields["system"]; v != "" {
		// The plans that treat a risk naming the AI system, as the system's page counts them.
		id, err := uuid.Parse(v)
		if err != nil {
			q.Narrow("false")
			return q
		}
		q.Narrow(`EXISTS (SELECT 1 FROM treatment_risks x
			JOIN risk_ai_systems ras ON ras.tenant_id = x.tenant_id AND ras.risk_id = x.risk_id
			WHERE x.tenant_id = t.tenant_id AND x.treatment_id = t.id AND ras.system_id = @system)`)
		q.Args["system"] = id
	}
	return q
}

// ListTreatments returns a page of treatments matching f.
func ListTreatments(ctx context.Context, tx *postgres.Tx, f postgres.Filter) (postgres.Page[Treatment], error) {
	return postgres.List(ctx, tx, query(f), scan)
}

// EachTreatment streams every treatment matching f to fn, with its actions (for the CSV
// export). The actions come as JSON in the same query: a query per plan would be a query
// in a loop.
func EachTreatment(ctx context.Context, tx *postgres.Tx, f postgres.Filter, fn func(Treatment) error) error {
	q := query(f)
	q.Columns += `, (SELECT coalesce(json_agg(json_build_object('title', a.title, 'owner', coalesce(u.display_name, ''),
			'due_date', coalesce(to_char(a.due_date, 'YYYY-MM-DD'), ''), 'status', a.status) ORDER BY a.position), '[]')
		FROM treatment_actions a LEFT JOIN users u ON u.id = a.owner_id
		WHERE a.tenant_id = t.tenant_id AND a.treatment_id = t.id)`
	return postgres.Each(ctx, tx, q, func(t *Treatment) []any { return append(scan(t), &t.Actions) }, fn)
}

// Find returns the treatment with id, its risks, controls and actions, in one round trip.
func Find(ctx context.Context, tx *postgres.Tx, id uuid.UUID) (Treatment, error) {
	return find(ctx, tx, id, "")
}

func find(ctx context.Context, tx *postgres.Tx, id uuid.UUID, lock string) (Treatment, error) {
	batch := &pgx.Batch{}
	batch.Queue(`SELECT `+columns+` FROM `+from+` WHERE t.tenant_id = $1 AND t.id = $2`+lock, tx.TenantID, id)
	batch.Queue(`SELECT r.id, r.ref, r.title, r.inherent_level, coalesce(r.residual_level, ''), r.status, r.archived_at IS NOT NULL
		FROM treatment_risks x JOIN risks r ON r.tenant_id = x.tenant_id AND r.id = x.risk_id
		WHERE x.tenant_id = $1 AND x.treatment_id = $2 ORDER BY r.ref`, tx.TenantID, id)
	batch.Queue(`SELECT c.id, c.code, c.title, CASE WHEN c.applicable THEN 'yes' WHEN NOT c.applicable THEN 'no' ELSE '' END,
			c.implementation_status, c.archived_at IS NOT NULL
		FROM treatment_controls x JOIN controls c ON c.tenant_id = x.tenant_id AND c.id = x.control_id
		WHERE x.tenant_id = $1 AND x.treatment_id = $2 ORDER BY c.position`, tx.TenantID, id)
	batch.Queue(`SELECT a.title, coalesce(a.owner_id::text, ''), coalesce(u.display_name, ''),
			coalesce(to_char(a.due_date, 'YYYY-MM-DD'), ''), a.status
		FROM treatment_actions a LEFT JOIN users u ON u.id = a.owner_id
		WHERE a.tenant_id = $1 AND a.treatment_id = $2 ORDER BY a.position`, tx.TenantID, id)
	res := tx.SendBatch(ctx, batch)
	defer res.Close()
	var t Treatment
	err := res.QueryRow().Scan(scan(&t)...)
	if postgres.IsNoRows(err) {
		return Treatment{}, apperr.Errorf(apperr.NotFound, "No such treatment")
	}
	if err != nil {
		return Treatment{}, fmt.Errorf("treatment: find %s: %w", id, err)
	}
	if t.Risks, err = collect(res, func(row pgx.CollectableRow) (RiskLink, error) {
		var r RiskLink
		return r, row.Scan(&r.ID, &r.Ref, &r.Title, &r.InherentLevel, &r.ResidualLevel, &r.Status, &r.Archived)
	}); err != nil {
		return Treatment{}, fmt.Errorf("treatment: risks of %s: %w", id, err)
	}
	if t.Controls, err = collect(res, func(row pgx.CollectableRow) (ControlLink, error) {
		var c ControlLink
		return c, row.Scan(&c.ID, &c.Code, &c.Title, &c.Applicability, &c.ImplementationStatus, &c.Archived)
	}); err != nil {
		return Treatment{}, fmt.Errorf("treatment: controls of %s: %w", id, err)
	}
	if t.Actions, err = collect(res, func(row pgx.CollectableRow) (Action, error) {
		var a Action
		return a, row.Scan(&a.Title, &a.OwnerID, &a.OwnerName, &a.DueDate, &a.Status)
	}); err != nil {
		return Treatment{}, fmt.Errorf("treatment: actions of %s: %w", id, err)
	}
	t.RiskIDs, t.ControlIDs = make([]string, len(t.Risks)), make([]string, len(t.Controls))
	for i, r := range t.Risks {
		t.RiskIDs[i] = r.ID.String()
	}
	for i, c := range t.Controls {
		t.ControlIDs[i] = c.ID.String()
	}
	return t, nil
}

// collect reads the next result of a batch into a slice, never nil.
func collect[T any](res pgx.BatchResults, fn pgx.RowToFunc[T]) ([]T, error) {
	rows, err := res.Query()
	if err != nil {
		return nil, err
	}
	out, err := pgx.CollectRows(rows, fn)
	if out == nil {
		out = []T{}
	}
	return out, err
}

func args(tx *postgres.Tx, t Treatment) pgx.NamedArgs {
	return pgx.NamedArgs{"tenant": tx.TenantID, "id": t.ID, "title": t.Title, "option": t.Option,
		"description": t.Description, "owner": t.OwnerID, "due": t.DueDate, "status": t.Status,
		"check": t.EffectivenessCheck, "effectiveness": t.Effectiveness, "actor": tx.Actor.UserID, "now": tx.Now}
}

// saveLinks replaces a treatment's risks, controls and actions in one round trip. Links are
// inserted from the tenant's own risks and controls, so an id that is not one of them
// (another tenant's, or a made-up one) inserts nothing and is reported beside its field.
// Links that stay are left alone, and only those dropped are deleted: deleting and inserting
// a control's link again would change its count of treatments twice for nothing.
func saveLinks(ctx context.Context, tx *postgres.Tx, id uuid.UUID, t Treatment) error {
	titles, owners, dues, statuses := make([]string, len(t.Actions)), make([]string, len(t.Actions)),
		make([]string, len(t.Actions)), make([]string, len(t.Actions))
	for i, a := range t.Actions {
		titles[i], owners[i], dues[i], statuses[i] = a.Title, a.OwnerID, a.DueDate, a.Status
	}
	risks, controls := uuids(t.RiskIDs), uuids(t.ControlIDs)
	batch := &pgx.Batch{}
	// Each link table: delete the links not wanted any more, then insert the wanted ones that
	// exist in the tenant and are not linked yet, and answer how many of the wanted exist.
	for _, l := range []struct {
		table, column, from string
		ids                 []uuid.UUID
	}{{"treatment_risks", "risk_id", "risks", risks}, {"treatment_controls", "control_id", "controls", controls}} {
		batch.Queue(`DELETE FROM `+l.table+` WHERE tenant_id = $1 AND treatment_id = $2 AND `+l.column+` <> ALL ($3::uuid[])`,
			tx.TenantID, id, l.ids)
		batch.Queue(`WITH wanted AS (SELECT w.id FROM `+l.from+` w WHERE w.tenant_id = $1 AND w.id = ANY ($3::uuid[])),
				added AS (INSERT INTO `+l.table+` (tenant_id, treatment_id, `+l.column+`) SELECT $1, $2, id FROM wanted
					ON CONFLICT DO NOTHING)
			SELECT count(*)::int FROM wanted`, tx.TenantID, id, l.ids)
	}
	batch.Queue(`DELETE FROM treatment_actions WHERE tenant_id = $1 AND treatment_id = $2`, tx.TenantID, id)
	batch.Queue(`INSERT INTO treatment_actions (tenant_id, treatment_id, position, title, owner_id, due_date, status)
		SELECT $1, $2, n, ti, nullif(o, '')::uuid, nullif(d, '')::date, s
		FROM unnest($3::text[], $4::text[], $5::text[], $6::text[]) WITH ORDINALITY AS x (ti, o, d, s, n)`,
		tx.TenantID, id, titles, owners, dues, statuses)
	res := tx.SendBatch(ctx, batch)
	defer res.Close()
	var v apperr.Validation
	for _, l := range []struct {
		field, message string
		want           int
	}{{"risk_ids", "Choose risks from the list: one of them no longer exists", len(risks)},
		{"control_ids", "Choose controls from the list: one of them no longer exists", len(controls)}} {
		if _, err := res.Exec(); err != nil {
			return fmt.Errorf("treatment: save links of %s: %w", id, err)
		}
		var found int
		if err := res.QueryRow().Scan(&found); err != nil {
			return fmt.Errorf("treatment: save links of %s: %w", id, err)
		}
		if found != l.want {
			v.Add(l.field, l.message)
		}
	}
	if _, err := res.Exec(); err != nil {
		return fmt.Errorf("treatment: save actions of %s: %w", id, err)
	}
	if _, err := res.Exec(); err != nil {
		if postgres.IsForeignKeyViolation(err) {
			return &apperr.Error{Code: apperr.Invalid, Message: "Check the highlighted fields",
				Fields: []apperr.FieldError{{Field: "actions", Message: "Choose action owners who are members of this workspace"}}}
		}
		return fmt.Errorf("treatment: save actions of %s: %w", id, err)
	}
	return v.Err()
}

// addRisks is the form field that adds risks by reference (the register is too large to
// list them).
var addRisks = record.ByRef{Table: "risks", Prefix: "RISK", Noun: "risk", Field: "add_risks", Max: MaxLinks}

// prepare normalises and validates in, after adding the risks in.AddRisks names to its
// risks, before anything is written.
func prepare(ctx context.Context, tx *postgres.Tx, in Treatment) (Treatment, error) {
	ids, err := addRisks.Resolve(ctx, tx, in.AddRisks)
	if err != nil {
		return in, err
	}
	in.RiskIDs = append(in.RiskIDs, ids...)
	in.Normalize()
	return in, in.Validate()
}

// uuids parses validated ids, once each.
func uuids(ids []string) []uuid.UUID {
	out := make([]uuid.UUID, 0, len(ids))
	for _, s := range ids {
		if id, err := uuid.Parse(s); err == nil && !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	return out
}

// Create validates and stores a new treatment with its links and actions.
func Create(ctx context.Context, tx *postgres.Tx, in Treatment) (Treatment, error) {
	in, err := prepare(ctx, tx, in)
	if err != nil {
		return Treatment{}, err
	}
	ref, err := postgres.NextRef(ctx, tx, Object)
	if err != nil {
		return Treatment{}, err
	}
	a := args(tx, in)
	a["ref"] = ref
	var id uuid.UUID
	err = tx.QueryRow(ctx, `INSERT INTO treatments (tenant_id, ref, title, option, description, owner_id, due_date, status,
			effectiveness_check, effectiveness, created_by, created_at, updated_by, updated_at)
		VALUES (@tenant, @ref, @title, @option, @description, nullif(@owner, '')::uuid, nullif(@due, '')::date, @status,
			@check, @effectiveness, @actor, @now, @actor, @now)
		RETURNING id`, a).Scan(&id)
	if err != nil {
		return Treatment{}, record.OwnerError(err, "treatment: create")
	}
	if err := saveLinks(ctx, tx, id, in); err != nil {
		return Treatment{}, err
	}
	out, err := Find(ctx, tx, id)
	if err != nil {
		return Treatment{}, err
	}
	return out, auditlog.Record(ctx, tx, auditlog.Event{Action: Object + ".create", ObjectType: Object,
		ObjectID: id.String(), ObjectLabel: out.Label(), After: out.snapshot()})
}

// Update validates and saves changes to a treatment, its links and actions. Statuses never
// change by themselves: completing the last action leaves the plan's status as it is.
func Update(ctx context.Context, tx *postgres.Tx, id uuid.UUID, in Treatment) (Treatment, error) {
	in, err := prepare(ctx, tx, in)
	if err != nil {
		return Treatment{}, err
	}
	before, err := find(ctx, tx, id, " FOR UPDATE OF t")
	if err != nil {
		return Treatment{}, err
	}
	if err := before.Editable(); err != nil {
		return Treatment{}, err
	}
	in.ID = id
	if _, err := tx.Exec(ctx, `UPDATE treatments SET title = @title, option = @option, description = @description,
			owner_id = nullif(@owner, '')::uuid, due_date = nullif(@due, '')::date, status = @status,
			effectiveness_check = @check, effectiveness = @effectiveness, updated_by = @actor, updated_at = @now
		WHERE tenant_id = @tenant AND id = @id`, args(tx, in)); err != nil {
		return Treatment{}, record.OwnerError(err, "treatment: update")
	}
	if err := saveLinks(ctx, tx, id, in); err != nil {
		return Treatment{}, err
	}
	after, err := Find(ctx, tx, id)
	if err != nil {
		return Treatment{}, err
	}
	return after, auditlog.Record(ctx, tx, auditlog.Event{Action: Object + ".update", ObjectType: Object,
		ObjectID: id.String(), ObjectLabel: after.Label(), Before: before.snapshot(), After: after.snapshot()})
}

// archive archives and restores Treatment records.
var archive = record.Archive[Treatment]{Table: "treatments", Object: Object, Find: find, Lock: " FOR UPDATE OF t",
	Snapshot: func(t Treatment) any { return t.snapshot() },
}

// SetArchived archives (true) or restores (false) record id; archived records leave the
// default list but keep their history and can be restored.
func SetArchived(ctx context.Context, tx *postgres.Tx, id uuid.UUID, archived bool) (Treatment, error) {
	return archive.Set(ctx, tx, id, archived)
}
