// Package record holds what the records of every register share: the rule that an archived
// record is not changed, and archiving and restoring with its audit-trail entry.
package record

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/openaims/openaims/internal/apperr"
	"github.com/openaims/openaims/internal/auditlog"
	"github.com/openaims/openaims/internal/postgres"
)

// Editable returns a conflict when the record ref is archived: archiving promises that the
// record is no longer changed until it is restored.
func Editable(ref string, archivedAt *time.Time) error {
	if archivedAt != nil {
		return apperr.Errorf(apperr.Conflict, "%s is archived. Restore it before changing it.", ref)
	}
	return nil
}

// Archivable is a record that can be archived and restored.
type Archivable interface {
	Label() string // as the audit trail names it
	Archived() bool
}

// Archive says how one register archives its records.
type Archive[T Archivable] struct {
	Table  string // the register's table; a constant of its package, never user input
	Object string // the register's object type in the audit trail
	// Find loads a record; lock is a locking clause such as " FOR UPDATE OF r", or "".
	Find func(ctx context.Context, tx *postgres.Tx, id uuid.UUID, lock string) (T, error)
	Lock string
	// Allowed refuses to archive some records (Annex A controls, say); nil allows every one.
	Allowed func(T) error
	// Snapshot is what the trail records of a record; nil records the record itself.
	Snapshot func(T) any
}

// Set archives (true) or restores (false) record id. Archived records leave the default list
// but keep their history and can be restored. Setting the state it already has changes
// nothing and records nothing.
func (a Archive[T]) Set(ctx context.Context, tx *postgres.Tx, id uuid.UUID, archived bool) (T, error) {
	before, err := a.Find(ctx, tx, id, a.Lock)
	if err != nil {
		return before, err
	}
	if a.Allowed != nil {
		if err := a.Allowed(before); err != nil {
			return before, err
		}
	}
	if before.Archived() == archived {
		return before, nil
	}
	var at any
	action := a.Object + ".restore"
	if archived {
		at, action = tx.Now, a.Object+".archive"
	}
	if _, err := tx.Exec(ctx, `UPDATE `+a.Table+` SET archived_at = $3, updated_by = $4, updated_at = $5
		WHERE tenant_id = $1 AND id = $2`, tx.TenantID, id, at, tx.Actor.UserID, tx.Now); err != nil {
		return before, fmt.Errorf("record: %s %s: %w", action, id, err)
	}
	after, err := a.Find(ctx, tx, id, "")
	if err != nil {
		return after, err
	}
	snap := func(v T) any { return v }
	if a.Snapshot != nil {
		snap = func(v T) any { return a.Snapshot(v) }
	}
	return after, auditlog.Record(ctx, tx, auditlog.Event{Action: action, ObjectType: a.Object,
		ObjectID: id.String(), ObjectLabel: after.Label(), Before: snap(before), After: snap(after)})
}
