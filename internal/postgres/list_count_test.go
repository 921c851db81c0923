package postgres_test

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/openaims/openaims/internal/postgres"
	"github.com/openaims/openaims/internal/postgres/pgtest"
)

// insertIssues adds n context issues to tn's tenant in one statement, half of them in
// category "technology" and half in "legal_regulatory". Set-up, not a change under test:
// no audit entries.
func insertIssues(t *testing.T, tn pgtest.Tenancy, n int) {
	t.Helper()
	tn.Tx(t, func(tx *postgres.Tx) error {
		_, err := tx.Exec(context.Background(), `INSERT INTO context_issues (tenant_id, ref, title, origin, category, status,
				created_by, created_at, updated_by, updated_at)
			SELECT $1, g, 'Issue ' || g, 'internal', CASE WHEN g % 2 = 0 THEN 'technology' ELSE 'legal_regulatory' END,
				'open', $2, $3, $2, $3
			FROM generate_series(1, $4) g`, tx.TenantID, tn.AdminID, tx.Now, n)
		return err
	})
}

// issueTitles is a list of context issue titles: the display joins are in From, the count
// runs over the table alone.
func issueTitles(where []string, args pgx.NamedArgs, countCap int) postgres.ListQuery {
	return postgres.ListQuery{
		From:      "context_issues c JOIN users cb ON cb.id = c.created_by",
		CountFrom: "context_issues c",
		Columns:   "c.title || ' by ' || cb.display_name",
		IDExpr:    "c.id",
		Where:     append([]string{"c.archived_at IS NULL"}, where...),
		Args:      args,
		Sort:      postgres.SortKey{Expr: "c.ref", Type: "integer"},
		Limit:     10,
		CountCap:  countCap,
	}
}

func TestListTotalIsCappedThenEstimated(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, counter := countingDB(t)
	tn := pgtest.AddTenancy(t, db)
	insertIssues(t, tn, 200)
	insertIssues(t, pgtest.AddTenancy(t, db), 40) // another tenant's rows are neither counted nor estimated
	// The estimate comes from the statistics, as autovacuum would gather them.
	_, err := db.Pool.Exec(ctx, `ANALYZE context_issues`)
	require.NoError(t, err)

	list := func(q postgres.ListQuery) postgres.Page[string] {
		t.Helper()
		var p postgres.Page[string]
		tn.Tx(t, func(tx *postgres.Tx) error {
			before := counter.n.Load()
			var err error
			p, err = postgres.List(ctx, tx, q, func(s *string) []any { return []any{s} })
			require.Equal(t, int64(1), counter.n.Load()-before, "the page, its count and the estimate travel in one round trip")
			return err
		})
		require.Len(t, p.Items, 10, "the page is the same whatever the total")
		return p
	}

	cases := []struct {
		name      string
		query     postgres.ListQuery
		want      int
		estimated bool
	}{
		{"under the cap: exact", issueTitles(nil, nil, 500), 200, false},
		{"the default cap is far above", issueTitles(nil, nil, 0), 200, false},
		{"exactly at the cap: exact", issueTitles(nil, nil, 200), 200, false},
		{"filtered under the cap: exact", issueTitles([]string{"c.category = @category"}, pgx.NamedArgs{"category": "technology"}, 100), 100, false},
		{"over the cap: the planner's estimate", issueTitles(nil, nil, 50), 200, true},
		{"filtered over the cap: the estimate of the filter", issueTitles([]string{"c.category = @category"}, pgx.NamedArgs{"category": "technology"}, 50), 100, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := list(c.query)
			require.Equal(t, c.estimated, p.TotalEstimated)
			if !c.estimated {
				require.Equal(t, c.want, p.Total)
				return
			}
			countCap := c.query.CountCap
			require.Greater(t, p.Total, countCap, "an estimate is never below the rows known to exist")
			require.InDelta(t, c.want, p.Total, float64(c.want)/5, "the estimate is near the tenant's matching rows")
		})
	}

	t.Run("an estimate below the cap reports the cap", func(t *testing.T) {
		// Statistics gathered when the tenant had no rows estimate next to none.
		tn2 := pgtest.AddTenancy(t, db)
		insertIssues(t, tn2, 120)
		var p postgres.Page[string]
		tn2.Tx(t, func(tx *postgres.Tx) error {
			var err error
			p, err = postgres.List(ctx, tx, issueTitles(nil, nil, 60), func(s *string) []any { return []any{s} })
			return err
		})
		require.True(t, p.TotalEstimated)
		require.GreaterOrEqual(t, p.Total, 61)
	})
}

func TestListCountAfterPageCountsOnlyWhenThePageDoesNotSayTheTotal(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, counter := countingDB(t)
	tn := pgtest.AddTenancy(t, db)
	insertIssues(t, tn, 45)

	list := func(category string, after string) (postgres.Page[string], int64) {
		t.Helper()
		q := issueTitles([]string{"c.category = @category"}, pgx.NamedArgs{"category": category}, 15)
		q.CountAfterPage, q.After = true, after
		var p postgres.Page[string]
		var trips int64
		tn.Tx(t, func(tx *postgres.Tx) error {
			before := counter.n.Load()
			var err error
			p, err = postgres.List(ctx, tx, q, func(s *string) []any { return []any{s} })
			trips = counter.n.Load() - before
			return err
		})
		return p, trips
	}

	// A first page with room to spare holds every match: no count.
	p, trips := list("no such category", "")
	require.Empty(t, p.Items)
	require.Equal(t, 0, p.Total)
	require.Equal(t, int64(1), trips, "an empty first page is its own total")

	// A full first page: counted (22 matches, over the cap of 15: estimated, never below it).
	p, trips = list("technology", "")
	require.Len(t, p.Items, 10)
	require.Equal(t, int64(2), trips, "the count follows the page")
	require.True(t, p.TotalEstimated)
	require.Greater(t, p.Total, 15)

	// A later page with room to spare does not hold the earlier pages: counted.
	p2, trips := list("technology", p.NextCursor)
	require.Len(t, p2.Items, 10)
	p3, trips := list("technology", p2.NextCursor)
	require.Len(t, p3.Items, 2)
	require.Equal(t, int64(2), trips)
	require.Greater(t, p3.Total, 15, "a short last page is not the total")
}

func TestUnfilteredListTakesItsExactTotalFromRegisterCounts(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, counter := countingDB(t)
	tn := pgtest.AddTenancy(t, db)
	insertIssues(t, tn, 1_200)
	insertIssues(t, pgtest.AddTenancy(t, db), 30) // another tenant's records are not in the total
	tn.Tx(t, func(tx *postgres.Tx) error {
		_, err := tx.Exec(ctx, `UPDATE context_issues SET archived_at = now() WHERE ref <= 7`)
		return err
	})
	spec := postgres.ListSpec{Table: "context_issues", From: "context_issues c", Columns: "c.title", IDExpr: "c.id",
		ArchivedExpr: "c.archived_at", Sorts: map[string]postgres.SortKey{"ref": {Expr: "c.ref", Type: "integer"}},
		DefaultSort: "ref", Filterable: map[string]string{"category": "c.category"}}
	list := func(f postgres.Filter) (postgres.Page[string], int64) {
		t.Helper()
		var p postgres.Page[string]
		var trips int64
		tn.Tx(t, func(tx *postgres.Tx) error {
			before := counter.n.Load()
			var err error
			p, err = postgres.List(ctx, tx, spec.Query(f), func(s *string) []any { return []any{s} })
			trips = counter.n.Load() - before
			return err
		})
		return p, trips
	}

	p, trips := list(postgres.Filter{Fields: map[string]string{"category": ""}})
	require.Equal(t, int64(1), trips)
	require.False(t, p.TotalEstimated, "past the count cap, the whole register's total is exact")
	require.Equal(t, 1_193, p.Total)
	p, _ = list(postgres.Filter{Fields: map[string]string{"status": postgres.ShowArchived}})
	require.Equal(t, 7, p.Total)
	require.False(t, p.TotalEstimated)

	// A filter is counted as before (under the cap here: exact).
	p, trips = list(postgres.Filter{Fields: map[string]string{"category": "technology"}})
	require.Equal(t, 597, p.Total)
	require.Equal(t, int64(1), trips)
}
