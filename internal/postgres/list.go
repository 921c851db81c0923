package postgres

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
)

// Page sizes of register lists.
const (
	DefaultPageSize = 50
	MaxPageSize     = 100
)

// SortKey is a column a list can be ordered by: a non-null SQL expression and the SQL type
// its cursor value is cast back to.
type SortKey struct {
	Expr string // e.g. "lower(c.title)"
	Type string // e.g. "text", "integer", "timestamptz"
}

// DefaultCountCap is how many matching rows a list counts exactly. Above it the total is
// the planner's estimate, so the cost of a page does not grow with the register. Counting
// reads every counted row: on a 100,000-risk tenant a cap of 10,000 cost 5–30 ms a page
// (filter dependent) against 0.5–2 ms for 1,000, and the estimate of an equality filter
// is within a few per cent.
const DefaultCountCap = 1_000

// SearchCountCap is how many matches of a search are counted exactly. A match costs what
// LIKE costs on the row's search text, several times an index entry: counting 1,000
// matches of a common word read about 3,700 risks (18 ms); 200 read 740.
const SearchCountCap = 200

// ListQuery describes one page of a register list. Filters use pgx named arguments
// (@name); the keyset condition is added here, so deep pages cost what the first does.
type ListQuery struct {
	From    string        // FROM clause, with joins
	Columns string        // select list, in the order Scan's pointers follow
	IDExpr  string        // unique tie-breaker, e.g. "c.id"
	Where   []string      // AND-ed conditions
	Args    pgx.NamedArgs // values of the conditions
	Sort    SortKey       // chosen sort
	Desc    bool          // descending order
	After   string        // cursor: rows after this one
	Before  string        // cursor: rows before this one (the previous page)
	Limit   int           // page size; 0 for all rows (CSV export)
	// CountFrom is the FROM clause the total is counted over: the base table and only the
	// joins a condition needs ("" means From). Joins that only fetch display columns would
	// otherwise run for every counted row.
	CountFrom string
	// CountCap is how many rows are counted exactly (0 means DefaultCountCap).
	CountCap int
	// CustomPlan plans the query for its values on every run instead of letting PostgreSQL
	// switch to a generic plan after five runs of a cached statement. A search needs it: the
	// best plan for "ai" (walk the sort index) and for a pasted title (the trigram index) are
	// opposite, and a generic plan made for one took 277–363 ms on the other at 100,000 rows.
	CustomPlan bool
	// CountAfterPage reads the page first and counts only when the page does not say the
	// total itself: a first page with room to spare holds every match. A search usually
	// matches less than a page (a pasted title), and its count would read the trigram index
	// a second time (10–80 ms for a title of 50 trigrams).
	CountAfterPage bool
	// TotalOf, when set, is where the exact total is read instead of counting: the list is
	// the whole register's live or archived records.
	TotalOf RegisterTotal
}

// Narrow adds conditions to the list's query beyond its spec's filters. The list is then no
// longer a whole register, so its total is counted rather than read from register_counts.
func (q *ListQuery) Narrow(conds ...string) {
	q.Where = append(q.Where, conds...)
	q.TotalOf = RegisterTotal{}
}

// RegisterTotal names a register's live or archived records in register_counts.
type RegisterTotal struct {
	Table    string
	Archived bool
}

func (t RegisterTotal) queue(batch *pgx.Batch) {
	column := "live"
	if t.Archived {
		column = "archived"
	}
	batch.Queue(`SELECT coalesce((SELECT `+column+` FROM register_counts WHERE register = $1), 0)`, t.Table)
}

// customPlan is the statement that makes the rest of the transaction plan every query for
// its values (ListQuery.CustomPlan).
const customPlan = "SELECT set_config('plan_cache_mode', 'force_custom_plan', true)"

// Page is one page of a list with the cursors of its neighbours ("" when there is none).
// Total is exact up to the query's count cap; above it, it is the planner's estimate (never
// less than the cap) and TotalEstimated is set.
type Page[T any] struct {
	Items          []T
	Total          int
	TotalEstimated bool
	NextCursor     string
	PrevCursor     string
}

type cursor struct {
	Key string `json:"k"`
	ID  string `json:"i"`
}

func encodeCursor(key, id string) string {
	b, _ := json.Marshal(cursor{key, id})
	return base64.RawURLEncoding.EncodeToString(b)
}

func decodeCursor(s string) (cursor, bool) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	var c cursor
	if err != nil || json.Unmarshal(b, &c) != nil || c.ID == "" {
		return cursor{}, false
	}
	return c, true
}

// EscapeLike quotes the LIKE wildcards in s and wraps it for a contains-search. Its result
// never ends in an escape character, the one way LIKE's errors depend on the rows it reads:
// LIKE is marked LEAKPROOF on that ground (docs/security.md), so build every LIKE pattern
// from user input with it.
func EscapeLike(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return "%" + r.Replace(s) + "%"
}

func (q ListQuery) where(extra ...string) string {
	conds := append(append([]string{}, q.Where...), extra...)
	if len(conds) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(conds, " AND ")
}

// List returns one page of q and its total in a single round trip. scan returns pointers
// into *T in the order of q.Columns. The total is counted up to q's count cap and estimated
// by the planner above it (see Page), so a page costs the same at any register size.
func List[T any](ctx context.Context, tx *Tx, q ListQuery, scan func(*T) []any) (Page[T], error) {
	if q.Limit <= 0 || q.Limit > MaxPageSize {
		q.Limit = DefaultPageSize
	}
	args := pgx.NamedArgs{}
	for k, v := range q.Args {
		args[k] = v
	}
	// Going backwards, the page is read in reverse order and flipped afterwards.
	backwards := false
	desc := q.Desc
	var keyset []string
	if c, ok := decodeCursor(q.After); ok && q.Before == "" {
		keyset = append(keyset, keysetCond(q, desc))
		args["_k"], args["_id"] = c.Key, c.ID
	} else if c, ok := decodeCursor(q.Before); ok {
		backwards = true
		desc = !desc
		keyset = append(keyset, keysetCond(q, desc))
		args["_k"], args["_id"] = c.Key, c.ID
	}
	dir := "ASC"
	if desc {
		dir = "DESC"
	}
	sql := fmt.Sprintf("SELECT %s, (%s)::text, (%s)::text FROM %s%s ORDER BY %s %s, %s %s LIMIT %d",
		q.Columns, q.Sort.Expr, q.IDExpr, q.From, q.where(keyset...), q.Sort.Expr, dir, q.IDExpr, dir, q.Limit+1)

	c := newCounter(q)
	// Unless the count waits for the page, the page and the count travel together.
	batch := &pgx.Batch{}
	if q.CustomPlan {
		batch.Queue(customPlan)
	}
	batch.Queue(sql, args)
	switch {
	case q.TotalOf.Table != "":
		q.TotalOf.queue(batch)
	case !q.CountAfterPage:
		c.queue(batch)
	}
	var p Page[T]
	got, err := func() ([]keyed[T], error) {
		res := tx.SendBatch(ctx, batch)
		defer res.Close()
		if q.CustomPlan {
			if _, err := res.Exec(); err != nil {
				return nil, fmt.Errorf("postgres: list: %w", err)
			}
		}
		got, err := readPage(res, scan)
		switch {
		case err != nil || q.CountAfterPage:
		case q.TotalOf.Table != "":
			if err = res.QueryRow().Scan(&p.Total); err != nil {
				err = fmt.Errorf("postgres: list total: %w", err)
			}
		default:
			p.Total, p.TotalEstimated, err = c.read(res)
		}
		return got, err
	}()
	if err != nil {
		return Page[T]{}, err
	}
	if q.CountAfterPage {
		if firstPage := q.After == "" && q.Before == ""; firstPage && len(got) <= q.Limit {
			p.Total = len(got)
		} else {
			batch := &pgx.Batch{}
			c.queue(batch)
			res := tx.SendBatch(ctx, batch)
			var err error
			p.Total, p.TotalEstimated, err = c.read(res)
			if err := errors.Join(err, res.Close()); err != nil {
				return Page[T]{}, err
			}
		}
	}
	more := len(got) > q.Limit
	if more {
		got = got[:q.Limit]
	}
	if backwards {
		for i, j := 0, len(got)-1; i < j; i, j = i+1, j-1 {
			got[i], got[j] = got[j], got[i]
		}
	}
	for _, k := range got {
		p.Items = append(p.Items, k.item)
	}
	if len(got) > 0 {
		first, last := got[0], got[len(got)-1]
		hasPrev := (!backwards && (q.After != "" || q.Before != "")) || (backwards && more)
		hasNext := (!backwards && more) || backwards
		if hasPrev {
			p.PrevCursor = encodeCursor(first.key, first.id)
		}
		if hasNext {
			p.NextCursor = encodeCursor(last.key, last.id)
		}
	}
	return p, nil
}

// keyed is a row of a page with its cursor values.
type keyed[T any] struct {
	item    T
	key, id string
}

// readPage reads the page's rows from the batch.
func readPage[T any](res pgx.BatchResults, scan func(*T) []any) ([]keyed[T], error) {
	rows, err := res.Query()
	if err != nil {
		return nil, fmt.Errorf("postgres: list: %w", err)
	}
	defer rows.Close()
	var got []keyed[T]
	for rows.Next() {
		var k keyed[T]
		if err := rows.Scan(append(scan(&k.item), &k.key, &k.id)...); err != nil {
			return nil, fmt.Errorf("postgres: list scan: %w", err)
		}
		got = append(got, k)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("postgres: list: %w", err)
	}
	return got, nil
}

// counter counts a list's matching rows up to its cap, with the planner's estimate of the
// total for when the cap is reached.
type counter struct {
	q        ListQuery
	cap      int
	matching string
}

func newCounter(q ListQuery) counter {
	c := counter{q: q, cap: q.CountCap}
	if c.cap <= 0 {
		c.cap = DefaultCountCap
	}
	from := q.CountFrom
	if from == "" {
		from = q.From
	}
	c.matching = "SELECT 1 FROM " + from + q.where()
	return c
}

func (c counter) queue(batch *pgx.Batch) {
	batch.Queue(fmt.Sprintf("SELECT count(*) FROM (%s LIMIT %d) matching", c.matching, c.cap+1), c.q.Args)
	batch.Queue("EXPLAIN (FORMAT JSON) "+c.matching, c.q.Args)
}

// read reads the results of queue: the total, and whether it is the estimate.
func (c counter) read(res pgx.BatchResults) (total int, estimated bool, err error) {
	if err := res.QueryRow().Scan(&total); err != nil {
		return 0, false, fmt.Errorf("postgres: list count: %w", err)
	}
	var plan string
	if err := res.QueryRow().Scan(&plan); err != nil {
		return 0, false, fmt.Errorf("postgres: list estimate: %w", err)
	}
	if total > c.cap {
		return max(planRows(plan), c.cap+1), true, nil
	}
	return total, false, nil
}

// planRows reads the row estimate of the top node of an EXPLAIN (FORMAT JSON) output
// (0 when it cannot be read).
func planRows(plan string) int {
	var out []struct {
		Plan struct {
			Rows float64 `json:"Plan Rows"`
		} `json:"Plan"`
	}
	if json.Unmarshal([]byte(plan), &out) != nil || len(out) == 0 {
		return 0
	}
	return int(out[0].Plan.Rows)
}

func keysetCond(q ListQuery, desc bool) string {
	op := ">"
	if desc {
		op = "<"
	}
	return fmt.Sprintf("(%s, %s) %s (@_k::%s, @_id::uuid)", q.Sort.Expr, q.IDExpr, op, q.Sort.Type)
}

// Each streams every row of q (no paging) to fn, for CSV export; memory stays flat.
func Each[T any](ctx context.Context, tx *Tx, q ListQuery, scan func(*T) []any, fn func(T) error) error {
	dir := "ASC"
	if q.Desc {
		dir = "DESC"
	}
	if q.CustomPlan {
		if _, err := tx.Exec(ctx, customPlan); err != nil {
			return fmt.Errorf("postgres: export: %w", err)
		}
	}
	rows, err := tx.Query(ctx, fmt.Sprintf("SELECT %s FROM %s%s ORDER BY %s %s, %s %s",
		q.Columns, q.From, q.where(), q.Sort.Expr, dir, q.IDExpr, dir), q.Args)
	if err != nil {
		return fmt.Errorf("postgres: export: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var item T
		if err := rows.Scan(scan(&item)...); err != nil {
			return fmt.Errorf("postgres: export scan: %w", err)
		}
		if err := fn(item); err != nil {
			return err
		}
	}
	return rows.Err()
}
