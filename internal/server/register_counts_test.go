package server

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
	"testing"

	"github.com/stretchr/testify/require"
)

// registerTables are the tables register_counts counts (migration 000014).
var registerTables = []string{"context_issues", "parties", "ai_systems", "risks", "treatments", "controls", "impact_assessments"}

// requireRegisterCountsExact compares register_counts with the tables themselves, for every
// tenant (read as the schema owner in the tests: a superuser, past row-level security).
func requireRegisterCountsExact(t *testing.T, b *bundle) {
	t.Helper()
	for _, table := range registerTables {
		var wrong int
		require.NoError(t, b.db.Pool.QueryRow(context.Background(), fmt.Sprintf(`SELECT count(*) FROM (
			SELECT tenant_id, count(*) FILTER (WHERE archived_at IS NULL) AS live, count(*) FILTER (WHERE archived_at IS NOT NULL) AS archived
			FROM %s GROUP BY 1) real
			FULL JOIN (SELECT * FROM register_counts WHERE register = '%s' AND (live, archived) <> (0, 0)) kept USING (tenant_id)
			WHERE real.live IS DISTINCT FROM kept.live OR real.archived IS DISTINCT FROM kept.archived`, table, table)).Scan(&wrong))
		require.Zero(t, wrong, "%s: tenants whose kept counts differ from the table", table)
	}
}

func TestRegisterCountsStayExactThroughChanges(t *testing.T) {
	t.Parallel()
	b := setup(t)
	requireRegisterCountsExact(t, b)

	officer := b.signIn(t, acmeOfficer)
	issue := createRecord(t, officer, "/t/acme/context", issueForm("Counted issue"))
	status, _ := officer.postForm(t, issue+"/archive", nil)
	require.Equal(t, http.StatusSeeOther, status)
	requireRegisterCountsExact(t, b)
	_, body := officer.get(t, "/t/acme/context?status=archived")
	var archived int
	require.NoError(t, b.db.Pool.QueryRow(context.Background(), `SELECT count(*) FROM context_issues
		WHERE tenant_id = $1 AND archived_at IS NOT NULL`, b.tenantID(t, "acme")).Scan(&archived))
	require.Regexp(t, regexp.MustCompile(fmt.Sprintf(`of %d records?`, archived)), body, "the archived list's exact total")

	status, _ = officer.postForm(t, issue+"/restore", nil)
	require.Equal(t, http.StatusSeeOther, status)
	sys := b.newSystem(t, "acme", "Counted system")
	createRecord(t, officer, "/t/acme/risks", riskForm("Counted risk", sys))
	requireRegisterCountsExact(t, b)
}
