package risk_test

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/openaims/openaims/internal/apperr"
	"github.com/openaims/openaims/internal/auditlog"
	"github.com/openaims/openaims/internal/postgres"
	"github.com/openaims/openaims/internal/postgres/pgtest"
	"github.com/openaims/openaims/internal/risk"
)

// fieldNames lists the fields of a validation error in order, each once.
func fieldNames(err error) []string {
	var e *apperr.Error
	if err == nil || !errors.As(err, &e) {
		return nil
	}
	var out []string
	for _, f := range e.Fields {
		if !slices.Contains(out, f.Field) {
			out = append(out, f.Field)
		}
	}
	return out
}

func TestDefaultCriteria(t *testing.T) {
	t.Parallel()
	c := risk.DefaultCriteria()
	require.NoError(t, c.Validate())
	require.Equal(t, 5, c.LikelihoodCount())
	require.Equal(t, 5, c.ImpactCount())
	require.Equal(t, "low", c.Level(1, 1))
	require.Equal(t, "critical", c.Level(5, 5))
	require.Equal(t, "high", c.Level(2, 5), "unlikely but severe")
	require.Equal(t, "medium", c.Level(5, 1), "almost certain but negligible")
	require.Equal(t, "", c.Level(6, 1), "off the scale")
	require.Equal(t, "", c.Level(0, 3))
	require.True(t, c.Acceptable("low"))
	require.True(t, c.Acceptable("medium"))
	require.False(t, c.Acceptable("high"))
	require.False(t, c.Acceptable(""))
	require.Equal(t, "3 Possible", c.LikelihoodLabel(3))
	require.Equal(t, "5 Severe", c.ImpactLabel(5))
}

func TestCriteriaValidate(t *testing.T) {
	t.Parallel()
	with := func(change func(*risk.Criteria)) risk.Criteria {
		c := risk.DefaultCriteria()
		change(&c)
		return c
	}
	cases := []struct {
		name   string
		c      risk.Criteria
		fields []string
	}{
		{"one-point scale", with(func(c *risk.Criteria) {
			c.LikelihoodLabels, c.LikelihoodDescriptions, c.Levels = []string{"Only"}, []string{""}, c.Levels[:5]
		}), []string{"likelihood_labels"}},
		{"blank label", with(func(c *risk.Criteria) { c.ImpactLabels[2] = "" }), []string{"impact_3_label"}},
		{"repeated label", with(func(c *risk.Criteria) { c.LikelihoodLabels[1] = "Rare" }), []string{"likelihood_2_label"}},
		{"long description", with(func(c *risk.Criteria) { c.ImpactDescriptions[0] = strings.Repeat("d", 501) }), []string{"impact_1_description"}},
		{"matrix of the wrong size", with(func(c *risk.Criteria) { c.Levels = c.Levels[:24] }), []string{"levels"}},
		{"unknown level", with(func(c *risk.Criteria) { c.Levels[7] = "dire" }), []string{"level_2_3", "levels"}},
		{"level falls as likelihood rises", with(func(c *risk.Criteria) { c.Levels[20] = "low" }), []string{"levels"}},
		{"no threshold", with(func(c *risk.Criteria) { c.AcceptanceThreshold = "" }), []string{"acceptance_threshold"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := c.c.Validate()
			require.True(t, apperr.Is(err, apperr.Invalid), "got %v", err)
			require.Equal(t, c.fields, fieldNames(err))
		})
	}
	small := risk.Criteria{LikelihoodLabels: []string{"Low", "High"}, LikelihoodDescriptions: []string{"", ""},
		ImpactLabels: []string{"Minor", "Moderate", "Major"}, ImpactDescriptions: []string{"", "", ""},
		Levels: []string{"low", "medium", "high", "medium", "high", "critical"}, AcceptanceThreshold: "low"}
	require.NoError(t, small.Validate())
	require.Equal(t, "critical", small.Level(2, 3))
	require.Equal(t, "medium", small.Level(1, 2))
}

func TestLoadCriteriaDefaultsUntilSaved(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tn := pgtest.NewTenancy(t)
	tn.Tx(t, func(tx *postgres.Tx) error {
		c, err := risk.LoadCriteria(ctx, tx)
		require.NoError(t, err)
		require.True(t, c.Default)
		require.Equal(t, risk.DefaultCriteria().Levels, c.Levels)
		return nil
	})
}

// TestSaveCriteriaRelevelsEveryRisk: changing the matrix changes the stored levels of
// existing risks (archived ones too), and one audit entry records the change and how many
// risks changed level.
func TestSaveCriteriaRelevelsEveryRisk(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tn := pgtest.NewTenancy(t)
	sys := addSystem(t, tn, "Triage model")
	a := createRisk(t, tn, riskIn(sys, 3, 3, 2, 2)) // medium, residual low
	b := createRisk(t, tn, riskIn(sys, 5, 5, 0, 0)) // critical, no residual
	c := createRisk(t, tn, riskIn(sys, 1, 1, 0, 0)) // low
	d := createRisk(t, tn, riskIn(sys, 3, 3, 0, 0)) // medium, then archived
	tn.Tx(t, func(tx *postgres.Tx) error { _, err := risk.SetArchived(ctx, tx, d.ID, true); return err })

	crit := risk.DefaultCriteria()
	crit.Levels[2*5+2] = "high"   // 3 × 3: medium → high
	crit.Levels[1*5+1] = "medium" // 2 × 2: low → medium
	crit.LikelihoodLabels[0] = "Very rare"
	var changed []risk.Relevelled
	tn.Tx(t, func(tx *postgres.Tx) error {
		var err error
		_, changed, err = risk.SaveCriteria(ctx, tx, crit)
		return err
	})
	require.Equal(t, []risk.Relevelled{
		{Ref: a.Ref, InherentBefore: "medium", InherentAfter: "high", ResidualBefore: "low", ResidualAfter: "medium"},
		{Ref: d.Ref, InherentBefore: "medium", InherentAfter: "high"},
	}, changed)

	tn.Tx(t, func(tx *postgres.Tx) error {
		for _, want := range []struct {
			id                 risk.Risk
			inherent, residual string
		}{{a, "high", "medium"}, {b, "critical", ""}, {c, "low", ""}, {d, "high", ""}} {
			got, err := risk.Find(ctx, tx, want.id.ID)
			require.NoError(t, err)
			require.Equal(t, want.inherent, got.InherentLevel, got.Reference())
			require.Equal(t, want.residual, got.ResidualLevel, got.Reference())
		}
		saved, err := risk.LoadCriteria(ctx, tx)
		require.NoError(t, err)
		require.False(t, saved.Default)
		require.Equal(t, "Very rare", saved.LikelihoodLabels[0])

		h, err := auditlog.History(ctx, tx, risk.CriteriaObject, tx.TenantID.String(), 10)
		require.NoError(t, err)
		require.Len(t, h, 1)
		require.Equal(t, "risk-criteria.update", h[0].Action)
		require.Contains(t, h[0].ObjectLabel, "2 risks changed level")
		var after map[string]any
		require.NoError(t, json.Unmarshal(h[0].After, &after))
		require.EqualValues(t, 2, after["risks_changed_level"])
		var before map[string]any
		require.NoError(t, json.Unmarshal(h[0].Before, &before))
		require.Equal(t, true, before["product_default"])
		require.Equal(t, "Rare", before["likelihood_labels"].([]any)[0])
		return nil
	})

	// Saving the same criteria again changes no level, and says so.
	tn.Tx(t, func(tx *postgres.Tx) error {
		_, again, err := risk.SaveCriteria(ctx, tx, crit)
		require.Empty(t, again)
		return err
	})
}

func TestSaveCriteriaRefusesToDropRatingsInUse(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tn := pgtest.NewTenancy(t)
	sys := addSystem(t, tn, "Fraud model")
	createRisk(t, tn, riskIn(sys, 5, 2, 0, 0))
	createRisk(t, tn, riskIn(sys, 2, 2, 1, 5))
	createRisk(t, tn, riskIn(sys, 1, 5, 1, 1))

	four := risk.Criteria{LikelihoodLabels: []string{"A", "B", "C", "D"}, LikelihoodDescriptions: make([]string, 4),
		ImpactLabels: []string{"1", "2", "3", "4"}, ImpactDescriptions: make([]string, 4),
		Levels: slices.Repeat([]string{"medium"}, 16), AcceptanceThreshold: "low"}
	err := tn.Try(func(tx *postgres.Tx) error { _, _, err := risk.SaveCriteria(ctx, tx, four); return err })
	require.True(t, apperr.Is(err, apperr.Invalid), "got %v", err)
	require.Equal(t, []string{"likelihood_labels", "impact_labels"}, fieldNames(err))
	msgs := apperr.FieldsOf(err)
	require.Contains(t, msgs["likelihood_labels"], "1 risk is rated above likelihood 4")
	require.Contains(t, msgs["impact_labels"], "2 risks are rated above impact 4")

	tn.Tx(t, func(tx *postgres.Tx) error {
		c, err := risk.LoadCriteria(ctx, tx)
		require.True(t, c.Default, "nothing saved")
		return err
	})
}
