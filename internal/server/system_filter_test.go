package server

import (
	"context"
	"encoding/csv"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/openaims/openaims/internal/aisystem"
	"github.com/openaims/openaims/internal/postgres"
)

func TestSystemFilterTurnsIntoAReferenceFieldPastFilterShown(t *testing.T) {
	t.Parallel()
	b := setup(t)
	officer := b.signIn(t, acmeOfficer)
	sys := b.newSystem(t, "acme", "Sepsis early warning")
	createRecord(t, officer, "/t/acme/risks", riskForm("Missed sepsis alert", sys))
	selectField := `<select[^>]*name="system"`
	inputField := `<input[^>]*name="system"`

	// A few systems: a drop-down, on both lists that filter by AI system.
	for _, list := range []string{"/t/acme/risks", "/t/acme/impact-assessments"} {
		_, body := officer.get(t, list)
		require.Regexp(t, selectField, body, list)
		require.Contains(t, body, ">AIS-", list)
	}

	// Past aisystem.FilterShown systems: a field for the reference instead of a drop-down
	// that would list them all.
	b.addFillerSystems(t, "acme")
	ref := b.systemRef(t, "acme", sys)
	for _, list := range []string{"/t/acme/risks", "/t/acme/impact-assessments"} {
		_, body := officer.get(t, list)
		require.NotRegexp(t, selectField, body, list)
		require.Regexp(t, inputField, body, list)
		require.NotContains(t, body, "Filler system", "%s must not list every system", list)
	}

	// The reference as typed, or the id a link carries, filters the list; the field shows
	// the reference and names the system.
	for _, value := range []string{strings.ToLower(ref), " " + strings.TrimPrefix(ref, "AIS-"), sys.String()} {
		status, body := officer.get(t, "/t/acme/risks?system="+url.QueryEscape(value))
		require.Equal(t, http.StatusOK, status)
		require.Contains(t, body, "Missed sepsis alert", value)
		require.Contains(t, body, `value="`+ref+`"`, value)
		require.Contains(t, body, ref+" Sepsis early warning", value)
	}
	resp, csvBody := officer.getResp(t, "/t/acme/risks/export.csv?system="+ref)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	rows, err := csv.NewReader(strings.NewReader(csvBody)).ReadAll()
	require.NoError(t, err)
	require.Len(t, rows, 2, "the export filters by the reference as the list does")

	// A reference no system has: said beside the field, and nothing listed.
	_, body := officer.get(t, "/t/acme/risks?system=AIS-99999")
	require.Contains(t, body, "No AI system has the reference AIS-99999")
	require.Contains(t, body, "No risks match")

	// Another tenant's system, by id or by its reference, is not this tenant's.
	other := b.newSystem(t, "globex", "Globex only system")
	_, body = officer.get(t, "/t/acme/risks?system="+other.String())
	require.Contains(t, body, "No risks match")
	require.NotContains(t, body, "Globex only system")
}

// addFillerSystems gives slug more AI systems than a drop-down lists (aisystem.FilterShown),
// each named "Filler system".
func (b *bundle) addFillerSystems(t testing.TB, slug string) {
	t.Helper()
	b.inTenant(t, slug, func(tx *postgres.Tx) error {
		var n int
		if err := tx.QueryRow(context.Background(), "SELECT count(*) FROM ai_systems").Scan(&n); err != nil {
			return err
		}
		yes := true
		for ; n <= aisystem.FilterShown; n++ {
			if _, err := aisystem.Create(context.Background(), tx, aisystem.System{Name: "Filler system", Purpose: "Tested",
				LifecycleStage: "operation", OrgRole: "provider", EUAIActClass: "high_risk", EUAIActReason: "Annex III", InScope: &yes}); err != nil {
				return err
			}
		}
		return nil
	})
}

// systemRef is the reference of slug's AI system id, e.g. AIS-3.
func (b *bundle) systemRef(t testing.TB, slug string, id uuid.UUID) string {
	t.Helper()
	var ref string
	b.inTenant(t, slug, func(tx *postgres.Tx) error {
		s, err := aisystem.Find(context.Background(), tx, id)
		ref = s.Reference()
		return err
	})
	return ref
}
