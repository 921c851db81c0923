package record

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/openaims/openaims/internal/apperr"
	"github.com/openaims/openaims/internal/postgres"
)

// ParseRef reads one record reference as a user types it, for the given prefix ("AIS"):
// "AIS-12", "ais 12" and "12" are all 12.
func ParseRef(s, prefix string) (int, bool) {
	s = strings.TrimSpace(strings.ToUpper(s))
	s = strings.TrimLeft(strings.TrimPrefix(s, prefix), "- ")
	n, err := strconv.Atoi(s)
	return n, err == nil && n > 0
}

// ParseRefs reads references separated by commas, semicolons or new lines, each once:
// "RISK-12, risk 40; 7" is 12, 40 and 7. It fails on anything else.
func ParseRefs(s, prefix string) ([]int, bool) {
	var refs []int
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ';' || r == '\n' }) {
		if strings.TrimSpace(f) == "" {
			continue
		}
		n, ok := ParseRef(f, prefix)
		if !ok {
			return nil, false
		}
		if !slices.Contains(refs, n) {
			refs = append(refs, n)
		}
	}
	return refs, true
}

// ByRef is how a form field names records by reference: the table, the reference prefix,
// what a record is called in messages ("risk"), the field and the most references it takes.
type ByRef struct {
	Table, Prefix, Noun, Field string
	Max                        int
}

// Resolve returns the ids of the tenant's records the references typed name, as strings
// the way a form sends them. A typing error or a reference no record has is a validation
// error on the field; the table's own tenant condition keeps other tenants' records out.
func (b ByRef) Resolve(ctx context.Context, tx *postgres.Tx, typed string) ([]string, error) {
	refs, ok := ParseRefs(typed, b.Prefix)
	if !ok {
		return nil, b.invalid(fmt.Sprintf("Enter %s references such as %s-12, separated by commas", b.Noun, b.Prefix))
	}
	if len(refs) > b.Max {
		return nil, b.invalid(fmt.Sprintf("Enter at most %d references", b.Max))
	}
	if len(refs) == 0 {
		return nil, nil
	}
	rows, _ := tx.Query(ctx, `SELECT ref, id::text FROM `+b.Table+` WHERE tenant_id = $1 AND ref = ANY ($2)`, tx.TenantID, refs)
	found := map[int]string{}
	var ref int
	var id string
	if _, err := pgx.ForEachRow(rows, []any{&ref, &id}, func() error { found[ref] = id; return nil }); err != nil {
		return nil, fmt.Errorf("%s: references: %w", b.Table, err)
	}
	var ids, missing []string
	for _, n := range refs {
		if id, ok := found[n]; ok {
			ids = append(ids, id)
		} else {
			missing = append(missing, b.Prefix+"-"+strconv.Itoa(n))
		}
	}
	if len(missing) > 0 {
		return nil, b.invalid("No " + b.Noun + " has the reference " + strings.Join(missing, ", "))
	}
	return ids, nil
}

func (b ByRef) invalid(message string) error {
	var v apperr.Validation
	v.Add(b.Field, message)
	return v.Err()
}
