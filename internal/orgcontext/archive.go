package orgcontext

import (
	"context"
	"fmt"

	"github.com/google/uuid"

	"github.com/openaims/openaims/internal/auditlog"
	"github.com/openaims/openaims/internal/postgres"
)

// archivable is a record that can be archived and restored.
type archivable interface {
	Label() string
	Archived() bool
}

// setArchived archives (true) or restores (false) the record id of table, recording the
// change under object in the audit trail. find loads the record, locked when lock is set.
// Archived records leave the default list but keep their history and can be restored.
func setArchived[T archivable](ctx context.Context, tx *postgres.Tx, table, object string, id uuid.UUID, archived bool,
	find func(lock bool) (T, error)) (T, error) {
	before, err := find(true)
	if err != nil {
		return before, err
	}
	if before.Archived() == archived {
		return before, nil
	}
	var at any
	action := object + ".restore"
	if archived {
		at, action = tx.Now, object+".archive"
	}
	// table is one of this package's constants, never user input.
	if _, err := tx.Exec(ctx, `UPDATE `+table+` SET archived_at = $3, updated_by = $4, updated_at = $5
		WHERE tenant_id = $1 AND id = $2`, tx.TenantID, id, at, tx.Actor.UserID, tx.Now); err != nil {
		return before, fmt.Errorf("orgcontext: %s %s: %w", action, id, err)
	}
	after, err := find(false)
	if err != nil {
		return after, err
	}
	return after, auditlog.Record(ctx, tx, auditlog.Event{Action: action, ObjectType: object,
		ObjectID: id.String(), ObjectLabel: after.Label(), Before: before, After: after})
}
