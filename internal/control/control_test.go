package control_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/openaims/openaims/internal/apperr"
	"github.com/openaims/openaims/internal/catalog"
	"github.com/openaims/openaims/internal/control"
	"github.com/openaims/openaims/internal/postgres"
	"github.com/openaims/openaims/internal/postgres/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// seeded returns a tenancy whose tenant has its Annex A controls, as every real tenant has.
func seeded(t *testing.T, db *postgres.DB) pgtest.Tenancy {
	t.Helper()
	tn := pgtest.AddTenancy(t, db)
	tn.Tx(t, func(tx *postgres.Tx) error { return control.SeedAnnexA(context.Background(), tx) })
	return tn
}

// byCode returns the tenant's control with code.
func byCode(t *testing.T, tn pgtest.Tenancy, code string) control.Control {
	t.Helper()
	var out control.Control
	tn.Tx(t, func(tx *postgres.Tx) error {
		var id uuid.UUID
		if err := tx.QueryRow(context.Background(), `SELECT id FROM controls WHERE tenant_id = $1 AND code = $2`, tx.TenantID, code).Scan(&id); err != nil {
			return err
		}
		var err error
		out, err = control.Find(context.Background(), tx, id)
		return err
	})
	return out
}

func fieldNames(err error) []string {
	var e *apperr.Error
	if !errors.As(err, &e) {
		return nil
	}
	var out []string
	for _, f := range e.Fields {
		out = append(out, f.Field)
	}
	return out
}

func TestSeedAnnexA(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := pgtest.New(t)
	a, b := seeded(t, db), seeded(t, db)

	want := catalog.MustLoad().Controls()
	require.Len(t, want, 38)
	for _, tn := range []pgtest.Tenancy{a, b} {
		var got []control.Control
		tn.Tx(t, func(tx *postgres.Tx) error {
			return control.EachControl(ctx, tx, postgres.Filter{Sort: "code"}, func(c control.Control) error { got = append(got, c); return nil })
		})
		require.Len(t, got, 38, "every tenant has the 38 Annex A controls")
		for i, c := range got {
			require.Equal(t, want[i].ID, c.Code, "published order")
			require.Equal(t, want[i].Title, c.Title)
			require.Equal(t, want[i].ObjectiveID, c.ObjectiveID)
			require.Equal(t, want[i].ObjectiveTitle, c.ObjectiveTitle)
			require.True(t, c.AnnexA)
			require.Equal(t, i+1, c.Position)
			require.Equal(t, control.Undecided, c.Applicability, "not decided until someone decides")
			require.Equal(t, "not_started", c.ImplementationStatus)
			require.Empty(t, c.CreatedBy, "seeded from the catalog, not by a user")
		}
	}

	// Seeding again adds nothing and records nothing; the trail has the one seed entry.
	seeds := func(tn pgtest.Tenancy) (n int) {
		tn.Tx(t, func(tx *postgres.Tx) error {
			return tx.QueryRow(ctx, `SELECT count(*) FROM audit_events WHERE tenant_id = $1 AND action = 'controls.seed'`, tx.TenantID).Scan(&n)
		})
		return n
	}
	require.Equal(t, 1, seeds(a))
	tn := a
	tn.Tx(t, func(tx *postgres.Tx) error { return control.SeedAnnexA(ctx, tx) })
	require.Equal(t, 1, seeds(a))
	var n int
	a.Tx(t, func(tx *postgres.Tx) error {
		return tx.QueryRow(ctx, `SELECT count(*) FROM controls WHERE tenant_id = $1`, tx.TenantID).Scan(&n)
	})
	require.Equal(t, 38, n)

	// A decision survives a re-seed.
	c := byCode(t, a, "A.6.2.4")
	a.Tx(t, func(tx *postgres.Tx) error {
		c.Applicability, c.InclusionReasons, c.ImplementationStatus = control.Applicable, []string{"legal"}, "planned"
		_, err := control.Update(ctx, tx, c.ID, c)
		return err
	})
	a.Tx(t, func(tx *postgres.Tx) error { return control.SeedAnnexA(ctx, tx) })
	require.Equal(t, control.Applicable, byCode(t, a, "A.6.2.4").Applicability)
}

func TestStatementOfApplicabilityDecisions(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tn := seeded(t, pgtest.New(t))
	c := byCode(t, tn, "A.7.2")

	invalid := []struct {
		name   string
		edit   func(*control.Control)
		fields []string
	}{
		{"excluded without justification", func(c *control.Control) { c.Applicability = control.Excluded; c.Justification = "  " }, []string{"justification"}},
		{"included without a reason", func(c *control.Control) { c.Applicability = control.Applicable }, []string{"inclusion_reasons"}},
		{"other reason unexplained", func(c *control.Control) {
			c.Applicability, c.InclusionReasons = control.Applicable, []string{"other"}
		}, []string{"justification"}},
		{"unknown reason", func(c *control.Control) {
			c.Applicability, c.InclusionReasons = control.Applicable, []string{"whim"}
		}, []string{"inclusion_reasons"}},
		{"unknown status", func(c *control.Control) { c.ImplementationStatus = "done-ish" }, []string{"implementation_status"}},
		{"unknown decision", func(c *control.Control) { c.Applicability = "maybe" }, []string{"applicability"}},
	}
	for _, tc := range invalid {
		t.Run(tc.name, func(t *testing.T) {
			in := c
			tc.edit(&in)
			err := tn.Try(func(tx *postgres.Tx) error { _, err := control.Update(ctx, tx, c.ID, in); return err })
			require.True(t, apperr.Is(err, apperr.Invalid), "got %v", err)
			require.Equal(t, tc.fields, fieldNames(err))
		})
	}

	// The database refuses an unjustified exclusion too, whatever code writes it.
	err := tn.Try(func(tx *postgres.Tx) error {
		_, err := tx.Exec(ctx, `UPDATE controls SET applicable = false, justification = ' ' WHERE tenant_id = $1 AND id = $2`, tx.TenantID, c.ID)
		return err
	})
	require.ErrorContains(t, err, "check")

	// An exclusion with its reason is saved; reasons for inclusion are dropped with it.
	var out control.Control
	tn.Tx(t, func(tx *postgres.Tx) (err error) {
		in := c
		in.Title = "Renamed by a form" // Annex A titles come from the catalog
		in.Applicability, in.Justification, in.InclusionReasons = control.Excluded, " We use no data for development. ", []string{"legal"}
		out, err = control.Update(ctx, tx, c.ID, in)
		return err
	})
	require.Equal(t, control.Excluded, out.Applicability)
	require.Equal(t, "We use no data for development.", out.Justification)
	require.Empty(t, out.InclusionReasons)
	require.Equal(t, c.Title, out.Title, "an Annex A control keeps the catalog's title")
	require.NotEmpty(t, out.UpdatedBy)

	// Undecided again: the decision is cleared.
	tn.Tx(t, func(tx *postgres.Tx) (err error) {
		in := out
		in.Applicability = "undecided"
		out, err = control.Update(ctx, tx, c.ID, in)
		return err
	})
	require.Equal(t, control.Undecided, out.Applicability)
}

func TestCustomControlsAndArchiving(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tn := seeded(t, pgtest.New(t))

	var first, second control.Control
	tn.Tx(t, func(tx *postgres.Tx) (err error) {
		first, err = control.Create(ctx, tx, control.Control{Title: " Model cards for every release ", ObjectiveID: "A.6.2",
			Applicability: control.Applicable, InclusionReasons: []string{"treatment"}, ImplementationStatus: "planned"})
		if err != nil {
			return err
		}
		second, err = control.Create(ctx, tx, control.Control{Title: "Board AI briefing", ImplementationStatus: "not_started"})
		return err
	})
	require.Equal(t, "CUS-1", first.Code)
	require.Equal(t, control.CustomPositionBase+1, first.Position)
	require.Equal(t, "Model cards for every release", first.Title)
	require.Equal(t, "AI system life-cycle stages", first.ObjectiveTitle)
	require.False(t, first.AnnexA)
	require.Equal(t, "CUS-2", second.Code)
	require.Empty(t, second.ObjectiveID)

	err := tn.Try(func(tx *postgres.Tx) error {
		_, err := control.Create(ctx, tx, control.Control{Title: "", ObjectiveID: "A.99", ImplementationStatus: "planned"})
		return err
	})
	require.Equal(t, []string{"title", "objective_id"}, fieldNames(err))

	// Annex A controls cannot be archived; custom ones can, and are then read-only.
	annex := byCode(t, tn, "A.2.2")
	err = tn.Try(func(tx *postgres.Tx) error { _, err := control.SetArchived(ctx, tx, annex.ID, true); return err })
	require.True(t, apperr.Is(err, apperr.Conflict), "got %v", err)
	require.ErrorContains(t, err, "A.2.2 is an Annex A control and cannot be archived")

	tn.Tx(t, func(tx *postgres.Tx) error { _, err := control.SetArchived(ctx, tx, second.ID, true); return err })
	err = tn.Try(func(tx *postgres.Tx) error { _, err := control.Update(ctx, tx, second.ID, second); return err })
	require.True(t, apperr.Is(err, apperr.Conflict))
	var live postgres.Page[control.Control]
	tn.Tx(t, func(tx *postgres.Tx) (err error) {
		live, err = control.ListControls(ctx, tx, postgres.Filter{Fields: map[string]string{"kind": "custom"}})
		return err
	})
	require.Equal(t, 1, live.Total, "archived controls leave the list")

	// Filters: kind, applicability, objective; sort by title. Checked outside the
	// transaction: a failed require inside it would leave it open.
	list := func(f postgres.Filter) (page postgres.Page[control.Control]) {
		tn.Tx(t, func(tx *postgres.Tx) (err error) { page, err = control.ListControls(ctx, tx, f); return err })
		return page
	}
	count := func(fields map[string]string) int { return list(postgres.Filter{Fields: fields}).Total }
	a62 := 0
	for _, c := range catalog.MustLoad().Controls() {
		if c.ObjectiveID == "A.6.2" {
			a62++
		}
	}
	require.Equal(t, 38, count(map[string]string{"kind": "annex_a"}))
	require.Equal(t, 1, count(map[string]string{"applicability": "yes"}))
	require.Equal(t, 38, count(map[string]string{"applicability": "undecided"}))
	require.Equal(t, a62+1, count(map[string]string{"objective": "A.6.2"}), "the Annex A controls of A.6.2 and CUS-1")
	require.Equal(t, 1, count(map[string]string{"status": "planned"}))
	require.Equal(t, 1, count(map[string]string{"kind": "custom", "status": "archived"}))
	require.True(t, slicesSortedByTitle(list(postgres.Filter{Sort: "title"}).Items))
	require.Equal(t, "A.10.4", list(postgres.Filter{Sort: "code", Desc: true, Fields: map[string]string{"kind": "annex_a"}}).Items[0].Code)
}

func TestStatementOfApplicabilityGroups(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tn := seeded(t, pgtest.New(t))
	decide := func(code, applicability, status string, reasons ...string) {
		c := byCode(t, tn, code)
		c.Applicability, c.ImplementationStatus, c.InclusionReasons = applicability, status, reasons
		if applicability == control.Excluded {
			c.Justification = "Not relevant to us."
		}
		tn.Tx(t, func(tx *postgres.Tx) error { _, err := control.Update(ctx, tx, c.ID, c); return err })
	}
	decide("A.2.2", control.Applicable, "implemented", "legal")
	decide("A.6.1.2", control.Applicable, "partially_implemented", "treatment")
	decide("A.6.2.4", control.Applicable, "planned", "treatment", "legal")
	decide("A.10.4", control.Applicable, "not_started", "legal")
	decide("A.7.5", control.Excluded, "not_started")
	tn.Tx(t, func(tx *postgres.Tx) error {
		_, err := control.Create(ctx, tx, control.Control{Title: "Red-team exercise", ImplementationStatus: "not_started"})
		if err != nil {
			return err
		}
		_, err = control.Create(ctx, tx, control.Control{Title: "Prompt library review", ObjectiveID: "A.9", ImplementationStatus: "not_started"})
		return err
	})

	var st control.Statement
	tn.Tx(t, func(tx *postgres.Tx) (err error) { st, err = control.StatementOfApplicability(ctx, tx); return err })
	var ids []string
	for _, g := range st.Groups {
		ids = append(ids, g.ID)
	}
	require.Equal(t, []string{"A.2", "A.3", "A.4", "A.5", "A.6.1", "A.6.2", "A.7", "A.8", "A.9", "A.10", ""}, ids,
		"objectives in published order, A.6.1 and A.6.2 apart, then custom controls")
	last := st.Groups[len(st.Groups)-1]
	require.Equal(t, "Custom controls", last.Title)
	require.Len(t, last.Controls, 1)
	require.Equal(t, "CUS-1", last.Controls[0].Code)
	a9 := st.Groups[8]
	require.Equal(t, "CUS-2", a9.Controls[len(a9.Controls)-1].Code, "a custom control with an objective sits in its group, after Annex A")
	require.Equal(t, "A.6.2.2", st.Groups[5].Controls[0].Code)
	require.Equal(t, control.Summary{Total: 40, Applicable: 4, Excluded: 1, Undecided: 35,
		Implemented: 1, PartiallyImplemented: 1, Planned: 1, NotStarted: 1}, st.Summary)
}

func slicesSortedByTitle(cs []control.Control) bool {
	for i := 1; i < len(cs); i++ {
		if strings.ToLower(cs[i-1].Title) > strings.ToLower(cs[i].Title) {
			return false
		}
	}
	return len(cs) > 1
}
