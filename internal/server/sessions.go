package server

import (
	"bytes"
	"context"
	"log/slog"
	"time"

	"github.com/alexedwards/scs/v2"
	"github.com/google/uuid"

	"github.com/openaims/openaims/internal/auth"
	"github.com/openaims/openaims/internal/postgres"
	"github.com/openaims/openaims/internal/tenant"
)

// sessionStore is the session manager's store: sessions live in PostgreSQL, so every
// instance of the server serves every session. It saves two round trips a signed-in
// request would otherwise cost:
//   - reading a session also reads its user's memberships (auth.FindSession), which the
//     middleware would otherwise query next;
//   - with an idle timeout, scs commits the session at the end of every request to push its
//     idle deadline forward; the store skips that write when the data did not change and the
//     stored deadline is less than renewal behind the new one. The stored deadline then lags
//     the cookie's by less than renewal: an idle session ends at most renewal early.
type sessionStore struct {
	db      *postgres.DB
	renewal time.Duration
	codec   scs.Codec
}

// loadedSession is what the store read for the request: to tell whether its commit changes
// anything, and the memberships read with it.
type loadedSession struct {
	token       string
	data        []byte
	expiry      time.Time
	userID      uuid.UUID
	memberships []tenant.Membership
}

// newSessionStore returns the store, and removes expired sessions every cleanup interval
// for as long as the process runs (as the scs stores do).
func newSessionStore(db *postgres.DB, idle time.Duration, cleanup time.Duration, log *slog.Logger) *sessionStore {
	st := &sessionStore{db: db, renewal: min(time.Minute, idle/4), codec: sessionCodec{}}
	if cleanup > 0 {
		go func() {
			for range time.Tick(cleanup) {
				if _, err := auth.DeleteExpiredSessions(context.Background(), db); err != nil {
					log.Error("delete expired sessions", "err", err)
				}
			}
		}()
	}
	return st
}

// requestFrom returns the request state that observe put in ctx.
func requestFrom(ctx context.Context) (*request, bool) {
	rq, ok := ctx.Value(requestKey{}).(*request)
	return rq, ok
}

// FindCtx reads the session with token and keeps what it read on the request.
func (st *sessionStore) FindCtx(ctx context.Context, token string) ([]byte, bool, error) {
	s, found, err := auth.FindSession(ctx, st.db, token)
	if err != nil || !found {
		return nil, false, err
	}
	if rq, ok := requestFrom(ctx); ok {
		rq.session = &loadedSession{token: token, data: s.Data, expiry: s.Expiry, userID: s.UserID, memberships: s.Memberships}
	}
	return s.Data, true, nil
}

// CommitCtx saves the session unless the request read it unchanged and recently renewed.
func (st *sessionStore) CommitCtx(ctx context.Context, token string, b []byte, expiry time.Time) error {
	_, values, err := st.codec.Decode(b)
	if err != nil {
		return err
	}
	userID, _ := values["user_id"].(uuid.UUID)
	// A session stored without its user (before migration 000010) is written again.
	// sessionCodec encodes equal sessions to equal bytes.
	if rq, ok := requestFrom(ctx); ok && rq.session != nil && rq.session.token == token && rq.session.userID == userID &&
		expiry.Sub(rq.session.expiry) < st.renewal && bytes.Equal(rq.session.data, b) {
		return nil
	}
	return auth.SaveSession(ctx, st.db, token, b, expiry, userID)
}

// DeleteCtx removes the session with token.
func (st *sessionStore) DeleteCtx(ctx context.Context, token string) error {
	return auth.DeleteSession(ctx, st.db, token)
}

// Find, Commit and Delete complete scs.Store; scs calls the context versions.
func (st *sessionStore) Find(token string) ([]byte, bool, error) {
	return st.FindCtx(context.Background(), token)
}

// Commit saves a session outside a request.
func (st *sessionStore) Commit(token string, b []byte, expiry time.Time) error {
	return st.CommitCtx(context.Background(), token, b, expiry)
}

// Delete removes a session outside a request.
func (st *sessionStore) Delete(token string) error {
	return st.DeleteCtx(context.Background(), token)
}

var _ scs.CtxStore = (*sessionStore)(nil)
