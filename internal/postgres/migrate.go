package postgres

import (
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"github.com/golang-migrate/migrate/v4"
	_ "github.com/golang-migrate/migrate/v4/database/pgx/v5" // registers the pgx5:// driver
	"github.com/golang-migrate/migrate/v4/source/iofs"

	"github.com/openaims/openaims/migrations"
)

// ErrDirty is returned when a migration failed half-way and left the schema dirty.
var ErrDirty = errors.New("postgres: database schema is dirty")

// Migrator applies the embedded migrations under golang-migrate's advisory lock, so two
// instances starting together apply each migration once.
type Migrator struct{ m *migrate.Migrate }

// NewMigrator prepares the embedded migrations for the database at databaseURL.
func NewMigrator(databaseURL string) (*Migrator, error) {
	src, err := iofs.New(migrations.FS, ".")
	if err != nil {
		return nil, fmt.Errorf("postgres: read embedded migrations: %w", err)
	}
	u, err := url.Parse(databaseURL)
	if err != nil {
		return nil, fmt.Errorf("postgres: parse DATABASE_URL: %w", err)
	}
	u.Scheme = "pgx5"
	m, err := migrate.NewWithSourceInstance("iofs", src, u.String())
	if err != nil {
		return nil, fmt.Errorf("postgres: open migrations: %w", err)
	}
	return &Migrator{m: m}, nil
}

// Close releases the migrator's connection.
func (mg *Migrator) Close() error {
	srcErr, dbErr := mg.m.Close()
	return errors.Join(srcErr, dbErr)
}

// Up applies every pending migration. A dirty schema stops it with instructions. The state
// is read under golang-migrate's lock, so an instance starting while another one migrates
// waits for it instead of mistaking its work in progress for a failure.
func (mg *Migrator) Up() error {
	if err := mg.m.Up(); err != nil && !errors.Is(err, migrate.ErrNoChange) {
		return fmt.Errorf("postgres: migrate up: %w", dirtyHelp(err))
	}
	return nil
}

// Steps applies n migrations forward (n > 0) or back (n < 0).
func (mg *Migrator) Steps(n int) error {
	if err := mg.m.Steps(n); err != nil {
		return fmt.Errorf("postgres: migrate %d steps: %w", n, dirtyHelp(err))
	}
	return nil
}

// Down reverts every migration.
func (mg *Migrator) Down() error {
	if err := mg.m.Down(); err != nil && !errors.Is(err, migrate.ErrNoChange) {
		return fmt.Errorf("postgres: migrate down: %w", err)
	}
	return nil
}

// Force marks version as applied and clean, after the operator has repaired the schema.
func (mg *Migrator) Force(version int) error {
	if err := mg.m.Force(version); err != nil {
		return fmt.Errorf("postgres: force version %d: %w", version, err)
	}
	return nil
}

// Version returns the applied version (0 when none) and whether it is dirty.
func (mg *Migrator) Version() (uint, bool, error) {
	v, dirty, err := mg.m.Version()
	if errors.Is(err, migrate.ErrNilVersion) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, fmt.Errorf("postgres: read schema version: %w", err)
	}
	return v, dirty, nil
}

// dirtyHelp replaces golang-migrate's dirty-state error with what the operator should do.
func dirtyHelp(err error) error {
	var dirty migrate.ErrDirty
	if !errors.As(err, &dirty) {
		return err
	}
	v := dirty.Version
	return fmt.Errorf("%w at version %d: migration %d failed part-way. Repair the schema by hand "+
		"(compare it with migrations/%06d_*.up.sql), then run `aims migrate force %d` if the migration "+
		"is now fully applied or `aims migrate force %d` if it is fully undone, and start again",
		ErrDirty, v, v, v, v, v-1)
}

// LatestVersion is the highest migration version embedded in the binary.
func LatestVersion() uint {
	entries, _ := fs.ReadDir(migrations.FS, ".")
	var versions []int
	for _, e := range entries {
		if head, _, ok := strings.Cut(e.Name(), "_"); ok {
			if n, err := strconv.Atoi(head); err == nil {
				versions = append(versions, n)
			}
		}
	}
	if len(versions) == 0 {
		return 0
	}
	sort.Ints(versions)
	return uint(versions[len(versions)-1])
}
