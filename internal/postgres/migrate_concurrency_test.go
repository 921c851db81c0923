package postgres_test

import (
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/openaims/openaims/internal/postgres"
	"github.com/openaims/openaims/internal/postgres/pgtest"
)

// TestConcurrentStartUpsMigrateOnce starts two instances' migrations on one empty database
// at the same moment: golang-migrate's lock lets one apply each migration and the other
// find nothing to do; the schema ends current and clean.
func TestConcurrentStartUpsMigrateOnce(t *testing.T) {
	t.Parallel()
	url := pgtest.EmptyDatabase(t)
	unlock := pgtest.LockMigrations(t) // keeps other test databases' migrations out of the way
	defer unlock()

	var wg sync.WaitGroup
	errs := make([]error, 2)
	start := make(chan struct{})
	for i := range errs {
		mg, err := postgres.NewMigrator(url)
		require.NoError(t, err)
		t.Cleanup(func() { _ = mg.Close() })
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			errs[i] = mg.Up()
		}()
	}
	close(start)
	wg.Wait()
	require.NoError(t, errs[0])
	require.NoError(t, errs[1])

	mg, err := postgres.NewMigrator(url)
	require.NoError(t, err)
	defer mg.Close()
	v, dirty, err := mg.Version()
	require.NoError(t, err)
	require.Equal(t, postgres.LatestVersion(), v)
	require.False(t, dirty)
}
