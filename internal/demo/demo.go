// Package demo seeds the demo workspaces of PRODUCT.md: tenants acme and globex, each with
// an administrator, a compliance officer, an auditor and an executive, and a realistic,
// partly complete AIMS. Seeding is idempotent: running it again changes nothing.
package demo

import (
	"context"
	"fmt"

	"github.com/google/uuid"

	"github.com/openaims/openaims/internal/apperr"
	"github.com/openaims/openaims/internal/auth"
	"github.com/openaims/openaims/internal/orgcontext"
	"github.com/openaims/openaims/internal/postgres"
	"github.com/openaims/openaims/internal/tenant"
)

// Persona is a demo account's local part, display name and role.
type Persona struct {
	Local, Name string
	Role        tenant.Role
}

// Personas are the four demo accounts of every demo tenant.
var Personas = []Persona{
	{"admin", "Ada Admin", tenant.RoleAdmin},
	{"officer", "Olivia Officer", tenant.RoleComplianceOfficer},
	{"auditor", "Arthur Auditor", tenant.RoleAuditor},
	{"exec", "Evelyn Executive", tenant.RoleExecutive},
}

// Tenants are the demo tenants, slug and name.
var Tenants = []tenant.Tenant{{Slug: "acme", Name: "Acme Health AI"}, {Slug: "globex", Name: "Globex Financial"}}

// Email is the demo address of a persona in a tenant, e.g. officer@acme.test.
func Email(local, slug string) string { return local + "@" + slug + ".test" }

// Seed creates whatever part of the demo is missing and reports what it did to logf.
func Seed(ctx context.Context, db *postgres.DB, password string, logf func(string, ...any)) error {
	for _, t := range Tenants {
		if err := seedTenant(ctx, db, t, password, logf); err != nil {
			return fmt.Errorf("demo: %s: %w", t.Slug, err)
		}
	}
	return seedGuest(ctx, db)
}

// seedGuest makes Acme's compliance officer an auditor of Globex too (an external audit
// engagement), so the demo shows a user with a different role in each tenant.
func seedGuest(ctx context.Context, db *postgres.DB) error {
	u, err := auth.FindUserByEmail(ctx, db, Email("officer", "acme"))
	if err != nil {
		return err
	}
	t, err := tenant.FindBySlug(ctx, db, "globex")
	if err != nil {
		return err
	}
	return db.InTenantWriteTx(ctx, t.ID, postgres.SystemActor("demo-seed"), func(tx *postgres.Tx) error {
		var exists bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM memberships WHERE tenant_id = $1 AND user_id = $2)`, t.ID, u.ID).Scan(&exists); err != nil || exists {
			return err
		}
		return tenant.AddMember(ctx, tx, u.ID, tenant.RoleAuditor)
	})
}

func seedTenant(ctx context.Context, db *postgres.DB, t tenant.Tenant, password string, logf func(string, ...any)) error {
	existing, err := tenant.FindBySlug(ctx, db, t.Slug)
	switch {
	case err == nil:
		t = existing
	case apperr.Is(err, apperr.NotFound):
		if t, err = tenant.Create(ctx, db, t); err != nil {
			return err
		}
		logf("created tenant %s", t.Slug)
	default:
		return err
	}
	users := map[tenant.Role]uuid.UUID{}
	for _, p := range Personas {
		email := Email(p.Local, t.Slug)
		u, err := auth.FindUserByEmail(ctx, db, email)
		if apperr.Is(err, apperr.NotFound) {
			u, err = auth.CreateUser(ctx, db, auth.NewUser{Email: email, DisplayName: p.Name, Password: password})
			logf("created user %s", email)
		}
		if err != nil {
			return err
		}
		users[p.Role] = u.ID
	}
	actor := postgres.SystemActor("demo-seed")
	return db.InTenantWriteTx(ctx, t.ID, actor, func(tx *postgres.Tx) error {
		var members int
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM memberships WHERE tenant_id = $1`, t.ID).Scan(&members); err != nil {
			return err
		}
		if members > 0 {
			return nil // already seeded
		}
		for _, p := range Personas {
			if err := tenant.AddMember(ctx, tx, users[p.Role], p.Role); err != nil {
				return err
			}
		}
		// The register content is written as the compliance officer would have.
		tx.Actor = postgres.Actor{UserID: users[tenant.RoleComplianceOfficer], Label: Email("officer", t.Slug), RequestID: "demo-seed"}
		if err := seedContext(ctx, tx, t.Slug, users); err != nil {
			return err
		}
		if err := seedAISystems(ctx, tx, t.Slug, users); err != nil {
			return err
		}
		if err := seedControls(ctx, tx, t.Slug, users); err != nil {
			return err
		}
		if err := seedRisks(ctx, tx, t.Slug, users); err != nil {
			return err
		}
		if err := seedTreatments(ctx, tx, t.Slug, users); err != nil {
			return err
		}
		if err := seedImpactAssessments(ctx, tx, t.Slug, users); err != nil {
			return err
		}
		logf("seeded registers of %s", t.Slug)
		return nil
	})
}

func seedContext(ctx context.Context, tx *postgres.Tx, slug string, users map[tenant.Role]uuid.UUID) error {
	// Content names owners by persona ("officer", "exec"); they become member ids here.
	owner := func(persona string) string {
		for _, p := range Personas {
			if p.Local == persona {
				return users[p.Role].String()
			}
		}
		return ""
	}
	content := contentFor(slug)
	for _, i := range content.issues {
		i.OwnerID = owner(i.OwnerID)
		if _, err := orgcontext.CreateIssue(ctx, tx, i); err != nil {
			return fmt.Errorf("issue %q: %w", i.Title, err)
		}
	}
	for _, p := range content.parties {
		p.OwnerID = owner(p.OwnerID)
		if _, err := orgcontext.CreateParty(ctx, tx, p); err != nil {
			return fmt.Errorf("party %q: %w", p.Name, err)
		}
	}
	return orgcontext.SaveAIRoles(ctx, tx, content.roles)
}
