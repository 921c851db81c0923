// Package auth holds user accounts, argon2id password hashes, and sign-in with throttling
// per account and per client address.
package auth

import (
	"context"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/alexedwards/argon2id"
	"github.com/google/uuid"

	"github.com/openaims/openaims/internal/apperr"
	"github.com/openaims/openaims/internal/postgres"
	"github.com/openaims/openaims/internal/tenant"
)

// Password length bounds (characters).
const (
	MinPasswordLen = 12
	MaxPasswordLen = 128
)

// passwordParams follow the OWASP Password Storage Cheat Sheet for argon2id
// (19 MiB of memory, 2 iterations, parallelism 1).
var passwordParams = &argon2id.Params{Memory: 19 * 1024, Iterations: 2, Parallelism: 1, SaltLength: 16, KeyLength: 32}

// User is a person who can sign in; their roles live in tenant memberships.
type User struct {
	ID          uuid.UUID
	Email       string
	DisplayName string
}

// NewUser is what creating an account needs.
type NewUser struct {
	Email       string
	DisplayName string
	Password    string
}

// Validate checks a new account's fields.
func (n *NewUser) Validate() error {
	var v apperr.Validation
	email, ok := tenant.NormalizeEmail(n.Email)
	v.Check(ok, "email", "Enter an e-mail address in the format name@example.com")
	n.Email = email
	n.DisplayName = strings.TrimSpace(n.DisplayName)
	v.Check(n.DisplayName != "" && utf8.RuneCountInString(n.DisplayName) <= 200, "name", "Enter your name (up to 200 characters)")
	if msg := PasswordProblem(n.Password); msg != "" {
		v.Add("password", msg)
	}
	return v.Err()
}

// PasswordProblem returns why a password is not acceptable, or "".
func PasswordProblem(p string) string {
	n := utf8.RuneCountInString(p)
	if n < MinPasswordLen || n > MaxPasswordLen {
		return fmt.Sprintf("Enter a password of %d to %d characters", MinPasswordLen, MaxPasswordLen)
	}
	return ""
}

// HashPassword returns the argon2id PHC string of p.
func HashPassword(p string) (string, error) {
	h, err := argon2id.CreateHash(p, passwordParams)
	if err != nil {
		return "", fmt.Errorf("auth: hash password: %w", err)
	}
	return h, nil
}

// CreateUser adds an account (platform operation).
func CreateUser(ctx context.Context, db *postgres.DB, n NewUser) (User, error) {
	if err := n.Validate(); err != nil {
		return User{}, err
	}
	hash, err := HashPassword(n.Password)
	if err != nil {
		return User{}, err
	}
	u := User{Email: n.Email, DisplayName: n.DisplayName}
	err = db.Pool.QueryRow(ctx, `INSERT INTO users (email, display_name, password_hash) VALUES ($1, $2, $3) RETURNING id`,
		u.Email, u.DisplayName, hash).Scan(&u.ID)
	if postgres.IsUniqueViolation(err) {
		return User{}, &apperr.Error{Code: apperr.Conflict, Message: "An account with this e-mail address exists",
			Fields: []apperr.FieldError{{Field: "email", Message: "An account with this e-mail address exists"}}}
	}
	if err != nil {
		return User{}, fmt.Errorf("auth: create user: %w", err)
	}
	return u, nil
}

// SetPassword replaces a user's password (platform operation). No command exposes it yet: it
// is the building block of an operator password reset.
func SetPassword(ctx context.Context, db *postgres.DB, userID uuid.UUID, password string) error {
	if msg := PasswordProblem(password); msg != "" {
		return apperr.Errorf(apperr.Invalid, "%s", msg)
	}
	hash, err := HashPassword(password)
	if err != nil {
		return err
	}
	_, err = db.Pool.Exec(ctx, `UPDATE users SET password_hash = $2, updated_at = now() WHERE id = $1`, userID, hash)
	return err
}

// FindUserByEmail returns the account with email.
func FindUserByEmail(ctx context.Context, db *postgres.DB, email string) (User, error) {
	u, _, err := findCredentials(ctx, db, email)
	return u, err
}

// FindUser returns the account with id.
func FindUser(ctx context.Context, db *postgres.DB, id uuid.UUID) (User, error) {
	u := User{ID: id}
	err := db.Pool.QueryRow(ctx, `SELECT email, display_name FROM users WHERE id = $1`, id).Scan(&u.Email, &u.DisplayName)
	if postgres.IsNoRows(err) {
		return User{}, apperr.Errorf(apperr.NotFound, "No such user")
	}
	if err != nil {
		return User{}, fmt.Errorf("auth: find user: %w", err)
	}
	return u, nil
}

func findCredentials(ctx context.Context, db *postgres.DB, email string) (User, string, error) {
	email, _ = tenant.NormalizeEmail(email)
	var u User
	var hash string
	err := db.Pool.QueryRow(ctx, `SELECT id, email, display_name, password_hash FROM users WHERE email = $1`, email).
		Scan(&u.ID, &u.Email, &u.DisplayName, &hash)
	if postgres.IsNoRows(err) {
		return User{}, "", apperr.Errorf(apperr.NotFound, "No such user")
	}
	if err != nil {
		return User{}, "", fmt.Errorf("auth: find user: %w", err)
	}
	return u, hash, nil
}
