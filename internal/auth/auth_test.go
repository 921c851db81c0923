package auth_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/alexedwards/argon2id"
	"github.com/stretchr/testify/require"

	"github.com/openaims/openaims/internal/apperr"
	"github.com/openaims/openaims/internal/auth"
	"github.com/openaims/openaims/internal/postgres"
	"github.com/openaims/openaims/internal/postgres/pgtest"
)

const goodPassword = "correct horse battery staple"

func TestPasswordLength(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name     string
		password string
		ok       bool
	}{
		{"empty", "", false},
		{"11 characters", strings.Repeat("a", 11), false},
		{"12 characters", strings.Repeat("a", 12), true},
		{"128 characters", strings.Repeat("a", 128), true},
		{"129 characters", strings.Repeat("a", 129), false},
		// Characters, not bytes: 12 two-byte letters are enough, 11 are not.
		{"12 accented letters", strings.Repeat("é", 12), true},
		{"11 accented letters", strings.Repeat("é", 11), false},
		{"128 emoji", strings.Repeat("🔑", 128), true},
		{"129 emoji", strings.Repeat("🔑", 129), false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			problem := auth.PasswordProblem(c.password)
			n := auth.NewUser{Email: "a@example.com", DisplayName: "A", Password: c.password}
			err := n.Validate()
			if c.ok {
				require.Empty(t, problem)
				require.NoError(t, err)
				return
			}
			require.Contains(t, problem, "12 to 128")
			require.Equal(t, map[string]string{"password": problem}, apperr.FieldsOf(err))
		})
	}
}

func TestNewUserValidate(t *testing.T) {
	t.Parallel()
	n := auth.NewUser{Email: "  Ada@Example.COM ", DisplayName: "  Ada Lovelace ", Password: goodPassword}
	require.NoError(t, n.Validate())
	require.Equal(t, "ada@example.com", n.Email)
	require.Equal(t, "Ada Lovelace", n.DisplayName)

	bad := auth.NewUser{Email: "ada", DisplayName: " ", Password: "short"}
	fields := apperr.FieldsOf(bad.Validate())
	require.Len(t, fields, 3)
	require.Contains(t, fields, "email")
	require.Contains(t, fields, "name")
	require.Contains(t, fields, "password")
}

func TestHashPasswordUsesArgon2idOWASPParameters(t *testing.T) {
	t.Parallel()
	h, err := auth.HashPassword(goodPassword)
	require.NoError(t, err)
	require.True(t, strings.HasPrefix(h, "$argon2id$v=19$m=19456,t=2,p=1$"), h)
	params, salt, key, err := argon2id.DecodeHash(h)
	require.NoError(t, err)
	require.Equal(t, uint32(19456), params.Memory)
	require.Equal(t, uint32(2), params.Iterations)
	require.Equal(t, uint8(1), params.Parallelism)
	require.Len(t, salt, 16)
	require.Len(t, key, 32)
	require.NotContains(t, h, goodPassword)

	ok, err := argon2id.ComparePasswordAndHash(goodPassword, h)
	require.NoError(t, err)
	require.True(t, ok)
	ok, err = argon2id.ComparePasswordAndHash(goodPassword+"!", h)
	require.NoError(t, err)
	require.False(t, ok)
}

func createUser(t *testing.T, db *postgres.DB, email string) auth.User {
	t.Helper()
	u, err := auth.CreateUser(context.Background(), db, auth.NewUser{Email: email, DisplayName: "Test " + email, Password: goodPassword})
	require.NoError(t, err)
	return u
}

func TestCreateUser(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := pgtest.New(t)
	u := createUser(t, db, "Grace@Example.com")
	require.Equal(t, "grace@example.com", u.Email)

	var stored string
	require.NoError(t, db.Pool.QueryRow(ctx, `SELECT password_hash FROM users WHERE id = $1`, u.ID).Scan(&stored))
	require.True(t, strings.HasPrefix(stored, "$argon2id$"))

	_, err := auth.CreateUser(ctx, db, auth.NewUser{Email: " GRACE@example.com", DisplayName: "Other", Password: goodPassword})
	require.True(t, apperr.Is(err, apperr.Conflict), "e-mail addresses are unique whatever their case: %v", err)
	require.Contains(t, apperr.FieldsOf(err), "email")

	_, err = auth.CreateUser(ctx, db, auth.NewUser{Email: "x@example.com", DisplayName: "X", Password: "short"})
	require.True(t, apperr.Is(err, apperr.Invalid))

	found, err := auth.FindUserByEmail(ctx, db, "GRACE@example.com")
	require.NoError(t, err)
	require.Equal(t, u, found)
	found, err = auth.FindUser(ctx, db, u.ID)
	require.NoError(t, err)
	require.Equal(t, u, found)
	_, err = auth.FindUserByEmail(ctx, db, "nobody@example.com")
	require.True(t, apperr.Is(err, apperr.NotFound))
}

func TestSignIn(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := pgtest.New(t)
	u := createUser(t, db, "linus@example.com")

	got, err := auth.SignIn(ctx, db, " Linus@Example.com ", goodPassword, "192.0.2.1")
	require.NoError(t, err)
	require.Equal(t, u, got)

	// A wrong password and an unknown account are indistinguishable.
	_, wrong := auth.SignIn(ctx, db, "linus@example.com", "wrong password!!", "192.0.2.1")
	_, unknown := auth.SignIn(ctx, db, "nobody@example.com", goodPassword, "192.0.2.1")
	_, malformed := auth.SignIn(ctx, db, "not an address", goodPassword, "192.0.2.1")
	for _, err := range []error{wrong, unknown, malformed} {
		require.Same(t, auth.ErrBadCredentials, err)
		require.Equal(t, apperr.Unauthenticated, apperr.CodeOf(err))
		require.Equal(t, wrong.Error(), err.Error())
	}
	// Not even the timing-equaliser's dummy password opens an unknown account.
	_, err = auth.SignIn(ctx, db, "ghost@example.com", "not-a-real-password-0000", "192.0.2.2")
	require.Same(t, auth.ErrBadCredentials, err)

	err = auth.SetPassword(ctx, db, u.ID, "a brand new passphrase")
	require.NoError(t, err)
	_, err = auth.SignIn(ctx, db, "linus@example.com", goodPassword, "192.0.2.3")
	require.Same(t, auth.ErrBadCredentials, err, "the old password stops working")
	_, err = auth.SignIn(ctx, db, "linus@example.com", "a brand new passphrase", "192.0.2.3")
	require.NoError(t, err)
	require.True(t, apperr.Is(auth.SetPassword(ctx, db, u.ID, "short"), apperr.Invalid))
}

func failures(t *testing.T, db *postgres.DB, key string) int {
	t.Helper()
	var n int
	require.NoError(t, db.Pool.QueryRow(context.Background(), `SELECT count(*) FROM login_failures WHERE key = $1`, key).Scan(&n))
	return n
}

func TestSignInThrottlesAnAccount(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := pgtest.New(t)
	createUser(t, db, "target@example.com")
	createUser(t, db, "bystander@example.com")

	require.Equal(t, 5, auth.MaxAccountFailures, "the documented policy: the 6th attempt is refused")
	require.Equal(t, 20, auth.MaxAddressFailures)
	for i := range auth.MaxAccountFailures {
		// From a new address each time, so only the account limit applies.
		_, err := auth.SignIn(ctx, db, "target@example.com", fmt.Sprintf("guess number %d", i), fmt.Sprintf("198.51.100.%d", i))
		require.Same(t, auth.ErrBadCredentials, err, "attempt %d", i+1)
	}
	require.Equal(t, auth.MaxAccountFailures, failures(t, db, "account:target@example.com"))

	// Even the right password is refused while the account is paused.
	_, err := auth.SignIn(ctx, db, "TARGET@example.com", goodPassword, "203.0.113.9")
	var throttled *auth.ThrottledError
	require.ErrorAs(t, err, &throttled)
	require.GreaterOrEqual(t, throttled.Minutes(), 1)
	require.LessOrEqual(t, throttled.Minutes(), int(auth.ThrottleWindow.Minutes()))
	require.Contains(t, err.Error(), fmt.Sprintf("%d minutes", throttled.Minutes()))
	require.Equal(t, auth.MaxAccountFailures, failures(t, db, "account:target@example.com"), "a throttled attempt is not checked or counted")

	// Other accounts are unaffected.
	_, err = auth.SignIn(ctx, db, "bystander@example.com", goodPassword, "203.0.113.9")
	require.NoError(t, err)

	// Failures older than the window no longer count.
	_, err = db.Pool.Exec(ctx, `UPDATE login_failures SET failed_at = failed_at - $1::interval`, (auth.ThrottleWindow + time.Second).String())
	require.NoError(t, err)
	_, err = auth.SignIn(ctx, db, "target@example.com", goodPassword, "203.0.113.9")
	require.NoError(t, err)
}

func TestSignInThrottlesAnAddress(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := pgtest.New(t)
	createUser(t, db, "victim@example.com")
	const attacker = "192.0.2.66"

	// A password-spraying client stays under each account's limit but not the address's.
	for i := range auth.MaxAddressFailures {
		email := fmt.Sprintf("sprayed%d@example.com", i%4)
		_, err := auth.SignIn(ctx, db, email, "Winter2026!!!", attacker)
		require.Same(t, auth.ErrBadCredentials, err, "attempt %d", i+1)
	}
	_, err := auth.SignIn(ctx, db, "victim@example.com", goodPassword, attacker)
	var throttled *auth.ThrottledError
	require.ErrorAs(t, err, &throttled, "the address is paused for every account")
	require.GreaterOrEqual(t, throttled.Minutes(), 1)

	_, err = auth.SignIn(ctx, db, "victim@example.com", goodPassword, "192.0.2.67")
	require.NoError(t, err, "another address is not paused")
}

func TestSignInSuccessClearsAccountFailures(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := pgtest.New(t)
	createUser(t, db, "forgetful@example.com")
	fail := func(n int) {
		for i := range n {
			_, err := auth.SignIn(ctx, db, "forgetful@example.com", "not my password", fmt.Sprintf("198.51.100.%d", i))
			require.Same(t, auth.ErrBadCredentials, err)
		}
	}
	fail(auth.MaxAccountFailures - 1)
	_, err := auth.SignIn(ctx, db, "forgetful@example.com", goodPassword, "198.51.100.200")
	require.NoError(t, err)
	require.Zero(t, failures(t, db, "account:forgetful@example.com"))

	// Had the earlier failures survived, this run would reach the limit.
	fail(auth.MaxAccountFailures - 1)
	_, err = auth.SignIn(ctx, db, "forgetful@example.com", goodPassword, "198.51.100.201")
	require.NoError(t, err)
	require.False(t, errors.As(err, new(*auth.ThrottledError)))
}

func TestThrottledErrorRoundsUp(t *testing.T) {
	t.Parallel()
	cases := map[string]int{"1s": 1, "59s": 1, "60s": 1, "61s": 2, "14m59s": 15, "15m": 15}
	for d, want := range cases {
		dur, err := time.ParseDuration(d)
		require.NoError(t, err)
		require.Equal(t, want, (&auth.ThrottledError{RetryAfter: dur}).Minutes(), d)
	}
}
