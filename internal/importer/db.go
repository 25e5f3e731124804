package importer

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/rtgs/sales-automation/internal/imports"
	"github.com/rtgs/sales-automation/internal/store"
)

// The SQL of imports, import_chunks and import_errors. The contacts,
// companies and suppressions a batch touches go through internal/store.

const importColumns = `id, status, format, filename, mapping, options, bytes, rows_read, rows_done,
	inserted, updated, skipped, invalid, enrichment_enqueued, error, created_at, started_at, finished_at`

// storedOptions is the options column.
type storedOptions struct {
	Delimiter string `json:"delimiter,omitempty"`
}

func scanImport(row pgx.Row) (Import, error) {
	var i Import
	var opts storedOptions
	err := row.Scan(&i.ID, &i.Status, &i.Format, &i.Filename, &i.Mapping, &opts, &i.Bytes, &i.RowsRead,
		&i.RowsDone, &i.Inserted, &i.Updated, &i.Skipped, &i.Invalid, &i.EnrichmentEnqueued, &i.Error,
		&i.CreatedAt, &i.StartedAt, &i.FinishedAt)
	i.Delimiter = opts.Delimiter
	return i, err
}

// Get returns the import with id, or store.ErrNotFound.
func (s *Service) Get(ctx context.Context, id uuid.UUID) (Import, error) {
	return getImport(ctx, s.pool, id, false)
}

func getImport(ctx context.Context, db store.DBTX, id uuid.UUID, forUpdate bool) (Import, error) {
	q := `SELECT ` + importColumns + ` FROM imports WHERE id = $1`
	if forUpdate {
		q += ` FOR UPDATE`
	}
	i, err := scanImport(db.QueryRow(ctx, q, id))
	if err == pgx.ErrNoRows {
		return Import{}, fmt.Errorf("import %s: %w", id, store.ErrNotFound)
	}
	if err != nil {
		return Import{}, fmt.Errorf("import %s: %w", id, err)
	}
	return i, nil
}

// List returns p.Limit imports after p.After, ordered by (created_at, id).
func (s *Service) List(ctx context.Context, p store.ListPage) ([]Import, error) {
	if p.Limit <= 0 {
		return nil, fmt.Errorf("list imports: limit %d must be positive", p.Limit)
	}
	var at *time.Time
	var id *uuid.UUID
	if p.After != nil {
		at, id = &p.After.CreatedAt, &p.After.ID
	}
	cmp, order := ">", "ASC"
	if p.Desc {
		cmp, order = "<", "DESC"
	}
	rows, err := s.pool.Query(ctx, `SELECT `+importColumns+` FROM imports
		WHERE $1::timestamptz IS NULL OR (created_at, id) `+cmp+` ($1, $2::uuid)
		ORDER BY created_at `+order+`, id `+order+` LIMIT $3`, at, id, p.Limit)
	if err != nil {
		return nil, fmt.Errorf("list imports: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Import, error) { return scanImport(r) })
	if err != nil {
		return nil, fmt.Errorf("list imports: %w", err)
	}
	return out, nil
}

// ErrorCursor is a position in an import's error report.
type ErrorCursor struct {
	Row   int64
	Field string
}

// Errors returns up to limit row errors of import id after the position
// after (nil: from the start), in row order, or store.ErrNotFound for an
// unknown import.
func (s *Service) Errors(ctx context.Context, id uuid.UUID, after *ErrorCursor, limit int) ([]imports.RowError, error) {
	var exists bool
	if err := s.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM imports WHERE id = $1)`, id).Scan(&exists); err != nil {
		return nil, fmt.Errorf("import errors: %w", err)
	}
	if !exists {
		return nil, fmt.Errorf("import %s: %w", id, store.ErrNotFound)
	}
	if after == nil {
		after = &ErrorCursor{Row: -1}
	}
	rows, err := s.pool.Query(ctx, `SELECT row_number, field, reason FROM import_errors
		WHERE import_id = $1 AND (row_number, field) > ($2, $3) ORDER BY row_number, field LIMIT $4`,
		id, after.Row, after.Field, limit)
	if err != nil {
		return nil, fmt.Errorf("import errors: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (imports.RowError, error) {
		var e imports.RowError
		return e, r.Scan(&e.Row, &e.Field, &e.Reason)
	})
	if err != nil {
		return nil, fmt.Errorf("import errors: %w", err)
	}
	return out, nil
}

// newImport is the row Accept inserts.
type newImport struct {
	apiKeyID       *uuid.UUID
	format         imports.Format
	filename       string
	mapping        map[string]imports.Field
	delimiter      rune
	idempotencyKey string
}

func insertImport(ctx context.Context, tx pgx.Tx, n newImport) (Import, error) {
	opts := storedOptions{}
	if n.delimiter != 0 {
		opts.Delimiter = string(n.delimiter)
	}
	mapping := n.mapping
	if mapping == nil {
		mapping = map[string]imports.Field{}
	}
	m, err := json.Marshal(mapping)
	if err != nil {
		return Import{}, err
	}
	var key *string
	if n.idempotencyKey != "" {
		key = &n.idempotencyKey
	}
	i, err := scanImport(tx.QueryRow(ctx, `
		INSERT INTO imports (api_key_id, status, format, filename, mapping, options, idempotency_key)
		VALUES ($1, 'queued', $2, $3, $4, $5, $6) RETURNING `+importColumns,
		n.apiKeyID, n.format.String(), n.filename, m, opts, key))
	if err != nil {
		return Import{}, fmt.Errorf("insert import: %w", err)
	}
	return i, nil
}

// keyedImport returns the import an Idempotency-Key of apiKeyID names
// within the TTL, with the hash of its request, or store.ErrNotFound.
func (s *Service) keyedImport(ctx context.Context, db store.DBTX, apiKeyID uuid.UUID, key string) (Import, []byte, error) {
	var id uuid.UUID
	var hash []byte
	err := db.QueryRow(ctx, `SELECT id, request_hash FROM imports
		WHERE api_key_id = $1 AND idempotency_key = $2 AND ($3::interval IS NULL OR created_at > now() - $3::interval)`,
		apiKeyID, key, s.ttl()).Scan(&id, &hash)
	if err == pgx.ErrNoRows {
		return Import{}, nil, store.ErrNotFound
	}
	if err != nil {
		return Import{}, nil, fmt.Errorf("import by idempotency key: %w", err)
	}
	i, err := getImport(ctx, db, id, false)
	return i, hash, err
}

// releaseExpiredKey frees key from an import older than the TTL, so the
// key may name a new one.
func (s *Service) releaseExpiredKey(ctx context.Context, tx pgx.Tx, apiKeyID uuid.UUID, key string) error {
	if s.ttl() == nil {
		return nil
	}
	_, err := tx.Exec(ctx, `UPDATE imports SET idempotency_key = NULL
		WHERE api_key_id = $1 AND idempotency_key = $2 AND created_at <= now() - $3::interval`, apiKeyID, key, s.ttl())
	if err != nil {
		return fmt.Errorf("release expired idempotency key: %w", err)
	}
	return nil
}

func (s *Service) ttl() *time.Duration {
	if s.cfg.IdempotencyTTL <= 0 {
		return nil
	}
	return &s.cfg.IdempotencyTTL
}

func insertChunk(ctx context.Context, tx pgx.Tx, id uuid.UUID, seq int, data []byte) error {
	if _, err := tx.Exec(ctx, `INSERT INTO import_chunks (import_id, seq, data) VALUES ($1, $2, $3)`, id, seq, data); err != nil {
		return fmt.Errorf("store import chunk %d: %w", seq, err)
	}
	return nil
}

func finishUpload(ctx context.Context, tx pgx.Tx, id uuid.UUID, bytes int64, hash []byte) error {
	if _, err := tx.Exec(ctx, `UPDATE imports SET bytes = $2, request_hash = $3 WHERE id = $1`, id, bytes, hash); err != nil {
		return fmt.Errorf("finish upload: %w", err)
	}
	return nil
}

// progress is what one batch adds to its import; RowsRead, Invalid and
// RowsDone are positions in the upload, set rather than added.
type progress struct {
	RowsRead, Invalid, RowsDone                    int64
	Inserted, Updated, Skipped, EnrichmentEnqueued int64
}

func saveProgress(ctx context.Context, tx pgx.Tx, id uuid.UUID, p progress) error {
	_, err := tx.Exec(ctx, `UPDATE imports SET status = 'running', started_at = coalesce(started_at, now()),
		rows_read = $2, invalid = $3, rows_done = $4, inserted = inserted + $5, updated = updated + $6,
		skipped = skipped + $7, enrichment_enqueued = enrichment_enqueued + $8
		WHERE id = $1`, id, p.RowsRead, p.Invalid, p.RowsDone, p.Inserted, p.Updated, p.Skipped, p.EnrichmentEnqueued)
	if err != nil {
		return fmt.Errorf("save import progress: %w", err)
	}
	return nil
}

func insertRowErrors(ctx context.Context, tx pgx.Tx, id uuid.UUID, errs []imports.RowError) error {
	if len(errs) == 0 {
		return nil
	}
	rows := make([]int64, len(errs))
	fields := make([]string, len(errs))
	reasons := make([]string, len(errs))
	for i, e := range errs {
		rows[i], fields[i], reasons[i] = e.Row, e.Field, e.Reason
	}
	_, err := tx.Exec(ctx, `INSERT INTO import_errors (import_id, row_number, field, reason)
		SELECT $1, * FROM unnest($2::bigint[], $3::text[], $4::text[])
		ON CONFLICT DO NOTHING`, id, rows, fields, reasons)
	if err != nil {
		return fmt.Errorf("store row errors: %w", err)
	}
	return nil
}

// completeImport marks the import done and drops its bytes.
func completeImport(ctx context.Context, tx pgx.Tx, id uuid.UUID) error {
	if _, err := tx.Exec(ctx, `UPDATE imports SET status = 'completed', finished_at = now() WHERE id = $1`, id); err != nil {
		return fmt.Errorf("complete import: %w", err)
	}
	if _, err := tx.Exec(ctx, `DELETE FROM import_chunks WHERE import_id = $1`, id); err != nil {
		return fmt.Errorf("delete import chunks: %w", err)
	}
	return nil
}

// failImport marks the import failed with reason and drops its bytes.
func failImport(ctx context.Context, tx pgx.Tx, id uuid.UUID, reason string) error {
	if _, err := tx.Exec(ctx, `UPDATE imports SET status = 'failed', error = $2, finished_at = now() WHERE id = $1`, id, reason); err != nil {
		return fmt.Errorf("fail import: %w", err)
	}
	if _, err := tx.Exec(ctx, `DELETE FROM import_chunks WHERE import_id = $1`, id); err != nil {
		return fmt.Errorf("delete import chunks: %w", err)
	}
	return nil
}
