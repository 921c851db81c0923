package control

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/openaims/openaims/internal/postgres"
)

// Group is one objective of the Statement of Applicability with its controls; custom
// controls without an objective form the last group, with an empty ID.
type Group struct {
	ID, Title string
	Controls  []Control
}

// Summary counts the decisions of the Statement of Applicability, and the implementation
// status of the applicable controls.
type Summary struct {
	Total, Applicable, Excluded, Undecided                 int
	Implemented, PartiallyImplemented, Planned, NotStarted int
}

// Statement is the Statement of Applicability (6.1.3 d): every live control grouped by
// objective in published order, with its decision, how many live treatments use it and the
// first few of them (TreatmentCount and Treatments of each control).
type Statement struct {
	Groups  []Group
	Summary Summary
}

// SoATreatments is how many of the treatments that use a control the Statement of
// Applicability names; it counts them all and links to the treatments list for the rest.
const SoATreatments = 3

// treatmentSample is the JSON of the first few live treatments (by id, then shown by
// reference) that use control c, up to $2: an index-only scan of
// treatment_controls_control_treatment_idx that stops after them, so the statement costs the
// same whatever the number of treatments that use a control.
const treatmentSample = `(SELECT coalesce(json_agg(json_build_object('id', s.id, 'ref', s.ref, 'title', s.title, 'status', s.status)
		ORDER BY s.ref), '[]')
	FROM (SELECT t.id, t.ref, t.title, t.status
		FROM treatment_controls x JOIN treatments t ON t.tenant_id = x.tenant_id AND t.id = x.treatment_id
		WHERE x.tenant_id = c.tenant_id AND x.control_id = c.id AND t.archived_at IS NULL
		ORDER BY x.treatment_id LIMIT $2) s)`

// StatementOfApplicability reads every live control of the tenant, each with its count of
// live treatments and the first SoATreatments of them, in one query, and groups them: A.2 …
// A.10 (A.6.1 and A.6.2 apart), custom controls under the objective they name, and the
// others last.
func StatementOfApplicability(ctx context.Context, tx *postgres.Tx) (Statement, error) {
	rows, err := tx.Query(ctx, `SELECT `+columns+`, `+treatmentSample+`
		FROM `+from+` WHERE c.tenant_id = $1 AND c.archived_at IS NULL ORDER BY c.position, c.id`, tx.TenantID, SoATreatments)
	if err != nil {
		return Statement{}, fmt.Errorf("control: statement of applicability: %w", err)
	}
	controls, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (Control, error) {
		var c Control
		return c, row.Scan(append(scan(&c), &c.Treatments)...)
	})
	if err != nil {
		return Statement{}, fmt.Errorf("control: statement of applicability: %w", err)
	}
	return group(controls), nil
}

// EachInStatement streams the Statement of Applicability to fn for the CSV export: every
// live control in the statement's order, with the group it is in and, in its Treatments,
// every live treatment that uses it (by reference). Rows are read as they are written, so
// memory stays flat whatever the number of treatments.
func EachInStatement(ctx context.Context, tx *postgres.Tx, fn func(Group, Control) error) error {
	objectives := Objectives()
	ids := make([]string, len(objectives))
	for i, o := range objectives {
		ids[i] = o.Value
	}
	// The group of a control is its objective's position in published order; custom
	// controls without a known objective come last, as group arranges them.
	rows, err := tx.Query(ctx, `SELECT `+columns+`,
			(SELECT coalesce(json_agg(json_build_object('id', t.id, 'ref', t.ref, 'title', t.title, 'status', t.status)
				ORDER BY t.ref), '[]')
			FROM treatment_controls x JOIN treatments t ON t.tenant_id = x.tenant_id AND t.id = x.treatment_id
			WHERE x.tenant_id = c.tenant_id AND x.control_id = c.id AND t.archived_at IS NULL)
		FROM `+from+` WHERE c.tenant_id = $1 AND c.archived_at IS NULL
		ORDER BY array_position($2::text[], c.objective_id) NULLS LAST, c.position, c.id`, tx.TenantID, ids)
	if err != nil {
		return fmt.Errorf("control: export statement of applicability: %w", err)
	}
	defer rows.Close()
	custom := Group{Title: "Custom controls"}
	for rows.Next() {
		var c Control
		if err := rows.Scan(append(scan(&c), &c.Treatments)...); err != nil {
			return fmt.Errorf("control: export statement of applicability: %w", err)
		}
		g := custom
		if title, ok := objectiveTitle(c.ObjectiveID); ok {
			g = Group{ID: c.ObjectiveID, Title: title}
		}
		if err := fn(g, c); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("control: export statement of applicability: %w", err)
	}
	return nil
}

// group arranges controls (in published order) into the statement's groups and counts them.
func group(controls []Control) Statement {
	var st Statement
	index := map[string]int{}
	for _, o := range Objectives() {
		index[o.Value] = len(st.Groups)
		title, _ := objectiveTitle(o.Value)
		st.Groups = append(st.Groups, Group{ID: o.Value, Title: title})
	}
	custom := Group{Title: "Custom controls"}
	for _, c := range controls {
		if i, ok := index[c.ObjectiveID]; ok {
			st.Groups[i].Controls = append(st.Groups[i].Controls, c)
		} else {
			custom.Controls = append(custom.Controls, c)
		}
		st.Summary.add(c)
	}
	if len(custom.Controls) > 0 {
		st.Groups = append(st.Groups, custom)
	}
	return st
}

func (s *Summary) add(c Control) {
	s.Total++
	switch c.Applicability {
	case Applicable:
		s.Applicable++
		switch c.ImplementationStatus {
		case "implemented":
			s.Implemented++
		case "partially_implemented":
			s.PartiallyImplemented++
		case "planned":
			s.Planned++
		default:
			s.NotStarted++
		}
	case Excluded:
		s.Excluded++
	default:
		s.Undecided++
	}
}
