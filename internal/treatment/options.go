package treatment

import (
	"context"
	"fmt"

	"github.com/google/uuid"

	"github.com/openaims/openaims/internal/postgres"
)

// LinkLabel is the reference and title of the risk, control or AI system ("system") a list
// is filtered by, or "" when there is no such record in the tenant.
func LinkLabel(ctx context.Context, tx *postgres.Tx, kind string, id uuid.UUID) (string, error) {
	var q string
	switch kind {
	case "risk":
		q = `SELECT 'RISK-' || ref || ' ' || title FROM risks WHERE tenant_id = $1 AND id = $2`
	case "control":
		q = `SELECT code || ' ' || title FROM controls WHERE tenant_id = $1 AND id = $2`
	case "system":
		q = `SELECT 'AIS-' || ref || ' ' || name FROM ai_systems WHERE tenant_id = $1 AND id = $2`
	default:
		return "", nil
	}
	var label string
	err := tx.QueryRow(ctx, q, tx.TenantID, id).Scan(&label)
	if postgres.IsNoRows(err) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("treatment: label of %s %s: %w", kind, id, err)
	}
	return label, nil
}
