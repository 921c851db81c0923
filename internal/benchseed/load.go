package benchseed

import (
	"context"
	"fmt"
	"iter"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/openaims/openaims/internal/postgres"
)

// copyThreshold is the number of rows from which a table is loaded with COPY rather than
// with INSERT statements queued in the transaction's batch.
const copyThreshold = 500

// loader writes the rows of many tables in one tenant transaction. A table with few rows is
// queued as INSERT statements in one batch (a small tenant's whole workspace travels in a
// round trip or two). A table with many rows is streamed with COPY into a temporary table
// and inserted from it with INSERT … SELECT: COPY FROM is refused on a table under
// row-level security for a role subject to it, while INSERT keeps the policy's WITH CHECK,
// so a row of another tenant still cannot get in.
type loader struct {
	tx     *postgres.Tx
	batch  *pgx.Batch
	counts map[string]int64
	logf   func(string, ...any) // reports each table loaded by COPY, if set
}

func newLoader(tx *postgres.Tx) *loader {
	return &loader{tx: tx, batch: &pgx.Batch{}, counts: map[string]int64{}}
}

// insert writes every row of rows into table, whose columns are cols in that order.
func (l *loader) insert(ctx context.Context, table string, cols []string, rows iter.Seq[[]any]) error {
	next, stop := iter.Pull(rows)
	defer stop()
	var head [][]any
	for len(head) < copyThreshold {
		row, ok := next()
		if !ok {
			break
		}
		head = append(head, row)
	}
	l.counts[table] += int64(len(head))
	if len(head) < copyThreshold {
		stmt := insertStatement(table, cols)
		for _, row := range head {
			l.batch.Queue(stmt, row...)
		}
		return nil
	}
	// Rows queued before must land first: later tables refer to them.
	if err := l.flush(ctx); err != nil {
		return err
	}
	start := time.Now()
	temp := "bench_" + table
	list := strings.Join(cols, ", ")
	if _, err := l.tx.Exec(ctx, fmt.Sprintf(`CREATE TEMPORARY TABLE %s ON COMMIT DROP AS SELECT %s FROM %s WITH NO DATA`,
		temp, list, table)); err != nil {
		return fmt.Errorf("benchseed: temporary table for %s: %w", table, err)
	}
	i := 0
	src := pgx.CopyFromFunc(func() ([]any, error) {
		if i < len(head) {
			i++
			return head[i-1], nil
		}
		row, ok := next()
		if !ok {
			return nil, nil
		}
		l.counts[table]++
		return row, nil
	})
	if _, err := l.tx.CopyFrom(ctx, pgx.Identifier{temp}, cols, src); err != nil {
		return fmt.Errorf("benchseed: copy %s: %w", table, err)
	}
	if _, err := l.tx.Exec(ctx, fmt.Sprintf(`INSERT INTO %s (%s) SELECT %s FROM %s; DROP TABLE %s`,
		table, list, list, temp, temp)); err != nil {
		return fmt.Errorf("benchseed: insert %s: %w", table, postgres.MapError(err))
	}
	if l.logf != nil {
		l.logf("  %-26s %9d rows %6.1fs", table, l.counts[table], time.Since(start).Seconds())
	}
	return nil
}

// queue adds a statement to the batch, for the few updates the seed makes.
func (l *loader) queue(sql string, args ...any) { l.batch.Queue(sql, args...) }

// flush sends the queued statements.
func (l *loader) flush(ctx context.Context) error {
	if l.batch.Len() == 0 {
		return nil
	}
	b := l.batch
	l.batch = &pgx.Batch{}
	if err := l.tx.SendBatch(ctx, b).Close(); err != nil {
		return fmt.Errorf("benchseed: batch: %w", err)
	}
	return nil
}

func insertStatement(table string, cols []string) string {
	params := make([]string, len(cols))
	for i := range cols {
		params[i] = "$" + strconv.Itoa(i+1)
	}
	return fmt.Sprintf("INSERT INTO %s (%s) VALUES (%s)", table, strings.Join(cols, ", "), strings.Join(params, ", "))
}
