package orgcontext_test

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/openaims/openaims/internal/apperr"
	"github.com/openaims/openaims/internal/auditlog"
	"github.com/openaims/openaims/internal/orgcontext"
	"github.com/openaims/openaims/internal/postgres"
	"github.com/openaims/openaims/internal/postgres/pgtest"
)

func TestSaveAIRoles(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tn := pgtest.NewTenancy(t)

	invalid := []struct {
		name   string
		roles  []orgcontext.AIRole
		fields []string
	}{
		{"nothing applies", []orgcontext.AIRole{{Role: "provider"}, {Role: "customer", Note: "maybe"}}, []string{"role_provider"}},
		{"no roles at all", nil, []string{"role_provider"}},
		{"applying role without a note", []orgcontext.AIRole{{Role: "provider", Applies: true, Note: "We train models"},
			{Role: "customer", Applies: true, Note: "   "}}, []string{"note_customer"}},
		{"every applying role needs its own note", []orgcontext.AIRole{{Role: "provider", Applies: true},
			{Role: "subject", Applies: true}}, []string{"note_provider", "note_subject"}},
		{"unknown role", []orgcontext.AIRole{{Role: "overlord", Applies: true, Note: "x"}}, []string{"role_overlord"}},
		{"note too long", []orgcontext.AIRole{{Role: "partner", Applies: true, Note: strings.Repeat("n", 2001)}}, []string{"note_partner"}},
	}
	for _, c := range invalid {
		t.Run(c.name, func(t *testing.T) {
			err := tn.Try(func(tx *postgres.Tx) error { return orgcontext.SaveAIRoles(ctx, tx, c.roles) })
			require.True(t, apperr.Is(err, apperr.Invalid), "got %v", err)
			require.Equal(t, c.fields, fieldNames(err))
		})
	}

	t.Run("the caller's roles are left as given", func(t *testing.T) {
		// Shared statements (the demo seed's) are saved by concurrent transactions.
		roles := []orgcontext.AIRole{{Role: "provider", Applies: true, Note: "  We train models  "}}
		pgtest.NewTenancy(t).Tx(t, func(tx *postgres.Tx) error { return orgcontext.SaveAIRoles(ctx, tx, roles) })
		require.Equal(t, "  We train models  ", roles[0].Note)
	})

	read := func() []orgcontext.AIRole {
		var roles []orgcontext.AIRole
		tn.Tx(t, func(tx *postgres.Tx) error {
			var err error
			roles, err = orgcontext.AIRoles(ctx, tx)
			return err
		})
		return roles
	}
	// Never answered: every role, in order, not applying.
	require.Equal(t, []orgcontext.AIRole{{Role: "provider"}, {Role: "producer"}, {Role: "customer"}, {Role: "partner"}, {Role: "subject"}}, read())

	tn.Tx(t, func(tx *postgres.Tx) error {
		return orgcontext.SaveAIRoles(ctx, tx, []orgcontext.AIRole{
			{Role: "customer", Applies: true, Note: "  We buy a hiring model  "},
			{Role: "subject", Applies: false, Note: ""},
		})
	})
	tn.Tx(t, func(tx *postgres.Tx) error {
		return orgcontext.SaveAIRoles(ctx, tx, []orgcontext.AIRole{
			{Role: "customer", Applies: true, Note: "We buy a hiring model"},
			{Role: "provider", Applies: true, Note: "We fine-tune it for clients"},
		})
	})
	require.Equal(t, []orgcontext.AIRole{
		{Role: "provider", Applies: true, Note: "We fine-tune it for clients"},
		{Role: "producer"},
		{Role: "customer", Applies: true, Note: "We buy a hiring model"},
		{Role: "partner"},
		{Role: "subject"},
	}, read())

	var h []auditlog.Entry
	tn.Tx(t, func(tx *postgres.Tx) error {
		var err error
		h, err = auditlog.History(ctx, tx, orgcontext.AIRolesObject, "statement", 10)
		return err
	})
	require.Len(t, h, 2, "one entry per save; refused saves leave none")
	require.Equal(t, "ai-roles.update", h[0].Action)
	require.Contains(t, string(h[0].Before), `"note":"We buy a hiring model"`)
	require.NotContains(t, string(h[0].Before), "fine-tune")
	require.Contains(t, string(h[0].After), "fine-tune")
	require.Contains(t, string(h[1].Before), `{"role":"customer","applies":false,"note":""}`)
}

func partyWith(reqs ...orgcontext.Requirement) orgcontext.Party {
	return orgcontext.Party{Name: "Data protection authority", Kind: "regulator", Status: "active",
		Description: "Supervises personal data processing", Requirements: reqs}
}

func TestPartyValidate(t *testing.T) {
	t.Parallel()
	many := make([]orgcontext.Requirement, orgcontext.MaxRequirements+1)
	for i := range many {
		many[i] = orgcontext.Requirement{Text: "r"}
	}
	cases := []struct {
		name   string
		party  orgcontext.Party
		fields []string
	}{
		{"valid", partyWith(orgcontext.Requirement{Text: "Lawful basis", Legal: true}), nil},
		{"addressed with how", partyWith(orgcontext.Requirement{Text: "DPIA", Addressed: true, How: "Impact assessment register"}), nil},
		{"addressed needs how", partyWith(orgcontext.Requirement{Text: "DPIA", Addressed: true, How: "  "}), []string{"req_0_how"}},
		{"blank rows are dropped before numbering", partyWith(
			orgcontext.Requirement{},
			orgcontext.Requirement{Text: "  "},
			orgcontext.Requirement{Text: "Breach notice", Addressed: true}), []string{"req_0_how"}},
		{"a row with only a how needs its text", partyWith(orgcontext.Requirement{How: "Somehow"}), []string{"req_0_text"}},
		{"a row with only a tick needs its text", partyWith(orgcontext.Requirement{Text: "ok"}, orgcontext.Requirement{Legal: true}), []string{"req_1_text"}},
		{"requirement too long", partyWith(orgcontext.Requirement{Text: strings.Repeat("r", 2001)}), []string{"req_0_text"}},
		{"too many requirements", partyWith(many...), []string{"requirements"}},
		{"missing name and kind", orgcontext.Party{Status: "active"}, []string{"name", "kind"}},
		{"bad owner and status", orgcontext.Party{Name: "x", Kind: "other", OwnerID: "me", Status: "gone"}, []string{"owner_id", "status"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			p := c.party
			p.Normalize()
			require.Equal(t, c.fields, fieldNames(p.Validate()))
		})
	}
}

func TestPartyRequirementsRoundTrip(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tn := pgtest.NewTenancy(t)

	var created orgcontext.Party
	tn.Tx(t, func(tx *postgres.Tx) error {
		var err error
		created, err = orgcontext.CreateParty(ctx, tx, partyWith(
			orgcontext.Requirement{Text: " Lawful basis for training data ", Legal: true},
			orgcontext.Requirement{}, // a blank row the form always shows
			orgcontext.Requirement{Text: "Breach notification within 72 hours", Legal: true, Addressed: true, How: "Incident procedure IP-3"},
			orgcontext.Requirement{Text: "Plain-language notices"},
			orgcontext.Requirement{Text: "   ", How: " "},
		))
		return err
	})
	want := []orgcontext.Requirement{
		{Text: "Lawful basis for training data", Legal: true},
		{Text: "Breach notification within 72 hours", Legal: true, Addressed: true, How: "Incident procedure IP-3"},
		{Text: "Plain-language notices"},
	}
	require.Equal(t, want, created.Requirements)
	require.Equal(t, "IP-1", created.Reference())
	require.Equal(t, 3, created.RequirementCount)
	require.Equal(t, 2, created.LegalCount)
	require.Equal(t, 1, created.AddressedCount)

	find := func() orgcontext.Party {
		var p orgcontext.Party
		tn.Tx(t, func(tx *postgres.Tx) error {
			var err error
			p, err = orgcontext.FindParty(ctx, tx, created.ID)
			return err
		})
		return p
	}
	require.Equal(t, want, find().Requirements)

	// Editing rewrites the list in place: positions that existed before are reused.
	edited := created
	edited.Requirements = []orgcontext.Requirement{
		{Text: "Plain-language notices", Addressed: true, How: "Model cards"},
		{Text: "Lawful basis for training data", Legal: true, Addressed: true, How: "Legitimate-interest assessment"},
	}
	tn.Tx(t, func(tx *postgres.Tx) error {
		_, err := orgcontext.UpdateParty(ctx, tx, created.ID, edited)
		return err
	})
	got := find()
	require.Equal(t, edited.Requirements, got.Requirements)
	require.Equal(t, 2, got.RequirementCount)
	require.Equal(t, 2, got.AddressedCount)

	// And can empty it.
	edited.Requirements = nil
	tn.Tx(t, func(tx *postgres.Tx) error {
		_, err := orgcontext.UpdateParty(ctx, tx, created.ID, edited)
		return err
	})
	require.Empty(t, find().Requirements)

	// Addressed without saying how is refused and changes nothing.
	bad := created
	bad.Requirements = []orgcontext.Requirement{{Text: "Right to explanation", Addressed: true}}
	err := tn.Try(func(tx *postgres.Tx) error {
		_, err := orgcontext.UpdateParty(ctx, tx, created.ID, bad)
		return err
	})
	require.Equal(t, []string{"req_0_how"}, fieldNames(err))
	require.Empty(t, find().Requirements)

	var h []auditlog.Entry
	tn.Tx(t, func(tx *postgres.Tx) error {
		var err error
		h, err = auditlog.History(ctx, tx, orgcontext.PartyObject, created.ID.String(), 10)
		return err
	})
	require.Len(t, h, 3)
	require.Equal(t, "parties.update", h[1].Action)
	require.Contains(t, string(h[1].Before), "Breach notification")
	require.NotContains(t, string(h[1].After), "Breach notification")
	require.Contains(t, string(h[1].After), "Legitimate-interest assessment")
	n, err := auditlog.Verify(ctx, tn.DB, tn.TenantID)
	require.NoError(t, err)
	require.Equal(t, int64(3), n)
}

func TestPartyListFiltersOnRequirements(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tn := pgtest.NewTenancy(t)
	tn.Tx(t, func(tx *postgres.Tx) error {
		for _, p := range []orgcontext.Party{
			{Name: "Regulator", Kind: "regulator", Status: "active", Requirements: []orgcontext.Requirement{{Text: "Law", Legal: true}}},
			{Name: "Customers", Kind: "customer", Status: "active", Requirements: []orgcontext.Requirement{{Text: "Uptime", Addressed: true, How: "SLO"}}},
			{Name: "Staff", Kind: "employee", Status: "active"},
		} {
			if _, err := orgcontext.CreateParty(ctx, tx, p); err != nil {
				return err
			}
		}
		return nil
	})
	names := func(f postgres.Filter) []string {
		var out []string
		f.Sort = "name"
		tn.Tx(t, func(tx *postgres.Tx) error {
			page, err := orgcontext.ListParties(ctx, tx, f)
			for _, p := range page.Items {
				out = append(out, p.Name)
			}
			return err
		})
		return out
	}
	require.Equal(t, []string{"Customers", "Regulator", "Staff"}, names(postgres.Filter{}))
	require.Equal(t, []string{"Regulator"}, names(postgres.Filter{Fields: map[string]string{"legal": "true"}}))
	require.Equal(t, []string{"Regulator"}, names(postgres.Filter{Fields: map[string]string{"unaddressed": "true"}}))
	require.Equal(t, []string{"Customers"}, names(postgres.Filter{Fields: map[string]string{"kind": "customer"}}))
}
