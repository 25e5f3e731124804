package api_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"

	"github.com/rtgs/sales-automation/internal/config"
	"github.com/rtgs/sales-automation/internal/contacts"
	"github.com/rtgs/sales-automation/internal/dbtest"
	"github.com/rtgs/sales-automation/jobs"
)

// startImportWorker runs a River client working import_contacts jobs on
// the test's schema, as the worker process does; enrichment jobs it
// queues stay queued, for the test to count.
func startImportWorker(t testing.TB, b *testBundle) {
	t.Helper()
	workers := river.NewWorkers()
	deps := jobs.Deps{Pool: b.pool, Hasher: contacts.NewHasher([]byte(config.DevSuppressionKey))}
	river.AddWorker(workers, jobs.NewImportContactsWorker(deps))
	river.AddWorker(workers, jobs.NewEnrichContactsWorker(deps))
	rc, err := river.NewClient(riverpgxv5.New(b.pool), &river.Config{
		Schema: dbtest.Schema(b.pool), Workers: workers, SkipUnknownJobCheck: true,
		Queues:            map[string]river.QueueConfig{jobs.QueueMaintenance: {MaxWorkers: 2}},
		FetchPollInterval: 20 * time.Millisecond, FetchCooldown: 10 * time.Millisecond,
		Logger: slog.New(slog.DiscardHandler),
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := rc.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = rc.Stop(ctx)
	})
}

type importRef struct {
	ID       string `json:"id"`
	Status   string `json:"status"`
	Location string `json:"location"`
}

type importProgress struct {
	Status             string `json:"status"`
	Bytes              int64  `json:"bytes"`
	RowsRead           int64  `json:"rows_read"`
	Inserted           int64  `json:"inserted"`
	Updated            int64  `json:"updated"`
	Skipped            int64  `json:"skipped"`
	Invalid            int64  `json:"invalid"`
	EnrichmentEnqueued int64  `json:"enrichment_enqueued"`
	Error              string `json:"error"`
}

type rowError struct {
	Row    int64  `json:"row"`
	Field  string `json:"field"`
	Reason string `json:"reason"`
}

func (b *testBundle) upload(t *testing.T, query, contentType, body string, headers map[string]string) response {
	t.Helper()
	h := bearer(b.admin)
	h["Content-Type"] = contentType
	for k, v := range headers {
		h[k] = v
	}
	return b.do(t, request{method: "POST", path: "/api/v1/contacts/import" + query, body: body, headers: h})
}

// waitImport polls the import until it is completed or failed.
func (b *testBundle) waitImport(t *testing.T, id string) importProgress {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		r := b.do(t, request{method: "GET", path: "/api/v1/imports/" + id, headers: bearer(b.reader)})
		if r.status != 200 {
			t.Fatalf("GET import: %d %s", r.status, r.body)
		}
		p := decode[importProgress](t, r)
		if p.Status == "completed" || p.Status == "failed" {
			return p
		}
		if time.Now().After(deadline) {
			t.Fatalf("import %s still %s", id, p.Status)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (b *testBundle) countRowsT(t *testing.T, q string, args ...any) int {
	t.Helper()
	var n int
	if err := b.pool.QueryRow(context.Background(), q, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n
}

func TestImportEndToEnd(t *testing.T) {
	t.Parallel()
	b := setup(t)
	startImportWorker(t, b)
	if r := b.do(t, request{method: "POST", path: "/api/v1/suppressions", headers: bearer(b.admin),
		body: `{"kind":"email","value":"gone@acme.com"}`}); r.status != 201 {
		t.Fatalf("suppress: %d %s", r.status, r.body)
	}

	// A semicolon-separated export with a BOM, a quoted newline, a Latin-1
	// byte (0xFC, ü), formula payloads, a repeated row, an invalid email,
	// a suppressed address and a 10 MB cell.
	csv := "\uFEFFE-Mail;First Name;Last Name;Job Title;Company;Notes\r\n" +
		"ann@acme.com;Ann;M\xfcller;\"Head of\nSales\";Acme;=HYPERLINK(\"http://evil\",\"x\")\r\n" +
		"bob@acme.com;Bob;;CTO;Acme;@SUM(A1:A9)\r\n" +
		"no-at-sign;X;;;;\r\n" +
		"ann@acme.com;Ann;M\xfcller;\"Head of\nSales\";Acme;=HYPERLINK(\"http://evil\",\"x\")\r\n" +
		"gone@acme.com;Gone;;;;\r\n" +
		"big@acme.com;Big;;;;" + strings.Repeat("x", 10<<20) + "\r\n" +
		"cy@globex.io;Cy;;;Globex;\r\n"
	r := b.upload(t, "?filename=leads.csv", "text/csv; charset=utf-8", csv, nil)
	if r.status != 202 {
		t.Fatalf("upload: %d %s", r.status, r.body)
	}
	ref := decode[importRef](t, r)
	if ref.Status != "queued" || r.header.Get("Location") != "/api/v1/imports/"+ref.ID || ref.Location != r.header.Get("Location") {
		t.Fatalf("accepted %+v, Location %q", ref, r.header.Get("Location"))
	}

	got := b.waitImport(t, ref.ID)
	want := importProgress{Status: "completed", Bytes: int64(len(csv)), RowsRead: 7, Inserted: 3, Updated: 0,
		Skipped: 2, Invalid: 2, EnrichmentEnqueued: 3}
	if got != want {
		t.Fatalf("progress = %+v\nwant       %+v", got, want)
	}
	errs := decode[struct{ Items []rowError }](t, b.do(t, request{method: "GET",
		path: "/api/v1/imports/" + ref.ID + "/errors", headers: bearer(b.reader)}))
	wantErrs := []rowError{{3, "email", "not an email address"}, {5, "email", "suppressed"}, {6, "Notes", ""}}
	if len(errs.Items) != len(wantErrs) {
		t.Fatalf("errors = %+v", errs.Items)
	}
	for i, w := range wantErrs {
		if e := errs.Items[i]; e.Row != w.Row || e.Field != w.Field || (w.Reason != "" && e.Reason != w.Reason) {
			t.Errorf("error %d = %+v, want %+v", i, e, w)
		}
	}

	var last, title, notes, formula, source string
	if err := b.pool.QueryRow(context.Background(), `SELECT last_name, title, custom_fields->>'Notes', source FROM contacts WHERE email = 'ann@acme.com'`).
		Scan(&last, &title, &notes, &source); err != nil {
		t.Fatal(err)
	}
	if err := b.pool.QueryRow(context.Background(), `SELECT custom_fields->>'Notes' FROM contacts WHERE email = 'bob@acme.com'`).Scan(&formula); err != nil {
		t.Fatal(err)
	}
	if last != "Müller" || title != "Head of\nSales" || notes != `=HYPERLINK("http://evil","x")` || formula != "@SUM(A1:A9)" || source != "import" {
		t.Fatalf("ann = %q %q %q %q, bob's notes %q", last, title, notes, source, formula)
	}
	// The import hands its contacts on through enrich_contacts jobs,
	// which queue one enrich_contact job each.
	for deadline := time.Now().Add(30 * time.Second); b.countRowsT(t,
		`SELECT count(*) FROM river_job WHERE kind = 'enrich_contacts' AND state <> 'completed'`) > 0; {
		if time.Now().After(deadline) {
			t.Fatal("the enrich_contacts jobs never completed")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if n := b.countRowsT(t, `SELECT count(*) FROM river_job WHERE kind = 'enrich_contact'`); n != 3 {
		t.Fatalf("%d enrichment jobs, want 3", n)
	}
	if n := b.countRowsT(t, `SELECT count(*) FROM river_job WHERE kind = 'import_contacts' AND state = 'completed'`); n != 1 {
		t.Fatal("the import job did not complete itself")
	}
	if n := b.countRowsT(t, `SELECT count(*) FROM import_chunks`); n != 0 {
		t.Fatalf("%d chunks left", n)
	}

	t.Run("JSON Lines", func(t *testing.T) {
		jsonl := `{"email":"dee@acme.com","first_name":"Dee","tags":"x, y"}` + "\n\n" +
			`{"email":"ann@acme.com","title":"VP Sales"}` + "\n" + `not json` + "\n"
		// Sent chunked (no length), as a streaming client sends a file.
		req, err := http.NewRequest("POST", b.base+"/api/v1/contacts/import", io.MultiReader(strings.NewReader(jsonl)))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer "+b.admin)
		req.Header.Set("Content-Type", "application/x-ndjson")
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		raw, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 202 {
			t.Fatalf("upload: %d %s", resp.StatusCode, raw)
		}
		got := b.waitImport(t, decode[importRef](t, response{body: raw}).ID)
		if got.Inserted != 1 || got.Updated != 1 || got.Invalid != 1 || got.RowsRead != 3 {
			t.Fatalf("progress = %+v", got)
		}
	})

	t.Run("list", func(t *testing.T) {
		page := decode[struct {
			Items      []importProgress `json:"items"`
			NextCursor string           `json:"next_cursor"`
		}](t, b.do(t, request{method: "GET", path: "/api/v1/imports?limit=1", headers: bearer(b.reader)}))
		if len(page.Items) != 1 || page.NextCursor == "" {
			t.Fatalf("page = %+v", page)
		}
	})
}

func TestImportIdempotencyKey(t *testing.T) {
	t.Parallel()
	b := setup(t)
	startImportWorker(t, b)
	csv := "email,first_name\nann@acme.com,Ann\nbob@acme.com,Bob\n"
	key := map[string]string{"Idempotency-Key": "import-1"}

	first := b.upload(t, "", "text/csv", csv, key)
	if first.status != 202 || first.header.Get("Idempotent-Replayed") != "" {
		t.Fatalf("first: %d %s", first.status, first.body)
	}
	id := decode[importRef](t, first).ID
	retry := b.upload(t, "", "text/csv", csv, key)
	if retry.status != 202 || decode[importRef](t, retry).ID != id || retry.header.Get("Idempotent-Replayed") != "true" {
		t.Fatalf("retry: %d %s %v", retry.status, retry.body, retry.header)
	}
	other := b.upload(t, "", "text/csv", csv+"cy@acme.com,Cy\n", key)
	if other.status != 422 || other.problem.Errors[0].Location != "header.Idempotency-Key" {
		t.Fatalf("same key, other file: %d %s", other.status, other.body)
	}
	if n := b.countRowsT(t, `SELECT count(*) FROM river_job WHERE kind = 'import_contacts'`); n != 1 {
		t.Fatalf("%d import jobs, want 1", n)
	}
	b.waitImport(t, id)

	// The same file again under another key is a new import: all known.
	again := b.upload(t, "", "text/csv", csv, map[string]string{"Idempotency-Key": "import-2"})
	got := b.waitImport(t, decode[importRef](t, again).ID)
	if got.Inserted != 0 || got.Skipped != 2 || got.EnrichmentEnqueued != 0 {
		t.Fatalf("re-import = %+v, want 0 inserted, 2 skipped, no new enrichment", got)
	}
}

func TestImportRefusesBadUploads(t *testing.T) {
	t.Parallel()
	b := setup(t, setupOpts{rateLimit: 10_000, mutate: func(c *config.API) { c.ImportMaxBytes = 4096 }})
	ok := "email,name\nann@acme.com,Ann\n"
	tests := []struct {
		name, query, contentType, body string
		key                            string
		status                         int
		location                       string
	}{
		{"empty file", "", "text/csv", "", "", 422, "body.file"},
		{"no header row", "", "text/csv", "ann@acme.com,Ann\n", "", 422, "query.mapping"},
		{"no email column", "", "text/csv", "name,company\nAnn,Acme\n", "", 422, "query.mapping"},
		{"mapping to unknown field", `?mapping={"name":"salary"}`, "text/csv", ok, "", 422, "query.mapping"},
		{"mapping not JSON", `?mapping=name`, "text/csv", ok, "", 422, "query.mapping"},
		{"two-character delimiter", "?delimiter=ab", "text/csv", ok, "", 422, "query.delimiter"},
		{"quote delimiter", `?delimiter="`, "text/csv", ok, "", 422, "query.delimiter"},
		{"unknown format", "?format=xml", "text/csv", ok, "", 422, "query.format"},
		{"unknown content type", "", "application/pdf", ok, "", 415, "header.Content-Type"},
		{"over API_IMPORT_MAX_BYTES", "", "text/csv", ok + strings.Repeat("x@acme.com,X\n", 400), "", 413, ""},
		{"bad Idempotency-Key", "", "text/csv", ok, "bad key", 400, "header.Idempotency-Key"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := map[string]string{}
			if tt.key != "" {
				h["Idempotency-Key"] = tt.key
			}
			r := b.upload(t, strings.ReplaceAll(tt.query, `"`, "%22"), tt.contentType, tt.body, h)
			if r.status != tt.status {
				t.Fatalf("status = %d, want %d: %s", r.status, tt.status, r.body)
			}
			if tt.location != "" && (len(r.problem.Errors) == 0 || r.problem.Errors[0].Location != tt.location) {
				t.Fatalf("problem = %s, want it at %s", r.body, tt.location)
			}
		})
	}
	r := b.do(t, request{method: "POST", path: "/api/v1/contacts/import", body: ok,
		headers: map[string]string{"Authorization": "Bearer " + b.reader, "Content-Type": "text/csv"}})
	if r.status != 403 {
		t.Fatalf("read-only key: %d", r.status)
	}
	if n := b.countRowsT(t, `SELECT (SELECT count(*) FROM imports) + (SELECT count(*) FROM import_chunks)
		+ (SELECT count(*) FROM river_job)`); n != 0 {
		t.Fatalf("refused uploads left %d rows", n)
	}
}

// TestImportTruncatedUploadStoresNothing hangs up in the middle of an
// upload, declared by Content-Length and chunked.
func TestImportTruncatedUploadStoresNothing(t *testing.T) {
	t.Parallel()
	b := setup(t)
	rows := "email,first_name\n" + strings.Repeat("ann@acme.com,Ann\n", 20_000)
	cuts := []string{"declared length", "chunk boundary", "mid-chunk"}
	for _, cut := range cuts {
		conn, err := net.Dial("tcp", strings.TrimPrefix(b.base, "http://"))
		if err != nil {
			t.Fatal(err)
		}
		head := "POST /api/v1/contacts/import HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + b.admin +
			"\r\nContent-Type: text/csv\r\n"
		sent := rows[:len(rows)/2]
		switch cut {
		case "declared length":
			fmt.Fprintf(conn, "%sContent-Length: %d\r\n\r\n%s", head, len(rows), sent)
		case "chunk boundary": // no terminating empty chunk
			fmt.Fprintf(conn, "%sTransfer-Encoding: chunked\r\n\r\n%x\r\n%s\r\n", head, len(sent), sent)
		case "mid-chunk":
			fmt.Fprintf(conn, "%sTransfer-Encoding: chunked\r\n\r\n%x\r\n%s", head, len(rows), sent)
		}
		conn.(*net.TCPConn).CloseWrite()
		// The server answers (or closes) once it has rolled back.
		_, _ = io.Copy(io.Discard, bufio.NewReader(conn))
		conn.Close()
	}
	deadline := time.Now().Add(10 * time.Second)
	for strings.Count(b.logs.String(), `"route":"/api/v1/contacts/import"`) < len(cuts) {
		if time.Now().After(deadline) {
			t.Fatalf("the server never finished the truncated uploads: %s", b.logs.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	if n := b.countRowsT(t, `SELECT (SELECT count(*) FROM imports) + (SELECT count(*) FROM import_chunks)
		+ (SELECT count(*) FROM river_job)`); n != 0 {
		t.Fatalf("truncated uploads left %d rows: %s", n, b.logs.String())
	}
}

// TestBodyLimitStillHolds checks that streaming request bodies for the
// import leaves API_BODY_LIMIT (64 KiB in tests) on every other route,
// whether the body's size is declared or chunked.
func TestBodyLimitStillHolds(t *testing.T) {
	t.Parallel()
	b := setup(t)
	big := `{"email":"a@acme.com","first_name":"` + strings.Repeat("a", 100<<10) + `"}`
	for _, chunked := range []bool{false, true} {
		var body io.Reader = strings.NewReader(big)
		if chunked {
			body = io.MultiReader(body) // no length: net/http sends it chunked
		}
		req, err := http.NewRequest("POST", b.base+"/api/v1/contacts", body)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer "+b.admin)
		req.Header.Set("Content-Type", "application/json")
		resp, err := client.Do(req)
		if err != nil {
			t.Fatalf("chunked=%v: %v", chunked, err)
		}
		resp.Body.Close()
		if resp.StatusCode != 413 {
			t.Fatalf("chunked=%v: status %d, want 413", chunked, resp.StatusCode)
		}
	}
	// A body under the limit, chunked, still reaches the handler whole.
	req, _ := http.NewRequest("POST", b.base+"/api/v1/contacts", io.MultiReader(strings.NewReader(`{"email":"small@acme.com"}`)))
	req.Header.Set("Authorization", "Bearer "+b.admin)
	req.Header.Set("Content-Type", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 201 {
		t.Fatalf("small chunked body: %d", resp.StatusCode)
	}
	if n := b.countRowsT(t, `SELECT count(*) FROM contacts`); n != 1 {
		t.Fatalf("%d contacts, want only the small one", n)
	}
}
