package auditlog

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/openaims/openaims/internal/postgres"
)

// Head locks the tenant's chain for the rest of tx and returns its last entry's number and
// hash (0 and GenesisHash for an empty chain). The lock and the read travel in one round
// trip; the read runs after the lock is held, so it sees the head the previous writer
// committed. audit_chain_lock (migration 000014) is the one definition of that lock: write
// transactions take it when they begin (postgres.InTenantWriteTx), and the register counts'
// triggers take it too.
func Head(ctx context.Context, tx *postgres.Tx) (seq int64, hash []byte, err error) {
	batch := &pgx.Batch{}
	batch.Queue(`SELECT audit_chain_lock(ARRAY[$1::uuid])`, tx.TenantID)
	batch.Queue(`SELECT seq, hash FROM audit_events WHERE tenant_id = $1 ORDER BY seq DESC LIMIT 1`, tx.TenantID)
	res := tx.SendBatch(ctx, batch)
	defer res.Close()
	if _, err := res.Exec(); err != nil {
		return 0, nil, fmt.Errorf("auditlog: lock chain: %w", err)
	}
	switch err := res.QueryRow().Scan(&seq, &hash); {
	case postgres.IsNoRows(err):
		return 0, GenesisHash, nil
	case err != nil:
		return 0, nil, fmt.Errorf("auditlog: read chain head: %w", err)
	}
	return seq, hash, nil
}

// Record appends e to the tenant's chain inside tx, so the entry commits or rolls back with
// the change it describes. Writers of one tenant are serialised by a transaction-level
// advisory lock; other tenants are not held up.
func Record(ctx context.Context, tx *postgres.Tx, e Event) error {
	before, err := marshal(e.Before)
	if err != nil {
		return fmt.Errorf("auditlog: encode before of %s: %w", e.Action, err)
	}
	after, err := marshal(e.After)
	if err != nil {
		return fmt.Errorf("auditlog: encode after of %s: %w", e.Action, err)
	}
	entry := Entry{
		TenantID: tx.TenantID, OccurredAt: tx.Now, ActorID: tx.Actor.UserID, ActorLabel: tx.Actor.Label,
		Action: e.Action, ObjectType: e.ObjectType, ObjectID: e.ObjectID, ObjectLabel: e.ObjectLabel,
		RequestID: tx.Actor.RequestID, Before: before, After: after,
	}
	entry.Seq, entry.PrevHash, err = Head(ctx, tx)
	if err != nil {
		return err
	}
	entry.Seq++
	entry.Hash = entry.ComputeHash()
	var actor *uuid.UUID
	if entry.ActorID != uuid.Nil {
		actor = &entry.ActorID
	}
	_, err = tx.Exec(ctx, `
		INSERT INTO audit_events (tenant_id, seq, occurred_at, actor_id, actor_label, action, object_type,
			object_id, object_label, request_id, before, after, prev_hash, hash)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11::text::json, $12::text::json, $13, $14)`,
		entry.TenantID, entry.Seq, entry.OccurredAt, actor, entry.ActorLabel, entry.Action, entry.ObjectType,
		entry.ObjectID, entry.ObjectLabel, entry.RequestID, nullable(entry.Before), nullable(entry.After),
		entry.PrevHash, entry.Hash)
	if err != nil {
		return fmt.Errorf("auditlog: insert %s: %w", e.Action, err)
	}
	return nil
}

func marshal(v any) (json.RawMessage, error) {
	if v == nil {
		return nil, nil
	}
	return json.Marshal(v)
}

func nullable(m json.RawMessage) *string {
	if m == nil {
		return nil
	}
	s := string(m)
	return &s
}

const entryColumns = `seq, occurred_at, coalesce(actor_id, '00000000-0000-0000-0000-000000000000'), actor_label,
	action, object_type, object_id, object_label, request_id, before::text, after::text, prev_hash, hash`

func scanEntry(row pgx.Row, tenantID uuid.UUID) (Entry, error) {
	e := Entry{TenantID: tenantID}
	var before, after *string
	err := row.Scan(&e.Seq, &e.OccurredAt, &e.ActorID, &e.ActorLabel, &e.Action, &e.ObjectType, &e.ObjectID,
		&e.ObjectLabel, &e.RequestID, &before, &after, &e.PrevHash, &e.Hash)
	if before != nil {
		e.Before = json.RawMessage(*before)
	}
	if after != nil {
		e.After = json.RawMessage(*after)
	}
	return e, err
}

// History returns the newest entries about one object, newest first.
func History(ctx context.Context, tx *postgres.Tx, objectType, objectID string, limit int) ([]Entry, error) {
	rows, err := tx.Query(ctx, `SELECT `+entryColumns+` FROM audit_events
		WHERE object_type = $1 AND object_id = $2 ORDER BY seq DESC LIMIT $3`, objectType, objectID, limit)
	if err != nil {
		return nil, fmt.Errorf("auditlog: history of %s %s: %w", objectType, objectID, err)
	}
	return collect(rows, tx.TenantID)
}

func collect(rows pgx.Rows, tenantID uuid.UUID) ([]Entry, error) {
	defer rows.Close()
	var out []Entry
	for rows.Next() {
		e, err := scanEntry(rows, tenantID)
		if err != nil {
			return nil, fmt.Errorf("auditlog: scan: %w", err)
		}
		out = append(out, e)
	}
	return out, rows.Err()
}
