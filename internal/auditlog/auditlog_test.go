package auditlog_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/stretchr/testify/require"

	"github.com/openaims/openaims/internal/auditlog"
	"github.com/openaims/openaims/internal/postgres"
	"github.com/openaims/openaims/internal/postgres/pgtest"
)

func record(t *testing.T, tn pgtest.Tenancy, events ...auditlog.Event) {
	t.Helper()
	tn.Tx(t, func(tx *postgres.Tx) error {
		for _, e := range events {
			if err := auditlog.Record(context.Background(), tx, e); err != nil {
				return err
			}
		}
		return nil
	})
}

func event(i int) auditlog.Event {
	return auditlog.Event{Action: "context.update", ObjectType: "context", ObjectID: fmt.Sprintf("obj-%d", i),
		ObjectLabel: fmt.Sprintf("CTX-%d", i), Before: map[string]any{"n": i - 1}, After: map[string]any{"n": i}}
}

// storedChain reads a tenant's chain as the platform role, bypassing the code under test.
func storedChain(t *testing.T, db *postgres.DB, tenantID uuid.UUID) []auditlog.Entry {
	t.Helper()
	rows, err := db.Pool.Query(context.Background(), `SELECT seq, occurred_at, coalesce(actor_id, '00000000-0000-0000-0000-000000000000'),
		actor_label, action, object_type, object_id, object_label, request_id, before::text, after::text, prev_hash, hash
		FROM audit_events WHERE tenant_id = $1 ORDER BY seq`, tenantID)
	require.NoError(t, err)
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (auditlog.Entry, error) {
		e := auditlog.Entry{TenantID: tenantID}
		var before, after *string
		err := r.Scan(&e.Seq, &e.OccurredAt, &e.ActorID, &e.ActorLabel, &e.Action, &e.ObjectType, &e.ObjectID,
			&e.ObjectLabel, &e.RequestID, &before, &after, &e.PrevHash, &e.Hash)
		if before != nil {
			e.Before = json.RawMessage(*before)
		}
		if after != nil {
			e.After = json.RawMessage(*after)
		}
		return e, err
	})
	require.NoError(t, err)
	return out
}

func requireLinked(t *testing.T, chain []auditlog.Entry) {
	t.Helper()
	prev := auditlog.GenesisHash
	for i, e := range chain {
		require.Equal(t, int64(i+1), e.Seq, "gap-free numbering")
		require.Equal(t, prev, e.PrevHash, "entry %d links to the one before", e.Seq)
		require.Equal(t, e.ComputeHash(), e.Hash, "entry %d hash covers its content", e.Seq)
		prev = e.Hash
	}
}

func TestRecordWritesAChain(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tn := pgtest.NewTenancy(t)

	n, err := auditlog.Verify(ctx, tn.DB, tn.TenantID)
	require.NoError(t, err)
	require.Zero(t, n, "an empty trail verifies")

	// Awkward content: HTML-sensitive characters, non-ASCII, big numbers, nulls, and the
	// system actor (no user id) must all hash the same way when read back.
	record(t, tn, event(1), event(2))
	record(t, tn, auditlog.Event{Action: "context.create", ObjectType: "context", ObjectID: "x",
		ObjectLabel: `CTX-3 <script>alert("&")</script> Datenschutz – “AI” 😀`,
		After:       map[string]any{"title": "<b>bold</b> & \u2028", "big": 1e21, "none": nil, "list": []int{3, 1, 2}}})
	require.NoError(t, tn.DB.InTenantTx(ctx, tn.TenantID, postgres.SystemActor("system"), func(tx *postgres.Tx) error {
		return auditlog.Record(ctx, tx, auditlog.Event{Action: "auth.sign_in_failed", ObjectType: "user", ObjectID: "nobody"})
	}))
	record(t, tn, event(5))

	chain := storedChain(t, tn.DB, tn.TenantID)
	require.Len(t, chain, 5)
	requireLinked(t, chain)
	require.Equal(t, auditlog.GenesisHash, chain[0].PrevHash)
	require.Equal(t, tn.AdminID, chain[0].ActorID)
	require.Equal(t, tn.Actor.Label, chain[0].ActorLabel)
	require.Equal(t, tn.Actor.RequestID, chain[0].RequestID)
	require.JSONEq(t, `{"n": 0}`, string(chain[0].Before))
	require.JSONEq(t, `{"n": 1}`, string(chain[0].After))
	require.Equal(t, uuid.Nil, chain[3].ActorID, "the system actor is stored as no user")
	require.Nil(t, chain[3].Before)

	n, err = auditlog.Verify(ctx, tn.DB, tn.TenantID)
	require.NoError(t, err)
	require.Equal(t, int64(5), n)
}

func TestRecordRollsBackWithTheChange(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tn := pgtest.NewTenancy(t)
	record(t, tn, event(1))
	err := tn.Try(func(tx *postgres.Tx) error {
		require.NoError(t, auditlog.Record(ctx, tx, event(2)))
		return errors.New("the change failed")
	})
	require.Error(t, err)
	record(t, tn, event(3))
	chain := storedChain(t, tn.DB, tn.TenantID)
	require.Len(t, chain, 2, "the entry of a rolled-back change is gone")
	require.Equal(t, "obj-3", chain[1].ObjectID)
	requireLinked(t, chain)
}

func TestRecordConcurrentWritersKeepTheChainWhole(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tn := pgtest.NewTenancy(t)
	other := pgtest.AddTenancy(t, tn.DB)
	const writers, each = 8, 5
	var wg sync.WaitGroup
	errs := make(chan error, 2*writers*each)
	start := make(chan struct{})
	for w := range writers {
		for _, target := range []pgtest.Tenancy{tn, other} {
			wg.Go(func() {
				<-start
				for i := range each {
					errs <- target.Try(func(tx *postgres.Tx) error {
						// Two entries per transaction: the lock is held to commit.
						if err := auditlog.Record(ctx, tx, event(w*100+i)); err != nil {
							return err
						}
						return auditlog.Record(ctx, tx, event(w*100+i+50))
					})
				}
			})
		}
	}
	close(start)
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	for _, target := range []pgtest.Tenancy{tn, other} {
		chain := storedChain(t, tn.DB, target.TenantID)
		require.Len(t, chain, writers*each*2)
		requireLinked(t, chain)
		n, err := auditlog.Verify(ctx, tn.DB, target.TenantID)
		require.NoError(t, err)
		require.Equal(t, int64(writers*each*2), n)
	}
}

func TestAuditTrailIsAppendOnly(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tn := pgtest.NewTenancy(t)
	record(t, tn, event(1), event(2))

	asApp := func(sql string) func() error {
		return func() error {
			return tn.Try(func(tx *postgres.Tx) error {
				_, err := tx.Exec(ctx, sql)
				return err
			})
		}
	}
	asOwner := func(sql string) func() error {
		return func() error {
			_, err := tn.DB.Pool.Exec(ctx, sql)
			return err
		}
	}
	cases := []struct {
		name string
		run  func() error
	}{
		{"app update", asApp(`UPDATE audit_events SET action = 'forged'`)},
		{"app delete", asApp(`DELETE FROM audit_events`)},
		{"app truncate", asApp(`TRUNCATE audit_events`)},
		{"owner update", asOwner(`UPDATE audit_events SET action = 'forged'`)},
		{"owner delete", asOwner(`DELETE FROM audit_events WHERE seq = 2`)},
		{"owner truncate", asOwner(`TRUNCATE audit_events`)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := c.run()
			var pgErr *pgconn.PgError
			require.ErrorAs(t, err, &pgErr)
			require.Equal(t, "42501", pgErr.Code, "insufficient privilege: %v", pgErr)
		})
	}
	chain := storedChain(t, tn.DB, tn.TenantID)
	require.Len(t, chain, 2)
	require.Equal(t, "context.update", chain[1].Action)
}

// tamper runs sql as the superuser with triggers off (session_replication_role = replica),
// as an attacker with database access would.
func tamper(t *testing.T, db *postgres.DB, fn func(conn *pgx.Conn)) {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, db.Pool.Config().ConnConfig.ConnString())
	require.NoError(t, err)
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, `SET session_replication_role = replica`)
	require.NoError(t, err)
	fn(conn)
}

func TestVerifyFindsTampering(t *testing.T) {
	t.Parallel()
	exec := func(sql string) func(t *testing.T, conn *pgx.Conn, tenantID uuid.UUID) {
		return func(t *testing.T, conn *pgx.Conn, tenantID uuid.UUID) {
			tag, err := conn.Exec(context.Background(), sql, tenantID)
			require.NoError(t, err)
			require.Equal(t, int64(1), tag.RowsAffected())
		}
	}
	cases := []struct {
		name       string
		tamper     func(t *testing.T, conn *pgx.Conn, tenantID uuid.UUID)
		wantSeq    int64
		wantReason string
	}{
		{"edit after", exec(`UPDATE audit_events SET after = '{"n": 99}' WHERE tenant_id = $1 AND seq = 3`), 3, "altered"},
		{"clear before", exec(`UPDATE audit_events SET before = NULL WHERE tenant_id = $1 AND seq = 3`), 3, "altered"},
		{"edit actor", exec(`UPDATE audit_events SET actor_label = 'someone-else@example.com' WHERE tenant_id = $1 AND seq = 3`), 3, "altered"},
		{"edit time", exec(`UPDATE audit_events SET occurred_at = occurred_at - interval '1 day' WHERE tenant_id = $1 AND seq = 3`), 3, "altered"},
		{"delete entry", exec(`DELETE FROM audit_events WHERE tenant_id = $1 AND seq = 2`), 2, "missing"},
		{"append entry with a made-up link", exec(`INSERT INTO audit_events (tenant_id, seq, occurred_at, actor_label, action,
			object_type, object_id, request_id, prev_hash, hash)
			VALUES ($1, 6, now(), 'x', 'context.delete', 'context', 'x', 'x', '\x00', '\x00')`), 6, "prev_hash"},
		{"edit and re-hash", func(t *testing.T, conn *pgx.Conn, tenantID uuid.UUID) {
			// An attacker who knows the algorithm re-hashes the edited entry: the next
			// entry's link gives it away.
			ctx := context.Background()
			var e auditlog.Entry
			var after string
			require.NoError(t, conn.QueryRow(ctx, `SELECT seq, occurred_at, coalesce(actor_id, '00000000-0000-0000-0000-000000000000'),
				actor_label, action, object_type, object_id, object_label, request_id, before::text, prev_hash
				FROM audit_events WHERE tenant_id = $1 AND seq = 3`, tenantID).Scan(&e.Seq, &e.OccurredAt, &e.ActorID,
				&e.ActorLabel, &e.Action, &e.ObjectType, &e.ObjectID, &e.ObjectLabel, &e.RequestID, &after, &e.PrevHash))
			e.TenantID, e.Before, e.After = tenantID, json.RawMessage(after), json.RawMessage(`{"n":99}`)
			_, err := conn.Exec(ctx, `UPDATE audit_events SET after = $2::text::json, hash = $3 WHERE tenant_id = $1 AND seq = 3`,
				tenantID, string(e.After), e.ComputeHash())
			require.NoError(t, err)
		}, 4, "prev_hash"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			a := pgtest.NewTenancy(t)
			b := pgtest.AddTenancy(t, a.DB)
			for i := 1; i <= 5; i++ {
				record(t, a, event(i))
				record(t, b, event(i))
			}
			tamper(t, a.DB, func(conn *pgx.Conn) { c.tamper(t, conn, a.TenantID) })

			n, err := auditlog.Verify(ctx, a.DB, a.TenantID)
			var broken *auditlog.BrokenError
			require.ErrorAs(t, err, &broken)
			require.Equal(t, a.TenantID, broken.TenantID)
			require.Equal(t, c.wantSeq, broken.Seq)
			require.Contains(t, broken.Reason, c.wantReason)
			require.Contains(t, err.Error(), fmt.Sprintf("entry %d", c.wantSeq))
			require.Equal(t, c.wantSeq-1, n, "entries before the break verified")

			n, err = auditlog.Verify(ctx, a.DB, b.TenantID)
			require.NoError(t, err, "another tenant's chain is independent")
			require.Equal(t, int64(5), n)
		})
	}
}

func TestListFiltersAndPages(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tn := pgtest.NewTenancy(t)
	other := pgtest.AddTenancy(t, tn.DB)
	second := pgtest.CreateUser(t, tn.DB, pgtest.UserOptions{})
	pgtest.AddMember(t, tn.DB, tn.TenantID, second, "auditor")

	day := func(d int) time.Time { return time.Date(2026, 1, d, 12, 30, 0, 0, time.UTC) }
	write := func(actor postgres.Actor, at time.Time, e auditlog.Event) {
		require.NoError(t, tn.DB.InTenantTx(ctx, tn.TenantID, actor, func(tx *postgres.Tx) error {
			tx.Now = at
			return auditlog.Record(ctx, tx, e)
		}))
	}
	secondActor := postgres.Actor{UserID: second, Label: "second@example.com"}
	write(tn.Actor, day(10), auditlog.Event{Action: "context.create", ObjectType: "context", ObjectID: "c1"})                        // 1
	write(secondActor, day(10), auditlog.Event{Action: "parties.create", ObjectType: "parties", ObjectID: "p1"})                     // 2
	write(tn.Actor, day(11), auditlog.Event{Action: "context.update", ObjectType: "context", ObjectID: "c1"})                        // 3
	write(secondActor, day(12), auditlog.Event{Action: "context.create", ObjectType: "context", ObjectID: "c2"})                     // 4
	write(tn.Actor, day(12).Add(11*time.Hour), auditlog.Event{Action: "membership.update", ObjectType: "membership", ObjectID: "m"}) // 5
	record(t, other, event(1))

	list := func(t *testing.T, f auditlog.Filter) auditlog.Activity {
		t.Helper()
		var a auditlog.Activity
		tn.Tx(t, func(tx *postgres.Tx) error {
			var err error
			a, err = auditlog.List(ctx, tx, f)
			return err
		})
		return a
	}
	seqs := func(a auditlog.Activity) []int64 {
		var out []int64
		for _, e := range a.Entries {
			out = append(out, e.Seq)
		}
		return out
	}
	cases := []struct {
		name   string
		filter auditlog.Filter
		want   []int64
	}{
		{"all, newest first", auditlog.Filter{}, []int64{5, 4, 3, 2, 1}},
		{"by actor", auditlog.Filter{ActorID: second}, []int64{4, 2}},
		{"by object type", auditlog.Filter{ObjectType: "context"}, []int64{4, 3, 1}},
		{"by object", auditlog.Filter{ObjectType: "context", ObjectID: "c1"}, []int64{3, 1}},
		{"one day", auditlog.Filter{From: day(11).Truncate(24 * time.Hour), To: day(11).Truncate(24 * time.Hour)}, []int64{3}},
		{"to is inclusive to the end of the day", auditlog.Filter{From: time.Date(2026, 1, 12, 0, 0, 0, 0, time.UTC), To: time.Date(2026, 1, 12, 0, 0, 0, 0, time.UTC)}, []int64{5, 4}},
		{"from only", auditlog.Filter{From: time.Date(2026, 1, 11, 0, 0, 0, 0, time.UTC)}, []int64{5, 4, 3}},
		{"actor and type", auditlog.Filter{ActorID: tn.AdminID, ObjectType: "context"}, []int64{3, 1}},
		{"before seq", auditlog.Filter{BeforeSeq: 3}, []int64{2, 1}},
		{"unknown actor", auditlog.Filter{ActorID: uuid.New()}, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a := list(t, c.filter)
			require.Equal(t, c.want, seqs(a))
			require.Zero(t, a.NextSeq)
		})
	}

	t.Run("pages by BeforeSeq", func(t *testing.T) {
		var got [][]int64
		f := auditlog.Filter{Limit: 2}
		for {
			a := list(t, f)
			got = append(got, seqs(a))
			if a.NextSeq == 0 {
				break
			}
			require.Less(t, len(got), 5, "runaway paging")
			f.BeforeSeq = a.NextSeq
		}
		require.Equal(t, [][]int64{{5, 4}, {3, 2}, {1}}, got)
	})

	t.Run("object types", func(t *testing.T) {
		var types []string
		tn.Tx(t, func(tx *postgres.Tx) error {
			var err error
			types, err = auditlog.ObjectTypes(ctx, tx)
			return err
		})
		require.Equal(t, []string{"context", "membership", "parties"}, types)
	})

	t.Run("history of one object", func(t *testing.T) {
		var h []auditlog.Entry
		tn.Tx(t, func(tx *postgres.Tx) error {
			var err error
			h, err = auditlog.History(ctx, tx, "context", "c1", 10)
			return err
		})
		require.Len(t, h, 2)
		require.Equal(t, "context.update", h[0].Action)
		require.Equal(t, "context.create", h[1].Action)
		require.Equal(t, tn.Actor.Label, h[0].ActorLabel)
	})

	n, err := auditlog.Verify(ctx, tn.DB, tn.TenantID)
	require.NoError(t, err, "entries written with a chosen time still verify")
	require.Equal(t, int64(5), n)
}

func TestComputeHashCoversEveryField(t *testing.T) {
	t.Parallel()
	base := auditlog.Entry{TenantID: uuid.New(), Seq: 7, OccurredAt: time.Date(2026, 1, 2, 3, 4, 5, 6000, time.UTC),
		ActorID: uuid.New(), ActorLabel: "a@example.com", Action: "context.update", ObjectType: "context", ObjectID: "id",
		ObjectLabel: "CTX-1", RequestID: "req", Before: json.RawMessage(`{"a":1}`), After: json.RawMessage(`{"a":2}`),
		PrevHash: bytes.Repeat([]byte{1}, 32)}
	h := base.ComputeHash()
	require.Len(t, h, 32)
	local := base
	local.OccurredAt = base.OccurredAt.In(time.FixedZone("X", 3600))
	require.Equal(t, h, local.ComputeHash(), "the same instant in another zone hashes the same")

	edits := map[string]func(e *auditlog.Entry){
		"tenant":       func(e *auditlog.Entry) { e.TenantID = uuid.New() },
		"seq":          func(e *auditlog.Entry) { e.Seq++ },
		"time":         func(e *auditlog.Entry) { e.OccurredAt = e.OccurredAt.Add(time.Microsecond) },
		"actor":        func(e *auditlog.Entry) { e.ActorID = uuid.Nil },
		"actor label":  func(e *auditlog.Entry) { e.ActorLabel = "b@example.com" },
		"action":       func(e *auditlog.Entry) { e.Action = "context.delete" },
		"object type":  func(e *auditlog.Entry) { e.ObjectType = "parties" },
		"object id":    func(e *auditlog.Entry) { e.ObjectID = "other" },
		"object label": func(e *auditlog.Entry) { e.ObjectLabel = "CTX-2" },
		"request":      func(e *auditlog.Entry) { e.RequestID = "req2" },
		"before":       func(e *auditlog.Entry) { e.Before = nil },
		"after":        func(e *auditlog.Entry) { e.After = json.RawMessage(`{"a":3}`) },
		"prev hash":    func(e *auditlog.Entry) { e.PrevHash = auditlog.GenesisHash },
		// Shifting text between adjacent fields must not collide.
		"field boundary": func(e *auditlog.Entry) { e.ObjectType, e.ObjectID = "contextid", "" },
	}
	for name, edit := range edits {
		e := base
		edit(&e)
		require.NotEqual(t, h, e.ComputeHash(), "changing %s must change the hash", name)
	}
}
