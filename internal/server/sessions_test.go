package server

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/openaims/openaims/internal/postgres"
	"github.com/openaims/openaims/internal/postgres/pgtest"
	"github.com/openaims/openaims/web/components"
)

// storedSession reads the stored expiry and user of the session with token.
func storedSession(t testing.TB, db *postgres.DB, token string) (expiry time.Time, user *uuid.UUID) {
	t.Helper()
	require.NoError(t, db.Pool.QueryRow(context.Background(), `SELECT expiry, user_id FROM sessions WHERE token = $1`, token).
		Scan(&expiry, &user))
	return expiry, user
}

func TestSessionStoreWritesOnlyChanges(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := pgtest.New(t)
	st := newSessionStore(db, 30*time.Minute, 0, testLogger())
	require.Equal(t, time.Minute, st.renewal)
	user := pgtest.CreateUser(t, db, pgtest.UserOptions{Email: acmeOfficer})
	codec := sessionCodec{}
	deadline := time.Now().Add(12 * time.Hour)
	encode := func(values map[string]any) []byte {
		data, err := codec.Encode(deadline, values)
		require.NoError(t, err)
		return data
	}
	signedIn := map[string]any{"user_id": user, "user_email": acmeOfficer, "user_name": "Officer"}
	token := "test-" + pgtest.RandomSuffix()
	expiry := time.Now().Add(30 * time.Minute).UTC().Truncate(time.Microsecond)
	require.NoError(t, st.CommitCtx(ctx, token, encode(signedIn), expiry), "outside a request every commit is written")

	// commit is a request that loads the session and commits values with the expiry
	// pushed forward by renewIn.
	commit := func(values map[string]any, renewIn time.Duration) {
		t.Helper()
		rctx := withRequest(ctx, &request{})
		data, found, err := st.FindCtx(rctx, token)
		require.NoError(t, err)
		require.True(t, found)
		_, loaded, err := codec.Decode(data)
		require.NoError(t, err)
		require.Equal(t, user, loaded["user_id"])
		stored, _ := storedSession(t, db, token)
		require.NoError(t, st.CommitCtx(rctx, token, encode(values), stored.Add(renewIn)))
	}

	commit(signedIn, 30*time.Second)
	got, _ := storedSession(t, db, token)
	require.True(t, expiry.Equal(got), "an unchanged session renewed by less than a minute is not written")

	commit(signedIn, 2*time.Minute)
	got, _ = storedSession(t, db, token)
	require.True(t, expiry.Add(2*time.Minute).Equal(got), "a renewal of a minute or more is written")
	expiry = got

	flashed := map[string]any{"user_id": user, "user_email": acmeOfficer, "user_name": "Officer", "flash": []components.FlashMessage{{Kind: "success", Text: "Saved"}}}
	commit(flashed, time.Second)
	got, _ = storedSession(t, db, token)
	require.True(t, expiry.Add(time.Second).Equal(got), "changed data is written at once")
	expiry = got

	_, err := db.Pool.Exec(ctx, `UPDATE sessions SET user_id = NULL WHERE token = $1`, token)
	require.NoError(t, err)
	commit(flashed, time.Second)
	got, stored := storedSession(t, db, token)
	require.True(t, expiry.Add(time.Second).Equal(got))
	require.Equal(t, &user, stored, "a session stored without its user is written with it")
}

func TestSessionPagesDoNotRewriteTheSession(t *testing.T) {
	t.Parallel()
	b := setup(t)
	c := b.signIn(t, acmeOfficer)
	token := c.sessionCookie(t)
	signedInAt, user := storedSession(t, b.db, token)
	require.Equal(t, b.userID(t, acmeOfficer), *user, "the session names its user")

	for range 3 {
		status, _ := c.get(t, "/t/acme/context")
		require.Equal(t, http.StatusOK, status)
	}
	got, _ := storedSession(t, b.db, token)
	require.True(t, signedInAt.Equal(got), "viewing pages leaves an unchanged session alone")

	path := createIssue(t, c, issueForm("Flash for the session test"))
	afterCreate, _ := storedSession(t, b.db, token)
	require.True(t, afterCreate.After(signedInAt), "the flash message is saved in the session")
	_, body := c.get(t, path)
	require.Regexp(t, `CTX-\d+ added\.`, body)
	_, body = c.get(t, path)
	require.NotRegexp(t, `CTX-\d+ added\.`, body, "the flash, once shown, is gone from the stored session")

	// A session saved before sessions named their user still works, and gets its user.
	_, err := b.db.Pool.Exec(context.Background(), `UPDATE sessions SET user_id = NULL WHERE token = $1`, token)
	require.NoError(t, err)
	status, _ := c.get(t, "/t/acme/context")
	require.Equal(t, http.StatusOK, status)
	_, user = storedSession(t, b.db, token)
	require.NotNil(t, user)
}
