package auditlog

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/openaims/openaims/internal/postgres"
)

// Filter narrows the activity trail. Zero values do not filter.
type Filter struct {
	ActorID    uuid.UUID
	ObjectType string
	ObjectID   string
	From, To   time.Time // inclusive day bounds, in UTC
	BeforeSeq  int64     // keyset cursor: entries older than this one
	Limit      int
}

// Activity is one page of the trail, newest first.
type Activity struct {
	Entries []Entry
	// NextSeq is the cursor of the next (older) page, 0 when there is none.
	NextSeq int64
}

// List returns a page of the tenant's trail matching f, by keyset on seq.
func List(ctx context.Context, tx *postgres.Tx, f Filter) (Activity, error) {
	if f.Limit <= 0 || f.Limit > 200 {
		f.Limit = 50
	}
	where := []string{"tenant_id = $1"}
	args := []any{tx.TenantID}
	add := func(cond string, v any) {
		args = append(args, v)
		where = append(where, fmt.Sprintf(cond, len(args)))
	}
	if f.ActorID != uuid.Nil {
		add("actor_id = $%d", f.ActorID)
	}
	if f.ObjectType != "" {
		add("object_type = $%d", f.ObjectType)
	}
	if f.ObjectID != "" {
		add("object_id = $%d", f.ObjectID)
	}
	if !f.From.IsZero() {
		add("occurred_at >= $%d", f.From)
	}
	if !f.To.IsZero() {
		add("occurred_at < $%d", f.To.AddDate(0, 0, 1))
	}
	if f.BeforeSeq > 0 {
		add("seq < $%d", f.BeforeSeq)
	}
	args = append(args, f.Limit+1)
	rows, err := tx.Query(ctx, `SELECT `+entryColumns+` FROM audit_events WHERE `+strings.Join(where, " AND ")+
		fmt.Sprintf(` ORDER BY seq DESC LIMIT $%d`, len(args)), args...)
	if err != nil {
		return Activity{}, fmt.Errorf("auditlog: list: %w", err)
	}
	entries, err := collect(rows, tx.TenantID)
	if err != nil {
		return Activity{}, err
	}
	var a Activity
	if len(entries) > f.Limit {
		entries = entries[:f.Limit]
		a.NextSeq = entries[len(entries)-1].Seq
	}
	a.Entries = entries
	return a, nil
}

// ObjectTypes lists the object types present in the trail, for the activity filter.
func ObjectTypes(ctx context.Context, tx *postgres.Tx) ([]string, error) {
	rows, err := tx.Query(ctx, `
		WITH RECURSIVE t AS (
			(SELECT object_type FROM audit_events WHERE tenant_id = $1 ORDER BY object_type LIMIT 1)
			UNION ALL
			SELECT (SELECT object_type FROM audit_events WHERE tenant_id = $1 AND object_type > t.object_type
			        ORDER BY object_type LIMIT 1) FROM t WHERE t.object_type IS NOT NULL)
		SELECT object_type FROM t WHERE object_type IS NOT NULL`, tx.TenantID)
	if err != nil {
		return nil, fmt.Errorf("auditlog: object types: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}
