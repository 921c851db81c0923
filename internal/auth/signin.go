package auth

import (
	"context"
	"fmt"
	"math"
	"time"

	"github.com/alexedwards/argon2id"

	"github.com/openaims/openaims/internal/apperr"
	"github.com/openaims/openaims/internal/postgres"
	"github.com/openaims/openaims/internal/tenant"
)

// Throttling limits: at most MaxAccountFailures failed sign-ins per account and
// MaxAddressFailures per client address within ThrottleWindow.
const (
	MaxAccountFailures = 5
	MaxAddressFailures = 20
	ThrottleWindow     = 15 * time.Minute
)

// ErrBadCredentials is the one message for every failed sign-in: it does not say whether
// the account exists.
var ErrBadCredentials = &apperr.Error{Code: apperr.Unauthenticated, Message: "The e-mail address or password is not right"}

// ThrottledError says sign-in is paused for an account or address, and for how long.
type ThrottledError struct{ RetryAfter time.Duration }

func (e *ThrottledError) Error() string {
	return fmt.Sprintf("Too many failed sign-ins. Try again in %d minutes.", e.Minutes())
}

// Minutes is RetryAfter rounded up to whole minutes.
func (e *ThrottledError) Minutes() int { return int(math.Ceil(e.RetryAfter.Minutes())) }

// dummyHash is compared against when the account does not exist, so an unknown e-mail
// takes as long as a wrong password.
var dummyHash, _ = argon2id.CreateHash("not-a-real-password-0000", passwordParams)

// SignIn checks an e-mail and password from client address addr. It returns the user, a
// *ThrottledError while the account or address is paused, or ErrBadCredentials.
func SignIn(ctx context.Context, db *postgres.DB, email, password, addr string) (User, error) {
	email, _ = tenant.NormalizeEmail(email)
	accountKey, addrKey := "account:"+email, "addr:"+addr
	if wait, err := retryAfter(ctx, db, accountKey, addrKey); err != nil {
		return User{}, err
	} else if wait > 0 {
		return User{}, &ThrottledError{RetryAfter: wait}
	}
	u, hash, err := findCredentials(ctx, db, email)
	if err != nil && !apperr.Is(err, apperr.NotFound) {
		return User{}, err
	}
	if hash == "" {
		hash = dummyHash
	}
	ok, cmpErr := argon2id.ComparePasswordAndHash(password, hash)
	if cmpErr != nil || !ok || err != nil {
		if _, err := db.Pool.Exec(ctx, `INSERT INTO login_failures (key) VALUES ($1), ($2)`, accountKey, addrKey); err != nil {
			return User{}, fmt.Errorf("auth: record failure: %w", err)
		}
		return User{}, ErrBadCredentials
	}
	if _, err := db.Pool.Exec(ctx, `DELETE FROM login_failures WHERE key = $1 OR failed_at < now() - $2::interval`,
		accountKey, ThrottleWindow.String()); err != nil {
		return User{}, fmt.Errorf("auth: clear failures: %w", err)
	}
	return u, nil
}

// retryAfter returns how long sign-in stays paused for either key (0 when it is not).
func retryAfter(ctx context.Context, db *postgres.DB, accountKey, addrKey string) (time.Duration, error) {
	var wait float64
	err := db.Pool.QueryRow(ctx, `
		WITH recent AS (
			SELECT key, failed_at, row_number() OVER (PARTITION BY key ORDER BY failed_at DESC) AS n
			FROM login_failures WHERE key IN ($1, $2) AND failed_at > now() - $5::interval)
		SELECT coalesce(max(extract(epoch FROM failed_at + $5::interval - now())), 0) FROM recent
		WHERE (key = $1 AND n = $3) OR (key = $2 AND n = $4)`,
		accountKey, addrKey, MaxAccountFailures, MaxAddressFailures, ThrottleWindow.String()).Scan(&wait)
	if err != nil {
		return 0, fmt.Errorf("auth: read failures: %w", err)
	}
	return time.Duration(wait * float64(time.Second)), nil
}
