package aisystem_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/openaims/openaims/internal/aisystem"
	"github.com/openaims/openaims/internal/apperr"
	"github.com/openaims/openaims/internal/auditlog"
	"github.com/openaims/openaims/internal/postgres"
	"github.com/openaims/openaims/internal/postgres/pgtest"
)

// fieldNames lists the fields of a validation error in order, each once.
func fieldNames(err error) []string {
	var e *apperr.Error
	if err == nil || !errors.As(err, &e) {
		return nil
	}
	var out []string
	for _, f := range e.Fields {
		if len(out) == 0 || out[len(out)-1] != f.Field {
			out = append(out, f.Field)
		}
	}
	return out
}

func yes() *bool { b := true; return &b }
func no() *bool  { b := false; return &b }

// triage is a valid AI system with the given data resources.
func triage(data ...aisystem.DataResource) aisystem.System {
	return aisystem.System{Name: "Clinical triage assistant", Purpose: "Ranks emergency cases by urgency",
		LifecycleStage: "operation", OrgRole: "provider", EUAIActClass: "high_risk",
		EUAIActReason: "Safety component of a medical device (Article 6(1))", InScope: yes(), Data: data}
}

func TestSystemValidate(t *testing.T) {
	t.Parallel()
	many := make([]aisystem.DataResource, aisystem.MaxData+1)
	for i := range many {
		many[i] = aisystem.DataResource{Name: "d"}
	}
	with := func(change func(*aisystem.System)) aisystem.System {
		s := triage()
		change(&s)
		return s
	}
	cases := []struct {
		name   string
		system aisystem.System
		fields []string
	}{
		{"valid", triage(aisystem.DataResource{Name: "Triage records", PersonalData: true}), nil},
		{"not yet assessed needs no reason", with(func(s *aisystem.System) { s.EUAIActClass, s.EUAIActReason = "not_assessed", "" }), nil},
		{"any other class needs its reason", with(func(s *aisystem.System) { s.EUAIActClass, s.EUAIActReason = "minimal", "  " }), []string{"eu_ai_act_reason"}},
		{"prohibited needs its reason too", with(func(s *aisystem.System) { s.EUAIActClass, s.EUAIActReason = "prohibited", "" }), []string{"eu_ai_act_reason"}},
		{"scope must be answered", with(func(s *aisystem.System) { s.InScope = nil }), []string{"in_scope"}},
		{"out of scope is an answer", with(func(s *aisystem.System) { s.InScope = no() }), nil},
		{"missing name, purpose and choices", aisystem.System{InScope: yes()},
			[]string{"name", "purpose", "lifecycle_stage", "org_role", "eu_ai_act_class"}},
		{"unknown choices", with(func(s *aisystem.System) { s.LifecycleStage, s.OrgRole, s.EUAIActClass = "beta", "owner", "huge" }),
			[]string{"lifecycle_stage", "org_role", "eu_ai_act_class"}},
		{"bad owner", with(func(s *aisystem.System) { s.OwnerID = "me" }), []string{"owner_id"}},
		{"name too long", with(func(s *aisystem.System) { s.Name = strings.Repeat("n", 201) }), []string{"name"}},
		{"tooling too long", with(func(s *aisystem.System) { s.Tooling = strings.Repeat("t", 5001) }), []string{"tooling"}},
		{"a data row needs its name", triage(aisystem.DataResource{Name: "ok"}, aisystem.DataResource{Source: "EHR export"}), []string{"data_1_name"}},
		{"a ticked box alone is a row", triage(aisystem.DataResource{PersonalData: true}), []string{"data_0_name"}},
		{"blank rows are dropped before numbering", triage(aisystem.DataResource{}, aisystem.DataResource{Name: "  "},
			aisystem.DataResource{Provenance: "Vendor"}), []string{"data_0_name"}},
		{"data field too long", triage(aisystem.DataResource{Name: "x", QualityChecks: strings.Repeat("q", 2001)}), []string{"data_0_quality_checks"}},
		{"too many data resources", triage(many...), []string{"data"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			s := c.system
			s.Normalize()
			require.Equal(t, c.fields, fieldNames(s.Validate()))
		})
	}
}

func TestSystemLifecycleAndAudit(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tn := pgtest.NewTenancy(t)

	var created aisystem.System
	tn.Tx(t, func(tx *postgres.Tx) error {
		in := triage(
			aisystem.DataResource{Name: " Triage records 2019–2024 ", Source: "Hospital EHR", Acquisition: "Data-sharing agreement",
				Provenance: "Pseudonymised extract", QualityChecks: "Completeness and label audit", PersonalData: true, Preparation: "Coding normalised"},
			aisystem.DataResource{}, // a blank row the form always shows
			aisystem.DataResource{Name: "Synthetic edge cases", Source: "Generated in-house"},
		)
		in.OwnerID = tn.AdminID.String()
		in.Tooling, in.Compute, in.Suppliers = "PyTorch, MLflow", "On-premises GPU cluster", "None"
		var err error
		created, err = aisystem.Create(ctx, tx, in)
		return err
	})
	require.Equal(t, "AIS-1", created.Reference())
	require.Equal(t, "AIS-1 Clinical triage assistant", created.Label())
	want := []aisystem.DataResource{
		{Name: "Triage records 2019–2024", Source: "Hospital EHR", Acquisition: "Data-sharing agreement",
			Provenance: "Pseudonymised extract", QualityChecks: "Completeness and label audit", PersonalData: true, Preparation: "Coding normalised"},
		{Name: "Synthetic edge cases", Source: "Generated in-house"},
	}
	require.Equal(t, want, created.Data)
	require.Equal(t, 2, created.DataCount)
	require.Equal(t, 1, created.PersonalDataCount)
	require.Equal(t, "true", created.InScopeValue())
	require.Equal(t, "High-risk", created.ClassLabel())
	require.Equal(t, tn.AdminID.String(), created.OwnerID)
	require.NotEmpty(t, created.OwnerName)

	find := func() aisystem.System {
		var s aisystem.System
		tn.Tx(t, func(tx *postgres.Tx) error {
			var err error
			s, err = aisystem.Find(ctx, tx, created.ID)
			return err
		})
		return s
	}
	require.Equal(t, want, find().Data)

	// Editing rewrites the data rows, moves the stage, and takes the system out of scope.
	edited := created
	edited.LifecycleStage, edited.InScope = "retired", no()
	edited.Data = []aisystem.DataResource{{Name: "Synthetic edge cases", Source: "Generated in-house", Preparation: "Balanced by acuity"}}
	tn.Tx(t, func(tx *postgres.Tx) error {
		_, err := aisystem.Update(ctx, tx, created.ID, edited)
		return err
	})
	got := find()
	require.Equal(t, edited.Data, got.Data)
	require.Equal(t, "retired", got.LifecycleStage)
	require.Equal(t, "false", got.InScopeValue())
	require.Equal(t, 0, got.PersonalDataCount)

	// A refused update changes nothing and writes no entry.
	bad := got
	bad.EUAIActClass, bad.EUAIActReason = "limited", ""
	err := tn.Try(func(tx *postgres.Tx) error {
		_, err := aisystem.Update(ctx, tx, created.ID, bad)
		return err
	})
	require.Equal(t, []string{"eu_ai_act_reason"}, fieldNames(err))
	require.Equal(t, "high_risk", find().EUAIActClass)

	// A non-member owner is the owner field's message, not an internal error.
	stranger := pgtest.CreateUser(t, tn.DB, pgtest.UserOptions{})
	bad = got
	bad.OwnerID = stranger.String()
	err = tn.Try(func(tx *postgres.Tx) error {
		_, err := aisystem.Update(ctx, tx, created.ID, bad)
		return err
	})
	require.Equal(t, []string{"owner_id"}, fieldNames(err))

	// Archive: no more edits until restored; archiving twice records nothing more.
	for range 2 {
		tn.Tx(t, func(tx *postgres.Tx) error {
			_, err := aisystem.SetArchived(ctx, tx, created.ID, true)
			return err
		})
	}
	require.True(t, find().Archived())
	err = tn.Try(func(tx *postgres.Tx) error {
		_, err := aisystem.Update(ctx, tx, created.ID, edited)
		return err
	})
	require.True(t, apperr.Is(err, apperr.Conflict), "got %v", err)
	tn.Tx(t, func(tx *postgres.Tx) error {
		_, err := aisystem.SetArchived(ctx, tx, created.ID, false)
		return err
	})
	require.False(t, find().Archived())

	var h []auditlog.Entry
	tn.Tx(t, func(tx *postgres.Tx) error {
		var err error
		h, err = auditlog.History(ctx, tx, aisystem.Object, created.ID.String(), 10)
		return err
	})
	actions := make([]string, len(h))
	for i, e := range h {
		actions[i] = e.Action
	}
	require.Equal(t, []string{"ai-systems.restore", "ai-systems.archive", "ai-systems.update", "ai-systems.create"}, actions)
	require.Equal(t, "AIS-1 Clinical triage assistant", h[0].ObjectLabel)
	update := h[2]
	require.Contains(t, string(update.Before), "Triage records 2019–2024")
	require.NotContains(t, string(update.After), "Triage records 2019–2024")
	require.Contains(t, string(update.After), "Balanced by acuity")
	changed := map[string][2]string{}
	for _, c := range update.Changes() {
		changed[c.Field] = [2]string{c.Before, c.After}
	}
	require.Equal(t, [2]string{"operation", "retired"}, changed["lifecycle stage"])
	require.Equal(t, [2]string{"yes", "no"}, changed["in scope"])
	n, err := auditlog.Verify(ctx, tn.DB, tn.TenantID)
	require.NoError(t, err)
	require.Equal(t, int64(4), n)
}

func TestSystemListFiltersAndSorts(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tn := pgtest.NewTenancy(t)
	var archivedID uuid.UUID
	tn.Tx(t, func(tx *postgres.Tx) error {
		for _, s := range []aisystem.System{
			{Name: "Charlie summariser", Purpose: "Summarises notes with a hosted LLM", LifecycleStage: "deployment", OrgRole: "deployer",
				EUAIActClass: "limited", EUAIActReason: "Generates text (Article 50)", InScope: yes(), OwnerID: tn.AdminID.String()},
			{Name: "Alpha triage", Purpose: "Ranks cases", LifecycleStage: "operation", OrgRole: "provider",
				EUAIActClass: "high_risk", EUAIActReason: "Annex III", InScope: yes()},
			{Name: "Bravo pilot", Purpose: "Reads X-rays", LifecycleStage: "idea", OrgRole: "both",
				EUAIActClass: "not_assessed", InScope: no()},
			{Name: "Delta legacy scorer", Purpose: "Old model", LifecycleStage: "retired", OrgRole: "other",
				EUAIActClass: "minimal", EUAIActReason: "No Annex III use", InScope: no()},
		} {
			out, err := aisystem.Create(ctx, tx, s)
			if err != nil {
				return err
			}
			archivedID = out.ID // the last one
		}
		_, err := aisystem.SetArchived(ctx, tx, archivedID, true)
		return err
	})
	names := func(f postgres.Filter) []string {
		var out []string
		tn.Tx(t, func(tx *postgres.Tx) error {
			page, err := aisystem.List(ctx, tx, f)
			for _, s := range page.Items {
				out = append(out, strings.Fields(s.Name)[0])
			}
			return err
		})
		return out
	}
	fields := func(kv ...string) map[string]string {
		m := map[string]string{}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return m
	}
	require.Equal(t, []string{"Alpha", "Bravo", "Charlie"}, names(postgres.Filter{Sort: "name"}), "archived systems are left out")
	require.Equal(t, []string{"Charlie", "Alpha", "Bravo"}, names(postgres.Filter{Sort: "ref"}))
	require.Equal(t, []string{"Bravo", "Charlie", "Alpha"}, names(postgres.Filter{Sort: "stage"}), "the life cycle's order, not the alphabet's")
	require.Equal(t, []string{"Alpha", "Charlie", "Bravo"}, names(postgres.Filter{Sort: "class"}), "most severe class first")
	require.Equal(t, []string{"Bravo", "Charlie", "Alpha"}, names(postgres.Filter{Sort: "class", Desc: true}))
	require.Equal(t, []string{"Alpha"}, names(postgres.Filter{Fields: fields("class", "high_risk")}))
	require.Equal(t, []string{"Bravo"}, names(postgres.Filter{Fields: fields("stage", "idea")}))
	require.Equal(t, []string{"Alpha", "Charlie"}, names(postgres.Filter{Sort: "name", Fields: fields("scope", "true")}))
	require.Equal(t, []string{"Bravo"}, names(postgres.Filter{Fields: fields("scope", "false")}))
	require.Equal(t, []string{"Alpha", "Bravo", "Charlie"}, names(postgres.Filter{Sort: "name", Fields: fields("scope", "maybe")}),
		"a scope that is not true or false filters nothing")
	require.Equal(t, []string{"Charlie"}, names(postgres.Filter{Fields: fields("owner", tn.AdminID.String())}))
	require.Equal(t, []string{"Delta"}, names(postgres.Filter{Fields: fields("status", postgres.ShowArchived)}))
	require.Equal(t, []string{"Charlie"}, names(postgres.Filter{Search: "hosted llm"}), "search looks in the purpose")

	var opts []aisystem.Option
	tn.Tx(t, func(tx *postgres.Tx) error {
		var err error
		opts, err = aisystem.Options(ctx, tx)
		return err
	})
	labels := make([]string, len(opts))
	for i, o := range opts {
		labels[i] = o.Label()
	}
	require.Equal(t, []string{"AIS-1 Charlie summariser", "AIS-2 Alpha triage", "AIS-3 Bravo pilot", "AIS-4 Delta legacy scorer"}, labels)
	require.True(t, opts[3].Archived, "archived systems come last, flagged")
}
