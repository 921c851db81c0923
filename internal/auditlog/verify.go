package auditlog

import (
	"bytes"
	"context"
	"fmt"

	"github.com/google/uuid"

	"github.com/openaims/openaims/internal/postgres"
)

// BrokenError names the first entry of a chain that does not verify, and why.
type BrokenError struct {
	TenantID uuid.UUID
	Seq      int64
	Reason   string
}

func (e *BrokenError) Error() string {
	return fmt.Sprintf("audit trail of tenant %s is broken at entry %d: %s", e.TenantID, e.Seq, e.Reason)
}

// Verify recomputes the tenant's chain from its first entry and returns the number of
// entries checked, or a *BrokenError naming the first entry whose hash, link or number
// does not match. Rows stream from the database; memory stays flat for any length.
func Verify(ctx context.Context, db *postgres.DB, tenantID uuid.UUID) (int64, error) {
	var checked int64
	err := db.InTenantTx(ctx, tenantID, postgres.SystemActor("audit-verify"), func(tx *postgres.Tx) error {
		rows, err := tx.Query(ctx, `SELECT `+entryColumns+` FROM audit_events WHERE tenant_id = $1 ORDER BY seq`, tenantID)
		if err != nil {
			return fmt.Errorf("auditlog: verify: %w", err)
		}
		defer rows.Close()
		prev := GenesisHash
		for rows.Next() {
			e, err := scanEntry(rows, tenantID)
			if err != nil {
				return fmt.Errorf("auditlog: verify: scan: %w", err)
			}
			switch {
			case e.Seq != checked+1:
				return &BrokenError{tenantID, checked + 1, fmt.Sprintf("entry missing (next stored entry is %d)", e.Seq)}
			case !bytes.Equal(e.PrevHash, prev):
				return &BrokenError{tenantID, e.Seq, "prev_hash does not match the hash of the entry before it"}
			case !bytes.Equal(e.ComputeHash(), e.Hash):
				return &BrokenError{tenantID, e.Seq, "content does not match its hash (the entry was altered)"}
			}
			prev = e.Hash
			checked++
		}
		return rows.Err()
	})
	return checked, err
}
