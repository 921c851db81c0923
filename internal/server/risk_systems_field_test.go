package server

import (
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestRiskFormTakesAISystemsByReferencePastFilterShown(t *testing.T) {
	t.Parallel()
	b := setup(t)
	officer := b.signIn(t, acmeOfficer)
	sys := b.newSystem(t, "acme", "Claims triage")
	b.addFillerSystems(t, "acme")
	ref := b.systemRef(t, "acme", sys)

	// Past FilterShown systems the form lists none of them, and offers a reference field.
	status, body := officer.get(t, "/t/acme/risks/new")
	require.Equal(t, http.StatusOK, status)
	require.Contains(t, body, `name="add_systems"`)
	require.NotContains(t, body, "Filler system")
	// From an AI system's page, that system is listed and ticked.
	_, body = officer.get(t, "/t/acme/risks/new?system="+sys.String())
	require.Contains(t, body, `value="`+sys.String()+`" checked`)

	// A reference no system has: said beside the field, what was typed is kept.
	form := riskForm("Typed-system risk")
	form.Set("add_systems", "AIS-99999")
	status, body = officer.postForm(t, "/t/acme/risks", form)
	require.Equal(t, http.StatusUnprocessableEntity, status)
	require.Contains(t, body, "No AI system has the reference AIS-99999")
	require.Contains(t, body, `value="AIS-99999"`)

	// With no system ticked and none typed, the risk still needs one.
	form.Del("add_systems")
	status, body = officer.postForm(t, "/t/acme/risks", form)
	require.Equal(t, http.StatusUnprocessableEntity, status)
	require.Contains(t, body, "Choose at least one AI system")

	// A reference as users type it links the system.
	form.Set("add_systems", strings.ToLower(ref)+",")
	path := createRecord(t, officer, "/t/acme/risks", form)
	_, body = officer.get(t, path)
	require.Contains(t, body, ref+" Claims triage")
	_, body = officer.get(t, path+"/edit")
	require.Equal(t, 1, strings.Count(body, `name="ai_systems"`), "the edit form lists the risk's own system only")
	require.Contains(t, body, `value="`+sys.String()+`" checked`)
}
