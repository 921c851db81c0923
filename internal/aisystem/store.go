package aisystem

import (
	"context"
	"fmt"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/openaims/openaims/internal/apperr"
	"github.com/openaims/openaims/internal/auditlog"
	"github.com/openaims/openaims/internal/postgres"
	"github.com/openaims/openaims/internal/record"
)

// Object is the object type of AI systems in the audit trail, their reference counter and
// their URL slug.
const Object = "ai-systems"

// systemColumns read an AI system s. The counts are subqueries in the select list, read for
// the rows of a page only. The risk count leaves archived risks out (the list says how many
// live risks name a system) and is read from ai_system_risk_counts, which triggers keep
// (000012): counting the risks of every listed system would cost what the links number.
const systemColumns = `s.id, s.ref, s.name, s.purpose, s.description, s.intended_use, s.intended_users,
	s.lifecycle_stage, s.org_role, s.eu_ai_act_class, s.eu_ai_act_reason, s.in_scope, s.tooling, s.compute,
	s.suppliers, coalesce(s.owner_id::text, ''), coalesce(o.display_name, ''),
	(SELECT count(*)::int FROM ai_system_data d WHERE d.tenant_id = s.tenant_id AND d.system_id = s.id),
	(SELECT count(*)::int FROM ai_system_data d WHERE d.tenant_id = s.tenant_id AND d.system_id = s.id AND d.personal_data),
	coalesce((SELECT rk.risks FROM ai_system_risk_counts rk WHERE rk.tenant_id = s.tenant_id AND rk.system_id = s.id), 0),
	s.archived_at, s.created_at, cb.display_name, s.updated_at, ub.display_name`

const systemFrom = `ai_systems s
	LEFT JOIN users o ON o.id = s.owner_id
	JOIN users cb ON cb.id = s.created_by
	JOIN users ub ON ub.id = s.updated_by`

func scanSystem(s *System) []any {
	return []any{&s.ID, &s.Ref, &s.Name, &s.Purpose, &s.Description, &s.IntendedUse, &s.IntendedUsers,
		&s.LifecycleStage, &s.OrgRole, &s.EUAIActClass, &s.EUAIActReason, &s.InScope, &s.Tooling, &s.Compute,
		&s.Suppliers, &s.OwnerID, &s.OwnerName, &s.DataCount, &s.PersonalDataCount, &s.RiskCount,
		&s.ArchivedAt, &s.CreatedAt, &s.CreatedBy, &s.UpdatedAt, &s.UpdatedBy}
}

// Sorts are the orders the inventory offers; each has an index. Stage and class sort in
// their published order (generated columns), not alphabetically.
var Sorts = map[string]postgres.SortKey{
	"ref":     {Expr: "s.ref", Type: "integer"},
	"name":    {Expr: "lower(s.name)", Type: "text"},
	"stage":   {Expr: "s.lifecycle_order", Type: "smallint"},
	"class":   {Expr: "s.eu_ai_act_order", Type: "smallint"},
	"updated": {Expr: "s.updated_at", Type: "timestamptz"},
}

// ListSpec is how the AI system inventory is listed. Besides these fields, the status filter
// "archived" lists archived systems instead of live ones.
var ListSpec = postgres.ListSpec{
	Table: "ai_systems",
	From:  systemFrom, CountFrom: "ai_systems s", Columns: systemColumns, IDExpr: "s.id", ArchivedExpr: "s.archived_at",
	SearchExpr: "s.search_text", Sorts: Sorts, DefaultSort: "updated",
	Filterable: map[string]string{"stage": "s.lifecycle_stage", "class": "s.eu_ai_act_class",
		"scope": "s.in_scope"},
	IDFilters: map[string]string{"owner": "s.owner_id"},
}

// Filters are the inventory's filter fields, in the order of the query string.
var Filters = []string{"stage", "class", "scope", "owner", "status"}

// query builds the list query of f. A scope filter that is neither "true" nor "false" is
// dropped: the column is boolean, and anything else would be an error, not an empty list.
func query(f postgres.Filter) postgres.ListQuery {
	if v := f.Fields["scope"]; v != "" && ParseInScope(v) == nil {
		fields := make(map[string]string, len(f.Fields))
		for k, v := range f.Fields {
			fields[k] = v
		}
		delete(fields, "scope")
		f.Fields = fields
	}
	return ListSpec.Query(f)
}

// List returns a page of AI systems matching f.
func List(ctx context.Context, tx *postgres.Tx, f postgres.Filter) (postgres.Page[System], error) {
	return postgres.List(ctx, tx, query(f), scanSystem)
}

// Each streams every AI system matching f to fn, with its data resources (for the CSV
// export). The data come as JSON in the same query: a query per system would be a query in
// a loop, and the connection is busy with the stream anyway.
func Each(ctx context.Context, tx *postgres.Tx, f postgres.Filter, fn func(System) error) error {
	q := query(f)
	q.Columns += `, (SELECT coalesce(json_agg(json_build_object('name', d.name, 'source', d.source,
			'acquisition', d.acquisition, 'provenance', d.provenance, 'quality_checks', d.quality_checks,
			'personal_data', d.personal_data, 'preparation', d.preparation) ORDER BY d.position), '[]')
		FROM ai_system_data d WHERE d.tenant_id = s.tenant_id AND d.system_id = s.id)`
	return postgres.Each(ctx, tx, q, func(s *System) []any { return append(scanSystem(s), &s.Data) }, fn)
}

// Find returns the AI system with id and its data resources, in one round trip.
func Find(ctx context.Context, tx *postgres.Tx, id uuid.UUID) (System, error) {
	return find(ctx, tx, id, "")
}

func find(ctx context.Context, tx *postgres.Tx, id uuid.UUID, lock string) (System, error) {
	batch := &pgx.Batch{}
	batch.Queue(`SELECT `+systemColumns+` FROM `+systemFrom+` WHERE s.tenant_id = $1 AND s.id = $2`+lock, tx.TenantID, id)
	batch.Queue(`SELECT name, source, acquisition, provenance, quality_checks, personal_data, preparation
		FROM ai_system_data WHERE tenant_id = $1 AND system_id = $2 ORDER BY position`, tx.TenantID, id)
	res := tx.SendBatch(ctx, batch)
	defer res.Close()
	var s System
	err := res.QueryRow().Scan(scanSystem(&s)...)
	if postgres.IsNoRows(err) {
		return System{}, apperr.Errorf(apperr.NotFound, "No such AI system")
	}
	if err != nil {
		return System{}, fmt.Errorf("aisystem: find %s: %w", id, err)
	}
	rows, err := res.Query()
	if err != nil {
		return System{}, fmt.Errorf("aisystem: data resources: %w", err)
	}
	s.Data, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (DataResource, error) {
		var d DataResource
		return d, row.Scan(&d.Name, &d.Source, &d.Acquisition, &d.Provenance, &d.QualityChecks, &d.PersonalData, &d.Preparation)
	})
	if err != nil {
		return System{}, fmt.Errorf("aisystem: data resources: %w", err)
	}
	if s.Data == nil {
		s.Data = []DataResource{}
	}
	return s, nil
}

func systemArgs(tx *postgres.Tx, s System) pgx.NamedArgs {
	return pgx.NamedArgs{"tenant": tx.TenantID, "id": s.ID, "name": s.Name, "purpose": s.Purpose,
		"description": s.Description, "intended_use": s.IntendedUse, "intended_users": s.IntendedUsers,
		"stage": s.LifecycleStage, "role": s.OrgRole, "class": s.EUAIActClass, "reason": s.EUAIActReason,
		"in_scope": s.InScope, "tooling": s.Tooling, "compute": s.Compute, "suppliers": s.Suppliers,
		"owner": s.OwnerID, "actor": tx.Actor.UserID, "now": tx.Now}
}

// saveData replaces a system's data resources in one round trip. The DELETE and the INSERT
// are separate statements: in one statement (a data-modifying CTE) the INSERT does not see
// the DELETE and collides with the old rows' (tenant_id, system_id, position) keys.
func saveData(ctx context.Context, tx *postgres.Tx, systemID uuid.UUID, data []DataResource) error {
	n := len(data)
	names, sources, acquisitions, provenances := make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	checks, personal, preparations := make([]string, n), make([]bool, n), make([]string, n)
	for i, d := range data {
		names[i], sources[i], acquisitions[i], provenances[i] = d.Name, d.Source, d.Acquisition, d.Provenance
		checks[i], personal[i], preparations[i] = d.QualityChecks, d.PersonalData, d.Preparation
	}
	batch := &pgx.Batch{}
	batch.Queue(`DELETE FROM ai_system_data WHERE tenant_id = $1 AND system_id = $2`, tx.TenantID, systemID)
	batch.Queue(`INSERT INTO ai_system_data (tenant_id, system_id, position, name, source, acquisition, provenance,
			quality_checks, personal_data, preparation)
		SELECT $1, $2, n, nm, src, acq, prov, qc, pd, prep
		FROM unnest($3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::boolean[], $9::text[])
			WITH ORDINALITY AS x (nm, src, acq, prov, qc, pd, prep, n)`,
		tx.TenantID, systemID, names, sources, acquisitions, provenances, checks, personal, preparations)
	if err := tx.SendBatch(ctx, batch).Close(); err != nil {
		return fmt.Errorf("aisystem: save data resources: %w", err)
	}
	return nil
}

// Create validates and stores a new AI system with its data resources.
func Create(ctx context.Context, tx *postgres.Tx, in System) (System, error) {
	in.Normalize()
	if err := in.Validate(); err != nil {
		return System{}, err
	}
	ref, err := postgres.NextRef(ctx, tx, Object)
	if err != nil {
		return System{}, err
	}
	args := systemArgs(tx, in)
	args["ref"] = ref
	var id uuid.UUID
	err = tx.QueryRow(ctx, `INSERT INTO ai_systems (tenant_id, ref, name, purpose, description, intended_use,
			intended_users, lifecycle_stage, org_role, eu_ai_act_class, eu_ai_act_reason, in_scope, tooling, compute,
			suppliers, owner_id, created_by, created_at, updated_by, updated_at)
		VALUES (@tenant, @ref, @name, @purpose, @description, @intended_use, @intended_users, @stage, @role, @class,
			@reason, @in_scope, @tooling, @compute, @suppliers, nullif(@owner, '')::uuid, @actor, @now, @actor, @now)
		RETURNING id`, args).Scan(&id)
	if err != nil {
		return System{}, record.OwnerError(err, "aisystem: create")
	}
	if err := saveData(ctx, tx, id, in.Data); err != nil {
		return System{}, err
	}
	out, err := Find(ctx, tx, id)
	if err != nil {
		return System{}, err
	}
	return out, auditlog.Record(ctx, tx, auditlog.Event{Action: Object + ".create", ObjectType: Object,
		ObjectID: id.String(), ObjectLabel: out.Label(), After: out})
}

// Update validates and saves changes to an AI system and its data resources.
func Update(ctx context.Context, tx *postgres.Tx, id uuid.UUID, in System) (System, error) {
	in.Normalize()
	if err := in.Validate(); err != nil {
		return System{}, err
	}
	before, err := find(ctx, tx, id, " FOR UPDATE OF s")
	if err != nil {
		return System{}, err
	}
	if err := before.Editable(); err != nil {
		return System{}, err
	}
	in.ID = id
	if _, err := tx.Exec(ctx, `UPDATE ai_systems SET name = @name, purpose = @purpose, description = @description,
			intended_use = @intended_use, intended_users = @intended_users, lifecycle_stage = @stage, org_role = @role,
			eu_ai_act_class = @class, eu_ai_act_reason = @reason, in_scope = @in_scope, tooling = @tooling,
			compute = @compute, suppliers = @suppliers, owner_id = nullif(@owner, '')::uuid,
			updated_by = @actor, updated_at = @now
		WHERE tenant_id = @tenant AND id = @id`, systemArgs(tx, in)); err != nil {
		return System{}, record.OwnerError(err, "aisystem: update")
	}
	if err := saveData(ctx, tx, id, in.Data); err != nil {
		return System{}, err
	}
	after, err := Find(ctx, tx, id)
	if err != nil {
		return System{}, err
	}
	return after, auditlog.Record(ctx, tx, auditlog.Event{Action: Object + ".update", ObjectType: Object,
		ObjectID: id.String(), ObjectLabel: after.Label(), Before: before, After: after})
}

// archive archives and restores System records.
var archive = record.Archive[System]{Table: "ai_systems", Object: Object, Find: find, Lock: " FOR UPDATE OF s"}

// SetArchived archives (true) or restores (false) record id; archived records leave the
// default list but keep their history and can be restored.
func SetArchived(ctx context.Context, tx *postgres.Tx, id uuid.UUID, archived bool) (System, error) {
	return archive.Set(ctx, tx, id, archived)
}

// Option is an AI system as a choice of another register's form (a risk's systems, an
// impact assessment's system).
type Option struct {
	ID       uuid.UUID
	Ref      int
	Name     string
	Archived bool
}

// Reference is the system's human reference, e.g. AIS-3.
func (o Option) Reference() string { return Reference(o.Ref) }

// Label is the reference and name, e.g. "AIS-3 Clinical triage assistant".
func (o Option) Label() string { return o.Reference() + " " + o.Name }

// OptionsByID lists the AI systems with the given ids, archived ones included, by reference.
func OptionsByID(ctx context.Context, tx *postgres.Tx, ids []uuid.UUID) ([]Option, error) {
	rows, _ := tx.Query(ctx, `SELECT id, ref, name, archived_at IS NOT NULL FROM ai_systems
		WHERE tenant_id = $1 AND id = ANY ($2) ORDER BY ref`, tx.TenantID, ids)
	out, err := pgx.CollectRows(rows, scanOption)
	if err != nil {
		return nil, fmt.Errorf("aisystem: options by id: %w", err)
	}
	return out, nil
}

// Options lists every AI system of the tenant as a form choice: live systems by reference,
// then archived ones (a form shows those only when a record already links them, so that
// saving it does not drop the link).
func Options(ctx context.Context, tx *postgres.Tx) ([]Option, error) {
	rows, err := tx.Query(ctx, `SELECT id, ref, name, archived_at IS NOT NULL FROM ai_systems
		WHERE tenant_id = $1 ORDER BY archived_at IS NOT NULL, ref`, tx.TenantID)
	if err != nil {
		return nil, fmt.Errorf("aisystem: options: %w", err)
	}
	out, err := pgx.CollectRows(rows, scanOption)
	if err != nil {
		return nil, fmt.Errorf("aisystem: options: %w", err)
	}
	return out, nil
}
