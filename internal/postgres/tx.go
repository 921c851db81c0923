package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
)

// Actor is who a transaction acts for: a signed-in user, or the system (zero UserID) for
// the CLI and background work.
type Actor struct {
	UserID    uuid.UUID
	Label     string // e-mail address, or "system"
	RequestID string
}

// SystemActor is the actor of CLI commands and seeding.
func SystemActor(label string) Actor { return Actor{Label: label} }

// Tx is a tenant transaction: pgx.Tx plus the tenant, the actor and the one "now" every
// write in the transaction uses.
type Tx struct {
	pgx.Tx
	TenantID uuid.UUID
	Actor    Actor
	Now      time.Time
}

// InTenantTx runs fn in a transaction as role aims_app with app.tenant_id set for this
// transaction only, so row-level security confines every statement to tenantID. It commits
// when fn returns nil and rolls back otherwise. This is the only way tenant data is touched.
func (db *DB) InTenantTx(ctx context.Context, tenantID uuid.UUID, actor Actor, fn func(*Tx) error) error {
	return db.inTenantTx(ctx, tenantID, actor, false, fn)
}

// InTenantWriteTx is InTenantTx for a transaction that changes the tenant's records: its
// begin also takes the tenant's audit-chain lock (audit_chain_lock, migration 000014), which
// every change ends by taking to write its audit entry and which the register counts'
// triggers take after each change. Taken first, before any row lock, it makes a tenant's
// writers run one after the other from the start; taken in the middle, it deadlocked a
// writer holding a record's row lock with one holding the chain's lock and waiting for that
// row (a foreign-key check on it).
func (db *DB) InTenantWriteTx(ctx context.Context, tenantID uuid.UUID, actor Actor, fn func(*Tx) error) error {
	return db.inTenantTx(ctx, tenantID, actor, true, fn)
}

func (db *DB) inTenantTx(ctx context.Context, tenantID uuid.UUID, actor Actor, write bool, fn func(*Tx) error) error {
	if tenantID == uuid.Nil {
		return errors.New("postgres: tenant transaction without a tenant")
	}
	// One round trip: begin, drop privileges, pin the tenant (and, to write, lock the
	// chain). The settings are transaction-local, so nothing leaks to the next user of the
	// pooled connection. The id is a parsed UUID, so formatting it into the statement cannot
	// inject SQL.
	begin := fmt.Sprintf("BEGIN; SET LOCAL ROLE aims_app; SELECT set_config('app.tenant_id', '%s', true)", tenantID)
	if write {
		begin += fmt.Sprintf("; SELECT audit_chain_lock(ARRAY['%s'::uuid])", tenantID)
	}
	ptx, err := db.Pool.BeginTx(ctx, pgx.TxOptions{BeginQuery: begin})
	if err != nil {
		return fmt.Errorf("postgres: begin tenant transaction: %w", err)
	}
	tx := &Tx{Tx: ptx, TenantID: tenantID, Actor: actor, Now: time.Now().UTC().Truncate(time.Microsecond)}
	if err := fn(tx); err != nil {
		_ = ptx.Rollback(context.WithoutCancel(ctx))
		return err
	}
	if err := ptx.Commit(ctx); err != nil {
		return fmt.Errorf("postgres: commit: %w", MapError(err))
	}
	return nil
}
