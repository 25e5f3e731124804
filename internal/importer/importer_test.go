package importer_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/rtgs/sales-automation/internal/config"
	"github.com/rtgs/sales-automation/internal/contacts"
	"github.com/rtgs/sales-automation/internal/dbtest"
	"github.com/rtgs/sales-automation/internal/importer"
	"github.com/rtgs/sales-automation/internal/imports"
	"github.com/rtgs/sales-automation/internal/store"
)

var hasher = contacts.NewHasher([]byte(config.DevSuppressionKey))

type bundle struct {
	pool *pgxpool.Pool
	svc  *importer.Service
	// enriched holds every contact id Enrich was asked to queue; finished
	// counts Finish calls.
	enriched []uuid.UUID
	finished int
	// failEnrichAt makes the nth Enrich call (1-based) fail, as a crash
	// in the middle of an import would.
	failEnrichAt, enrichCalls int
}

func setup(t *testing.T, cfg importer.Config) *bundle {
	t.Helper()
	pool := dbtest.Pool(t)
	return &bundle{pool: pool, svc: importer.New(pool, hasher, cfg, nil)}
}

func (b *bundle) hooks() importer.Hooks {
	return importer.Hooks{
		Enrich: func(_ context.Context, _ pgx.Tx, ids []uuid.UUID) (int, error) {
			b.enrichCalls++
			if b.enrichCalls == b.failEnrichAt {
				return 0, errors.New("crash")
			}
			b.enriched = append(b.enriched, ids...)
			return len(ids), nil
		},
		Finish: func(context.Context, pgx.Tx) error { b.finished++; return nil },
	}
}

func (b *bundle) accept(t *testing.T, u importer.Upload) importer.Import {
	t.Helper()
	if u.Format == 0 {
		u.Format = imports.CSV
	}
	if u.MaxBytes == 0 {
		u.MaxBytes = 1 << 30
	}
	if u.Declared == 0 {
		u.Declared = -1
	}
	imp, _, err := b.svc.Accept(context.Background(), u, func(context.Context, pgx.Tx, uuid.UUID) error { return nil })
	if err != nil {
		t.Fatalf("Accept: %v", err)
	}
	return imp
}

func (b *bundle) get(t *testing.T, id uuid.UUID) importer.Import {
	t.Helper()
	imp, err := b.svc.Get(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return imp
}

func (b *bundle) count(t *testing.T, q string, args ...any) int {
	t.Helper()
	var n int
	if err := b.pool.QueryRow(context.Background(), q, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n
}

type counts struct{ read, inserted, updated, skipped, invalid, enqueued int64 }

func countsOf(i importer.Import) counts {
	return counts{i.RowsRead, i.Inserted, i.Updated, i.Skipped, i.Invalid, i.EnrichmentEnqueued}
}

const people = "email,first_name,company,website,phone,tags\n" +
	"ann@acme.com,Ann,Acme,acme.com,+1 415 555 0100,a;b\n" +
	"bob@acme.com,Bob,Acme,,,\n" +
	"not-an-email,X,,,,\n" +
	"cat@globex.io,Cat,Globex,https://www.globex.io/about,call me,\n" +
	"ANN@acme.com,Annie,,,,c\n" +
	"dan@gmail.com,Dan,,,,\n" +
	"eve@acme.com,,,,,\n"

func TestRunUpsertsCountsAndLinks(t *testing.T) {
	t.Parallel()
	b := setup(t, importer.Config{BatchRows: 2, ChunkBytes: 16})
	ctx := context.Background()
	imp := b.accept(t, importer.Upload{Body: strings.NewReader(people), Filename: "people.csv"})
	if got := b.count(t, `SELECT count(*) FROM import_chunks WHERE import_id = $1`, imp.ID); got < 2 {
		t.Fatalf("chunks = %d, want the upload split in 16-byte chunks", got)
	}

	if err := b.svc.Run(ctx, imp.ID, time.Time{}, b.hooks()); err != nil {
		t.Fatalf("Run: %v", err)
	}
	got := b.get(t, imp.ID)
	// 7 records: one invalid email; ANN@ repeats ann@ with new values
	// (updated); 5 distinct valid addresses inserted. Ann, updated while
	// not yet enriched, is asked for twice: River's unique jobs make the
	// second ask a no-op (the API test sees that), this fake counts both.
	want := counts{read: 7, inserted: 5, updated: 1, skipped: 0, invalid: 1, enqueued: 6}
	if countsOf(got) != want || got.Status != importer.StatusCompleted || got.FinishedAt == nil {
		t.Fatalf("import = %+v %s, want %+v completed", countsOf(got), got.Status, want)
	}
	if b.finished != 1 || len(b.enriched) != 6 {
		t.Fatalf("finished %d times, enriched %d contacts; want 1 and 6", b.finished, len(b.enriched))
	}
	if n := b.count(t, `SELECT count(*) FROM import_chunks WHERE import_id = $1`, imp.ID); n != 0 {
		t.Fatalf("%d chunks left after completion", n)
	}

	var first, phone, source, domain string
	var tags []string
	var importID *uuid.UUID
	if err := b.pool.QueryRow(ctx, `SELECT first_name, phone, source, domain, tags, import_id FROM contacts WHERE email = 'ann@acme.com'`).
		Scan(&first, &phone, &source, &domain, &tags, &importID); err != nil {
		t.Fatal(err)
	}
	if first != "Annie" || phone != "+14155550100" || source != "import" || domain != "acme.com" ||
		strings.Join(tags, ",") != "a,b,c" || importID == nil || *importID != imp.ID {
		t.Fatalf("ann = %q %q %q %q %v %v", first, phone, source, domain, tags, importID)
	}
	// One company per domain, free mail none.
	if n := b.count(t, `SELECT count(*) FROM companies`); n != 2 {
		t.Fatalf("companies = %d, want acme.com and globex.io", n)
	}
	if n := b.count(t, `SELECT count(*) FROM contacts c JOIN companies co ON co.id = c.company_id WHERE co.domain = 'acme.com'`); n != 3 {
		t.Fatalf("contacts at acme.com = %d, want 3", n)
	}
	if n := b.count(t, `SELECT count(*) FROM contacts WHERE email = 'dan@gmail.com' AND company_id IS NULL AND domain = ''`); n != 1 {
		t.Fatal("a free-mail contact was linked to a company")
	}

	errs, err := b.svc.Errors(ctx, imp.ID, nil, 10)
	if err != nil {
		t.Fatal(err)
	}
	wantErrs := []imports.RowError{{Row: 3, Field: "email", Reason: "not an email address"}, {Row: 4, Field: "phone", Reason: "not a phone number"}}
	if len(errs) != len(wantErrs) || errs[0] != wantErrs[0] || errs[1] != wantErrs[1] {
		t.Fatalf("errors = %+v, want %+v", errs, wantErrs)
	}
}

func TestReimportWritesNothing(t *testing.T) {
	t.Parallel()
	b := setup(t, importer.Config{BatchRows: 3})
	ctx := context.Background()
	first := b.accept(t, importer.Upload{Body: strings.NewReader(people)})
	if err := b.svc.Run(ctx, first.ID, time.Time{}, b.hooks()); err != nil {
		t.Fatal(err)
	}
	// Mark them enriched recently: a re-import has no reason to queue them.
	if _, err := b.pool.Exec(ctx, `UPDATE contacts SET enrichment_status = 'enriched', enriched_at = now()`); err != nil {
		t.Fatal(err)
	}
	b.enriched = nil
	again := b.accept(t, importer.Upload{Body: strings.NewReader(people)})
	if err := b.svc.Run(ctx, again.ID, time.Time{}, b.hooks()); err != nil {
		t.Fatal(err)
	}
	got := b.get(t, again.ID)
	// Nothing new, except that the file itself names ann@ "Ann", then
	// "Annie": the later row wins each time, two updates; the rest skipped.
	want := counts{read: 7, inserted: 0, updated: 2, skipped: 4, invalid: 1, enqueued: 0}
	if countsOf(got) != want {
		t.Fatalf("re-import = %+v, want %+v", countsOf(got), want)
	}
	if n := b.count(t, `SELECT count(*) FROM contacts WHERE import_id = $1`, again.ID); n != 0 {
		t.Fatalf("%d contacts moved to the second import", n)
	}
}

func TestRunResumesAfterCrashWithoutDuplicates(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	clean := setup(t, importer.Config{BatchRows: 2})
	imp := clean.accept(t, importer.Upload{Body: strings.NewReader(people)})
	if err := clean.svc.Run(ctx, imp.ID, time.Time{}, clean.hooks()); err != nil {
		t.Fatal(err)
	}

	b := setup(t, importer.Config{BatchRows: 2})
	crashed := b.accept(t, importer.Upload{Body: strings.NewReader(people)})
	b.failEnrichAt = 2 // the second batch dies before commit
	if err := b.svc.Run(ctx, crashed.ID, time.Time{}, b.hooks()); err == nil {
		t.Fatal("Run survived the crash")
	}
	mid := b.get(t, crashed.ID)
	if mid.Status != importer.StatusRunning || mid.RowsDone == 0 || mid.RowsDone >= 7 {
		t.Fatalf("after the crash: %s, rows_done %d; want running, part done", mid.Status, mid.RowsDone)
	}
	if err := b.svc.Run(ctx, crashed.ID, time.Time{}, b.hooks()); err != nil {
		t.Fatalf("resume: %v", err)
	}
	if got, want := countsOf(b.get(t, crashed.ID)), countsOf(clean.get(t, imp.ID)); got != want {
		t.Fatalf("resumed import = %+v, clean one %+v", got, want)
	}
	if got, want := len(b.enriched), len(clean.enriched); got != want {
		t.Fatalf("enrichment asked for %d contacts, clean run %d", got, want)
	}
	if n := b.count(t, `SELECT count(*) FROM import_errors`); n != 2 {
		t.Fatalf("%d row errors, want 2", n)
	}
}

func TestRunSkipsSuppressed(t *testing.T) {
	t.Parallel()
	b := setup(t, importer.Config{})
	ctx := context.Background()
	for _, s := range []struct{ kind, value string }{{"email", "bob@acme.com"}, {"domain", "globex.io"}} {
		if _, _, err := store.NewSuppressions(b.pool).Add(ctx, store.Suppression{
			Kind: s.kind, ValueHash: hasher.Hash(s.kind, s.value), Reason: "erased",
		}); err != nil {
			t.Fatal(err)
		}
	}
	imp := b.accept(t, importer.Upload{Body: strings.NewReader(people)})
	if err := b.svc.Run(ctx, imp.ID, time.Time{}, b.hooks()); err != nil {
		t.Fatal(err)
	}
	got := b.get(t, imp.ID)
	if got.Skipped != 2 || got.Inserted != 3 {
		t.Fatalf("import = %+v, want bob and cat skipped, 3 inserted", countsOf(got))
	}
	if n := b.count(t, `SELECT count(*) FROM contacts WHERE email IN ('bob@acme.com', 'cat@globex.io')`); n != 0 {
		t.Fatal("a suppressed address was imported")
	}
	if n := b.count(t, `SELECT count(*) FROM import_errors WHERE reason = 'suppressed'`); n != 2 {
		t.Fatalf("%d suppressed rows reported, want 2", n)
	}
}

func TestRunFailsWithoutChunks(t *testing.T) {
	t.Parallel()
	b := setup(t, importer.Config{})
	ctx := context.Background()
	imp := b.accept(t, importer.Upload{Body: strings.NewReader(people)})
	if _, err := b.pool.Exec(ctx, `DELETE FROM import_chunks`); err != nil {
		t.Fatal(err)
	}
	err := b.svc.Run(ctx, imp.ID, time.Time{}, b.hooks())
	var failed *importer.FailedError
	if !errors.As(err, &failed) {
		t.Fatalf("Run = %v, want a FailedError", err)
	}
	got := b.get(t, imp.ID)
	if got.Status != importer.StatusFailed || got.Error == "" || b.finished != 0 {
		t.Fatalf("import %s %q, finished %d; want failed with a reason, job not completed", got.Status, got.Error, b.finished)
	}
	if err := b.svc.Run(ctx, imp.ID, time.Time{}, b.hooks()); !errors.As(err, &failed) {
		t.Fatalf("second Run = %v, want the failure again", err)
	}
}

func TestAcceptRefusesBadUploads(t *testing.T) {
	t.Parallel()
	b := setup(t, importer.Config{ChunkBytes: 8})
	ctx := context.Background()
	tests := []struct {
		name  string
		u     importer.Upload
		field string // ValidationError location, or
		err   error  // a sentinel
	}{
		{"empty", importer.Upload{Body: strings.NewReader("")}, "body.file", nil},
		{"BOM only", importer.Upload{Body: strings.NewReader("\uFEFF")}, "body.file", nil},
		{"no email column", importer.Upload{Body: strings.NewReader("name,company\nA,B\n")}, "query.mapping", nil},
		{"no header row", importer.Upload{Body: strings.NewReader("ann@acme.com,Ann\n")}, "query.mapping", nil},
		{"unknown mapped field", importer.Upload{Body: strings.NewReader(people), Mapping: map[string]imports.Field{"x": "salary"}}, "query.mapping", nil},
		{"quote delimiter", importer.Upload{Body: strings.NewReader(people), Delimiter: '"'}, "query.delimiter", nil},
		{"over the cap", importer.Upload{Body: strings.NewReader(people), MaxBytes: 40}, "", importer.ErrTooLarge},
		{"declared over the cap", importer.Upload{Body: strings.NewReader(people), MaxBytes: 40, Declared: 41}, "", importer.ErrTooLarge},
		{"shorter than declared", importer.Upload{Body: strings.NewReader(people), Declared: int64(len(people) + 1)}, "", importer.ErrTruncated},
		{"broken stream", importer.Upload{Body: &failingReader{data: people, after: 30}}, "", importer.ErrTruncated},
	}
	for _, tt := range tests {
		u := tt.u
		u.Format = imports.CSV
		u.MaxBytes = max(u.MaxBytes, 0)
		if u.MaxBytes == 0 {
			u.MaxBytes = 1 << 20
		}
		if u.Declared == 0 {
			u.Declared = -1
		}
		_, _, err := b.svc.Accept(ctx, u, func(context.Context, pgx.Tx, uuid.UUID) error { return nil })
		var ve *contacts.ValidationError
		switch {
		case tt.err != nil && !errors.Is(err, tt.err):
			t.Errorf("%s: err = %v, want %v", tt.name, err, tt.err)
		case tt.err == nil && (!errors.As(err, &ve) || ve.In+"."+ve.Fields[0].Field != tt.field):
			t.Errorf("%s: err = %v, want a validation error at %s", tt.name, err, tt.field)
		}
	}
	if n := b.count(t, `SELECT (SELECT count(*) FROM imports) + (SELECT count(*) FROM import_chunks)`); n != 0 {
		t.Fatalf("refused uploads left %d rows", n)
	}
}

func TestAcceptIdempotencyKey(t *testing.T) {
	t.Parallel()
	b := setup(t, importer.Config{IdempotencyTTL: time.Hour})
	ctx := context.Background()
	var keyID uuid.UUID
	if err := b.pool.QueryRow(ctx, `INSERT INTO api_keys (name, prefix, key_hash) VALUES ('k', 'k', 'h') RETURNING id`).Scan(&keyID); err != nil {
		t.Fatal(err)
	}
	enqueued := 0
	accept := func(body string) (importer.Import, bool, error) {
		return b.svc.Accept(ctx, importer.Upload{
			APIKeyID: &keyID, IdempotencyKey: "k1", Format: imports.CSV, Body: strings.NewReader(body),
			Declared: -1, MaxBytes: 1 << 20,
		}, func(context.Context, pgx.Tx, uuid.UUID) error { enqueued++; return nil })
	}
	first, replayed, err := accept(people)
	if err != nil || replayed {
		t.Fatalf("first: %v replayed %v", err, replayed)
	}
	again, replayed, err := accept(people)
	if err != nil || !replayed || again.ID != first.ID {
		t.Fatalf("retry: %v replayed %v id %s, want %s replayed", err, replayed, again.ID, first.ID)
	}
	if _, _, err := accept(people + "zed@acme.com,Zed,,,,\n"); !errors.Is(err, importer.ErrKeyReused) {
		t.Fatalf("other file, same key: %v, want ErrKeyReused", err)
	}
	if n := b.count(t, `SELECT count(*) FROM imports`); n != 1 || enqueued != 1 {
		t.Fatalf("%d imports, %d jobs; want 1 and 1", n, enqueued)
	}
	// Past the TTL the key names a new import.
	if _, err := b.pool.Exec(ctx, `UPDATE imports SET created_at = now() - interval '2 hours'`); err != nil {
		t.Fatal(err)
	}
	late, replayed, err := accept(people)
	if err != nil || replayed || late.ID == first.ID {
		t.Fatalf("after the TTL: %v replayed %v", err, replayed)
	}
}

// failingReader yields data up to after bytes, then a transport error.
type failingReader struct {
	data  string
	after int
	off   int
}

func (r *failingReader) Read(p []byte) (int, error) {
	if r.off >= r.after {
		return 0, errors.New("connection reset by peer")
	}
	n := copy(p, r.data[r.off:r.after])
	r.off += n
	return n, nil
}
