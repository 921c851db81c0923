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

// IssueObject is the object type of context issues in the audit trail and the URL slug.
const IssueObject = "context"

const issueColumns = `c.id, c.ref, c.title, c.origin, c.category, c.description, c.effect,
	coalesce(c.owner_id::text, ''), coalesce(o.display_name, ''), c.status,
	coalesce(to_char(c.review_date, 'YYYY-MM-DD'), ''), c.archived_at,
	c.created_at, cb.display_name, c.updated_at, ub.display_name`

const issueFrom = `context_issues c
	LEFT JOIN users o ON o.id = c.owner_id
	JOIN users cb ON cb.id = c.created_by
	JOIN users ub ON ub.id = c.updated_by`

func scanIssue(i *Issue) []any {
	return []any{&i.ID, &i.Ref, &i.Title, &i.Origin, &i.Category, &i.Description, &i.Effect, &i.OwnerID,
		&i.OwnerName, &i.Status, &i.ReviewDate, &i.ArchivedAt, &i.CreatedAt, &i.CreatedBy, &i.UpdatedAt, &i.UpdatedBy}
}

// IssueSorts are the orders the context list offers; each has an index.
var IssueSorts = map[string]postgres.SortKey{
	"ref":      {Expr: "c.ref", Type: "integer"},
	"title":    {Expr: "lower(c.title)", Type: "text"},
	"category": {Expr: "c.category", Type: "text"},
	"status":   {Expr: "c.status", Type: "text"},
	"updated":  {Expr: "c.updated_at", Type: "timestamptz"},
}

// IssueList is how the context register is listed.
var IssueList = postgres.ListSpec{
	Table: "context_issues",
	From:  issueFrom, CountFrom: "context_issues c", Columns: issueColumns, IDExpr: "c.id", ArchivedExpr: "c.archived_at",
	SearchExpr: "c.search_text", Sorts: IssueSorts, DefaultSort: "updated",
	Filterable: map[string]string{"origin": "c.origin", "category": "c.category", "status": "c.status"},
	IDFilters:  map[string]string{"owner": "c.owner_id"},
}

// ListIssues returns a page of context issues matching f.
func ListIssues(ctx context.Context, tx *postgres.Tx, f postgres.Filter) (postgres.Page[Issue], error) {
	return postgres.List(ctx, tx, IssueList.Query(f), scanIssue)
}

// EachIssue streams every issue matching f (all pages) to fn.
func EachIssue(ctx context.Context, tx *postgres.Tx, f postgres.Filter, fn func(Issue) error) error {
	return postgres.Each(ctx, tx, IssueList.Query(f), scanIssue, fn)
}

// FindIssue returns the issue with id.
func FindIssue(ctx context.Context, tx *postgres.Tx, id uuid.UUID) (Issue, error) {
	return findIssue(ctx, tx, id, "")
}

func findIssue(ctx context.Context, tx *postgres.Tx, id uuid.UUID, lock string) (Issue, error) {
	var i Issue
	err := tx.QueryRow(ctx, `SELECT `+issueColumns+` FROM `+issueFrom+` WHERE c.tenant_id = $1 AND c.id = $2`+lock,
		tx.TenantID, id).Scan(scanIssue(&i)...)
	if postgres.IsNoRows(err) {
		return Issue{}, apperr.Errorf(apperr.NotFound, "No such context issue")
	}
	if err != nil {
		return Issue{}, fmt.Errorf("orgcontext: find issue %s: %w", id, err)
	}
	return i, nil
}

func issueArgs(tx *postgres.Tx, i Issue) pgx.NamedArgs {
	return pgx.NamedArgs{"tenant": tx.TenantID, "id": i.ID, "title": i.Title, "origin": i.Origin,
		"category": i.Category, "description": i.Description, "effect": i.Effect, "owner": i.OwnerID,
		"status": i.Status, "review_date": i.ReviewDate, "actor": tx.Actor.UserID, "now": tx.Now}
}

// CreateIssue validates and stores a new issue, and records it in the audit trail.
func CreateIssue(ctx context.Context, tx *postgres.Tx, in Issue) (Issue, error) {
	in.Normalize()
	if err := in.Validate(); err != nil {
		return Issue{}, err
	}
	ref, err := postgres.NextRef(ctx, tx, IssueObject)
	if err != nil {
		return Issue{}, err
	}
	args := issueArgs(tx, in)
	args["ref"] = ref
	var id uuid.UUID
	err = tx.QueryRow(ctx, `INSERT INTO context_issues (tenant_id, ref, title, origin, category, description, effect,
			owner_id, status, review_date, created_by, created_at, updated_by, updated_at)
		VALUES (@tenant, @ref, @title, @origin, @category, @description, @effect, nullif(@owner, '')::uuid, @status,
			nullif(@review_date, '')::date, @actor, @now, @actor, @now) RETURNING id`, args).Scan(&id)
	if err != nil {
		return Issue{}, record.OwnerError(err, "orgcontext: create issue")
	}
	out, err := FindIssue(ctx, tx, id)
	if err != nil {
		return Issue{}, err
	}
	return out, auditlog.Record(ctx, tx, auditlog.Event{Action: "context.create", ObjectType: IssueObject,
		ObjectID: id.String(), ObjectLabel: out.Label(), After: out})
}

// UpdateIssue validates and saves changes to an issue, recording before and after.
func UpdateIssue(ctx context.Context, tx *postgres.Tx, id uuid.UUID, in Issue) (Issue, error) {
	in.Normalize()
	if err := in.Validate(); err != nil {
		return Issue{}, err
	}
	before, err := findIssue(ctx, tx, id, " FOR UPDATE OF c")
	if err != nil {
		return Issue{}, err
	}
	if err := before.Editable(); err != nil {
		return Issue{}, err
	}
	in.ID = id
	_, err = tx.Exec(ctx, `UPDATE context_issues SET title = @title, origin = @origin, category = @category,
			description = @description, effect = @effect, owner_id = nullif(@owner, '')::uuid, status = @status,
			review_date = nullif(@review_date, '')::date, updated_by = @actor, updated_at = @now
		WHERE tenant_id = @tenant AND id = @id`, issueArgs(tx, in))
	if err != nil {
		return Issue{}, record.OwnerError(err, "orgcontext: update issue")
	}
	after, err := FindIssue(ctx, tx, id)
	if err != nil {
		return Issue{}, err
	}
	return after, auditlog.Record(ctx, tx, auditlog.Event{Action: "context.update", ObjectType: IssueObject,
		ObjectID: id.String(), ObjectLabel: after.Label(), Before: before, After: after})
}

// issueArchive archives and restores context issues.
var issueArchive = record.Archive[Issue]{Table: "context_issues", Object: IssueObject, Find: findIssue, Lock: " FOR UPDATE OF c"}

// SetIssueArchived archives (true) or restores (false) an issue.
func SetIssueArchived(ctx context.Context, tx *postgres.Tx, id uuid.UUID, archived bool) (Issue, error) {
	return issueArchive.Set(ctx, tx, id, archived)
}
