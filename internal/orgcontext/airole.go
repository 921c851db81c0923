package orgcontext

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/openaims/openaims/internal/apperr"
	"github.com/openaims/openaims/internal/auditlog"
	"github.com/openaims/openaims/internal/postgres"
)

// AIRoleKinds are the roles an organisation can play towards AI systems (clause 4.1).
var AIRoleKinds = []Choice{
	{"provider", "AI provider"},
	{"producer", "AI producer"},
	{"customer", "AI customer"},
	{"partner", "AI partner"},
	{"subject", "AI subject"},
}

// AIRole says whether the organisation plays one AI role, and why.
type AIRole struct {
	Role    string `json:"role"`
	Applies bool   `json:"applies"`
	Note    string `json:"note"`
}

// AIRolesObject is the audit-trail object type of the AI roles statement.
const AIRolesObject = "ai-roles"

// AIRoles returns the organisation's statement for every AI role, in AIRoleKinds order
// (roles never answered come back as not applying, with no note).
func AIRoles(ctx context.Context, tx *postgres.Tx) ([]AIRole, error) {
	rows, err := tx.Query(ctx, `SELECT role, applies, note FROM ai_roles WHERE tenant_id = $1`, tx.TenantID)
	if err != nil {
		return nil, fmt.Errorf("orgcontext: ai roles: %w", err)
	}
	defer rows.Close()
	stored := map[string]AIRole{}
	for rows.Next() {
		var r AIRole
		if err := rows.Scan(&r.Role, &r.Applies, &r.Note); err != nil {
			return nil, err
		}
		stored[r.Role] = r
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	out := make([]AIRole, 0, len(AIRoleKinds))
	for _, k := range AIRoleKinds {
		r, ok := stored[k.Value]
		if !ok {
			r = AIRole{Role: k.Value}
		}
		out = append(out, r)
	}
	return out, nil
}

// SaveAIRoles replaces the organisation's AI roles statement; at least one role must apply
// and every applying role needs a note saying how.
func SaveAIRoles(ctx context.Context, tx *postgres.Tx, roles []AIRole) error {
	roles = slices.Clone(roles) // the notes are trimmed below; the caller's slice is left alone
	var v apperr.Validation
	anyApplies := false
	for i := range roles {
		r := &roles[i]
		r.Note = strings.TrimSpace(r.Note)
		v.Check(Has(AIRoleKinds, r.Role), "role_"+r.Role, "Unknown AI role")
		v.Check(!r.Applies || r.Note != "", "note_"+r.Role, "Say how the organisation plays this role")
		v.Check(utf8.RuneCountInString(r.Note) <= 2000, "note_"+r.Role, "Keep the note under 2,000 characters")
		anyApplies = anyApplies || r.Applies
	}
	v.Check(anyApplies, "role_provider", "Choose at least one role the organisation plays")
	if err := v.Err(); err != nil {
		return err
	}
	before, err := AIRoles(ctx, tx)
	if err != nil {
		return err
	}
	kinds, applies, notes := make([]string, len(roles)), make([]bool, len(roles)), make([]string, len(roles))
	for i, r := range roles {
		kinds[i], applies[i], notes[i] = r.Role, r.Applies, r.Note
	}
	if _, err := tx.Exec(ctx, `INSERT INTO ai_roles (tenant_id, role, applies, note, updated_by, updated_at)
		SELECT $1, r, a, n, $5, $6 FROM unnest($2::text[], $3::boolean[], $4::text[]) AS t (r, a, n)
		ON CONFLICT (tenant_id, role) DO UPDATE SET applies = excluded.applies, note = excluded.note,
			updated_by = excluded.updated_by, updated_at = excluded.updated_at`,
		tx.TenantID, kinds, applies, notes, tx.Actor.UserID, tx.Now); err != nil {
		return fmt.Errorf("orgcontext: save ai roles: %w", err)
	}
	return auditlog.Record(ctx, tx, auditlog.Event{Action: "ai-roles.update", ObjectType: AIRolesObject,
		ObjectID: "statement", ObjectLabel: "The organisation's AI roles", Before: before, After: roles})
}
