package tenant

import (
	"context"
	"fmt"

	"github.com/google/uuid"

	"github.com/openaims/openaims/internal/apperr"
	"github.com/openaims/openaims/internal/auditlog"
	"github.com/openaims/openaims/internal/postgres"
)

// Create inserts a new tenant (platform operation, no tenant context yet).
func Create(ctx context.Context, db *postgres.DB, t Tenant) (Tenant, error) {
	if err := t.Validate(); err != nil {
		return Tenant{}, err
	}
	err := db.Pool.QueryRow(ctx, `INSERT INTO tenants (slug, name) VALUES ($1, $2) RETURNING id`, t.Slug, t.Name).Scan(&t.ID)
	if postgres.IsUniqueViolation(err) {
		return Tenant{}, &apperr.Error{Code: apperr.Conflict, Message: fmt.Sprintf("Tenant %q already exists", t.Slug),
			Fields: []apperr.FieldError{{Field: "slug", Message: "This slug is taken"}}}
	}
	if err != nil {
		return Tenant{}, fmt.Errorf("tenant: create %s: %w", t.Slug, err)
	}
	return t, nil
}

// FindBySlug returns the tenant with slug.
func FindBySlug(ctx context.Context, db *postgres.DB, slug string) (Tenant, error) {
	t := Tenant{Slug: slug}
	err := db.Pool.QueryRow(ctx, `SELECT id, name FROM tenants WHERE slug = $1`, slug).Scan(&t.ID, &t.Name)
	if postgres.IsNoRows(err) {
		return Tenant{}, apperr.Errorf(apperr.NotFound, "No tenant %q", slug)
	}
	if err != nil {
		return Tenant{}, fmt.Errorf("tenant: find %s: %w", slug, err)
	}
	return t, nil
}

// All returns every tenant, by slug (platform operation: audit verify walks them).
func All(ctx context.Context, db *postgres.DB) ([]Tenant, error) {
	rows, err := db.Pool.Query(ctx, `SELECT id, slug, name FROM tenants ORDER BY slug`)
	if err != nil {
		return nil, fmt.Errorf("tenant: list: %w", err)
	}
	defer rows.Close()
	var out []Tenant
	for rows.Next() {
		var t Tenant
		if err := rows.Scan(&t.ID, &t.Slug, &t.Name); err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// MembershipsOf returns every tenant the user belongs to, by tenant name. It runs as the
// platform role (policy platform_read) because it spans tenants; it is what the tenant
// middleware and the tenant switcher use, in one round trip.
func MembershipsOf(ctx context.Context, db *postgres.DB, userID uuid.UUID) ([]Membership, error) {
	rows, err := db.Pool.Query(ctx, `
		SELECT t.id, t.slug, t.name, m.role FROM memberships m JOIN tenants t ON t.id = m.tenant_id
		WHERE m.user_id = $1 ORDER BY t.name, t.slug`, userID)
	if err != nil {
		return nil, fmt.Errorf("tenant: memberships of %s: %w", userID, err)
	}
	defer rows.Close()
	var out []Membership
	for rows.Next() {
		m := Membership{UserID: userID}
		if err := rows.Scan(&m.TenantID, &m.TenantSlug, &m.TenantName, &m.Role); err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// AddMember gives user a role in the transaction's tenant, or changes the role of an
// existing member (demoting the last administrator is refused).
func AddMember(ctx context.Context, tx *postgres.Tx, userID uuid.UUID, role Role) error {
	if !role.Valid() {
		return apperr.Errorf(apperr.Invalid, "Unknown role %q", role)
	}
	var before *string
	err := tx.QueryRow(ctx, `SELECT role FROM memberships WHERE tenant_id = $1 AND user_id = $2`, tx.TenantID, userID).Scan(&before)
	if err != nil && !postgres.IsNoRows(err) {
		return fmt.Errorf("tenant: read membership: %w", err)
	}
	if before != nil {
		return ChangeRole(ctx, tx, userID, role)
	}
	// The e-mail address labels the trail entry; RETURNING reads it in the same round trip.
	var email string
	err = tx.QueryRow(ctx, `INSERT INTO memberships (tenant_id, user_id, role) VALUES ($1, $2, $3)
		RETURNING (SELECT u.email FROM users u WHERE u.id = memberships.user_id)`, tx.TenantID, userID, role).Scan(&email)
	if err != nil {
		return fmt.Errorf("tenant: add member: %w", err)
	}
	return auditlog.Record(ctx, tx, auditlog.Event{Action: "membership.create", ObjectType: "membership",
		ObjectID: userID.String(), ObjectLabel: email, After: map[string]any{"role": role}})
}

// Members lists the tenant's members by name.
func Members(ctx context.Context, tx *postgres.Tx) ([]Member, error) {
	rows, err := tx.Query(ctx, `
		SELECT u.id, u.email, u.display_name, m.role FROM memberships m JOIN users u ON u.id = m.user_id
		WHERE m.tenant_id = $1 ORDER BY lower(u.display_name), u.email`, tx.TenantID)
	if err != nil {
		return nil, fmt.Errorf("tenant: members: %w", err)
	}
	defer rows.Close()
	var out []Member
	for rows.Next() {
		var m Member
		if err := rows.Scan(&m.UserID, &m.Email, &m.DisplayName, &m.Role); err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// FindMember returns one member of the tenant.
func FindMember(ctx context.Context, tx *postgres.Tx, userID uuid.UUID) (Member, error) {
	m := Member{UserID: userID}
	err := tx.QueryRow(ctx, `SELECT u.email, u.display_name, m.role FROM memberships m JOIN users u ON u.id = m.user_id
		WHERE m.tenant_id = $1 AND m.user_id = $2`, tx.TenantID, userID).Scan(&m.Email, &m.DisplayName, &m.Role)
	if postgres.IsNoRows(err) {
		return Member{}, apperr.Errorf(apperr.NotFound, "No such member")
	}
	if err != nil {
		return Member{}, fmt.Errorf("tenant: find member %s: %w", userID, err)
	}
	return m, nil
}

// lockMember locks the member's row and the tenant's administrator rows, so two concurrent
// changes cannot both remove the last administrator. It reads the member's e-mail address
// in the same query, for the trail (only the membership rows are locked: aims_app may not
// lock users).
func lockMember(ctx context.Context, tx *postgres.Tx, userID uuid.UUID) (Member, int, error) {
	rows, err := tx.Query(ctx, `SELECT m.user_id, m.role, u.email FROM memberships m JOIN users u ON u.id = m.user_id
		WHERE m.tenant_id = $1 AND (m.role = 'admin' OR m.user_id = $2) FOR UPDATE OF m`, tx.TenantID, userID)
	if err != nil {
		return Member{}, 0, fmt.Errorf("tenant: lock members: %w", err)
	}
	defer rows.Close()
	var m Member
	admins := 0
	for rows.Next() {
		var id uuid.UUID
		var role Role
		var email string
		if err := rows.Scan(&id, &role, &email); err != nil {
			return Member{}, 0, err
		}
		if role == RoleAdmin {
			admins++
		}
		if id == userID {
			m = Member{UserID: id, Email: email, Role: role}
		}
	}
	if err := rows.Err(); err != nil {
		return Member{}, 0, err
	}
	if m.UserID == uuid.Nil {
		return Member{}, 0, apperr.Errorf(apperr.NotFound, "No such member")
	}
	return m, admins, nil
}

// ChangeRole sets a member's role; the last administrator keeps theirs.
func ChangeRole(ctx context.Context, tx *postgres.Tx, userID uuid.UUID, role Role) error {
	if !role.Valid() {
		return &apperr.Error{Code: apperr.Invalid, Message: "Choose a role",
			Fields: []apperr.FieldError{{Field: "role", Message: "Choose one of the four roles"}}}
	}
	m, admins, err := lockMember(ctx, tx, userID)
	if err != nil {
		return err
	}
	if m.Role == role {
		return nil
	}
	if m.Role == RoleAdmin && admins == 1 {
		return apperr.Errorf(apperr.Conflict, "The last administrator cannot lose the role: make another member an administrator first")
	}
	if _, err := tx.Exec(ctx, `UPDATE memberships SET role = $3 WHERE tenant_id = $1 AND user_id = $2`, tx.TenantID, userID, role); err != nil {
		return fmt.Errorf("tenant: change role: %w", err)
	}
	return auditlog.Record(ctx, tx, auditlog.Event{Action: "membership.update", ObjectType: "membership",
		ObjectID: userID.String(), ObjectLabel: m.Email, Before: map[string]any{"role": m.Role}, After: map[string]any{"role": role}})
}

// RemoveMember ends a user's membership; the last administrator cannot be removed.
func RemoveMember(ctx context.Context, tx *postgres.Tx, userID uuid.UUID) error {
	m, admins, err := lockMember(ctx, tx, userID)
	if err != nil {
		return err
	}
	if m.Role == RoleAdmin && admins == 1 {
		return apperr.Errorf(apperr.Conflict, "The last administrator cannot be removed: make another member an administrator first")
	}
	if _, err := tx.Exec(ctx, `DELETE FROM memberships WHERE tenant_id = $1 AND user_id = $2`, tx.TenantID, userID); err != nil {
		return fmt.Errorf("tenant: remove member: %w", err)
	}
	return auditlog.Record(ctx, tx, auditlog.Event{Action: "membership.delete", ObjectType: "membership",
		ObjectID: userID.String(), ObjectLabel: m.Email, Before: map[string]any{"role": m.Role}})
}
