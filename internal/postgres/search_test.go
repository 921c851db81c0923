package postgres_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/openaims/openaims/internal/aisystem"
	"github.com/openaims/openaims/internal/control"
	"github.com/openaims/openaims/internal/impact"
	"github.com/openaims/openaims/internal/orgcontext"
	"github.com/openaims/openaims/internal/postgres"
	"github.com/openaims/openaims/internal/postgres/pgtest"
	"github.com/openaims/openaims/internal/risk"
	"github.com/openaims/openaims/internal/treatment"
)

// registerLists are the lists of every register that offers search.
var registerLists = map[string]postgres.ListSpec{
	"context": orgcontext.IssueList, "parties": orgcontext.PartyList, "ai-systems": aisystem.ListSpec,
	"risks": risk.List, "treatments": treatment.List, "controls": control.List, "impact-assessments": impact.List,
}

// TestSearchLooksInAnIndexedColumn holds every register to one rule: search looks in the
// search_text column of the list's base table, and that column has a trigram index. An
// expression (a concatenation, lower()) would apply a function that is not LEAKPROOF to the
// row, and the index would never be used under row-level security.
func TestSearchLooksInAnIndexedColumn(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := pgtest.New(t)
	for name, spec := range registerLists {
		base := strings.Fields(spec.From)
		require.GreaterOrEqual(t, len(base), 2, "%s: From starts with the base table and its alias", name)
		table, alias := base[0], base[1]
		require.Equal(t, alias+".search_text", spec.SearchExpr, "%s: search must look in %s.search_text", name, table)
		var def string
		require.NoError(t, db.Pool.QueryRow(ctx, `SELECT indexdef FROM pg_indexes WHERE schemaname = 'public'
			AND tablename = $1 AND indexdef LIKE '%USING gin (search_text gin_trgm_ops)'`, table).Scan(&def),
			"%s: no trigram index on %s.search_text", name, table)
	}
	var onExpressions []string
	rows, err := db.Pool.Query(ctx, `SELECT indexname FROM pg_indexes WHERE schemaname = 'public'
		AND indexdef LIKE '%gin_trgm_ops%' AND indexdef NOT LIKE '%USING gin (search_text gin_trgm_ops)'`)
	require.NoError(t, err)
	for rows.Next() {
		var n string
		require.NoError(t, rows.Scan(&n))
		onExpressions = append(onExpressions, n)
	}
	require.NoError(t, rows.Err())
	require.Empty(t, onExpressions, "trigram indexes must be on a search_text column, not an expression")
}

// insertRisks adds n risks to tn's tenant in one statement, titled "Risk <n> <md5 of n>" with
// one of five events, and then the risks titled extra. Set-up: no audit entries.
func insertRisks(t *testing.T, tn pgtest.Tenancy, n int, extra ...string) {
	t.Helper()
	tn.Tx(t, func(tx *postgres.Tx) error {
		_, err := tx.Exec(context.Background(), `INSERT INTO risks (tenant_id, ref, title, event, consequences, risk_source,
				objective_affected, inherent_likelihood, inherent_impact, inherent_level, status,
				created_by, created_at, updated_by, updated_at)
			SELECT $1, g, coalesce(($5::text[])[g - $4], 'Risk ' || g || ' ' || md5(g::text)),
				(ARRAY['The model drifts', 'Inputs shift', 'An attacker crafts inputs', 'Logs are incomplete',
					'Thresholds are stale'])[g % 5 + 1],
				'harm to individuals', 'data', 'fairness', 2, 3, 'medium', 'identified', $2, $3::timestamptz, $2, $3::timestamptz + g * interval '1 second'
			FROM generate_series(1, $4 + cardinality($5::text[])) g`, tx.TenantID, tn.AdminID, tx.Now, n, extra)
		return err
	})
}

// planNodes lists "<node type> <index name>" for every node of an EXPLAIN (FORMAT JSON) plan.
func planNodes(t *testing.T, plan string) []string {
	t.Helper()
	type node struct {
		Type  string `json:"Node Type"`
		Index string `json:"Index Name"`
		Plans []node `json:"Plans"`
	}
	var out []struct{ Plan node }
	require.NoError(t, json.Unmarshal([]byte(plan), &out))
	var nodes []string
	var walk func(n node)
	walk = func(n node) {
		nodes = append(nodes, strings.TrimSpace(n.Type+" "+n.Index))
		for _, c := range n.Plans {
			walk(c)
		}
	}
	walk(out[0].Plan)
	return nodes
}

// TestRiskSearchUsesTrigramIndex shows the fast path of register search: as aims_app in a
// tenant transaction, a search for a rare word reads the trigram index (a Bitmap Index Scan
// on risks_search_idx) for the page and for its count, instead of every row of the tenant,
// and still finds only the tenant's own rows, with LIKE's wildcards taken literally.
func TestRiskSearchUsesTrigramIndex(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := pgtest.New(t)
	var super bool
	require.NoError(t, db.Pool.QueryRow(ctx, `SELECT rolsuper FROM pg_roles WHERE rolname = current_user`).Scan(&super))
	indexable, err := postgres.SearchIndexable(ctx, db)
	require.NoError(t, err)
	if !super {
		t.Skipf("migrations ran as a non-superuser, who cannot mark LIKE LEAKPROOF (migration 000011), so search "+
			"reads every row instead of the trigram index (docs/security.md); run the tests as a superuser "+
			"to test the indexed path (LIKE leakproof here: %t)", indexable)
	}
	require.True(t, indexable, "migrations applied by a superuser mark LIKE LEAKPROOF")

	// Under about 4,000 rows reading the table beats any index and the planner rightly reads
	// it; 10,000 (a second to load) leaves a margin.
	tn := pgtest.AddTenancy(t, db)
	insertRisks(t, tn, 10000, "Quasar drift in loan decisions", "Drift of 50% in scores", "Drift of 50 in scores",
		"Scores a_b tested", "Scores axb tested", `Path C:\models\ leaks`)
	other := pgtest.AddTenancy(t, db)
	insertRisks(t, other, 500, "Quasar outage of another tenant")
	_, err = db.Pool.Exec(ctx, `ANALYZE risks`)
	require.NoError(t, err)

	q := risk.List.Query(postgres.Filter{Search: "quasar"})
	where := " WHERE " + strings.Join(q.Where, " AND ")
	queries := map[string]string{
		"page": fmt.Sprintf("SELECT r.id FROM risks r%s ORDER BY %s DESC, r.id DESC LIMIT %d",
			where, q.Sort.Expr, postgres.DefaultPageSize+1),
		"count": fmt.Sprintf("SELECT count(*) FROM (SELECT 1 FROM %s%s LIMIT %d) matching",
			q.CountFrom, where, postgres.DefaultCountCap+1),
	}
	for name, sql := range queries {
		var plan string
		tn.Tx(t, func(tx *postgres.Tx) error {
			return tx.QueryRow(ctx, "EXPLAIN (FORMAT JSON) "+sql, q.Args).Scan(&plan)
		})
		require.Contains(t, planNodes(t, plan), "Bitmap Index Scan risks_search_idx",
			"%s: a rare word is found through the trigram index, not by reading the tenant's rows: %s", name, plan)
	}

	search := func(term string) []string {
		t.Helper()
		var titles []string
		tn.Tx(t, func(tx *postgres.Tx) error {
			p, err := risk.ListRisks(ctx, tx, postgres.Filter{Search: term})
			for _, r := range p.Items {
				titles = append(titles, r.Title)
			}
			return err
		})
		return titles
	}
	require.Equal(t, []string{"Quasar drift in loan decisions"}, search("QUASAR"), "case-insensitive; another tenant's match is not shown")
	require.Equal(t, []string{"Drift of 50% in scores"}, search("50%"), "% is taken literally")
	require.Equal(t, []string{"Scores a_b tested"}, search("a_b"), "_ is taken literally")
	require.Equal(t, []string{`Path C:\models\ leaks`}, search(`\models\`), `\ is taken literally, even last`)
	require.Empty(t, search(`quasar\`), "a trailing backslash is a character to find, never a broken pattern")
}

// TestSearchMigrationRevertsOnlyItsOwnMark: migration 000011, applied by a superuser, marks
// LIKE LEAKPROOF and its down migration unmarks it; a mark the operator made before is kept.
func TestSearchMigrationRevertsOnlyItsOwnMark(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	url := pgtest.NewDatabase(t)
	conn, err := pgx.Connect(ctx, url)
	require.NoError(t, err)
	t.Cleanup(func() { _ = conn.Close(ctx) })
	var super bool
	require.NoError(t, conn.QueryRow(ctx, `SELECT rolsuper FROM pg_roles WHERE rolname = current_user`).Scan(&super))
	if !super {
		t.Skip("only a superuser can mark LIKE LEAKPROOF; TestDeployAsNonSuperuserOwner covers the other path")
	}
	leakproof := func() bool {
		t.Helper()
		var lp bool
		require.NoError(t, conn.QueryRow(ctx, `SELECT proleakproof FROM pg_proc
			WHERE oid = 'pg_catalog.textlike(text, text)'::regprocedure`).Scan(&lp))
		return lp
	}
	unlock := pgtest.LockMigrations(t)
	defer unlock()
	mg, err := postgres.NewMigrator(url)
	require.NoError(t, err)
	t.Cleanup(func() { _ = mg.Close() })

	require.True(t, leakproof(), "the migrations marked LIKE")
	require.NoError(t, mg.Down())
	require.False(t, leakproof(), "down removes the mark the up made")

	_, err = conn.Exec(ctx, postgres.LeakproofSearchStatement)
	require.NoError(t, err, "the operator's statement")
	require.NoError(t, mg.Up())
	require.NoError(t, mg.Down())
	require.True(t, leakproof(), "down keeps a mark the up found already made")
}

// TestEscapeLikeNeverEndsInAnEscape checks, for every string of up to 7 characters over the
// characters LIKE treats specially, what LIKE being LEAKPROOF rests on: every backslash of a
// pattern escapes the character after it, and the pattern ends with an unescaped %.
func TestEscapeLikeNeverEndsInAnEscape(t *testing.T) {
	t.Parallel()
	alphabet := []string{`\`, "%", "_", "a"}
	var check func(s string)
	check = func(s string) {
		p := postgres.EscapeLike(s)
		require.True(t, strings.HasPrefix(p, "%") && strings.HasSuffix(p, "%"), "EscapeLike(%q) = %q", s, p)
		body := p[1 : len(p)-1]
		for i := 0; i < len(body); i++ {
			switch body[i] {
			case '\\':
				require.Less(t, i+1, len(body), "EscapeLike(%q) = %q ends in an escape", s, p)
				require.Contains(t, `\%_`, string(body[i+1]), "EscapeLike(%q) = %q", s, p)
				i++
			case '%', '_':
				require.Fail(t, "unescaped wildcard", "EscapeLike(%q) = %q", s, p)
			}
		}
		if len(s) < 7 {
			for _, c := range alphabet {
				check(s + c)
			}
		}
	}
	check("")
}
