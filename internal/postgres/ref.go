package postgres

import (
	"context"
	"fmt"
)

// NextRef allocates the next human reference number of a register in the transaction's
// tenant (CTX-1, CTX-2, …). The upsert takes a row lock, so concurrent creates never share a
// number.
func NextRef(ctx context.Context, tx *Tx, register string) (int, error) {
	var n int
	err := tx.QueryRow(ctx, `INSERT INTO record_counters (tenant_id, register, last) VALUES ($1, $2, 1)
		ON CONFLICT (tenant_id, register) DO UPDATE SET last = record_counters.last + 1 RETURNING last`,
		tx.TenantID, register).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("postgres: next ref of %s: %w", register, err)
	}
	return n, nil
}
