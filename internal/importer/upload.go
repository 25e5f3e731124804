package importer

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/rtgs/sales-automation/internal/contacts"
	"github.com/rtgs/sales-automation/internal/imports"
	"github.com/rtgs/sales-automation/internal/store"
)

// Upload is one file as the API receives it.
type Upload struct {
	APIKeyID  *uuid.UUID
	Format    imports.Format
	Filename  string
	Mapping   map[string]imports.Field
	Delimiter rune // CSV only; 0 sniffs it
	// IdempotencyKey, with APIKeyID, names the import: a retry with the
	// same key and the same upload gets the first import back.
	IdempotencyKey string
	Body           io.Reader
	Declared       int64 // Content-Length; -1 when unknown (chunked)
	MaxBytes       int64
}

// Accept stores u: in one transaction, its imports row (status queued),
// its bytes in import_chunks as they arrive, and the job enqueue adds.
// The header is checked from the first chunk before anything is written.
// An upload over MaxBytes (ErrTooLarge), shorter than declared
// (ErrTruncated) or failing to read leaves nothing behind. replayed is
// true when the Idempotency-Key named an import of the same upload, which
// is returned instead of a new one (ErrKeyReused for another upload).
func (s *Service) Accept(ctx context.Context, u Upload, enqueue Enqueue) (imp Import, replayed bool, err error) {
	if err := u.validate(); err != nil {
		return Import{}, false, err
	}
	if u.Declared > u.MaxBytes {
		return Import{}, false, ErrTooLarge
	}
	body := newUploadBody(u)
	if u.IdempotencyKey != "" {
		imp, h, err := s.keyedImport(ctx, s.pool, *u.APIKeyID, u.IdempotencyKey)
		switch {
		case err == nil:
			return replay(imp, h, body)
		case !errors.Is(err, store.ErrNotFound):
			return Import{}, false, err
		}
	}

	buf := make([]byte, s.cfg.ChunkBytes)
	n, err := body.fill(buf)
	if err != nil {
		return Import{}, false, err
	}
	if err := checkHeader(buf[:n], u); err != nil {
		return Import{}, false, err
	}
	imp, err = s.store(ctx, u, body, buf, n, enqueue)
	if errors.Is(err, errKeyTaken) {
		// A concurrent request with the same key committed first.
		imp, h, err := s.keyedImport(ctx, s.pool, *u.APIKeyID, u.IdempotencyKey)
		if err != nil {
			return Import{}, false, err
		}
		return replay(imp, h, body)
	}
	return imp, false, err
}

var errKeyTaken = errors.New("idempotency key taken")

// store writes the upload in one transaction; buf[:n] is its first chunk.
func (s *Service) store(ctx context.Context, u Upload, body *uploadBody, buf []byte, n int, enqueue Enqueue) (Import, error) {
	var imp Import
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if u.IdempotencyKey != "" {
			if err := s.releaseExpiredKey(ctx, tx, *u.APIKeyID, u.IdempotencyKey); err != nil {
				return err
			}
		}
		var err error
		imp, err = insertImport(ctx, tx, newImport{
			apiKeyID: u.APIKeyID, format: u.Format, filename: u.Filename, mapping: u.Mapping,
			delimiter: u.Delimiter, idempotencyKey: u.IdempotencyKey,
		})
		if err != nil {
			var pe *pgconn.PgError
			if errors.As(err, &pe) && pe.Code == "23505" && pe.ConstraintName == "imports_idempotency_key" {
				return errKeyTaken
			}
			return err
		}
		for seq := 0; n > 0; seq++ {
			if err := insertChunk(ctx, tx, imp.ID, seq, buf[:n]); err != nil {
				return err
			}
			if n, err = body.fill(buf); err != nil {
				return err
			}
		}
		imp.Bytes = body.n
		if err := finishUpload(ctx, tx, imp.ID, body.n, body.sum()); err != nil {
			return err
		}
		return enqueue(ctx, tx, imp.ID)
	})
	if err != nil {
		return Import{}, err
	}
	return imp, nil
}

// replay answers a retry: the rest of the upload is read (not stored) to
// check that it is the same one.
func replay(imp Import, want []byte, body *uploadBody) (Import, bool, error) {
	if err := body.drain(); err != nil {
		return Import{}, false, err
	}
	if !bytes.Equal(body.sum(), want) {
		return Import{}, false, ErrKeyReused
	}
	return imp, true, nil
}

// validate checks what the caller chose, before any byte is read.
func (u Upload) validate() error {
	v := &contacts.ValidationError{In: "query"}
	for name, f := range u.Mapping {
		if f != imports.FieldIgnore && !f.Valid() {
			v.Add("mapping", "column %q: unknown field %q; use one of the import fields or %q", name, f, imports.FieldIgnore)
		}
	}
	if d := u.Delimiter; d != 0 && (d >= 0x80 || d < 0x20 && d != '\t' || d == '"') {
		v.Add("delimiter", "must be one printable ASCII character other than a double quote, or a tab")
	}
	if u.IdempotencyKey != "" && u.APIKeyID == nil {
		return errors.New("importer: an idempotency key needs the API key it belongs to")
	}
	return v.Err()
}

// checkHeader opens a reader over the first chunk: an empty upload, a
// header without an email column or an unreadable header is refused.
func checkHeader(first []byte, u Upload) error {
	_, err := imports.NewReader(bytes.NewReader(first), u.Format, imports.Options{Mapping: u.Mapping, Delimiter: u.Delimiter})
	switch {
	case err == nil:
		return nil
	case errors.Is(err, imports.ErrEmpty):
		return invalid("body", "file", "the upload is empty")
	case errors.Is(err, imports.ErrNoEmailColumn):
		return invalid("query", "mapping", "%v", err)
	default:
		return invalid("body", "header", "%v", err)
	}
}

func invalid(in, field, format string, args ...any) error {
	v := &contacts.ValidationError{In: in}
	v.Add(field, format, args...)
	return v
}

// uploadBody reads the request body: it counts and hashes every byte,
// stops past the cap and notices an upload shorter than declared.
type uploadBody struct {
	r        io.Reader
	n        int64
	max      int64
	declared int64
	h        hash.Hash
	eof      bool
}

func newUploadBody(u Upload) *uploadBody {
	h := sha256.New()
	// The options are part of the request: the same bytes read another
	// way are another import.
	opts, _ := json.Marshal(struct {
		Format    string                   `json:"format"`
		Filename  string                   `json:"filename"`
		Mapping   map[string]imports.Field `json:"mapping"`
		Delimiter rune                     `json:"delimiter"`
	}{u.Format.String(), u.Filename, u.Mapping, u.Delimiter})
	h.Write(opts)
	h.Write([]byte{'\n'})
	r := u.Body
	if r == nil {
		r = bytes.NewReader(nil)
	}
	return &uploadBody{r: r, max: u.MaxBytes, declared: u.Declared, h: h}
}

// fill reads into buf until it is full or the upload ends; it returns 0
// at the end. Only io.EOF ends an upload: any other error, such as the
// io.ErrUnexpectedEOF of a chunked body cut short, truncates it.
func (b *uploadBody) fill(buf []byte) (int, error) {
	n := 0
	for n < len(buf) && !b.eof {
		m, err := b.r.Read(buf[n:])
		n += m
		b.n += int64(m)
		switch {
		case b.n > b.max:
			return 0, ErrTooLarge
		case errors.Is(err, io.EOF):
			b.eof = true
		case err != nil:
			return 0, fmt.Errorf("%w: %v", ErrTruncated, err)
		}
	}
	b.h.Write(buf[:n])
	if b.eof && b.declared >= 0 && b.n != b.declared {
		return 0, ErrTruncated
	}
	return n, nil
}

// drain reads the rest of the upload into the hash only.
func (b *uploadBody) drain() error {
	buf := make([]byte, 64<<10)
	for {
		n, err := b.fill(buf)
		if err != nil || n == 0 {
			return err
		}
	}
}

func (b *uploadBody) sum() []byte { return b.h.Sum(nil) }
