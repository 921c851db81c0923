// Package tenant holds tenants, the memberships that give a user one role in a tenant, and
// the one-time invitations administrators send.
package tenant

import (
	"regexp"

	"github.com/google/uuid"

	"github.com/openaims/openaims/internal/apperr"
)

// Role is a user's role within one tenant.
type Role string

// The four roles of PRODUCT.md.
const (
	RoleAdmin             Role = "admin"
	RoleComplianceOfficer Role = "compliance_officer"
	RoleAuditor           Role = "auditor"
	RoleExecutive         Role = "executive"
)

// Roles lists every role in the order forms show them.
var Roles = []Role{RoleAdmin, RoleComplianceOfficer, RoleAuditor, RoleExecutive}

// Valid reports whether r is one of Roles.
func (r Role) Valid() bool {
	for _, v := range Roles {
		if r == v {
			return true
		}
	}
	return false
}

// Label is the role's name as people read it.
func (r Role) Label() string {
	switch r {
	case RoleAdmin:
		return "Administrator"
	case RoleComplianceOfficer:
		return "Compliance officer"
	case RoleAuditor:
		return "Auditor"
	case RoleExecutive:
		return "Executive"
	}
	return string(r)
}

// Tenant is one organisation's isolated workspace.
type Tenant struct {
	ID   uuid.UUID
	Slug string
	Name string
}

var slugPattern = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]{0,38}[a-z0-9])?$`)

// Validate checks the slug and name of a new tenant.
func (t Tenant) Validate() error {
	var v apperr.Validation
	v.Check(slugPattern.MatchString(t.Slug), "slug", "Use 1 to 40 lower-case letters, digits and inner hyphens")
	v.Check(len(t.Name) >= 1 && len(t.Name) <= 200, "name", "Enter a name of 1 to 200 characters")
	return v.Err()
}

// Membership is a user's role in a tenant, with the tenant's names for navigation.
type Membership struct {
	TenantID   uuid.UUID
	TenantSlug string
	TenantName string
	UserID     uuid.UUID
	Role       Role
}

// Member is a row of a tenant's member list.
type Member struct {
	UserID      uuid.UUID
	Email       string
	DisplayName string
	Role        Role
}
