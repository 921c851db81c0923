package orgcontext

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

// PartyObject is the object type of interested parties in the audit trail and the URL slug.
const PartyObject = "parties"

const partyColumns = `p.id, p.ref, p.name, p.kind, p.description, coalesce(p.owner_id::text, ''),
	coalesce(o.display_name, ''), p.status, rq.total, rq.legal, rq.addressed, p.archived_at,
	p.created_at, cb.display_name, p.updated_at, ub.display_name`

const partyFrom = `parties p
	LEFT JOIN users o ON o.id = p.owner_id
	JOIN users cb ON cb.id = p.created_by
	JOIN users ub ON ub.id = p.updated_by
	CROSS JOIN LATERAL (SELECT count(*)::int AS total, count(*) FILTER (WHERE r.legal)::int AS legal,
		count(*) FILTER (WHERE r.addressed)::int AS addressed
		FROM party_requirements r WHERE r.tenant_id = p.tenant_id AND r.party_id = p.id) rq`

func scanParty(p *Party) []any {
	return []any{&p.ID, &p.Ref, &p.Name, &p.Kind, &p.Description, &p.OwnerID, &p.OwnerName, &p.Status,
		&p.RequirementCount, &p.LegalCount, &p.AddressedCount, &p.ArchivedAt, &p.CreatedAt, &p.CreatedBy,
		&p.UpdatedAt, &p.UpdatedBy}
}

// PartySorts are the orders the parties list offers; each has an index.
var PartySorts = map[string]postgres.SortKey{
	"ref":     {Expr: "p.ref", Type: "integer"},
	"name":    {Expr: "lower(p.name)", Type: "text"},
	"kind":    {Expr: "p.kind", Type: "text"},
	"updated": {Expr: "p.updated_at", Type: "timestamptz"},
}

// PartyList is how the interested-parties register is listed.
var PartyList = postgres.ListSpec{
	Table: "parties",
	From:  partyFrom, Columns: partyColumns, IDExpr: "p.id", ArchivedExpr: "p.archived_at",
	SearchExpr: "p.search_text", Sorts: PartySorts, DefaultSort: "updated",
	Filterable: map[string]string{"kind": "p.kind", "status": "p.status",
		"legal": "(rq.legal > 0)::text", "unaddressed": "(rq.addressed < rq.total)::text"},
	IDFilters: map[string]string{"owner": "p.owner_id"},
}

// ListParties returns a page of interested parties matching f.
func ListParties(ctx context.Context, tx *postgres.Tx, f postgres.Filter) (postgres.Page[Party], error) {
	q := PartyList.Query(f)
	// The total is counted over the parties alone unless a filter reads the requirement
	// counts: the joins would otherwise run for every counted row.
	if f.Fields["legal"] == "" && f.Fields["unaddressed"] == "" {
		q.CountFrom = "parties p"
	}
	return postgres.List(ctx, tx, q, scanParty)
}

// EachParty streams every party matching f to fn, with its requirements (for the CSV export).
// The requirements come as JSON in the same query: a query per party would be a query in a
// loop, and the connection is busy with the stream anyway.
func EachParty(ctx context.Context, tx *postgres.Tx, f postgres.Filter, fn func(Party) error) error {
	q := PartyList.Query(f)
	q.Columns += `, (SELECT coalesce(json_agg(json_build_object('requirement', r.requirement, 'legal', r.legal,
			'addressed', r.addressed, 'how', r.how) ORDER BY r.position), '[]')
		FROM party_requirements r WHERE r.tenant_id = p.tenant_id AND r.party_id = p.id)`
	return postgres.Each(ctx, tx, q, func(p *Party) []any { return append(scanParty(p), &p.Requirements) }, fn)
}

// FindParty returns the party with id and its requirements, in one round trip.
func FindParty(ctx context.Context, tx *postgres.Tx, id uuid.UUID) (Party, error) {
	return findParty(ctx, tx, id, "")
}

func findParty(ctx context.Context, tx *postgres.Tx, id uuid.UUID, lock string) (Party, error) {
	batch := &pgx.Batch{}
	batch.Queue(`SELECT `+partyColumns+` FROM `+partyFrom+` WHERE p.tenant_id = $1 AND p.id = $2`+lock, tx.TenantID, id)
	batch.Queue(`SELECT requirement, legal, addressed, how FROM party_requirements
		WHERE tenant_id = $1 AND party_id = $2 ORDER BY position`, tx.TenantID, id)
	res := tx.SendBatch(ctx, batch)
	defer res.Close()
	var p Party
	err := res.QueryRow().Scan(scanParty(&p)...)
	if postgres.IsNoRows(err) {
		return Party{}, apperr.Errorf(apperr.NotFound, "No such interested party")
	}
	if err != nil {
		return Party{}, fmt.Errorf("orgcontext: find party %s: %w", id, err)
	}
	rows, err := res.Query()
	if err != nil {
		return Party{}, fmt.Errorf("orgcontext: party requirements: %w", err)
	}
	p.Requirements, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (Requirement, error) {
		var r Requirement
		return r, row.Scan(&r.Text, &r.Legal, &r.Addressed, &r.How)
	})
	if err != nil {
		return Party{}, fmt.Errorf("orgcontext: party requirements: %w", err)
	}
	if p.Requirements == nil {
		p.Requirements = []Requirement{}
	}
	return p, nil
}

func partyArgs(tx *postgres.Tx, p Party) pgx.NamedArgs {
	return pgx.NamedArgs{"tenant": tx.TenantID, "id": p.ID, "name": p.Name, "kind": p.Kind,
		"description": p.Description, "owner": p.OwnerID, "status": p.Status, "actor": tx.Actor.UserID, "now": tx.Now}
}

// saveRequirements replaces a party's requirements in one round trip. The DELETE and the
// INSERT are separate statements: in one statement (a data-modifying CTE) the INSERT does not
// see the DELETE and collides with the old rows' (tenant_id, party_id, position) keys.
func saveRequirements(ctx context.Context, tx *postgres.Tx, partyID uuid.UUID, reqs []Requirement) error {
	texts, legal, addressed, how := make([]string, len(reqs)), make([]bool, len(reqs)), make([]bool, len(reqs)), make([]string, len(reqs))
	for i, r := range reqs {
		texts[i], legal[i], addressed[i], how[i] = r.Text, r.Legal, r.Addressed, r.How
	}
	batch := &pgx.Batch{}
	batch.Queue(`DELETE FROM party_requirements WHERE tenant_id = $1 AND party_id = $2`, tx.TenantID, partyID)
	batch.Queue(`INSERT INTO party_requirements (tenant_id, party_id, position, requirement, legal, addressed, how)
		SELECT $1, $2, n, t, l, a, h FROM unnest($3::text[], $4::boolean[], $5::boolean[], $6::text[])
			WITH ORDINALITY AS x (t, l, a, h, n)`, tx.TenantID, partyID, texts, legal, addressed, how)
	if err := tx.SendBatch(ctx, batch).Close(); err != nil {
		return fmt.Errorf("orgcontext: save requirements: %w", err)
	}
	return nil
}

// CreateParty validates and stores a new interested party with its requirements.
func CreateParty(ctx context.Context, tx *postgres.Tx, in Party) (Party, error) {
	in.Normalize()
	if err := in.Validate(); err != nil {
		return Party{}, err
	}
	ref, err := postgres.NextRef(ctx, tx, PartyObject)
	if err != nil {
		return Party{}, err
	}
	args := partyArgs(tx, in)
	args["ref"] = ref
	var id uuid.UUID
	err = tx.QueryRow(ctx, `INSERT INTO parties (tenant_id, ref, name, kind, description, owner_id, status,
			created_by, created_at, updated_by, updated_at)
		VALUES (@tenant, @ref, @name, @kind, @description, nullif(@owner, '')::uuid, @status, @actor, @now, @actor, @now)
		RETURNING id`, args).Scan(&id)
	if err != nil {
		return Party{}, record.OwnerError(err, "orgcontext: create party")
	}
	if err := saveRequirements(ctx, tx, id, in.Requirements); err != nil {
		return Party{}, err
	}
	out, err := FindParty(ctx, tx, id)
	if err != nil {
		return Party{}, err
	}
	return out, auditlog.Record(ctx, tx, auditlog.Event{Action: "parties.create", ObjectType: PartyObject,
		ObjectID: id.String(), ObjectLabel: out.Label(), After: out})
}

// UpdateParty validates and saves changes to a party and its requirements.
func UpdateParty(ctx context.Context, tx *postgres.Tx, id uuid.UUID, in Party) (Party, error) {
	in.Normalize()
	if err := in.Validate(); err != nil {
		return Party{}, err
	}
	before, err := findParty(ctx, tx, id, " FOR UPDATE OF p")
	if err != nil {
		return Party{}, err
	}
	if err := before.Editable(); err != nil {
		return Party{}, err
	}
	in.ID = id
	if _, err := tx.Exec(ctx, `UPDATE parties SET name = @name, kind = @kind, description = @description,
			owner_id = nullif(@owner, '')::uuid, status = @status, updated_by = @actor, updated_at = @now
		WHERE tenant_id = @tenant AND id = @id`, partyArgs(tx, in)); err != nil {
		return Party{}, record.OwnerError(err, "orgcontext: update party")
	}
	if err := saveRequirements(ctx, tx, id, in.Requirements); err != nil {
		return Party{}, err
	}
	after, err := FindParty(ctx, tx, id)
	if err != nil {
		return Party{}, err
	}
	return after, auditlog.Record(ctx, tx, auditlog.Event{Action: "parties.update", ObjectType: PartyObject,
		ObjectID: id.String(), ObjectLabel: after.Label(), Before: before, After: after})
}

// partyArchive archives and restores interested parties.
var partyArchive = record.Archive[Party]{Table: "parties", Object: PartyObject, Find: findParty, Lock: " FOR UPDATE OF p"}

// SetPartyArchived archives (true) or restores (false) a party.
func SetPartyArchived(ctx context.Context, tx *postgres.Tx, id uuid.UUID, archived bool) (Party, error) {
	return partyArchive.Set(ctx, tx, id, archived)
}
