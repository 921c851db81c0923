package server

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/openaims/openaims/internal/postgres"
	"github.com/openaims/openaims/internal/risk"
	"github.com/openaims/openaims/internal/treatment"
)

func TestTreatmentFormTakesRisksByReferencePastRisksListed(t *testing.T) {
	t.Parallel()
	b := setup(t)
	officer := b.signIn(t, acmeOfficer)
	sys := b.newSystem(t, "acme", "Claims triage")
	var target risk.Risk
	b.inTenant(t, "acme", func(tx *postgres.Tx) error {
		var n int
		if err := tx.QueryRow(context.Background(), "SELECT count(*) FROM risks WHERE archived_at IS NULL").Scan(&n); err != nil {
			return err
		}
		for i := n; i <= risksListed; i++ {
			k, err := risk.Create(context.Background(), tx, risk.Risk{Title: fmt.Sprintf("Filler risk %d", i), Event: "Filler",
				RiskSource: "machine_learning_related", ObjectiveAffected: "safety", SystemIDs: []string{sys.String()},
				Status: "identified", Ratings: risk.Ratings{InherentLikelihood: 2, InherentImpact: 2}})
			if err != nil {
				return err
			}
			target = k
		}
		return nil
	})

	// Past risksListed live risks the form lists none of them, and offers a reference field.
	status, body := officer.get(t, "/t/acme/treatments/new")
	require.Equal(t, http.StatusOK, status)
	require.Contains(t, body, `name="add_risks"`)
	require.NotContains(t, body, "Filler risk", "the form must not list the register")
	require.Less(t, len(body), 200_000)

	// From a risk's page ("Plan a treatment"), that risk is listed and ticked.
	_, body = officer.get(t, "/t/acme/treatments/new?risk="+target.ID.String())
	require.Contains(t, body, target.Title)
	require.Contains(t, body, `value="`+target.ID.String()+`" checked`)

	// A reference no risk has, or text that is no reference: said beside the field, and
	// what was typed is kept.
	form := treatmentForm("Reference-picked plan", nil)
	for typed, msg := range map[string]string{
		"RISK-999999, " + target.Reference(): "No risk has the reference RISK-999999",
		"the big one":                        "Enter risk references such as RISK-12",
	} {
		form.Set("add_risks", typed)
		status, body = officer.postForm(t, "/t/acme/treatments", form)
		require.Equal(t, http.StatusUnprocessableEntity, status, typed)
		require.Contains(t, body, msg)
		require.Contains(t, body, `value="`+typed+`"`)
	}

	// More references than a plan may link: said beside the field.
	many := make([]string, treatment.MaxLinks+1)
	for i := range many {
		many[i] = fmt.Sprintf("RISK-%d", i+1)
	}
	form.Set("add_risks", strings.Join(many, ", "))
	status, body = officer.postForm(t, "/t/acme/treatments", form)
	require.Equal(t, http.StatusUnprocessableEntity, status)
	require.Contains(t, body, fmt.Sprintf("Enter at most %d references", treatment.MaxLinks))

	// Typed as users type it, the reference links the risk.
	form.Set("add_risks", " "+strings.ToLower(target.Reference())+", ")
	path := createRecord(t, officer, "/t/acme/treatments", form)
	_, body = officer.get(t, path)
	require.Contains(t, body, target.Reference())
	_, body = officer.get(t, path+"/edit")
	require.Contains(t, body, `value="`+target.ID.String()+`" checked`, "the edit form lists the plan's own risks")
	require.Equal(t, 1, strings.Count(body, `name="risk_ids"`), "and none of the others")
}
