package postgres

import (
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
)

// Filter is what a register list is narrowed and ordered by; it comes from the query string.
type Filter struct {
	Search string
	Fields map[string]string // filter field -> value; "" means any
	Sort   string
	Desc   bool
	After  string
	Before string
	Limit  int
}

// ShowArchived is the status filter value that lists archived records instead of live ones.
const ShowArchived = "archived"

// ListSpec describes how a register is listed: its FROM clause and columns, the sorts it
// offers (each backed by an index), the columns it filters on, and what search looks in.
type ListSpec struct {
	// Table is the register's table, whose live and archived records register_counts counts
	// (migration 000014): an unfiltered list takes its exact total from there.
	Table        string
	From         string
	CountFrom    string // FROM clause the total is counted over, when cheaper than From (see ListQuery)
	Columns      string
	IDExpr       string
	ArchivedExpr string
	// SearchExpr is the register's search_text column (e.g. "r.search_text"): a stored
	// generated column holding the searched fields lower-cased, with a trigram index. A bare
	// column, never an expression: under row-level security an index serves a condition only
	// when every function it applies to a column is LEAKPROOF, and only LIKE is marked so
	// (see SearchIndexable).
	SearchExpr  string
	Sorts       map[string]SortKey
	DefaultSort string // newest changes first when it is "updated"
	Filterable  map[string]string
	// IDFilters are the filters on uuid columns (an owner, a linked record): field -> column,
	// e.g. "owner": "r.owner_id". The value is compared as a uuid, so the column's index
	// serves it (a cast of the column to text is not LEAKPROOF, and under row-level security
	// no index serves a condition that applies one); a value that is not an id matches nothing.
	IDFilters map[string]string
}

// Query turns f into a ListQuery. Unknown sorts fall back to the default; unknown filter
// fields are ignored; archived records are listed only when the status filter asks.
func (spec ListSpec) Query(f Filter) ListQuery {
	sort, ok := spec.Sorts[f.Sort]
	desc := f.Desc
	if !ok {
		sort, desc = spec.Sorts[spec.DefaultSort], spec.DefaultSort == "updated"
	}
	q := ListQuery{From: spec.From, CountFrom: spec.CountFrom, Columns: spec.Columns, IDExpr: spec.IDExpr, Sort: sort, Desc: desc,
		After: f.After, Before: f.Before, Limit: f.Limit, Args: pgx.NamedArgs{}}
	if f.Fields["status"] == ShowArchived {
		q.Where = append(q.Where, spec.ArchivedExpr+" IS NOT NULL")
	} else {
		q.Where = append(q.Where, spec.ArchivedExpr+" IS NULL")
	}
	for field, expr := range spec.Filterable {
		if v := f.Fields[field]; v != "" && !(field == "status" && v == ShowArchived) {
			q.Where = append(q.Where, expr+" = @"+field)
			q.Args[field] = v
		}
	}
	for field, column := range spec.IDFilters {
		if v := f.Fields[field]; v != "" {
			id, err := uuid.Parse(v)
			if err != nil {
				q.Where = append(q.Where, "false")
				continue
			}
			q.Where = append(q.Where, column+" = @"+field)
			q.Args[field] = id
		}
	}
	if spec.Table != "" && f.Search == "" && unfiltered(f.Fields) {
		q.TotalOf = RegisterTotal{Table: spec.Table, Archived: f.Fields["status"] == ShowArchived}
	}
	if f.Search != "" {
		// What ILIKE does in a multibyte database (lower both sides, then LIKE), with the
		// rows lowered once when written instead of on every search.
		q.Where = append(q.Where, spec.SearchExpr+" LIKE lower(@q::text)")
		q.Args["q"] = EscapeLike(f.Search)
		q.CustomPlan = true
		q.CountAfterPage = true
		q.CountCap = SearchCountCap
	}
	return q
}

// unfiltered reports whether no filter field but the status's "archived" is set.
func unfiltered(fields map[string]string) bool {
	for field, v := range fields {
		if v != "" && !(field == "status" && v == ShowArchived) {
			return false
		}
	}
	return true
}
