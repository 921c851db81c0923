// Package benchseed loads the data set the load harness runs against: tenant bench-large,
// with a hundred thousand risks and the registers, links and half a million audit-trail
// entries around them, among a thousand small tenants (bench-0001 …) with small registers.
// The data is varied (text from word lists, statuses, owners, dates over two years, levels
// from the tenant's risk criteria), so filters and searches select realistic shares.
//
// Every tenant is written in one transaction through postgres.InTenantTx, as aims_app under
// row-level security; large tables are streamed with COPY into a temporary table and
// inserted from it. Seeding is idempotent: a tenant that has its data is left alone.
//
// Evidence metadata and nonconformities are not loaded: their registers have no tables yet.
package benchseed

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/openaims/openaims/internal/apperr"
	"github.com/openaims/openaims/internal/auth"
	"github.com/openaims/openaims/internal/control"
	"github.com/openaims/openaims/internal/demo"
	"github.com/openaims/openaims/internal/postgres"
	"github.com/openaims/openaims/internal/tenant"
)

// LargeSlug is the slug of the large tenant.
const LargeSlug = "bench-large"

// SmallSlug is the slug of small tenant n (1-based): bench-0001, bench-0002, …
func SmallSlug(n int) string { return fmt.Sprintf("bench-%04d", n) }

// Plan is what Seed creates.
type Plan struct {
	Tenants int       // small tenants
	Small   Registers // each small tenant's registers
	Large   Registers // bench-large's registers
	Staff   int       // members of bench-large besides the four personas, who own and edit records
	Workers int       // small tenants seeded at once, beside bench-large
}

// NewPlan is the plan for 'tenants' small tenants and 'records' risks in bench-large, with
// the other registers of bench-large in the proportions of the default plan (100,000 risks:
// 1,000 AI systems, 20,000 treatments, 500 impact assessments, 2,000 context issues, 2,000
// interested parties, 60 custom controls, 500,000 audit-trail entries).
func NewPlan(tenants, records int) Plan {
	scale := func(per100k, least int) int { return max(least, records*per100k/100_000) }
	return Plan{
		Tenants: tenants,
		Small: Registers{ContextIssues: 5, Parties: 4, AISystems: 3, CustomControls: 2, ImpactAssessments: 1,
			Risks: 12, Treatments: 5, AuditEvents: 60},
		Large: Registers{
			ContextIssues: scale(2_000, 1), Parties: scale(2_000, 1), AISystems: scale(1_000, 1),
			CustomControls: min(60, scale(60, 1)), ImpactAssessments: scale(500, 1), Risks: records,
			Treatments: scale(20_000, 1), AuditEvents: scale(500_000, 100),
		},
		Staff:   16,
		Workers: 2,
	}
}

// Report says what Seed made and how long it took.
type Report struct {
	LargeCreated bool             // false: bench-large already had its data
	Large        map[string]int64 // rows written per table in bench-large
	LargeTook    time.Duration
	SmallCreated int              // small tenants seeded by this run
	SmallSkipped int              // small tenants that already had their data
	Small        map[string]int64 // rows written per table, over all small tenants seeded
	SmallTook    time.Duration
	Users        int // accounts created
	VacuumTook   time.Duration
}

// Seed creates whatever part of the plan is missing and reports it, logging progress to
// logf. It is safe to run again: tenants that have their data are skipped, and a tenant
// whose transaction failed has nothing to undo.
func Seed(ctx context.Context, db *postgres.DB, plan Plan, password string, logf func(string, ...any)) (Report, error) {
	rep := Report{Large: map[string]int64{}, Small: map[string]int64{}}
	var mu sync.Mutex // guards rep and logf across the goroutines below
	say := func(f string, a ...any) {
		mu.Lock()
		defer mu.Unlock()
		logf(f, a...)
	}
	// Accounts other than the personas share one password hash: argon2id costs ~30 ms per
	// hash, which for thousands of bench accounts would dominate the run.
	sharedHash, err := auth.HashPassword(password)
	if err != nil {
		return rep, err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	errs := make(chan error, 1+max(1, plan.Workers))
	fail := func(err error) {
		errs <- err
		cancel()
	}
	wg.Go(func() {
		start := time.Now()
		created, counts, users, err := seedLarge(ctx, db, plan, password, sharedHash, say)
		if err != nil {
			fail(fmt.Errorf("benchseed: %s: %w", LargeSlug, err))
			return
		}
		mu.Lock()
		rep.LargeCreated, rep.Large, rep.LargeTook, rep.Users = created, counts, time.Since(start), rep.Users+users
		mu.Unlock()
	})
	existing, err := smallTenants(ctx, db)
	if err != nil {
		cancel()
		wg.Wait()
		return rep, err
	}
	start := time.Now()
	next := make(chan int)
	var smallWG sync.WaitGroup
	for range max(1, plan.Workers) {
		smallWG.Go(func() {
			for n := range next {
				created, counts, users, err := seedSmall(ctx, db, plan.Small, n, existing[SmallSlug(n)], sharedHash)
				if err != nil {
					fail(fmt.Errorf("benchseed: %s: %w", SmallSlug(n), err))
					return
				}
				mu.Lock()
				rep.Users += users
				if created {
					rep.SmallCreated++
					for t, c := range counts {
						rep.Small[t] += c
					}
					if rep.SmallCreated%250 == 0 {
						logf("small tenants: %d seeded (%.1fs)", rep.SmallCreated, time.Since(start).Seconds())
					}
				} else {
					rep.SmallSkipped++
				}
				mu.Unlock()
			}
		})
	}
feed:
	for n := 1; n <= plan.Tenants; n++ {
		select {
		case next <- n:
		case <-ctx.Done():
			break feed
		}
	}
	close(next)
	smallWG.Wait()
	rep.SmallTook = time.Since(start)
	wg.Wait()
	select {
	case err := <-errs:
		return rep, err
	default:
	}
	if rep.LargeCreated || rep.SmallCreated > 0 {
		start := time.Now()
		if err := vacuum(ctx, db); err != nil {
			return rep, err
		}
		rep.VacuumTook = time.Since(start)
	}
	return rep, nil
}

// smallTenants maps the slug of every existing bench tenant to its id, and says whether it
// has members (its data: a tenant's members and registers are written in one transaction).
func smallTenants(ctx context.Context, db *postgres.DB) (map[string]existingTenant, error) {
	rows, err := db.Pool.Query(ctx, `SELECT t.slug, t.id, EXISTS (SELECT 1 FROM memberships m WHERE m.tenant_id = t.id)
		FROM tenants t WHERE t.slug LIKE 'bench-%'`)
	if err != nil {
		return nil, fmt.Errorf("benchseed: list bench tenants: %w", err)
	}
	defer rows.Close()
	out := map[string]existingTenant{}
	for rows.Next() {
		var slug string
		var t existingTenant
		if err := rows.Scan(&slug, &t.id, &t.seeded); err != nil {
			return nil, err
		}
		out[slug] = t
	}
	return out, rows.Err()
}

type existingTenant struct {
	id     uuid.UUID
	seeded bool
}

// tenantFor finds or creates the tenant with slug.
func tenantFor(ctx context.Context, db *postgres.DB, slug, name string) (tenant.Tenant, error) {
	t, err := tenant.FindBySlug(ctx, db, slug)
	if apperr.Is(err, apperr.NotFound) {
		return tenant.Create(ctx, db, tenant.Tenant{Slug: slug, Name: name})
	}
	return t, err
}

// account is a bench account to find or create.
type account struct {
	Email, Name string
	Role        tenant.Role
}

// ensureAccounts finds or creates the accounts with the shared password hash, in one round
// trip, and returns them as members in the order given.
func ensureAccounts(ctx context.Context, db *postgres.DB, accounts []account, hash string) ([]member, int, error) {
	emails, names := make([]string, len(accounts)), make([]string, len(accounts))
	for i, a := range accounts {
		emails[i], names[i] = a.Email, a.Name
	}
	var created int
	ids := map[string]uuid.UUID{}
	err := db.Pool.QueryRow(ctx, `WITH added AS (
			INSERT INTO users (email, display_name, password_hash) SELECT e, n, $3 FROM unnest($1::text[], $2::text[]) AS x (e, n)
			ON CONFLICT (email) DO NOTHING RETURNING id)
		SELECT count(*) FROM added`, emails, names, hash).Scan(&created)
	if err != nil {
		return nil, 0, fmt.Errorf("create accounts: %w", err)
	}
	rows, err := db.Pool.Query(ctx, `SELECT email, id FROM users WHERE email = ANY($1)`, emails)
	if err != nil {
		return nil, 0, fmt.Errorf("read accounts: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var e string
		var id uuid.UUID
		if err := rows.Scan(&e, &id); err != nil {
			return nil, 0, err
		}
		ids[e] = id
	}
	if err := rows.Err(); err != nil {
		return nil, 0, err
	}
	out := make([]member, len(accounts))
	for i, a := range accounts {
		out[i] = member{ID: ids[a.Email], Email: a.Email, Name: a.Name, Role: a.Role}
	}
	return out, created, nil
}

// seedTenant writes a tenant's members, Annex A controls and registers in one transaction,
// unless the tenant has members already. The seed's own trail entries (memberships, the
// Annex A seed) are dated at the start of the data's two years, before every record.
func seedTenant(ctx context.Context, db *postgres.DB, t tenant.Tenant, size Registers, members []member,
	logf func(string, ...any)) (bool, map[string]int64, error) {
	var counts map[string]int64
	seeded := false
	err := db.InTenantWriteTx(ctx, t.ID, postgres.SystemActor("bench-seed"), func(tx *postgres.Tx) error {
		var n int
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM memberships WHERE tenant_id = $1`, t.ID).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return nil
		}
		// Seeding is a bulk load that can be redone: a crash loses at most the last commits.
		if _, err := tx.Exec(ctx, `SET LOCAL synchronous_commit = off`); err != nil {
			return err
		}
		g := newGen(t.ID, tx.Now)
		tx.Now = g.start
		for _, m := range members {
			if err := tenant.AddMember(ctx, tx, m.ID, m.Role); err != nil {
				return err
			}
		}
		if err := control.SeedAnnexA(ctx, tx); err != nil {
			return err
		}
		if logf != nil {
			logf("%s: loading %d risks, %d AI systems, %d treatments, %d audit-trail entries …", t.Slug,
				size.Risks, size.AISystems, size.Treatments, size.AuditEvents)
		}
		w := newWorkspace(tx, g, t.Slug, size, members)
		w.load.logf = logf
		if err := w.fill(ctx); err != nil {
			return err
		}
		counts = w.load.counts
		counts["memberships"] = int64(len(members))
		seeded = true
		return nil
	})
	return seeded, counts, err
}

func seedSmall(ctx context.Context, db *postgres.DB, size Registers, n int, existing existingTenant, hash string) (bool, map[string]int64, int, error) {
	slug := SmallSlug(n)
	if existing.seeded {
		return false, nil, 0, nil
	}
	t := tenant.Tenant{ID: existing.id, Slug: slug}
	if t.ID == uuid.Nil {
		var err error
		if t, err = tenant.Create(ctx, db, tenant.Tenant{Slug: slug, Name: fmt.Sprintf("Bench organisation %04d", n)}); err != nil {
			return false, nil, 0, err
		}
	}
	members, users, err := ensureAccounts(ctx, db, []account{
		{demo.Email("admin", slug), "Ada Admin", tenant.RoleAdmin},
		{demo.Email("officer", slug), "Olivia Officer", tenant.RoleComplianceOfficer},
		{demo.Email("auditor", slug), "Arthur Auditor", tenant.RoleAuditor},
	}, hash)
	if err != nil {
		return false, nil, 0, err
	}
	created, counts, err := seedTenant(ctx, db, t, size, members, nil)
	return created, counts, users, err
}

// staffNames are the members of bench-large besides the personas.
var staffNames = []string{"Priya Patel", "Tomasz Nowak", "Grace Okafor", "Lucas Moreau", "Mei Chen", "Sven Larsen",
	"Amara Diallo", "Diego Alvarez", "Hannah Becker", "Ravi Iyer", "Sofia Rossi", "Kwame Mensah", "Elena Petrova",
	"Jonas Weber", "Aisha Rahman", "Liam Murphy", "Yuki Tanaka", "Noah Fischer", "Chloe Martin", "Omar Haddad"}

func seedLarge(ctx context.Context, db *postgres.DB, plan Plan, password, hash string, logf func(string, ...any)) (bool, map[string]int64, int, error) {
	t, err := tenantFor(ctx, db, LargeSlug, "Bench Large Group")
	if err != nil {
		return false, nil, 0, err
	}
	var members []member
	created := 0
	// The personas are what the load harness signs in as: real accounts, each its own hash.
	for _, p := range demo.Personas {
		email := demo.Email(p.Local, LargeSlug)
		u, err := auth.FindUserByEmail(ctx, db, email)
		if apperr.Is(err, apperr.NotFound) {
			u, err = auth.CreateUser(ctx, db, auth.NewUser{Email: email, DisplayName: p.Name, Password: password})
			created++
		}
		if err != nil {
			return false, nil, 0, err
		}
		members = append(members, member{ID: u.ID, Email: email, Name: p.Name, Role: p.Role})
	}
	var staff []account
	for i := range plan.Staff {
		name := staffNames[i%len(staffNames)]
		if i >= len(staffNames) {
			name = fmt.Sprintf("%s %d", name, i/len(staffNames)+1)
		}
		role := tenant.RoleComplianceOfficer
		switch i % 8 {
		case 6:
			role = tenant.RoleAuditor
		case 7:
			role = tenant.RoleExecutive
		}
		staff = append(staff, account{Email: fmt.Sprintf("staff%02d@%s.test", i+1, LargeSlug), Name: name, Role: role})
	}
	if len(staff) > 0 {
		more, n, err := ensureAccounts(ctx, db, staff, hash)
		if err != nil {
			return false, nil, 0, err
		}
		members, created = append(members, more...), created+n
	}
	seeded, counts, err := seedTenant(ctx, db, t, plan.Large, members, logf)
	if err == nil && !seeded {
		logf("%s: already loaded, nothing to do", LargeSlug)
	}
	return seeded, counts, created, err
}

// vacuum sets the visibility map and hint bits of the loaded tables and refreshes the
// planner's statistics, as the schema owner (neither is subject to row-level security).
// Without it, until autovacuum comes by (never, where it is off), every read checks each
// freshly loaded row's transaction and index-only scans read the heap: counting a page of
// 1,000 risks took 6.5 ms instead of 0.2 ms.
func vacuum(ctx context.Context, db *postgres.DB) error {
	// The whole database: the seed's triggers fill count tables too (register_counts,
	// risk_heat_counts and the link counts), which every list and the heat map read.
	if _, err := db.Pool.Exec(ctx, "VACUUM (ANALYZE)"); err != nil {
		return fmt.Errorf("benchseed: vacuum: %w", err)
	}
	return nil
}

// Tables lists the tables of counts in a stable order, for printing.
func Tables(counts map[string]int64) []string { return slices.Sorted(maps.Keys(counts)) }
