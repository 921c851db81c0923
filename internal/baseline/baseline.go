// Package baseline is the floor the load harness (aims bench) measures every page against:
// the least work a register page could do. One page of a tenant's risks, read in a tenant
// transaction by one indexed query, and nothing else: no session, no membership, no layout.
// A page's ratio to it says what the page's own work costs, on the same machine in the
// same run.
package baseline

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/openaims/openaims/internal/postgres"
)

// PageSize is the number of rows of the baseline page: as many as a register list shows.
const PageSize = postgres.DefaultPageSize

// Row is a risk as the baseline table shows it.
type Row struct {
	ID        uuid.UUID
	Ref       int
	Title     string
	Status    string
	UpdatedAt time.Time
}

// Newest returns the tenant's PageSize most recently updated risks, newest first. The
// order is that of the index risks_updated_idx (tenant_id, updated_at, id), read backwards,
// so the query reads PageSize index entries whatever the size of the register.
func Newest(ctx context.Context, tx *postgres.Tx) ([]Row, error) {
	rows, err := tx.Query(ctx, `SELECT id, ref, title, status, updated_at FROM risks
		WHERE tenant_id = $1 ORDER BY updated_at DESC, id DESC LIMIT $2`, tx.TenantID, PageSize)
	if err != nil {
		return nil, fmt.Errorf("baseline: newest risks: %w", err)
	}
	defer rows.Close()
	out := make([]Row, 0, PageSize)
	for rows.Next() {
		var r Row
		if err := rows.Scan(&r.ID, &r.Ref, &r.Title, &r.Status, &r.UpdatedAt); err != nil {
			return nil, fmt.Errorf("baseline: newest risks: %w", err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("baseline: newest risks: %w", err)
	}
	return out, nil
}
