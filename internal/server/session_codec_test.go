package server

import (
	"testing"
	"time"

	"github.com/alexedwards/scs/v2"
	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/openaims/openaims/web/components"
)

func TestSessionCodecRoundTripsEveryKeyTheServerStores(t *testing.T) {
	t.Parallel()
	deadline := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	values := map[string]any{"user_id": uuid.New(), "user_email": "officer@acme.test", "user_name": "Olivia Officer",
		"flash": []components.FlashMessage{{Kind: "success", Text: "Saved"}}}
	b, err := sessionCodec{}.Encode(deadline, values)
	require.NoError(t, err)
	gotDeadline, got, err := sessionCodec{}.Decode(b)
	require.NoError(t, err)
	require.True(t, deadline.Equal(gotDeadline))
	require.Equal(t, values, got)

	again, err := sessionCodec{}.Encode(deadline, got)
	require.NoError(t, err)
	require.Equal(t, b, again, "equal sessions must encode to equal bytes: the store skips a save by comparing them")
}

func TestSessionCodecRefusesAKeyItCannotStore(t *testing.T) {
	t.Parallel()
	_, err := sessionCodec{}.Encode(time.Now(), map[string]any{"cart": 3})
	require.ErrorContains(t, err, `"cart"`)
	_, err = sessionCodec{}.Encode(time.Now(), map[string]any{"user_id": "not a uuid"})
	require.ErrorContains(t, err, `"user_id"`)
}

func TestSessionCodecReadsSessionsTheGobCodecSaved(t *testing.T) {
	t.Parallel()
	deadline := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	values := map[string]any{"user_id": uuid.New(), "user_email": "officer@acme.test"}
	old, err := scs.GobCodec{}.Encode(deadline, values)
	require.NoError(t, err)
	gotDeadline, got, err := sessionCodec{}.Decode(old)
	require.NoError(t, err)
	require.True(t, deadline.Equal(gotDeadline))
	require.Equal(t, values, got)
}
