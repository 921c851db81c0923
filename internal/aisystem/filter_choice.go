package aisystem

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/openaims/openaims/internal/postgres"
	"github.com/openaims/openaims/internal/record"
)

// FilterShown is how many AI systems a list's AI-system filter offers as a drop-down. A
// tenant with more gets a text field for the system's reference instead: a drop-down of
// a thousand systems is unusable and made the risk list five times heavier.
const FilterShown = 50

// FilterChoice is the AI-system filter of another register's list.
type FilterChoice struct {
	// Options are the tenant's systems when it has at most FilterShown, else nil.
	Options []Option
	// Selected is the system the filter names (by id or by reference), nil when it names
	// none or none exists.
	Selected *Option
}

// ParseReference reads an AI system's reference as a user types it: "AIS-12", "ais 12"
// or "12".
func ParseReference(s string) (int, bool) { return record.ParseRef(s, "AIS") }

// LoadFilterChoice reads the choices of an AI-system filter and the system its value
// names (an id, from a link, or a reference, typed) in one round trip.
func LoadFilterChoice(ctx context.Context, tx *postgres.Tx, value string) (FilterChoice, error) {
	batch := &pgx.Batch{}
	// By reference alone, so that the unique index on (tenant_id, ref) stops the read after
	// FilterShown+1 rows; archived systems are moved last below.
	batch.Queue(`SELECT id, ref, name, archived_at IS NOT NULL FROM ai_systems
		WHERE tenant_id = $1 ORDER BY ref LIMIT $2`, tx.TenantID, FilterShown+1)
	id, idErr := uuid.Parse(value)
	ref, refOK := ParseReference(value)
	lookup := idErr == nil || refOK
	if lookup {
		batch.Queue(`SELECT id, ref, name, archived_at IS NOT NULL FROM ai_systems
			WHERE tenant_id = $1 AND (id = $2 OR ref = $3)`, tx.TenantID, id, ref)
	}
	res := tx.SendBatch(ctx, batch)
	defer res.Close()
	var c FilterChoice
	rows, _ := res.Query()
	opts, err := pgx.CollectRows(rows, scanOption)
	if err != nil {
		return FilterChoice{}, fmt.Errorf("aisystem: filter choices: %w", err)
	}
	if len(opts) <= FilterShown {
		live := slices.DeleteFunc(slices.Clone(opts), func(o Option) bool { return o.Archived })
		c.Options = append(live, slices.DeleteFunc(opts, func(o Option) bool { return !o.Archived })...)
	}
	if lookup {
		rows, _ := res.Query()
		o, err := pgx.CollectExactlyOneRow(rows, scanOption)
		switch {
		case errors.Is(err, pgx.ErrNoRows):
		case err != nil:
			return FilterChoice{}, fmt.Errorf("aisystem: filter choice: %w", err)
		default:
			c.Selected = &o
		}
	}
	return c, nil
}

func scanOption(row pgx.CollectableRow) (Option, error) {
	var o Option
	return o, row.Scan(&o.ID, &o.Ref, &o.Name, &o.Archived)
}
