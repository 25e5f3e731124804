// Package importer is the platform's bulk contact import. Accept stores an
// upload as it streams in (the imports row, its bytes in import_chunks and
// the caller's job, in one transaction); Run, called by the import_contacts
// job, reads the stored bytes back as one stream and upserts the rows in
// batches, each batch one transaction holding its contacts, companies, row
// errors, progress and enrichment jobs. Neither holds an upload in memory.
//
// Counting: every record read is rows_read; a record refused as a whole
// (no usable email, an oversized cell) is invalid; a valid row is inserted
// (a new address), updated (an existing contact gained or changed a value)
// or skipped (suppressed, or nothing new for an existing contact). An
// address repeated later in the file is therefore updated when the later
// row brings a value the earlier ones did not, skipped otherwise. Imported
// values fill a contact's fields but never blank them, and a contact that
// already has a domain keeps its company.
package importer

import (
	"cmp"
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/rtgs/sales-automation/internal/contacts"
	"github.com/rtgs/sales-automation/internal/imports"
)

// Defaults of Config.
const (
	DefaultChunkBytes = 1 << 20
	DefaultBatchRows  = 2000
	DefaultStaleAfter = 720 * time.Hour
)

// Config tunes a Service. The zero value uses the defaults.
type Config struct {
	// ChunkBytes is the size of one import_chunks row.
	ChunkBytes int
	// BatchRows is how many rows one transaction writes.
	BatchRows int
	// StaleAfter is how old a contact's enrichment may be before an
	// import that updates the contact enqueues it again.
	StaleAfter time.Duration
	// IdempotencyTTL is how long an Idempotency-Key names its import; 0
	// keeps keys forever.
	IdempotencyTTL time.Duration
}

// Service accepts and runs imports.
type Service struct {
	pool   *pgxpool.Pool
	hasher contacts.Hasher
	cfg    Config
	logger *slog.Logger
	now    func() time.Time
}

// New returns the service over pool; hasher matches rows against the
// suppression list.
func New(pool *pgxpool.Pool, hasher contacts.Hasher, cfg Config, logger *slog.Logger) *Service {
	cfg.ChunkBytes = cmp.Or(cfg.ChunkBytes, DefaultChunkBytes)
	cfg.BatchRows = cmp.Or(cfg.BatchRows, DefaultBatchRows)
	cfg.StaleAfter = cmp.Or(cfg.StaleAfter, DefaultStaleAfter)
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &Service{pool: pool, hasher: hasher, cfg: cfg, logger: logger, now: time.Now}
}

// Statuses of an import.
const (
	StatusQueued    = "queued"
	StatusRunning   = "running"
	StatusCompleted = "completed"
	StatusFailed    = "failed"
)

// Import is one imports row: what was uploaded and how far it got.
type Import struct {
	ID                 uuid.UUID
	Status             string
	Format             string
	Filename           string
	Mapping            map[string]imports.Field
	Delimiter          string
	Bytes              int64
	RowsRead           int64
	RowsDone           int64
	Inserted           int64
	Updated            int64
	Skipped            int64
	Invalid            int64
	EnrichmentEnqueued int64
	Error              string
	CreatedAt          time.Time
	StartedAt          *time.Time
	FinishedAt         *time.Time
}

// readerOptions are the stored options an import's rows are read with.
func (i Import) readerOptions() (imports.Format, imports.Options, error) {
	f, err := imports.ParseFormat(i.Format)
	if err != nil {
		return 0, imports.Options{}, err
	}
	opts := imports.Options{Mapping: i.Mapping}
	if i.Delimiter != "" {
		opts.Delimiter = []rune(i.Delimiter)[0]
	}
	return f, opts, nil
}

// Errors of Accept the API turns into statuses.
var (
	// ErrTooLarge: the upload is over the cap; nothing was stored.
	ErrTooLarge = errors.New("the upload exceeds the import size limit")
	// ErrTruncated: the upload ended before its declared length (the
	// client hung up); nothing was stored.
	ErrTruncated = errors.New("the upload ended before its declared length")
	// ErrKeyReused: the Idempotency-Key names an import of another upload.
	ErrKeyReused = errors.New("Idempotency-Key was already used with a different upload")
)

// Enqueue puts the import's job into tx; Accept calls it before commit.
type Enqueue func(ctx context.Context, tx pgx.Tx, importID uuid.UUID) error
