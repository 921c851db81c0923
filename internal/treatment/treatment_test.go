package treatment_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/openaims/openaims/internal/apperr"
	"github.com/openaims/openaims/internal/auditlog"
	"github.com/openaims/openaims/internal/control"
	"github.com/openaims/openaims/internal/postgres"
	"github.com/openaims/openaims/internal/postgres/pgtest"
	"github.com/openaims/openaims/internal/treatment"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

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

// fixture is a tenant with its Annex A controls, two risks of one AI system, and a third
// risk of no system.
type fixture struct {
	pgtest.Tenancy
	risks    [3]uuid.UUID
	system   uuid.UUID
	controls map[string]uuid.UUID // by code
}

func newFixture(t *testing.T, db *postgres.DB) fixture {
	t.Helper()
	ctx := context.Background()
	f := fixture{Tenancy: pgtest.AddTenancy(t, db), controls: map[string]uuid.UUID{}}
	f.Tx(t, func(tx *postgres.Tx) error {
		if err := control.SeedAnnexA(ctx, tx); err != nil {
			return err
		}
		if err := tx.QueryRow(ctx, `INSERT INTO ai_systems (tenant_id, ref, name, lifecycle_stage, org_role, eu_ai_act_class,
				in_scope, created_by, created_at, updated_by, updated_at)
			VALUES ($1, 1, 'Triage model', 'operation', 'provider', 'high_risk', true, $2, $3, $2, $3) RETURNING id`,
			tx.TenantID, tx.Actor.UserID, tx.Now).Scan(&f.system); err != nil {
			return err
		}
		for i, title := range []string{"Biased triage", "Model drift", "Supplier outage"} {
			if err := tx.QueryRow(ctx, `INSERT INTO risks (tenant_id, ref, title, risk_source, objective_affected,
					inherent_likelihood, inherent_impact, inherent_level, status, created_by, created_at, updated_by, updated_at)
				VALUES ($1, $2, $3, 'machine_learning_related', 'fairness', 4, 4, 'high', 'assessed', $4, $5, $4, $5) RETURNING id`,
				tx.TenantID, i+1, title, tx.Actor.UserID, tx.Now).Scan(&f.risks[i]); err != nil {
				return err
			}
			if i < 2 {
				if _, err := tx.Exec(ctx, `INSERT INTO risk_ai_systems (tenant_id, risk_id, system_id) VALUES ($1, $2, $3)`,
					tx.TenantID, f.risks[i], f.system); err != nil {
					return err
				}
			}
		}
		rows, err := tx.Query(ctx, `SELECT code, id FROM controls WHERE tenant_id = $1`, tx.TenantID)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var code string
			var id uuid.UUID
			if err := rows.Scan(&code, &id); err != nil {
				return err
			}
			f.controls[code] = id
		}
		return rows.Err()
	})
	return f
}

func (f fixture) plan(title string, risks []uuid.UUID, controls ...string) treatment.Treatment {
	t := treatment.Treatment{Title: title, Option: "modify", Status: "planned"}
	for _, r := range risks {
		t.RiskIDs = append(t.RiskIDs, r.String())
	}
	for _, c := range controls {
		t.ControlIDs = append(t.ControlIDs, f.controls[c].String())
	}
	return t
}

func TestTreatmentLifecycle(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := pgtest.New(t)
	f := newFixture(t, db)
	other := newFixture(t, db)

	in := f.plan("  Human review of low-confidence triage ", []uuid.UUID{f.risks[0], f.risks[1], f.risks[0]}, "A.6.2.4", "A.9.2")
	in.DueDate = "2020-01-31"
	in.Actions = []treatment.Action{
		{Title: "Define the confidence threshold", OwnerID: f.AdminID.String(), DueDate: "2020-01-15", Status: "done"},
		{}, // a blank row is dropped
		{Title: "Train the triage nurses", Status: "open"},
	}
	var tr treatment.Treatment
	f.Tx(t, func(tx *postgres.Tx) (err error) { tr, err = treatment.Create(ctx, tx, in); return err })
	require.Equal(t, 1, tr.Ref)
	require.Equal(t, "TRT-1 Human review of low-confidence triage", tr.Label())
	require.Len(t, tr.Risks, 2, "a risk named twice is linked once")
	require.Equal(t, "RISK-1", tr.Risks[0].Reference())
	require.Equal(t, []string{"A.6.2.4", "A.9.2"}, []string{tr.Controls[0].Code, tr.Controls[1].Code})
	require.Len(t, tr.Actions, 2)
	require.Equal(t, "Train the triage nurses", tr.Actions[1].Title)
	require.NotEmpty(t, tr.Actions[0].OwnerName)
	require.True(t, tr.Overdue, "open after its due date")
	require.Equal(t, "RISK-1, RISK-2", tr.RiskRefs)
	require.Equal(t, 1, tr.ActionsDone)

	// Both ends see the link: the risk's treatments and the control's, with what is beyond.
	var forRisk, forControl, forNone treatment.Linked
	f.Tx(t, func(tx *postgres.Tx) (err error) {
		if forRisk, err = treatment.ForRisk(ctx, tx, f.risks[1], 20); err != nil {
			return err
		}
		if forNone, err = treatment.ForRisk(ctx, tx, f.risks[2], 20); err != nil {
			return err
		}
		forControl, err = treatment.ForControl(ctx, tx, f.controls["A.9.2"], 20)
		return err
	})
	require.Len(t, forRisk.Items, 1)
	require.Equal(t, 1, forRisk.Total)
	require.Equal(t, "TRT-1", forRisk.Items[0].Reference())
	require.Equal(t, "A.6.2.4", forRisk.Items[0].Controls[0].Code)
	require.Equal(t, 2, forRisk.Items[0].ActionCount)
	require.Empty(t, forNone.Items)
	require.NotNil(t, forNone.Items)
	require.Zero(t, forNone.Total)
	require.Len(t, forControl.Items, 1)
	require.Len(t, forControl.Items[0].Risks, 2)
	require.Equal(t, []treatment.SystemLink{{ID: f.system, Ref: 1, Name: "Triage model"}}, forControl.Items[0].Systems,
		"the AI system of both risks, once")

	// The last action done: the plan's status stays as its owner set it.
	upd := tr
	upd.Actions[1].Status = "done"
	upd.EffectivenessCheck = "Sampled 50 reviewed cases in March."
	upd.Effectiveness = "effective"
	upd.RiskIDs = []string{f.risks[0].String()}
	var after treatment.Treatment
	f.Tx(t, func(tx *postgres.Tx) (err error) { after, err = treatment.Update(ctx, tx, tr.ID, upd); return err })
	require.Equal(t, "planned", after.Status, "no automatic status change")
	require.True(t, after.AllActionsDone())
	require.Len(t, after.Risks, 1)

	// The history reads as text.
	var hist []auditlog.Entry
	f.Tx(t, func(tx *postgres.Tx) (err error) {
		hist, err = auditlog.History(ctx, tx, treatment.Object, tr.ID.String(), 10)
		return err
	})
	require.Len(t, hist, 2)
	changes := map[string]auditlog.Change{}
	for _, c := range hist[0].Changes() {
		changes[c.Field] = c
	}
	require.Equal(t, "RISK-1 Biased triage", changes["risks"].After)
	require.Equal(t, "RISK-1 Biased triage; RISK-2 Model drift", changes["risks"].Before)
	require.Contains(t, changes["actions"].After, "Train the triage nurses [Done]")

	// Another tenant's risk or control is not in the list, and not linked.
	bad := f.plan("Cross-tenant", []uuid.UUID{other.risks[0]}, "A.2.2")
	bad.ControlIDs = append(bad.ControlIDs, other.controls["A.2.2"].String())
	err := f.Try(func(tx *postgres.Tx) error { _, err := treatment.Create(ctx, tx, bad); return err })
	require.True(t, apperr.Is(err, apperr.Invalid), "got %v", err)
	require.Equal(t, []string{"risk_ids", "control_ids"}, fieldNames(err))

	// Archived plans are read-only until restored.
	f.Tx(t, func(tx *postgres.Tx) error { _, err := treatment.SetArchived(ctx, tx, tr.ID, true); return err })
	err = f.Try(func(tx *postgres.Tx) error { _, err := treatment.Update(ctx, tx, tr.ID, upd); return err })
	require.True(t, apperr.Is(err, apperr.Conflict))
}

func TestTreatmentValidation(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFixture(t, pgtest.New(t))
	cases := []struct {
		name   string
		edit   func(*treatment.Treatment)
		fields []string
	}{
		{"no title", func(tr *treatment.Treatment) { tr.Title = " " }, []string{"title"}},
		{"unknown option", func(tr *treatment.Treatment) { tr.Option = "ignore" }, []string{"option"}},
		{"malformed risk", func(tr *treatment.Treatment) { tr.RiskIDs = []string{"RISK-1"} }, []string{"risk_ids"}},
		{"bad due date", func(tr *treatment.Treatment) { tr.DueDate = "31/01/2027" }, []string{"due_date"}},
		{"result without a check", func(tr *treatment.Treatment) { tr.Effectiveness = "effective" }, []string{"effectiveness_check"}},
		{"action rows", func(tr *treatment.Treatment) {
			tr.Actions = []treatment.Action{{DueDate: "2027-01-01", Status: "open"}, {Title: "Ok", Status: "finished"}}
		}, []string{"act_0_title", "act_1_status"}},
		{"action owner not a member", func(tr *treatment.Treatment) {
			tr.Actions = []treatment.Action{{Title: "Someone else", OwnerID: uuid.NewString(), Status: "open"}}
		}, []string{"actions"}},
		{"owner not a member", func(tr *treatment.Treatment) { tr.OwnerID = uuid.NewString() }, []string{"owner_id"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			in := f.plan("Valid", []uuid.UUID{f.risks[0]}, "A.2.2")
			tc.edit(&in)
			err := f.Try(func(tx *postgres.Tx) error { _, err := treatment.Create(ctx, tx, in); return err })
			require.True(t, apperr.Is(err, apperr.Invalid), "got %v", err)
			require.Equal(t, tc.fields, fieldNames(err))
		})
	}
}

func TestTreatmentList(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFixture(t, pgtest.New(t))
	yesterday := time.Now().UTC().AddDate(0, 0, -2).Format(time.DateOnly)
	lastWeek := time.Now().UTC().AddDate(0, 0, -7).Format(time.DateOnly)
	nextYear := time.Now().UTC().AddDate(1, 0, 0).Format(time.DateOnly)
	mk := func(title, due, status string, risks []uuid.UUID, controls ...string) {
		in := f.plan(title, risks, controls...)
		in.DueDate, in.Status = due, status
		f.Tx(t, func(tx *postgres.Tx) error { _, err := treatment.Create(ctx, tx, in); return err })
	}
	mk("Charlie overdue", yesterday, "in_progress", []uuid.UUID{f.risks[0]}, "A.6.2.4")
	mk("Alpha done late", lastWeek, "completed", []uuid.UUID{f.risks[1]}, "A.6.2.4", "A.2.2")
	mk("Bravo later", nextYear, "planned", []uuid.UUID{f.risks[0], f.risks[1]})
	mk("Delta undated", "", "planned", nil, "A.2.2")

	titles := func(fl postgres.Filter) []string {
		var page postgres.Page[treatment.Treatment]
		f.Tx(t, func(tx *postgres.Tx) (err error) { page, err = treatment.ListTreatments(ctx, tx, fl); return err })
		var out []string
		for _, tr := range page.Items {
			out = append(out, strings.Fields(tr.Title)[0])
		}
		return out
	}
	fields := func(kv ...string) map[string]string {
		m := map[string]string{}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return m
	}
	require.Equal(t, []string{"Alpha", "Bravo", "Charlie", "Delta"}, titles(postgres.Filter{Sort: "title"}))
	require.Equal(t, []string{"Alpha", "Charlie", "Bravo", "Delta"}, titles(postgres.Filter{Sort: "due"}), "undated last")
	require.Equal(t, []string{"Delta", "Bravo", "Charlie", "Alpha"}, titles(postgres.Filter{Sort: "due", Desc: true}))
	require.Equal(t, []string{"Charlie"}, titles(postgres.Filter{Fields: fields("overdue", "true")}), "completed plans are not overdue")
	require.Equal(t, []string{"Bravo", "Charlie"}, titles(postgres.Filter{Sort: "title", Fields: fields("risk", f.risks[0].String())}))
	require.Equal(t, []string{"Alpha", "Delta"}, titles(postgres.Filter{Sort: "title", Fields: fields("control", f.controls["A.2.2"].String())}))
	require.Empty(t, titles(postgres.Filter{Fields: fields("control", "not-an-id")}))
	require.Equal(t, []string{"Bravo", "Delta"}, titles(postgres.Filter{Sort: "title", Fields: fields("status", "planned")}))
	require.Equal(t, []string{"Delta"}, titles(postgres.Filter{Search: "undated"}))

	// Paging by due date crosses the undated plans without losing or repeating any.
	var seen []string
	after := ""
	for range 5 {
		var page postgres.Page[treatment.Treatment]
		f.Tx(t, func(tx *postgres.Tx) (err error) {
			page, err = treatment.ListTreatments(ctx, tx, postgres.Filter{Sort: "due", After: after, Limit: 1})
			return err
		})
		for _, tr := range page.Items {
			seen = append(seen, strings.Fields(tr.Title)[0])
		}
		if after = page.NextCursor; after == "" {
			break
		}
	}
	require.Equal(t, []string{"Alpha", "Charlie", "Bravo", "Delta"}, seen)

	var exported []treatment.Treatment
	f.Tx(t, func(tx *postgres.Tx) error {
		return treatment.EachTreatment(ctx, tx, postgres.Filter{Sort: "ref"}, func(tr treatment.Treatment) error {
			exported = append(exported, tr)
			return nil
		})
	})
	require.Len(t, exported, 4)
	require.Equal(t, "A.2.2, A.6.2.4", exported[1].ControlCodes, "published order")
}
