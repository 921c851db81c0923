package risk

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/openaims/openaims/internal/postgres"
)

// HeatCell is one cell of a heat map: a likelihood and impact on the tenant's scales, the
// level band the criteria give it, and how many risks are rated there.
type HeatCell struct {
	Likelihood, Impact int
	Level              string
	Count              int
}

// HeatMap counts the tenant's live (not archived) risks per cell of its own matrix, by
// inherent or by residual rating.
type HeatMap struct {
	Residual bool
	Criteria Criteria
	// Rows run from the most likely row down, as a heat map is read; each row's cells run
	// from the least to the most severe impact.
	Rows [][]HeatCell
	// Rated is the number of risks counted; Unrated those without a residual rating.
	Rated, Unrated int
}

// HeatMaps are the inherent and residual heat maps of the same moment.
type HeatMaps struct {
	Inherent, Residual HeatMap
}

// LoadHeatMaps reads the counts of live risks per inherent and per residual cell, with the
// criteria, in one round trip. The counts are kept per cell by triggers on risks (table
// risk_heat_counts, migration 000009), so the cost is that of the matrix, not the register.
func LoadHeatMaps(ctx context.Context, tx *postgres.Tx) (HeatMaps, error) {
	batch := &pgx.Batch{}
	queueCriteria(batch, tx)
	batch.Queue(`SELECT kind = 'residual', likelihood, impact, count FROM risk_heat_counts
		WHERE tenant_id = $1 AND count > 0`, tx.TenantID)
	res := tx.SendBatch(ctx, batch)
	defer res.Close()
	c, err := scanCriteria(res.QueryRow())
	if err != nil {
		return HeatMaps{}, err
	}
	rows, err := res.Query()
	if err != nil {
		return HeatMaps{}, fmt.Errorf("risk: heat map: %w", err)
	}
	counts := [2]map[[2]int]int{{}, {}}
	var residual bool
	var l, im, n int
	_, err = pgx.ForEachRow(rows, []any{&residual, &l, &im, &n}, func() error {
		k := 0
		if residual {
			k = 1
		}
		counts[k][[2]int{l, im}] = n
		return nil
	})
	if err != nil {
		return HeatMaps{}, fmt.Errorf("risk: heat map: %w", err)
	}
	return HeatMaps{Inherent: newHeatMap(c, false, counts[0]), Residual: newHeatMap(c, true, counts[1])}, nil
}

func newHeatMap(c Criteria, residual bool, counts map[[2]int]int) HeatMap {
	h := HeatMap{Residual: residual, Criteria: c}
	for l := c.LikelihoodCount(); l >= 1; l-- {
		row := make([]HeatCell, 0, c.ImpactCount())
		for i := 1; i <= c.ImpactCount(); i++ {
			n := counts[[2]int{l, i}]
			h.Rated += n
			row = append(row, HeatCell{Likelihood: l, Impact: i, Level: c.Level(l, i), Count: n})
		}
		h.Rows = append(h.Rows, row)
	}
	h.Unrated = counts[[2]int{0, 0}]
	return h
}

// Count is the number of risks in the cell at likelihood l and impact i.
func (h HeatMap) Count(l, i int) int {
	for _, row := range h.Rows {
		for _, c := range row {
			if c.Likelihood == l && c.Impact == i {
				return c.Count
			}
		}
	}
	return 0
}

// Filter is the list filter field of the map's cells: "cell" or "rcell".
func (h HeatMap) Filter() string {
	if h.Residual {
		return "rcell"
	}
	return "cell"
}
