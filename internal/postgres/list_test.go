package postgres_test

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/openaims/openaims/internal/orgcontext"
	"github.com/openaims/openaims/internal/postgres"
	"github.com/openaims/openaims/internal/postgres/pgtest"
)

func TestListKeysetPagination(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tn := pgtest.NewTenancy(t)
	other := seedTenant(t, pgtest.AddTenancy(t, tn.DB), 2) // must never show up

	// 120 issues in two transactions (two updated_at values, so the default sort has ties
	// broken by id). Each title appears twice in different case, so sorting by lower(title)
	// has ties too.
	words := []string{"Delta", "alpha", "GAMMA", "Omega", "sigma", "Kappa"}
	var issues []orgcontext.Issue
	for batch := range 2 {
		tn.Tx(t, func(tx *postgres.Tx) error {
			tx.Now = tx.Now.Add(time.Duration(batch) * time.Second)
			for i := batch * 60; i < batch*60+60; i++ {
				n := i % 60
				title := fmt.Sprintf("%s %02d", words[n%len(words)], n)
				if i >= 60 {
					title = strings.ToUpper(title)
				}
				is, err := orgcontext.CreateIssue(ctx, tx, orgcontext.Issue{Title: title, Origin: "internal", Category: "technology", Status: "open"})
				if err != nil {
					return err
				}
				issues = append(issues, is)
			}
			return nil
		})
	}
	require.Len(t, issues, 120)

	byTitle := func(a, b orgcontext.Issue) int {
		return cmp.Or(strings.Compare(strings.ToLower(a.Title), strings.ToLower(b.Title)), strings.Compare(a.ID.String(), b.ID.String()))
	}
	byUpdated := func(a, b orgcontext.Issue) int {
		return cmp.Or(a.UpdatedAt.Compare(b.UpdatedAt), strings.Compare(a.ID.String(), b.ID.String()))
	}
	byRef := func(a, b orgcontext.Issue) int { return cmp.Compare(a.Ref, b.Ref) }
	reversed := func(f func(a, b orgcontext.Issue) int) func(a, b orgcontext.Issue) int {
		return func(a, b orgcontext.Issue) int { return f(b, a) }
	}
	cases := []struct {
		name   string
		filter postgres.Filter
		order  func(a, b orgcontext.Issue) int
	}{
		{"default is newest change first", postgres.Filter{}, reversed(byUpdated)},
		{"unknown sort falls back to default", postgres.Filter{Sort: "title; DROP TABLE users"}, reversed(byUpdated)},
		{"title ascending", postgres.Filter{Sort: "title"}, byTitle},
		{"title descending", postgres.Filter{Sort: "title", Desc: true}, reversed(byTitle)},
		{"ref ascending", postgres.Filter{Sort: "ref"}, byRef},
		{"updated ascending", postgres.Filter{Sort: "updated"}, byUpdated},
	}
	const pageSize = 25
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			want := slices.Clone(issues)
			slices.SortFunc(want, c.order)
			page := func(f postgres.Filter) postgres.Page[orgcontext.Issue] {
				var p postgres.Page[orgcontext.Issue]
				tn.Tx(t, func(tx *postgres.Tx) error {
					var err error
					p, err = orgcontext.ListIssues(ctx, tx, f)
					return err
				})
				require.Equal(t, 120, p.Total, "total counts every matching row, not the page")
				for _, is := range p.Items {
					require.NotContains(t, other.IssueIDs, is.ID)
				}
				return p
			}

			// Forward to the end.
			f := c.filter
			f.Limit = pageSize
			var forward []postgres.Page[orgcontext.Issue]
			p := page(f)
			require.Empty(t, p.PrevCursor, "the first page has no previous page")
			for {
				forward = append(forward, p)
				if p.NextCursor == "" {
					break
				}
				require.Less(t, len(forward), 10, "runaway paging")
				f.After, f.Before = p.NextCursor, ""
				p = page(f)
				require.NotEmpty(t, p.PrevCursor, "a later page has a previous page")
			}
			require.Len(t, forward, 5)
			var seen []uuid.UUID
			for i, fp := range forward {
				if i < 4 {
					require.Len(t, fp.Items, pageSize)
				}
				for _, is := range fp.Items {
					seen = append(seen, is.ID)
				}
			}
			wantIDs := make([]uuid.UUID, len(want))
			for i, is := range want {
				wantIDs[i] = is.ID
			}
			require.Equal(t, wantIDs, seen, "every issue exactly once, in order")

			// Back to the start: the same pages in reverse.
			for i := len(forward) - 2; i >= 0; i-- {
				f.After, f.Before = "", p.PrevCursor
				p = page(f)
				require.Equal(t, ids(forward[i].Items), ids(p.Items), "page %d walking back", i)
				require.Equal(t, forward[i].NextCursor, p.NextCursor, "page %d walking back leads forward again", i)
			}
			require.Empty(t, p.PrevCursor, "walking back ends on the first page")
		})
	}
}

func ids(items []orgcontext.Issue) []uuid.UUID {
	out := make([]uuid.UUID, len(items))
	for i, is := range items {
		out[i] = is.ID
	}
	return out
}

func TestListSearchFilterSortAndArchive(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tn := pgtest.NewTenancy(t)
	seed := []orgcontext.Issue{
		{Title: "Data protection law", Origin: "external", Category: "legal_regulatory", Status: "open", Description: "GDPR and the AI Act"},
		{Title: "Model drift", Origin: "internal", Category: "technology", Status: "monitored", Effect: "Accuracy drops"},
		{Title: "100% uptime expected", Origin: "external", Category: "market_competition", Status: "open"},
		{Title: "Board_oversight", Origin: "internal", Category: "governance_culture", Status: "addressed"},
		{Title: "Supplier lock-in", Origin: "external", Category: "technology", Status: "open"},
	}
	tn.Tx(t, func(tx *postgres.Tx) error {
		for _, in := range seed {
			is, err := orgcontext.CreateIssue(ctx, tx, in)
			if err != nil {
				return err
			}
			if is.Title == "Supplier lock-in" {
				if _, err := orgcontext.SetIssueArchived(ctx, tx, is.ID, true); err != nil {
					return err
				}
			}
		}
		return nil
	})
	list := func(t *testing.T, f postgres.Filter) ([]string, int) {
		t.Helper()
		var p postgres.Page[orgcontext.Issue]
		tn.Tx(t, func(tx *postgres.Tx) error {
			var err error
			p, err = orgcontext.ListIssues(ctx, tx, f)
			return err
		})
		var titles []string
		for _, is := range p.Items {
			titles = append(titles, is.Title)
		}
		return titles, p.Total
	}
	byTitle := func(f postgres.Filter) postgres.Filter { f.Sort = "title"; return f }
	cases := []struct {
		name   string
		filter postgres.Filter
		want   []string
	}{
		{"archived hidden by default", byTitle(postgres.Filter{}),
			[]string{"100% uptime expected", "Board_oversight", "Data protection law", "Model drift"}},
		{"title descending", postgres.Filter{Sort: "title", Desc: true},
			[]string{"Model drift", "Data protection law", "Board_oversight", "100% uptime expected"}},
		{"search title", byTitle(postgres.Filter{Search: "protection"}), []string{"Data protection law"}},
		{"search is case-insensitive and reads the description", byTitle(postgres.Filter{Search: "gdpr"}), []string{"Data protection law"}},
		{"search reads the effect", byTitle(postgres.Filter{Search: "DROPS"}), []string{"Model drift"}},
		{"percent is literal", byTitle(postgres.Filter{Search: "%"}), []string{"100% uptime expected"}},
		{"underscore is literal", byTitle(postgres.Filter{Search: "_"}), []string{"Board_oversight"}},
		{"no match", byTitle(postgres.Filter{Search: "quantum"}), nil},
		{"filter origin", byTitle(postgres.Filter{Fields: map[string]string{"origin": "internal"}}), []string{"Board_oversight", "Model drift"}},
		{"filter category skips archived", byTitle(postgres.Filter{Fields: map[string]string{"category": "technology"}}), []string{"Model drift"}},
		{"filter status", byTitle(postgres.Filter{Fields: map[string]string{"status": "open"}}), []string{"100% uptime expected", "Data protection law"}},
		{"filters combine", byTitle(postgres.Filter{Fields: map[string]string{"origin": "external", "status": "open"}, Search: "law"}), []string{"Data protection law"}},
		{"empty filter value means any", byTitle(postgres.Filter{Fields: map[string]string{"origin": ""}}),
			[]string{"100% uptime expected", "Board_oversight", "Data protection law", "Model drift"}},
		{"unknown filter field ignored", byTitle(postgres.Filter{Fields: map[string]string{"tenant_id": "x' OR true --"}}),
			[]string{"100% uptime expected", "Board_oversight", "Data protection law", "Model drift"}},
		{"status archived lists archived only", byTitle(postgres.Filter{Fields: map[string]string{"status": "archived"}}), []string{"Supplier lock-in"}},
		{"archived with search", byTitle(postgres.Filter{Fields: map[string]string{"status": "archived"}, Search: "lock"}), []string{"Supplier lock-in"}},
		{"archived with other filter", byTitle(postgres.Filter{Fields: map[string]string{"status": "archived", "origin": "internal"}}), nil},
		{"garbage cursor is ignored", byTitle(postgres.Filter{After: "not-a-cursor", Limit: 2}), []string{"100% uptime expected", "Board_oversight"}},
	}
	// The group returns only when its parallel cases are done, before the restore below.
	t.Run("cases", func(t *testing.T) {
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				t.Parallel()
				got, total := list(t, c.filter)
				require.Equal(t, c.want, got)
				if c.filter.Limit == 0 {
					require.Equal(t, len(c.want), total)
				}
			})
		}
	})

	t.Run("restore brings it back", func(t *testing.T) {
		tn.Tx(t, func(tx *postgres.Tx) error {
			p, err := orgcontext.ListIssues(ctx, tx, postgres.Filter{Fields: map[string]string{"status": "archived"}})
			if err != nil {
				return err
			}
			require.Len(t, p.Items, 1)
			_, err = orgcontext.SetIssueArchived(ctx, tx, p.Items[0].ID, false)
			return err
		})
		got, _ := list(t, byTitle(postgres.Filter{Fields: map[string]string{"category": "technology"}}))
		require.Equal(t, []string{"Model drift", "Supplier lock-in"}, got)
	})

	t.Run("export streams the same rows", func(t *testing.T) {
		var got []string
		tn.Tx(t, func(tx *postgres.Tx) error {
			return orgcontext.EachIssue(ctx, tx, postgres.Filter{Sort: "title", Search: "o"}, func(is orgcontext.Issue) error {
				got = append(got, is.Title)
				return nil
			})
		})
		want, _ := list(t, postgres.Filter{Sort: "title", Search: "o", Limit: postgres.MaxPageSize})
		require.Equal(t, want, got)
		require.NotEmpty(t, got)
	})
}

func TestEscapeLike(t *testing.T) {
	t.Parallel()
	cases := map[string]string{
		"risk":   "%risk%",
		"100%":   `%100\%%`,
		"a_b":    `%a\_b%`,
		`back\s`: `%back\\s%`,
		"":       "%%",
	}
	for in, want := range cases {
		require.Equal(t, want, postgres.EscapeLike(in), "EscapeLike(%q)", in)
	}
}

// roundTrips counts statements and batches sent to the server: each is one round trip.
type roundTrips struct{ n atomic.Int64 }

// countingDB opens a pool on a new database whose round trips are counted.
func countingDB(t *testing.T) (*postgres.DB, *roundTrips) {
	t.Helper()
	counter := &roundTrips{}
	db, err := postgres.Open(context.Background(), pgtest.NewDatabase(t), 2, counter)
	require.NoError(t, err)
	t.Cleanup(db.Close)
	return db, counter
}

func (r *roundTrips) TraceQueryStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceQueryStartData) context.Context {
	r.n.Add(1)
	return ctx
}
func (r *roundTrips) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}
func (r *roundTrips) TraceBatchStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceBatchStartData) context.Context {
	r.n.Add(1)
	return ctx
}
func (r *roundTrips) TraceBatchQuery(context.Context, *pgx.Conn, pgx.TraceBatchQueryData) {}
func (r *roundTrips) TraceBatchEnd(context.Context, *pgx.Conn, pgx.TraceBatchEndData)     {}

func TestListPageIsOneRoundTrip(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, counter := countingDB(t)
	tn := pgtest.AddTenancy(t, db)
	tn.Tx(t, func(tx *postgres.Tx) error {
		for i := range 30 {
			if _, err := orgcontext.CreateIssue(ctx, tx, orgcontext.Issue{Title: fmt.Sprintf("Issue %d", i), Origin: "internal",
				Category: "technology", Status: "open", OwnerID: tn.AdminID.String()}); err != nil {
				return err
			}
		}
		return nil
	})
	for _, f := range []postgres.Filter{
		{Limit: 5},
		{Limit: 100, Sort: "title", Search: "issue", Fields: map[string]string{"origin": "internal", "owner": tn.AdminID.String()}},
	} {
		tn.Tx(t, func(tx *postgres.Tx) error {
			before := counter.n.Load()
			p, err := orgcontext.ListIssues(ctx, tx, f)
			require.NotEmpty(t, p.Items)
			require.Equal(t, 30, p.Total)
			require.Equal(t, int64(1), counter.n.Load()-before, "a page and its count travel in one round trip, whatever its size")
			return err
		})
	}
}
