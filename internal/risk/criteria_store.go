package risk

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/openaims/openaims/internal/apperr"
	"github.com/openaims/openaims/internal/auditlog"
	"github.com/openaims/openaims/internal/postgres"
)

// CriteriaObject is the object type of the risk criteria in the audit trail.
const CriteriaObject = "risk-criteria"

const criteriaQuery = `SELECT c.likelihood_labels, c.likelihood_descriptions, c.impact_labels, c.impact_descriptions,
		c.levels, c.acceptance_threshold, c.updated_at, u.display_name
	FROM risk_criteria c JOIN users u ON u.id = c.updated_by WHERE c.tenant_id = $1`

func queueCriteria(batch *pgx.Batch, tx *postgres.Tx) {
	batch.Queue(criteriaQuery, tx.TenantID)
}

// scanCriteria reads the tenant's criteria, or the defaults when it has saved none.
func scanCriteria(row pgx.Row) (Criteria, error) {
	var c Criteria
	err := row.Scan(&c.LikelihoodLabels, &c.LikelihoodDescriptions, &c.ImpactLabels, &c.ImpactDescriptions,
		&c.Levels, &c.AcceptanceThreshold, &c.UpdatedAt, &c.UpdatedBy)
	if postgres.IsNoRows(err) {
		return DefaultCriteria(), nil
	}
	if err != nil {
		return Criteria{}, fmt.Errorf("risk: load criteria: %w", err)
	}
	return c, nil
}

// LoadCriteria returns the tenant's risk criteria, or DefaultCriteria until an
// administrator has saved them.
func LoadCriteria(ctx context.Context, tx *postgres.Tx) (Criteria, error) {
	return scanCriteria(tx.QueryRow(ctx, criteriaQuery, tx.TenantID))
}

// criteriaForWrite returns the criteria a risk is about to be rated on, share-locked so
// that a change of criteria waits until the rating is stored (and then re-evaluates it).
func criteriaForWrite(ctx context.Context, tx *postgres.Tx) (Criteria, error) {
	return scanCriteria(tx.QueryRow(ctx, criteriaQuery+` FOR SHARE OF c`, tx.TenantID))
}

// Relevelled is a risk whose level changed when the criteria changed.
type Relevelled struct {
	Ref            int    `json:"ref"`
	InherentBefore string `json:"inherent_before"`
	InherentAfter  string `json:"inherent_after"`
	ResidualBefore string `json:"residual_before"`
	ResidualAfter  string `json:"residual_after"`
}

// criteriaChange is the criteria as the audit trail records them; after a save, with the
// risks whose levels changed.
type criteriaChange struct {
	Criteria
	Default       bool         `json:"product_default"`
	RisksChanged  *int         `json:"risks_changed_level,omitempty"`
	ChangedLevels []Relevelled `json:"changed_levels,omitempty"`
}

// SaveCriteria validates and stores the tenant's criteria and, in the same transaction,
// re-evaluates the inherent and residual level of every risk (archived ones too) on the new
// matrix with one UPDATE. A scale may not shrink below ratings risks still use: the save
// is refused with a message saying how many risks to re-assess first. One audit entry
// records the criteria before and after and how many risks changed level. It returns the
// saved criteria and the risks whose level changed.
func SaveCriteria(ctx context.Context, tx *postgres.Tx, c Criteria) (Criteria, []Relevelled, error) {
	c.Normalize()
	if err := c.Validate(); err != nil {
		return Criteria{}, nil, err
	}
	// The row lock serialises saves with each other and with risk writes, which read the
	// criteria FOR SHARE, so no risk is rated on criteria being replaced. (Before the first
	// save there is no row to lock; the primary key still serialises two first saves.)
	before, err := scanCriteria(tx.QueryRow(ctx, criteriaQuery+` FOR UPDATE OF c`, tx.TenantID))
	if err != nil {
		return Criteria{}, nil, err
	}
	if err := checkRatingsInUse(ctx, tx, c); err != nil {
		return Criteria{}, nil, err
	}
	_, err = tx.Exec(ctx, `INSERT INTO risk_criteria (tenant_id, likelihood_labels, likelihood_descriptions, impact_labels,
			impact_descriptions, levels, acceptance_threshold, updated_by, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
		ON CONFLICT (tenant_id) DO UPDATE SET likelihood_labels = excluded.likelihood_labels,
			likelihood_descriptions = excluded.likelihood_descriptions, impact_labels = excluded.impact_labels,
			impact_descriptions = excluded.impact_descriptions, levels = excluded.levels,
			acceptance_threshold = excluded.acceptance_threshold, updated_by = excluded.updated_by,
			updated_at = excluded.updated_at`,
		tx.TenantID, c.LikelihoodLabels, c.LikelihoodDescriptions, c.ImpactLabels, c.ImpactDescriptions, c.Levels,
		c.AcceptanceThreshold, tx.Actor.UserID, tx.Now)
	if err != nil {
		return Criteria{}, nil, fmt.Errorf("risk: save criteria: %w", err)
	}
	changed, err := relevel(ctx, tx, c)
	if err != nil {
		return Criteria{}, nil, err
	}
	after, err := LoadCriteria(ctx, tx)
	if err != nil {
		return Criteria{}, nil, err
	}
	n := len(changed)
	return after, changed, auditlog.Record(ctx, tx, auditlog.Event{Action: "risk-criteria.update", ObjectType: CriteriaObject,
		ObjectID: tx.TenantID.String(), ObjectLabel: fmt.Sprintf("Risk criteria (%d risks changed level)", n),
		Before: criteriaChange{Criteria: before, Default: before.Default},
		After:  criteriaChange{Criteria: after, RisksChanged: &n, ChangedLevels: changed}})
}

// checkRatingsInUse refuses criteria whose scales no longer hold ratings that risks, or
// their latest assessment, still use.
func checkRatingsInUse(ctx context.Context, tx *postgres.Tx, c Criteria) error {
	var likely, impact int
	err := tx.QueryRow(ctx, `SELECT
			count(*) FILTER (WHERE inherent_likelihood > $2 OR coalesce(residual_likelihood, 0) > $2),
			count(*) FILTER (WHERE inherent_impact > $3 OR coalesce(residual_impact, 0) > $3)
		FROM risks WHERE tenant_id = $1`, tx.TenantID, c.LikelihoodCount(), c.ImpactCount()).Scan(&likely, &impact)
	if err != nil {
		return fmt.Errorf("risk: ratings in use: %w", err)
	}
	var v apperr.Validation
	v.Check(likely == 0, "likelihood_labels", fmt.Sprintf("%s rated above likelihood %d, the top of the new scale. Re-assess %s before removing those points.",
		risksCount(likely), c.LikelihoodCount(), them(likely)))
	v.Check(impact == 0, "impact_labels", fmt.Sprintf("%s rated above impact %d, the top of the new scale. Re-assess %s before removing those points.",
		risksCount(impact), c.ImpactCount(), them(impact)))
	return v.Err()
}

func risksCount(n int) string {
	if n == 1 {
		return "1 risk is"
	}
	return fmt.Sprintf("%d risks are", n)
}

func them(n int) string {
	if n == 1 {
		return "it"
	}
	return "them"
}

// relevel sets every risk's levels from its ratings on c's matrix in one statement and
// returns the risks whose level changed, with the levels before and after. The subquery
// reads the rows as they were before the update, which is what gives the "before" levels.
func relevel(ctx context.Context, tx *postgres.Tx, c Criteria) ([]Relevelled, error) {
	var raw []byte
	err := tx.QueryRow(ctx, `WITH changed AS (
			UPDATE risks r SET inherent_level = n.inherent_after, residual_level = n.residual_after
			FROM (SELECT id, inherent_level AS inherent_before, residual_level AS residual_before,
					($2::text[])[(inherent_likelihood - 1) * $3 + inherent_impact] AS inherent_after,
					($2::text[])[(residual_likelihood - 1) * $3 + residual_impact] AS residual_after
				FROM risks WHERE tenant_id = $1) n
			WHERE r.tenant_id = $1 AND r.id = n.id
				AND (r.inherent_level, r.residual_level) IS DISTINCT FROM (n.inherent_after, n.residual_after)
			RETURNING r.ref, n.inherent_before, n.inherent_after, n.residual_before, n.residual_after)
		SELECT coalesce(json_agg(json_build_object('ref', ref, 'inherent_before', inherent_before,
			'inherent_after', inherent_after, 'residual_before', coalesce(residual_before, ''),
			'residual_after', coalesce(residual_after, '')) ORDER BY ref), '[]') FROM changed`,
		tx.TenantID, c.Levels, c.ImpactCount()).Scan(&raw)
	if err != nil {
		return nil, fmt.Errorf("risk: re-evaluate levels: %w", err)
	}
	var out []Relevelled
	if err := json.Unmarshal(raw, &out); err != nil {
		return nil, fmt.Errorf("risk: re-evaluate levels: %w", err)
	}
	return out, nil
}
