package auth

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/openaims/openaims/internal/postgres"
	"github.com/openaims/openaims/internal/tenant"
)

// Session is a stored web session: the session manager's encoded data and its expiry, and,
// read with it, the user signed in on it and that user's memberships.
type Session struct {
	Data        []byte
	Expiry      time.Time
	UserID      uuid.UUID // uuid.Nil when nobody is signed in on the session
	Memberships []tenant.Membership
}

// FindSession reads the live session with token and, in the same query, the memberships of
// its user, so that a signed-in request costs one round trip before its tenant transaction.
// The memberships are read afresh on every request: a member removed from a tenant loses
// access on their next request, on every instance of the server.
func FindSession(ctx context.Context, db *postgres.DB, token string) (Session, bool, error) {
	var s Session
	var userID *uuid.UUID
	var memberships []byte
	err := db.Pool.QueryRow(ctx, `
		SELECT s.data, s.expiry, s.user_id,
			(SELECT coalesce(json_agg(json_build_object('tenant_id', t.id, 'slug', t.slug, 'name', t.name, 'role', m.role)
				ORDER BY t.name, t.slug), '[]')
			FROM memberships m JOIN tenants t ON t.id = m.tenant_id WHERE m.user_id = s.user_id)
		FROM sessions s WHERE s.token = $1 AND current_timestamp < s.expiry`, token).Scan(&s.Data, &s.Expiry, &userID, &memberships)
	if postgres.IsNoRows(err) {
		return Session{}, false, nil
	}
	if err != nil {
		return Session{}, false, fmt.Errorf("auth: find session: %w", err)
	}
	if userID == nil {
		return s, true, nil
	}
	s.UserID = *userID
	var rows []struct {
		TenantID uuid.UUID   `json:"tenant_id"`
		Slug     string      `json:"slug"`
		Name     string      `json:"name"`
		Role     tenant.Role `json:"role"`
	}
	if err := json.Unmarshal(memberships, &rows); err != nil {
		return Session{}, false, fmt.Errorf("auth: session memberships: %w", err)
	}
	for _, r := range rows {
		s.Memberships = append(s.Memberships, tenant.Membership{TenantID: r.TenantID, TenantSlug: r.Slug, TenantName: r.Name,
			UserID: s.UserID, Role: r.Role})
	}
	return s, true, nil
}

// SaveSession writes a session's data and expiry, and the user signed in on it (uuid.Nil
// for none).
func SaveSession(ctx context.Context, db *postgres.DB, token string, data []byte, expiry time.Time, userID uuid.UUID) error {
	var user *uuid.UUID
	if userID != uuid.Nil {
		user = &userID
	}
	_, err := db.Pool.Exec(ctx, `INSERT INTO sessions (token, data, expiry, user_id) VALUES ($1, $2, $3, $4)
		ON CONFLICT (token) DO UPDATE SET data = EXCLUDED.data, expiry = EXCLUDED.expiry, user_id = EXCLUDED.user_id`,
		token, data, expiry, user)
	if err != nil {
		return fmt.Errorf("auth: save session: %w", err)
	}
	return nil
}

// DeleteSession removes the session with token.
func DeleteSession(ctx context.Context, db *postgres.DB, token string) error {
	if _, err := db.Pool.Exec(ctx, `DELETE FROM sessions WHERE token = $1`, token); err != nil {
		return fmt.Errorf("auth: delete session: %w", err)
	}
	return nil
}

// DeleteExpiredSessions removes the sessions past their expiry and returns how many.
func DeleteExpiredSessions(ctx context.Context, db *postgres.DB) (int64, error) {
	tag, err := db.Pool.Exec(ctx, `DELETE FROM sessions WHERE expiry < current_timestamp`)
	if err != nil {
		return 0, fmt.Errorf("auth: delete expired sessions: %w", err)
	}
	return tag.RowsAffected(), nil
}
