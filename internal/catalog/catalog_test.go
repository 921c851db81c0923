package catalog

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestCatalogStructure(t *testing.T) {
	t.Parallel()
	c, err := Load()
	require.NoError(t, err)
	controls := c.Controls()
	require.Len(t, controls, 38, "Annex A has 38 controls")
	require.Equal(t, "A.2.2", controls[0].ID)
	require.Equal(t, "A.10.4", controls[len(controls)-1].ID)
	ctl, ok := c.Control("A.6.2.2")
	require.True(t, ok)
	require.Equal(t, "A.6.2", ctl.ObjectiveID)
	for _, ctl := range controls {
		require.NotEmpty(t, ctl.Title, ctl.ID)
		require.NotEqual(t, "1", ctl.ID[len(ctl.ID)-1:], "A.x.1 holds an objective, never a control: %s", ctl.ID)
	}
	var leaves []string
	for _, cl := range c.Clauses {
		if cl.Assessable == nil || *cl.Assessable {
			leaves = append(leaves, cl.ID)
		}
	}
	require.Len(t, leaves, 32, "32 assessable sub-clauses")
	require.Contains(t, leaves, "6.1.4")
	require.Len(t, c.ObjectivesAffected, 11)
	require.Len(t, c.RiskSources, 7)
	require.Equal(t, "Fairness", Label("fairness"))
}
