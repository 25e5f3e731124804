// Package migrations holds the platform's SQL migrations, embedded in every
// binary, and the migrator that applies them together with River's own.
package migrations

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivermigrate"
)

//go:embed sql/*.sql
var files embed.FS

// Migrator applies River's migrations and the platform's own. Every
// operation holds a Postgres advisory lock scoped to the current schema, so
// concurrent runs (several pods starting a migrate Job, two operators) queue
// behind each other instead of racing.
type Migrator struct {
	pool  *pgxpool.Pool
	db    *sql.DB
	app   *goose.Provider
	river *rivermigrate.Migrator[pgx.Tx]
}

// Status is one migration and whether it has been applied.
type Status struct {
	Line      string // "river" or "app"
	Version   int64
	Name      string
	Applied   bool
	AppliedAt time.Time
}

// New builds a migrator over pool; it migrates the pool's current schema.
func New(pool *pgxpool.Pool, logger *slog.Logger) (*Migrator, error) {
	sqlFiles, err := fs.Sub(files, "sql")
	if err != nil {
		return nil, err
	}
	db := stdlib.OpenDBFromPool(pool)
	app, err := goose.NewProvider(goose.DialectPostgres, db, sqlFiles,
		goose.WithTableName("app_migrations"), goose.WithDisableGlobalRegistry(true))
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("load app migrations: %w", err)
	}
	river, err := rivermigrate.New(riverpgxv5.New(pool), &rivermigrate.Config{Logger: logger})
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("load river migrations: %w", err)
	}
	return &Migrator{pool: pool, db: db, app: app, river: river}, nil
}

// Close releases the migrator's database/sql handle (not the pool).
func (m *Migrator) Close() error { return m.db.Close() }

// Up applies every pending River and app migration and returns those applied.
func (m *Migrator) Up(ctx context.Context) ([]Status, error) {
	var applied []Status
	err := m.locked(ctx, func() error {
		res, err := m.river.Migrate(ctx, rivermigrate.DirectionUp, nil)
		if err != nil {
			return fmt.Errorf("river migrations: %w", err)
		}
		for _, v := range res.Versions {
			applied = append(applied, Status{Line: "river", Version: int64(v.Version), Name: v.Name, Applied: true})
		}
		results, err := m.app.Up(ctx)
		for _, r := range results {
			if r.Error == nil {
				applied = append(applied, Status{Line: "app", Version: r.Source.Version, Name: baseName(r.Source.Path), Applied: true})
			}
		}
		if err != nil {
			return fmt.Errorf("app migrations: %w", err)
		}
		return nil
	})
	return applied, err
}

// Down rolls back the last n app migrations (River's stay: they belong to the
// queue and are removed with `river migrate-down` if ever needed).
func (m *Migrator) Down(ctx context.Context, n int) ([]Status, error) {
	if n < 1 {
		return nil, errors.New("down needs a count of at least 1")
	}
	var undone []Status
	err := m.locked(ctx, func() error {
		for range n {
			r, err := m.app.Down(ctx)
			if errors.Is(err, goose.ErrNoNextVersion) {
				return nil
			}
			if err != nil {
				return fmt.Errorf("app migration down: %w", err)
			}
			undone = append(undone, Status{Line: "app", Version: r.Source.Version, Name: baseName(r.Source.Path)})
		}
		return nil
	})
	return undone, err
}

// Status lists River's and the app's migrations, applied or pending.
func (m *Migrator) Status(ctx context.Context) ([]Status, error) {
	var out []Status
	err := m.locked(ctx, func() error {
		existing := map[int]bool{}
		if migs, err := m.river.ExistingVersions(ctx); err == nil {
			for _, v := range migs {
				existing[v.Version] = true
			}
		} else if !isUndefinedTable(err) {
			return fmt.Errorf("river migration status: %w", err)
		}
		for _, v := range m.river.AllVersions() {
			out = append(out, Status{Line: "river", Version: int64(v.Version), Name: v.Name, Applied: existing[v.Version]})
		}
		statuses, err := m.app.Status(ctx)
		if err != nil {
			return fmt.Errorf("app migration status: %w", err)
		}
		for _, s := range statuses {
			out = append(out, Status{Line: "app", Version: s.Source.Version, Name: baseName(s.Source.Path),
				Applied: s.State == goose.StateApplied, AppliedAt: s.AppliedAt})
		}
		return nil
	})
	return out, err
}

// Pending reports whether any migration has not been applied.
func (m *Migrator) Pending(ctx context.Context) (bool, error) {
	statuses, err := m.Status(ctx)
	if err != nil {
		return false, err
	}
	for _, s := range statuses {
		if !s.Applied {
			return true, nil
		}
	}
	return false, nil
}

// locked runs fn while holding the migration lock of the current schema on a
// dedicated connection.
func (m *Migrator) locked(ctx context.Context, fn func() error) error {
	conn, err := m.pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("acquire connection for migration lock: %w", err)
	}
	defer conn.Release()
	const lockKey = `hashtext('rtgs.migrate.' || current_schema())`
	if _, err := conn.Exec(ctx, `SELECT pg_advisory_lock(`+lockKey+`)`); err != nil {
		return fmt.Errorf("take migration lock: %w", err)
	}
	defer func() {
		// A fresh context: the lock must be released even when ctx is done.
		unlockCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if _, err := conn.Exec(unlockCtx, `SELECT pg_advisory_unlock(`+lockKey+`)`); err != nil {
			conn.Conn().Close(unlockCtx) // closing the session frees the lock too
		}
	}()
	return fn()
}

func baseName(path string) string {
	for i := len(path) - 1; i >= 0; i-- {
		if path[i] == '/' {
			return path[i+1:]
		}
	}
	return path
}
