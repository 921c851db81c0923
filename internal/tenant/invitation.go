package tenant

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"net/mail"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/openaims/openaims/internal/apperr"
	"github.com/openaims/openaims/internal/auditlog"
	"github.com/openaims/openaims/internal/postgres"
)

// InvitationTTL is how long a one-time invitation link stays valid.
const InvitationTTL = 7 * 24 * time.Hour

// Invitation is a pending offer of a role in a tenant to an e-mail address.
type Invitation struct {
	ID        uuid.UUID
	Email     string
	Role      Role
	InvitedBy string
	CreatedAt time.Time
	ExpiresAt time.Time
}

// NormalizeEmail trims and lower-cases an address and checks its shape.
func NormalizeEmail(s string) (string, bool) {
	s = strings.ToLower(strings.TrimSpace(s))
	a, err := mail.ParseAddress(s)
	return s, err == nil && a.Address == s && len(s) <= 254
}

func hashToken(token string) []byte {
	sum := sha256.Sum256([]byte(token))
	return sum[:]
}

// Invite records an invitation and returns it with its secret token, which is shown once to
// the administrator (only its SHA-256 is stored).
func Invite(ctx context.Context, tx *postgres.Tx, email string, role Role) (Invitation, string, error) {
	var v apperr.Validation
	email, ok := NormalizeEmail(email)
	v.Check(ok, "email", "Enter an e-mail address in the format name@example.com")
	v.Check(role.Valid(), "role", "Choose a role")
	if err := v.Err(); err != nil {
		return Invitation{}, "", err
	}
	var isMember bool
	if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM memberships m JOIN users u ON u.id = m.user_id
		WHERE m.tenant_id = $1 AND u.email = $2)`, tx.TenantID, email).Scan(&isMember); err != nil {
		return Invitation{}, "", fmt.Errorf("tenant: check member: %w", err)
	}
	if isMember {
		return Invitation{}, "", &apperr.Error{Code: apperr.Conflict, Message: "Already a member",
			Fields: []apperr.FieldError{{Field: "email", Message: "This person is already a member; change their role below"}}}
	}
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return Invitation{}, "", fmt.Errorf("tenant: token: %w", err)
	}
	token := base64.RawURLEncoding.EncodeToString(raw)
	inv := Invitation{Email: email, Role: role, InvitedBy: tx.Actor.Label, CreatedAt: tx.Now, ExpiresAt: tx.Now.Add(InvitationTTL)}
	err := tx.QueryRow(ctx, `INSERT INTO invitations (tenant_id, email, role, token_hash, invited_by, created_at, expires_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
		tx.TenantID, email, role, hashToken(token), tx.Actor.UserID, tx.Now, inv.ExpiresAt).Scan(&inv.ID)
	if err != nil {
		return Invitation{}, "", fmt.Errorf("tenant: invite: %w", err)
	}
	err = auditlog.Record(ctx, tx, auditlog.Event{Action: "invitation.create", ObjectType: "invitation",
		ObjectID: inv.ID.String(), ObjectLabel: email, After: map[string]any{"email": email, "role": role, "expires_at": inv.ExpiresAt}})
	return inv, token, err
}

// PendingInvitations lists invitations neither accepted, revoked nor expired.
func PendingInvitations(ctx context.Context, tx *postgres.Tx) ([]Invitation, error) {
	rows, err := tx.Query(ctx, `SELECT i.id, i.email, i.role, u.display_name, i.created_at, i.expires_at
		FROM invitations i JOIN users u ON u.id = i.invited_by
		WHERE i.tenant_id = $1 AND i.accepted_at IS NULL AND i.revoked_at IS NULL AND i.expires_at > $2
		ORDER BY i.created_at DESC`, tx.TenantID, tx.Now)
	if err != nil {
		return nil, fmt.Errorf("tenant: pending invitations: %w", err)
	}
	defer rows.Close()
	var out []Invitation
	for rows.Next() {
		var i Invitation
		if err := rows.Scan(&i.ID, &i.Email, &i.Role, &i.InvitedBy, &i.CreatedAt, &i.ExpiresAt); err != nil {
			return nil, err
		}
		out = append(out, i)
	}
	return out, rows.Err()
}

// RevokeInvitation cancels a pending invitation.
func RevokeInvitation(ctx context.Context, tx *postgres.Tx, id uuid.UUID) error {
	var email string
	err := tx.QueryRow(ctx, `UPDATE invitations SET revoked_at = $3 WHERE tenant_id = $1 AND id = $2
		AND accepted_at IS NULL AND revoked_at IS NULL RETURNING email`, tx.TenantID, id, tx.Now).Scan(&email)
	if postgres.IsNoRows(err) {
		return apperr.Errorf(apperr.NotFound, "No pending invitation")
	}
	if err != nil {
		return fmt.Errorf("tenant: revoke invitation: %w", err)
	}
	return auditlog.Record(ctx, tx, auditlog.Event{Action: "invitation.revoke", ObjectType: "invitation",
		ObjectID: id.String(), ObjectLabel: email})
}

// FindInvitation returns the pending invitation behind token, locked for acceptance.
func FindInvitation(ctx context.Context, tx *postgres.Tx, token string) (Invitation, error) {
	var i Invitation
	err := tx.QueryRow(ctx, `SELECT id, email, role, created_at, expires_at FROM invitations
		WHERE tenant_id = $1 AND token_hash = $2 AND accepted_at IS NULL AND revoked_at IS NULL AND expires_at > $3
		FOR UPDATE`, tx.TenantID, hashToken(token), tx.Now).Scan(&i.ID, &i.Email, &i.Role, &i.CreatedAt, &i.ExpiresAt)
	if postgres.IsNoRows(err) {
		return Invitation{}, apperr.Errorf(apperr.NotFound, "This invitation link is not valid: it may have been used, revoked or expired")
	}
	if err != nil {
		return Invitation{}, fmt.Errorf("tenant: find invitation: %w", err)
	}
	return i, nil
}

// AcceptInvitation marks the invitation used and makes userID a member with its role.
func AcceptInvitation(ctx context.Context, tx *postgres.Tx, inv Invitation, userID uuid.UUID) error {
	if _, err := tx.Exec(ctx, `UPDATE invitations SET accepted_at = $3 WHERE tenant_id = $1 AND id = $2`, tx.TenantID, inv.ID, tx.Now); err != nil {
		return fmt.Errorf("tenant: accept invitation: %w", err)
	}
	if err := auditlog.Record(ctx, tx, auditlog.Event{Action: "invitation.accept", ObjectType: "invitation",
		ObjectID: inv.ID.String(), ObjectLabel: inv.Email}); err != nil {
		return err
	}
	return AddMember(ctx, tx, userID, inv.Role)
}
