package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/stretchr/testify/require"

	"github.com/openaims/openaims/internal/orgcontext"
	"github.com/openaims/openaims/internal/postgres"
	"github.com/openaims/openaims/internal/postgres/pgtest"
	"github.com/openaims/openaims/internal/tenant"
)

// requirePgError fails unless err carries a PostgreSQL error with SQLSTATE code.
func requirePgError(t *testing.T, err error, code string) {
	t.Helper()
	require.Error(t, err)
	var pgErr *pgconn.PgError
	require.True(t, errors.As(err, &pgErr), "want PostgreSQL error %s, got %v", code, err)
	require.Equal(t, code, pgErr.Code, "got %v", pgErr)
}

// seeded is a tenant with at least one row in every tenant table.
type seeded struct {
	pgtest.Tenancy
	IssueIDs []uuid.UUID
	PartyID  uuid.UUID
}

func seedTenant(t *testing.T, tn pgtest.Tenancy, issues int) seeded {
	t.Helper()
	ctx := context.Background()
	s := seeded{Tenancy: tn}
	tn.Tx(t, func(tx *postgres.Tx) error {
		for i := range issues {
			is, err := orgcontext.CreateIssue(ctx, tx, orgcontext.Issue{Title: fmt.Sprintf("Issue %d", i), Origin: "internal",
				Category: "technology", Status: "open", OwnerID: tn.AdminID.String()})
			if err != nil {
				return err
			}
			s.IssueIDs = append(s.IssueIDs, is.ID)
		}
		p, err := orgcontext.CreateParty(ctx, tx, orgcontext.Party{Name: "Regulator", Kind: "regulator", Status: "active",
			Requirements: []orgcontext.Requirement{{Text: "Report incidents", Legal: true}}})
		if err != nil {
			return err
		}
		s.PartyID = p.ID
		if err := orgcontext.SaveAIRoles(ctx, tx, []orgcontext.AIRole{{Role: "provider", Applies: true, Note: "We ship models"}}); err != nil {
			return err
		}
		_, _, err = tenant.Invite(ctx, tx, "invitee-"+tn.TenantID.String()[:8]+"@example.com", tenant.RoleAuditor)
		if err != nil {
			return err
		}
		return seedRiskCore(ctx, tx)
	})
	return s
}

// seedRiskCore writes one linked row into every table of the risk core (AI systems, risk
// criteria, controls, risks, treatments, impact assessments) with plain SQL, so the
// isolation probe covers them whatever their domain code does.
func seedRiskCore(ctx context.Context, tx *postgres.Tx) error {
	_, err := tx.Exec(ctx, `
		WITH sys AS (
			INSERT INTO ai_systems (tenant_id, ref, name, lifecycle_stage, org_role, eu_ai_act_class, in_scope,
				created_by, created_at, updated_by, updated_at)
			VALUES (@t, 1, 'Triage model', 'operation', 'provider', 'high_risk', true, @u, @now, @u, @now) RETURNING id),
		data AS (
			INSERT INTO ai_system_data (tenant_id, system_id, position, name, personal_data) SELECT @t, id, 1, 'Records', true FROM sys),
		crit AS (
			INSERT INTO risk_criteria (tenant_id, likelihood_labels, likelihood_descriptions, impact_labels, impact_descriptions,
				levels, acceptance_threshold, updated_by, updated_at)
			VALUES (@t, '{Low,High}', '{"",""}', '{Low,High}', '{"",""}', '{low,medium,medium,high}', 'low', @u, @now)),
		ctl AS (
			INSERT INTO controls (tenant_id, code, position, annex_a, title, created_at, updated_at)
			VALUES (@t, 'A.2.2', 1, true, 'AI policy', @now, @now) RETURNING id),
		ia AS (
			INSERT INTO impact_assessments (tenant_id, ref, title, system_id, created_by, created_at, updated_by, updated_at)
			SELECT @t, 1, 'Triage impact', id, @u, @now, @u, @now FROM sys RETURNING id),
		round AS (
			INSERT INTO impact_assessment_rounds (tenant_id, assessment_id, round, state, updated_by, updated_at)
			SELECT @t, id, 1, 'draft', @u, @now FROM ia RETURNING assessment_id),
		impact AS (
			INSERT INTO impact_assessment_impacts (tenant_id, assessment_id, round, position, kind, affected, description,
				severity, likelihood, reversibility, scale)
			SELECT @t, assessment_id, 1, 1, 'harm', 'individuals', 'Missed urgent case', 5, 2, 'irreversible', 'few' FROM round),
		risk AS (
			INSERT INTO risks (tenant_id, ref, title, risk_source, objective_affected, inherent_likelihood, inherent_impact,
				inherent_level, status, impact_assessment_id, created_by, created_at, updated_by, updated_at)
			SELECT @t, 1, 'Missed triage', 'machine_learning_related', 'safety', 2, 2, 'high', 'assessed', id, @u, @now, @u, @now
			FROM ia RETURNING id),
		risk_sys AS (
			INSERT INTO risk_ai_systems (tenant_id, risk_id, system_id) SELECT @t, risk.id, sys.id FROM risk, sys),
		assessed AS (
			INSERT INTO risk_assessments (tenant_id, risk_id, seq, assessed_at, assessed_by, inherent_likelihood,
				inherent_impact, inherent_level) SELECT @t, id, 1, @now, @u, 2, 2, 'high' FROM risk),
		accepted AS (
			INSERT INTO risk_acceptances (tenant_id, risk_id, seq, accepted_by, accepted_at, residual_level, reason)
			SELECT @t, id, 1, @u, @now, 'low', 'Within appetite' FROM risk),
		tr AS (
			INSERT INTO treatments (tenant_id, ref, title, option, status, created_by, created_at, updated_by, updated_at)
			VALUES (@t, 1, 'Human review', 'modify', 'planned', @u, @now, @u, @now) RETURNING id),
		tr_risk AS (
			INSERT INTO treatment_risks (tenant_id, treatment_id, risk_id) SELECT @t, tr.id, risk.id FROM tr, risk),
		tr_ctl AS (
			INSERT INTO treatment_controls (tenant_id, treatment_id, control_id) SELECT @t, tr.id, ctl.id FROM tr, ctl)
		INSERT INTO treatment_actions (tenant_id, treatment_id, position, title, status) SELECT @t, id, 1, 'Train staff', 'open' FROM tr`,
		pgx.NamedArgs{"t": tx.TenantID, "u": tx.Actor.UserID, "now": tx.Now})
	return err
}

func TestTenantIsolation(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := pgtest.New(t)
	a := seedTenant(t, pgtest.AddTenancy(t, db), 3)
	b := seedTenant(t, pgtest.AddTenancy(t, db), 2)

	t.Run("every tenant table shows only the transaction's tenant", func(t *testing.T) {
		for _, table := range tenantTables(t, db) {
			var ownA, ofB int
			require.NoError(t, db.Pool.QueryRow(ctx, `SELECT count(*) FILTER (WHERE tenant_id = $1), count(*) FILTER (WHERE tenant_id = $2) FROM `+
				pgx.Identifier{table}.Sanitize(), a.TenantID, b.TenantID).Scan(&ownA, &ofB))
			require.Positive(t, ofB, "seed tenant B rows in %s so that the probe means something", table)
			require.Positive(t, ownA, "seed tenant A rows in %s", table)

			var seen, foreign int
			a.Tx(t, func(tx *postgres.Tx) error {
				// No WHERE clause: row-level security alone confines the query.
				return tx.QueryRow(ctx, `SELECT count(*), count(*) FILTER (WHERE tenant_id <> $1) FROM `+
					pgx.Identifier{table}.Sanitize(), a.TenantID).Scan(&seen, &foreign)
			})
			require.Zero(t, foreign, "%s: tenant A sees tenant B's rows", table)
			require.Equal(t, ownA, seen, "%s: tenant A must see all of its own rows", table)
		}
	})

	t.Run("context issues counted without a WHERE", func(t *testing.T) {
		for _, s := range []seeded{a, b} {
			var n int
			s.Tx(t, func(tx *postgres.Tx) error {
				return tx.QueryRow(ctx, `SELECT count(*) FROM context_issues`).Scan(&n)
			})
			require.Equal(t, len(s.IssueIDs), n)
		}
	})

	// Each attack runs in tenant A's transaction against tenant B's data.
	attacks := []struct {
		name string
		run  func(tx *postgres.Tx) error
		// code is the SQLSTATE the attack must fail with; "" means it must succeed but change
		// or return nothing of B's (checked by rows).
		code string
		rows int64
	}{
		{name: "insert issue with B's tenant_id", code: "42501", run: func(tx *postgres.Tx) error {
			_, err := tx.Exec(ctx, `INSERT INTO context_issues (tenant_id, ref, title, origin, category, status,
				created_by, created_at, updated_by, updated_at) VALUES ($1, 999, 'planted', 'internal', 'technology', 'open', $2, now(), $2, now())`,
				b.TenantID, a.AdminID)
			return err
		}},
		{name: "insert membership into B", code: "42501", run: func(tx *postgres.Tx) error {
			_, err := tx.Exec(ctx, `INSERT INTO memberships (tenant_id, user_id, role) VALUES ($1, $2, 'admin')`, b.TenantID, a.AdminID)
			return err
		}},
		{name: "insert audit entry into B's chain", code: "42501", run: func(tx *postgres.Tx) error {
			_, err := tx.Exec(ctx, `INSERT INTO audit_events (tenant_id, seq, occurred_at, actor_label, action, object_type,
				object_id, request_id, prev_hash, hash) VALUES ($1, 999, now(), 'x', 'x', 'x', 'x', 'x', '\x00', '\x00')`, b.TenantID)
			return err
		}},
		{name: "move own issue to B", code: "42501", run: func(tx *postgres.Tx) error {
			_, err := tx.Exec(ctx, `UPDATE context_issues SET tenant_id = $2 WHERE id = $1`, a.IssueIDs[0], b.TenantID)
			return err
		}},
		{name: "update B's issue by id", rows: 0, run: func(tx *postgres.Tx) error {
			tag, err := tx.Exec(ctx, `UPDATE context_issues SET title = 'defaced' WHERE id = $1`, b.IssueIDs[0])
			return rowsErr(tag, err)
		}},
		{name: "update every membership to admin", rows: 1, run: func(tx *postgres.Tx) error {
			tag, err := tx.Exec(ctx, `UPDATE memberships SET role = 'admin'`)
			return rowsErr(tag, err)
		}},
		{name: "delete B's party requirements", rows: 0, run: func(tx *postgres.Tx) error {
			tag, err := tx.Exec(ctx, `DELETE FROM party_requirements WHERE party_id = $1`, b.PartyID)
			return rowsErr(tag, err)
		}},
		{name: "read B's issue by id", rows: 0, run: func(tx *postgres.Tx) error {
			var n int64
			err := tx.QueryRow(ctx, `SELECT count(*) FROM context_issues WHERE id = $1`, b.IssueIDs[0]).Scan(&n)
			if err != nil {
				return err
			}
			return rowCount(n)
		}},
		// Foreign keys are checked without row-level security; the composite keys are what
		// stop a link to another tenant's row.
		{name: "own issue owned by B's member", code: "23503", run: func(tx *postgres.Tx) error {
			_, err := tx.Exec(ctx, `UPDATE context_issues SET owner_id = $2 WHERE id = $1`, a.IssueIDs[0], b.AdminID)
			return err
		}},
		{name: "requirement on B's party", code: "23503", run: func(tx *postgres.Tx) error {
			_, err := tx.Exec(ctx, `INSERT INTO party_requirements (tenant_id, party_id, position, requirement, legal, addressed)
				VALUES ($1, $2, 99, 'planted', false, false)`, a.TenantID, b.PartyID)
			return err
		}},
	}
	for _, at := range attacks {
		t.Run(at.name, func(t *testing.T) {
			err := a.Try(at.run)
			if at.code != "" {
				requirePgError(t, err, at.code)
				return
			}
			var rc rowCount
			require.ErrorAs(t, err, &rc, "the probe reports its row count")
			require.Equal(t, at.rows, int64(rc))
		})
	}

	// B's data is as it was.
	var title string
	require.NoError(t, db.Pool.QueryRow(ctx, `SELECT title FROM context_issues WHERE id = $1`, b.IssueIDs[0]).Scan(&title))
	require.Equal(t, "Issue 0", title)
	var reqs int
	require.NoError(t, db.Pool.QueryRow(ctx, `SELECT count(*) FROM party_requirements WHERE party_id = $1`, b.PartyID).Scan(&reqs))
	require.Equal(t, 1, reqs)
}

// rowCount is returned (as an error, so the probe's transaction rolls back) by attacks that
// must succeed but affect nothing of the other tenant's.
type rowCount int64

func (r rowCount) Error() string { return fmt.Sprintf("%d rows", int64(r)) }

func rowsErr(tag pgconn.CommandTag, err error) error {
	if err != nil {
		return err
	}
	return rowCount(tag.RowsAffected())
}

func TestInTenantTxRejectsNilTenant(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	called := false
	err := db.InTenantTx(context.Background(), uuid.Nil, postgres.SystemActor("test"), func(*postgres.Tx) error {
		called = true
		return nil
	})
	require.Error(t, err)
	require.False(t, called)
}

// openSingle returns a DB whose pool has exactly one connection, so consecutive statements
// are known to share it.
func openSingle(t *testing.T) *postgres.DB {
	t.Helper()
	db, err := postgres.Open(context.Background(), pgtest.NewDatabase(t), 1, nil)
	require.NoError(t, err)
	t.Cleanup(db.Close)
	return db
}

func TestAppRoleWithoutTenantFailsClosed(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := openSingle(t)
	tenantID := pgtest.CreateTenant(t, db, pgtest.TenantOptions{})
	userID := pgtest.CreateUser(t, db, pgtest.UserOptions{})

	probe := func() error {
		tx, err := db.Pool.Begin(ctx)
		require.NoError(t, err)
		defer tx.Rollback(ctx) //nolint:errcheck
		_, err = tx.Exec(ctx, `SET LOCAL ROLE aims_app`)
		require.NoError(t, err)
		var n int
		return tx.QueryRow(ctx, `SELECT count(*) FROM memberships`).Scan(&n)
	}
	// A connection that never had the setting: the parameter is unknown.
	requirePgError(t, probe(), "42704")
	// A connection whose earlier tenant transaction set it: the setting is back to '' and
	// the cast to uuid fails. Either way the query errors instead of returning rows.
	pgtest.AddMember(t, db, tenantID, userID, "admin") // a tenant transaction on the one connection
	requirePgError(t, probe(), "22P02")
}

func TestTenantTxLeavesNothingOnPooledConnection(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := openSingle(t)
	tenantID := pgtest.CreateTenant(t, db, pgtest.TenantOptions{})

	var sessionUser string
	require.NoError(t, db.Pool.QueryRow(ctx, `SELECT session_user`).Scan(&sessionUser))

	requireClean := func(t *testing.T) {
		t.Helper()
		var user, setting string
		require.NoError(t, db.Pool.QueryRow(ctx, `SELECT current_user, coalesce(current_setting('app.tenant_id', true), '')`).Scan(&user, &setting))
		require.Equal(t, sessionUser, user, "role aims_app leaked to the next user of the connection")
		require.Empty(t, setting, "app.tenant_id leaked to the next user of the connection")
	}
	cases := []struct {
		name string
		fn   func(tx *postgres.Tx) error
	}{
		{"commit", func(*postgres.Tx) error { return nil }},
		{"rollback", func(*postgres.Tx) error { return errors.New("changed my mind") }},
		{"failed statement", func(tx *postgres.Tx) error {
			_, err := tx.Exec(ctx, `SELECT 1/0`)
			return err
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_ = db.InTenantTx(ctx, tenantID, postgres.SystemActor("test"), func(tx *postgres.Tx) error {
				// Inside, the transaction runs as aims_app pinned to the tenant.
				var user, setting string
				require.NoError(t, tx.QueryRow(ctx, `SELECT current_user, current_setting('app.tenant_id')`).Scan(&user, &setting))
				require.Equal(t, "aims_app", user)
				require.Equal(t, tenantID.String(), setting)
				return c.fn(tx)
			})
			requireClean(t)
		})
	}
	require.Equal(t, int32(1), db.Pool.Stat().TotalConns(), "the test relies on one shared connection")
}

// TestWriteTxOfOneTenantRunOneAfterTheOther: a write transaction holds the tenant's
// audit-chain lock from its begin, so a second one of the same tenant waits before its first
// statement (the deadlock this prevents: a writer holding a record's row lock and waiting
// for the chain, another holding the chain and waiting for that row). Reads and other
// tenants' writes do not wait.
func TestWriteTxOfOneTenantRunOneAfterTheOther(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tn := pgtest.NewTenancy(t)
	other := pgtest.AddTenancy(t, tn.DB)

	inFirst, releaseFirst := make(chan struct{}), make(chan struct{})
	release := sync.OnceFunc(func() { close(releaseFirst) })
	t.Cleanup(release) // a failed assertion must not leave the first writer holding its connection
	firstDone := make(chan error, 1)
	go func() {
		firstDone <- tn.DB.InTenantWriteTx(ctx, tn.TenantID, tn.Actor, func(*postgres.Tx) error {
			close(inFirst)
			<-releaseFirst
			return nil
		})
	}()
	<-inFirst

	// Reads of the tenant and writes of another tenant go ahead meanwhile.
	require.NoError(t, tn.DB.InTenantTx(ctx, tn.TenantID, tn.Actor, func(*postgres.Tx) error { return nil }))
	require.NoError(t, other.DB.InTenantWriteTx(ctx, other.TenantID, other.Actor, func(*postgres.Tx) error { return nil }))

	// A second writer of the tenant waits on the chain's advisory lock, before its function.
	var secondRan atomic.Bool
	secondDone := make(chan error, 1)
	go func() {
		secondDone <- tn.DB.InTenantWriteTx(ctx, tn.TenantID, tn.Actor, func(*postgres.Tx) error {
			secondRan.Store(true)
			return nil
		})
	}()
	require.Eventually(t, func() bool {
		var waiting int
		err := tn.DB.Pool.QueryRow(ctx, `SELECT count(*) FROM pg_stat_activity
			WHERE datname = current_database() AND wait_event_type = 'Lock' AND wait_event = 'advisory'`).Scan(&waiting)
		return err == nil && waiting == 1
	}, 10*time.Second, 20*time.Millisecond, "the second writer waits on the chain's lock")
	require.False(t, secondRan.Load(), "the second writer ran while the first held the tenant")

	release()
	require.NoError(t, <-firstDone)
	require.NoError(t, <-secondDone)
	require.True(t, secondRan.Load())
}
