package server

import (
	"context"
	"encoding/csv"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/openaims/openaims/internal/aisystem"
	"github.com/openaims/openaims/internal/control"
	"github.com/openaims/openaims/internal/postgres"
	"github.com/openaims/openaims/internal/risk"
	"github.com/openaims/openaims/internal/treatment"
)

// linkedFixture is a workspace corner where one record has more links than a page shows: an
// AI system named by n risks, each treated by its own treatment, every treatment also
// treating the first risk and using one control, and n more risks of the system raised from
// one of its impact assessments.
type linkedFixture struct {
	system, control, firstRisk, assessment uuid.UUID
	systemRef, controlCode                 string
	treatments                             []uuid.UUID
}

// linkedCount is how many records are linked to each record of the fixture: more than
// linkedShown, so every capped list has some it does not show.
const linkedCount = linkedShown + 5

func newLinkedFixture(t *testing.T, b *bundle, slug, label string) linkedFixture {
	t.Helper()
	ctx := context.Background()
	var f linkedFixture
	b.inTenant(t, slug, func(tx *postgres.Tx) error {
		inScope := true
		sys, err := aisystem.Create(ctx, tx, aisystem.System{Name: "Busy system " + label, Purpose: "Linked to many risks",
			LifecycleStage: "operation", OrgRole: "provider", EUAIActClass: "minimal", EUAIActReason: "Fixture", InScope: &inScope})
		if err != nil {
			return err
		}
		c, err := control.Create(ctx, tx, control.Control{Title: "Busy control " + label, ObjectiveID: "A.9",
			Applicability: control.Applicable, InclusionReasons: []string{"treatment"}, ImplementationStatus: "planned"})
		if err != nil {
			return err
		}
		f.system, f.systemRef, f.control, f.controlCode = sys.ID, sys.Reference(), c.ID, c.Code
		if f.assessment, _, _, err = newAssessmentFixtures(ctx, tx, label, sys.ID); err != nil {
			return err
		}
		for i := range linkedCount {
			in := risk.Risk{Title: fmt.Sprintf("Busy risk %s %d", label, i), RiskSource: "machine_learning_related",
				ObjectiveAffected: "safety", SystemIDs: []string{sys.ID.String()}, Status: "assessed",
				Ratings: risk.Ratings{InherentLikelihood: 3, InherentImpact: 3}}
			k, err := risk.Create(ctx, tx, in)
			if err != nil {
				return err
			}
			if i == 0 {
				f.firstRisk = k.ID
			}
			tr, err := treatment.Create(ctx, tx, treatment.Treatment{Title: fmt.Sprintf("Busy treatment %s %d", label, i),
				Option: "modify", Status: "planned", RiskIDs: []string{f.firstRisk.String(), k.ID.String()},
				ControlIDs: []string{c.ID.String()}})
			if err != nil {
				return err
			}
			f.treatments = append(f.treatments, tr.ID)
			in.Title, in.ImpactAssessmentID = fmt.Sprintf("Raised risk %s %d", label, i), f.assessment.String()
			if _, err := risk.Create(ctx, tx, in); err != nil {
				return err
			}
		}
		return nil
	})
	return f
}

// treatmentLinks counts the links to a treatment's page (not to the form) in body.
func treatmentLinks(body string) int {
	return len(regexp.MustCompile(`href="/t/acme/treatments/[0-9a-f-]{36}"`).FindAllString(body, -1))
}

// TestLinkedRecordsAreCapped checks that record pages and the Statement of Applicability
// show a bounded number of linked records, count them all, and link to the register's list
// filtered to the record, which lists every one of them.
func TestLinkedRecordsAreCapped(t *testing.T) {
	t.Parallel()
	b := setup(t)
	f := newLinkedFixture(t, b, "acme", "caps")
	c := b.signIn(t, acmeAuditor)
	more := fmt.Sprintf("Showing %d of %d", linkedShown, linkedCount)

	t.Run("the Statement of Applicability names a few treatments of a control and links to the rest", func(t *testing.T) {
		status, body := c.get(t, "/t/acme/controls/soa")
		require.Equal(t, http.StatusOK, status)
		row := body[strings.Index(body, f.controlCode):]
		row = row[:strings.Index(row, "</tr>")]
		require.Equal(t, control.SoATreatments, treatmentLinks(row))
		require.Contains(t, row, `href="/t/acme/treatments?control=`+f.control.String()+`"`)
		require.Contains(t, row, fmt.Sprintf("and %d more", linkedCount-control.SoATreatments))
	})

	t.Run("a control's page shows the first treatments and counts them all", func(t *testing.T) {
		status, body := c.get(t, "/t/acme/controls/"+f.control.String())
		require.Equal(t, http.StatusOK, status)
		require.Equal(t, linkedShown, treatmentLinks(body))
		require.Contains(t, body, more+" treatments.")
		require.Contains(t, body, `href="/t/acme/treatments?control=`+f.control.String()+`"`)
		_, list := c.get(t, "/t/acme/treatments?control="+f.control.String())
		require.Contains(t, list, fmt.Sprintf("Showing 1–%d of %d records", linkedCount, linkedCount), "the list has them all")
	})

	t.Run("a risk's page shows the first treatments and counts them all", func(t *testing.T) {
		status, body := c.get(t, "/t/acme/risks/"+f.firstRisk.String())
		require.Equal(t, http.StatusOK, status)
		require.Equal(t, linkedShown, treatmentLinks(body))
		require.Contains(t, body, more+" treatments.")
		require.Contains(t, body, `href="/t/acme/treatments?risk=`+f.firstRisk.String()+`"`)
	})

	t.Run("an AI system's page caps its risks and treatments, and the lists filter on the system", func(t *testing.T) {
		status, body := c.get(t, "/t/acme/ai-systems/"+f.system.String())
		require.Equal(t, http.StatusOK, status)
		require.Contains(t, body, fmt.Sprintf("Showing %d of %d risks.", linkedShown, 2*linkedCount))
		require.Contains(t, body, more+" treatments.")
		require.Contains(t, body, `href="/t/acme/risks?system=`+f.system.String()+`"`)
		require.Contains(t, body, `href="/t/acme/treatments?system=`+f.system.String()+`"`)
		require.Contains(t, body, fmt.Sprintf("and %d more", linkedCount-aisystem.RefsShown),
			"the control's row names a few of the treatments it is used through")

		_, list := c.get(t, "/t/acme/treatments?system="+f.system.String())
		require.Contains(t, list, fmt.Sprintf("Showing 1–%d of %d records", linkedCount, linkedCount))
		require.Contains(t, list, "Treating risks of AI system "+f.systemRef)
		_, list = c.get(t, "/t/acme/controls?system="+f.system.String())
		require.Contains(t, list, "Showing 1 of 1 record")
		require.Contains(t, list, "Used for the risks of "+f.systemRef)
		require.Contains(t, list, `name="system" value="`+f.system.String()+`"`, "the filter form keeps the system")
		_, list = c.get(t, "/t/acme/controls?system=not-an-id")
		require.Contains(t, list, "No controls match")
	})

	t.Run("an impact assessment's page caps the risks raised from it", func(t *testing.T) {
		status, body := c.get(t, "/t/acme/impact-assessments/"+f.assessment.String())
		require.Equal(t, http.StatusOK, status)
		require.Contains(t, body, more+" risks raised from it.")
		require.Contains(t, body, `href="/t/acme/risks?impact_assessment=`+f.assessment.String()+`"`)
		_, list := c.get(t, "/t/acme/risks?impact_assessment="+f.assessment.String())
		require.Contains(t, list, fmt.Sprintf("Showing 1–%d of %d records", linkedCount, linkedCount))
	})

	t.Run("an id filter with a value that is not an id matches nothing", func(t *testing.T) {
		status, body := c.get(t, "/t/acme/risks?owner=not-an-id")
		require.Equal(t, http.StatusOK, status)
		require.Contains(t, body, "No risks match")
	})

	t.Run("archiving a treatment takes it out of the control's count and the export", func(t *testing.T) {
		officer := b.signIn(t, acmeOfficer)
		status, _ := officer.postForm(t, "/t/acme/treatments/"+f.treatments[0].String()+"/archive", nil)
		require.Equal(t, http.StatusSeeOther, status)
		var got control.Control
		b.inTenant(t, "acme", func(tx *postgres.Tx) (err error) {
			got, err = control.Find(context.Background(), tx, f.control)
			return err
		})
		require.Equal(t, linkedCount-1, got.TreatmentCount)

		resp, body := c.getResp(t, "/t/acme/controls/soa.csv")
		require.Equal(t, http.StatusOK, resp.StatusCode)
		rows, err := csv.NewReader(strings.NewReader(body)).ReadAll()
		require.NoError(t, err)
		var refs string
		for _, r := range rows {
			if r[1] == f.controlCode {
				require.True(t, strings.HasPrefix(r[0], "A.9 "), "a custom control is in its objective's group, not %q", r[0])
				refs = r[9]
			}
		}
		require.Len(t, strings.Split(refs, "; "), linkedCount-1, "the export lists every live treatment")
	})
}
