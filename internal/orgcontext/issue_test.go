package orgcontext_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/openaims/openaims/internal/apperr"
	"github.com/openaims/openaims/internal/auditlog"
	"github.com/openaims/openaims/internal/orgcontext"
	"github.com/openaims/openaims/internal/postgres"
	"github.com/openaims/openaims/internal/postgres/pgtest"
)

func validIssue() orgcontext.Issue {
	return orgcontext.Issue{Title: "EU AI Act obligations", Origin: "external", Category: "legal_regulatory",
		Status: "open", ReviewDate: "2027-03-31", Description: "High-risk systems", Effect: "Conformity assessment"}
}

// fieldNames returns the fields an error flags, in form order.
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

func TestIssueValidate(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		edit   func(i *orgcontext.Issue)
		fields []string
	}{
		{"valid", func(*orgcontext.Issue) {}, nil},
		{"no review date or owner is fine", func(i *orgcontext.Issue) { i.ReviewDate, i.OwnerID = "", "" }, nil},
		{"owner uuid", func(i *orgcontext.Issue) { i.OwnerID = uuid.NewString() }, nil},
		{"missing title", func(i *orgcontext.Issue) { i.Title = "" }, []string{"title"}},
		{"blank title", func(i *orgcontext.Issue) { i.Title = "   \t" }, []string{"title"}},
		{"title too long", func(i *orgcontext.Issue) { i.Title = strings.Repeat("x", 201) }, []string{"title"}},
		{"200 characters of title", func(i *orgcontext.Issue) { i.Title = strings.Repeat("é", 200) }, nil},
		{"bad origin", func(i *orgcontext.Issue) { i.Origin = "outer space" }, []string{"origin"}},
		{"bad category", func(i *orgcontext.Issue) { i.Category = "" }, []string{"category"}},
		{"description too long", func(i *orgcontext.Issue) { i.Description = strings.Repeat("d", 5001) }, []string{"description"}},
		{"effect too long", func(i *orgcontext.Issue) { i.Effect = strings.Repeat("e", 5001) }, []string{"effect"}},
		{"bad owner uuid", func(i *orgcontext.Issue) { i.OwnerID = "bob" }, []string{"owner_id"}},
		{"bad status", func(i *orgcontext.Issue) { i.Status = "archived" }, []string{"status"}},
		{"impossible date", func(i *orgcontext.Issue) { i.ReviewDate = "2027-02-30" }, []string{"review_date"}},
		{"wrong date format", func(i *orgcontext.Issue) { i.ReviewDate = "31/03/2027" }, []string{"review_date"}},
		{"everything wrong, in form order", func(i *orgcontext.Issue) {
			*i = orgcontext.Issue{OwnerID: "x", ReviewDate: "soon"}
		}, []string{"title", "origin", "category", "owner_id", "status", "review_date"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			i := validIssue()
			c.edit(&i)
			i.Normalize()
			err := i.Validate()
			require.Equal(t, c.fields, fieldNames(err))
			if c.fields != nil {
				require.True(t, apperr.Is(err, apperr.Invalid))
				for _, f := range err.(*apperr.Error).Fields {
					require.NotEmpty(t, f.Message, "field %s needs a message to show beside it", f.Field)
				}
			}
		})
	}
}

func issueHistory(t *testing.T, tn pgtest.Tenancy, id uuid.UUID) []auditlog.Entry {
	t.Helper()
	var h []auditlog.Entry
	tn.Tx(t, func(tx *postgres.Tx) error {
		var err error
		h, err = auditlog.History(context.Background(), tx, orgcontext.IssueObject, id.String(), 50)
		return err
	})
	return h
}

func jsonField(t *testing.T, raw json.RawMessage, field string) any {
	t.Helper()
	if len(raw) == 0 {
		return nil
	}
	var m map[string]any
	require.NoError(t, json.Unmarshal(raw, &m))
	return m[field]
}

func TestIssueChangesAreAudited(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tn := pgtest.NewTenancy(t)

	var created orgcontext.Issue
	tn.Tx(t, func(tx *postgres.Tx) error {
		in := validIssue()
		in.Title = "  Padded title  "
		in.OwnerID = tn.AdminID.String()
		var err error
		created, err = orgcontext.CreateIssue(ctx, tx, in)
		return err
	})
	require.Equal(t, "Padded title", created.Title)
	require.Equal(t, 1, created.Ref)
	require.Equal(t, "CTX-1", created.Reference())
	require.Equal(t, tn.AdminID.String(), created.OwnerID)
	require.NotEmpty(t, created.OwnerName)
	require.Equal(t, "2027-03-31", created.ReviewDate)

	tn.Tx(t, func(tx *postgres.Tx) error {
		in := created
		in.Title, in.Status, in.OwnerID, in.ReviewDate = "Renamed", "monitored", "", ""
		updated, err := orgcontext.UpdateIssue(ctx, tx, created.ID, in)
		require.Equal(t, "Renamed", updated.Title)
		require.Empty(t, updated.OwnerID)
		require.Empty(t, updated.ReviewDate)
		return err
	})
	tn.Tx(t, func(tx *postgres.Tx) error {
		archived, err := orgcontext.SetIssueArchived(ctx, tx, created.ID, true)
		require.NotNil(t, archived.ArchivedAt)
		return err
	})
	tn.Tx(t, func(tx *postgres.Tx) error {
		_, err := orgcontext.SetIssueArchived(ctx, tx, created.ID, true) // already archived: nothing to record
		return err
	})
	tn.Tx(t, func(tx *postgres.Tx) error {
		restored, err := orgcontext.SetIssueArchived(ctx, tx, created.ID, false)
		require.Nil(t, restored.ArchivedAt)
		return err
	})

	h := issueHistory(t, tn, created.ID)
	var actions []string
	for _, e := range h {
		actions = append(actions, e.Action)
		require.Equal(t, tn.AdminID, e.ActorID)
		require.True(t, strings.HasPrefix(e.ObjectLabel, "CTX-1 "))
	}
	require.Equal(t, []string{"context.restore", "context.archive", "context.update", "context.create"}, actions)

	restore, archive, update, create := h[0], h[1], h[2], h[3]
	require.Nil(t, create.Before)
	require.Equal(t, "Padded title", jsonField(t, create.After, "title"))
	require.Equal(t, "Padded title", jsonField(t, update.Before, "title"))
	require.Equal(t, "Renamed", jsonField(t, update.After, "title"))
	require.Equal(t, "open", jsonField(t, update.Before, "status"))
	require.Equal(t, "monitored", jsonField(t, update.After, "status"))
	require.Equal(t, tn.AdminID.String(), jsonField(t, update.Before, "owner_id"))
	require.Equal(t, "", jsonField(t, update.After, "owner_id"))
	require.Nil(t, jsonField(t, archive.Before, "archived_at"))
	require.NotNil(t, jsonField(t, archive.After, "archived_at"))
	require.NotNil(t, jsonField(t, restore.Before, "archived_at"))
	require.Nil(t, jsonField(t, restore.After, "archived_at"))

	n, err := auditlog.Verify(ctx, tn.DB, tn.TenantID)
	require.NoError(t, err)
	require.Equal(t, int64(4), n)
}

func TestIssueOwnerMustBeAMember(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tn := pgtest.NewTenancy(t)
	other := pgtest.AddTenancy(t, tn.DB)
	loner := pgtest.CreateUser(t, tn.DB, pgtest.UserOptions{}) // a user with no membership here

	var existing orgcontext.Issue
	tn.Tx(t, func(tx *postgres.Tx) error {
		var err error
		existing, err = orgcontext.CreateIssue(ctx, tx, validIssue())
		return err
	})
	for name, owner := range map[string]uuid.UUID{
		"user of no tenant":        loner,
		"another tenant's admin":   other.AdminID,
		"id that is nobody at all": uuid.New(),
	} {
		t.Run(name, func(t *testing.T) {
			err := tn.Try(func(tx *postgres.Tx) error {
				in := validIssue()
				in.OwnerID = owner.String()
				_, err := orgcontext.CreateIssue(ctx, tx, in)
				return err
			})
			require.True(t, apperr.Is(err, apperr.Invalid), "got %v", err)
			require.Equal(t, []string{"owner_id"}, fieldNames(err))

			err = tn.Try(func(tx *postgres.Tx) error {
				in := existing
				in.OwnerID = owner.String()
				_, err := orgcontext.UpdateIssue(ctx, tx, existing.ID, in)
				return err
			})
			require.Equal(t, []string{"owner_id"}, fieldNames(err))
		})
	}
}

func TestIssueOfAnotherTenantIsNotFound(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tn := pgtest.NewTenancy(t)
	other := pgtest.AddTenancy(t, tn.DB)
	var theirs orgcontext.Issue
	other.Tx(t, func(tx *postgres.Tx) error {
		var err error
		theirs, err = orgcontext.CreateIssue(ctx, tx, validIssue())
		return err
	})
	ops := map[string]func(tx *postgres.Tx) error{
		"find": func(tx *postgres.Tx) error { _, err := orgcontext.FindIssue(ctx, tx, theirs.ID); return err },
		"update": func(tx *postgres.Tx) error {
			_, err := orgcontext.UpdateIssue(ctx, tx, theirs.ID, validIssue())
			return err
		},
		"archive": func(tx *postgres.Tx) error {
			_, err := orgcontext.SetIssueArchived(ctx, tx, theirs.ID, true)
			return err
		},
	}
	for name, op := range ops {
		err := tn.Try(op)
		require.True(t, apperr.Is(err, apperr.NotFound), "%s: got %v", name, err)
	}
	// References are numbered per tenant.
	tn.Tx(t, func(tx *postgres.Tx) error {
		mine, err := orgcontext.CreateIssue(ctx, tx, validIssue())
		require.Equal(t, 1, mine.Ref)
		return err
	})
	other.Tx(t, func(tx *postgres.Tx) error {
		still, err := orgcontext.FindIssue(ctx, tx, theirs.ID)
		require.Equal(t, theirs.Title, still.Title)
		require.Nil(t, still.ArchivedAt)
		return err
	})
}
