package postgres

import (
	"context"
	"fmt"
)

// LeakproofSearchStatement is the statement a superuser runs, once in the application's
// database, so that register search uses its trigram indexes under row-level security.
// Migration 000011 runs it when it is applied by a superuser; docs/security.md explains why
// it is safe.
const LeakproofSearchStatement = "ALTER FUNCTION pg_catalog.textlike(text, text) LEAKPROOF"

// SearchIndexable reports whether register search can use its trigram indexes: whether LIKE
// (textlike) is LEAKPROOF in this database. PostgreSQL uses a condition in an index scan
// below a row-level security policy only when its functions are leakproof; without it, a
// search reads every row of the tenant (and finds the same rows, more slowly). The flag lives
// in the database's own catalog, which pg_dump and pg_upgrade do not carry: after a restore
// into a new cluster or a major upgrade the statement must be run again.
func SearchIndexable(ctx context.Context, db *DB) (bool, error) {
	var leakproof bool
	err := db.Pool.QueryRow(ctx, `SELECT proleakproof FROM pg_proc
		WHERE oid = 'pg_catalog.textlike(text, text)'::regprocedure`).Scan(&leakproof)
	if err != nil {
		return false, fmt.Errorf("postgres: read whether LIKE is leakproof: %w", err)
	}
	return leakproof, nil
}
