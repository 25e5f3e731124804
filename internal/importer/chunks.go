package importer

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/rtgs/sales-automation/internal/store"
)

// ErrChunksMissing is returned when an import's stored bytes are gone or
// shorter than its upload: it cannot be read again, only failed.
var ErrChunksMissing = errors.New("the stored upload is missing or incomplete")

// chunkReader reads an import's chunks in seq order as one stream,
// fetching one chunk at a time.
type chunkReader struct {
	ctx  context.Context
	db   store.DBTX
	id   uuid.UUID
	size int64 // bytes of the upload
	read int64
	seq  int
	cur  []byte
}

func newChunkReader(ctx context.Context, db store.DBTX, id uuid.UUID, size int64) *chunkReader {
	return &chunkReader{ctx: ctx, db: db, id: id, size: size}
}

// Read implements io.Reader.
func (r *chunkReader) Read(p []byte) (int, error) {
	for len(r.cur) == 0 {
		if r.read >= r.size {
			return 0, io.EOF
		}
		err := r.db.QueryRow(r.ctx, `SELECT data FROM import_chunks WHERE import_id = $1 AND seq = $2`, r.id, r.seq).Scan(&r.cur)
		if errors.Is(err, pgx.ErrNoRows) {
			return 0, fmt.Errorf("chunk %d: %w", r.seq, ErrChunksMissing)
		}
		if err != nil {
			return 0, &transientError{fmt.Errorf("read chunk %d: %w", r.seq, err)}
		}
		r.seq++
	}
	n := copy(p, r.cur)
	r.cur = r.cur[n:]
	r.read += int64(n)
	return n, nil
}

// transientError is a failure to read the chunks that a retry may not
// meet (a lost connection), as opposed to chunks that are not there.
type transientError struct{ err error }

func (e *transientError) Error() string { return e.err.Error() }
func (e *transientError) Unwrap() error { return e.err }
