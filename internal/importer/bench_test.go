package importer_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"

	"github.com/rtgs/sales-automation/internal/auth"
	"github.com/rtgs/sales-automation/internal/config"
	"github.com/rtgs/sales-automation/internal/contacts"
	"github.com/rtgs/sales-automation/internal/dbtest"
	"github.com/rtgs/sales-automation/internal/store"
	"github.com/rtgs/sales-automation/jobs"
)

// BenchmarkImport uploads a generated CSV (BENCH_IMPORT_ROWS rows, default
// 100,000) to the real api binary and times it from the first byte sent to
// the import job's completion (every row committed with its enrichment
// job), the job worked by a River client in this process as the worker
// process would. The anchor, measured in the same run, is a raw COPY of
// the same rows into the contacts table of another fresh schema. The api
// process's peak RSS (VmHWM) is read from /proc after the upload.
//
//	go test -run '^$' -bench BenchmarkImport -benchtime 1x ./internal/importer/
func BenchmarkImport(b *testing.B) {
	rows := 100_000
	if s := os.Getenv("BENCH_IMPORT_ROWS"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			b.Fatalf("BENCH_IMPORT_ROWS=%q: want a positive integer", s)
		}
		rows = n
	}
	file := writeCSV(b, rows)
	bin := buildAPI(b)
	ctx := context.Background()

	for b.Loop() {
		copySecs := rawCopy(b, rows, true)
		bareSecs := rawCopy(b, rows, false)

		pool := dbtest.Pool(b)
		key := adminKey(b, pool)
		apiPID, base := startAPI(b, bin, pool)
		done := startWorker(b, pool)
		baseRSS := vmHWM(b, apiPID)

		start := time.Now()
		id := uploadFile(b, base, key, file)
		uploaded := time.Since(start).Seconds()
		select {
		case <-done:
		case <-time.After(30 * time.Minute):
			b.Fatal("the import did not finish")
		}
		ours := time.Since(start).Seconds()
		awaitFanOut(b, pool)
		fanned := time.Since(start).Seconds()
		peak := vmHWM(b, apiPID)

		var inserted, enqueued int64
		var status string
		if err := pool.QueryRow(ctx, `SELECT status, inserted, enrichment_enqueued FROM imports WHERE id = $1`, id).
			Scan(&status, &inserted, &enqueued); err != nil {
			b.Fatal(err)
		}
		var perContact int64
		if err := pool.QueryRow(ctx, `SELECT count(*) FROM river_job WHERE kind = $1`, jobs.KindEnrichContact).Scan(&perContact); err != nil {
			b.Fatal(err)
		}
		if status != "completed" || inserted != int64(rows) || enqueued != int64(rows) || perContact != int64(rows) {
			b.Fatalf("import %s: %d inserted, %d handed to enrichment, %d enrich_contact jobs; want %d each",
				status, inserted, enqueued, perContact, rows)
		}
		oursRate, copyRate := float64(rows)/ours, float64(rows)/copySecs
		b.ReportMetric(oursRate, "rows/s")
		b.ReportMetric(copyRate, "copy_rows/s")
		b.ReportMetric(oursRate/copyRate, "x_copy")
		bareRate := float64(rows) / bareSecs
		b.ReportMetric(oursRate/bareRate, "x_copy_unlinked")
		b.ReportMetric(float64(peak)/1024, "peak_rss_MB")
		b.Logf("import of %d rows (%.1f MB) through the API: %.0f rows/s (%.2fs); raw COPY anchor (the same rows with their company_id and import_id): %.0f rows/s (%.2fs); ratio %.2fx (target >= 0.5x)",
			rows, float64(fileSize(b, file))/(1<<20), oursRate, ours, copyRate, copySecs, oursRate/copyRate)
		b.Logf("raw COPY of the file's columns alone (no links, so no foreign-key checks): %.0f rows/s (%.2fs); ratio %.2fx",
			bareRate, bareSecs, oursRate/bareRate)
		b.Logf("of which the upload (stored, job queued, 202) took %.2fs and the import job the rest", uploaded)
		b.Logf("every contact's own enrich_contact job queued (the enrich_contacts fan-out done) after %.2fs: %.0f rows/s, %.2fx COPY",
			fanned, float64(rows)/fanned, float64(rows)/fanned/copyRate)
		b.Logf("api peak RSS (VmHWM): %.1f MB after the upload, %.1f MB before it (target <= 200 MB)",
			float64(peak)/1024, float64(baseRSS)/1024)
	}
}

// benchRow is row i of the generated file: 100 people per company.
func benchRow(i int) []string {
	co := i / 100
	return []string{
		fmt.Sprintf("person%d@company%d.example", i, co), "First" + strconv.Itoa(i), "Last" + strconv.Itoa(i),
		"VP Sales", fmt.Sprintf("Company %d", co), fmt.Sprintf("company%d.example", co),
		fmt.Sprintf("+1415%07d", i%10_000_000), "US", "bench;import",
	}
}

func writeCSV(b *testing.B, rows int) string {
	b.Helper()
	path := filepath.Join(b.TempDir(), "contacts.csv")
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	w.WriteString("email,first_name,last_name,title,company,website,phone,country,tags\n")
	for i := range rows {
		w.WriteString(strings.Join(benchRow(i), ","))
		w.WriteByte('\n')
	}
	if err := w.Flush(); err != nil {
		b.Fatal(err)
	}
	if err := f.Close(); err != nil {
		b.Fatal(err)
	}
	return path
}

func fileSize(b *testing.B, path string) int64 {
	st, err := os.Stat(path)
	if err != nil {
		b.Fatal(err)
	}
	return st.Size()
}

// rawCopy COPYs the same rows into contacts in a fresh schema and returns
// the seconds the COPY took. Linked rows carry what the import stores
// besides the file's columns, their company_id and import_id, so the
// COPY pays the same foreign-key checks; their companies and import row
// are created before the clock starts.
func rawCopy(b *testing.B, rows int, linked bool) float64 {
	b.Helper()
	ctx := context.Background()
	pool := dbtest.Pool(b)
	cols := []string{"email", "first_name", "last_name", "title", "company_name", "domain", "phone", "country", "tags", "source"}
	var importID uuid.UUID
	companyOf := map[string]uuid.UUID{}
	if linked {
		cols = append(cols, "company_id", "import_id")
		if err := pool.QueryRow(ctx, `INSERT INTO imports (filename, format) VALUES ('anchor.csv', 'csv') RETURNING id`).Scan(&importID); err != nil {
			b.Fatal(err)
		}
		rs, err := pool.Query(ctx, `INSERT INTO companies (name, domain)
			SELECT 'Company ' || n, 'company' || n || '.example' FROM generate_series(0, $1::int) AS n RETURNING domain, id`, rows/100)
		if err != nil {
			b.Fatal(err)
		}
		for rs.Next() {
			var d string
			var id uuid.UUID
			if err := rs.Scan(&d, &id); err != nil {
				b.Fatal(err)
			}
			companyOf[d] = id
		}
		if err := rs.Err(); err != nil {
			b.Fatal(err)
		}
	}
	start := time.Now()
	i := 0
	n, err := pool.CopyFrom(ctx, pgx.Identifier{"contacts"}, cols,
		pgx.CopyFromFunc(func() ([]any, error) {
			if i == rows {
				return nil, nil
			}
			r := benchRow(i)
			i++
			row := []any{r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], strings.Split(r[8], ";"), "import"}
			if linked {
				row = append(row, companyOf[r[5]], importID)
			}
			return row, nil
		}))
	if err != nil || n != int64(rows) {
		b.Fatalf("copy: %d rows, %v", n, err)
	}
	return time.Since(start).Seconds()
}

func buildAPI(b *testing.B) string {
	b.Helper()
	dir := b.TempDir()
	cmd := exec.Command("go", "build", "-o", dir+"/", "../../cmd/api")
	if out, err := cmd.CombinedOutput(); err != nil {
		b.Fatalf("go build: %v\n%s", err, out)
	}
	return filepath.Join(dir, "api")
}

func adminKey(b *testing.B, pool *pgxpool.Pool) string {
	b.Helper()
	svc := auth.NewService(store.NewAPIKeys(pool), store.NewJWTRevocations(pool), config.Auth{KeyCacheTTL: time.Minute},
		slog.New(slog.DiscardHandler), auth.WithParams(auth.Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}))
	k, err := svc.CreateKey(context.Background(), auth.CreateKeyParams{Name: "bench", Scopes: []auth.Scope{auth.Admin}})
	if err != nil {
		b.Fatal(err)
	}
	return k.Secret
}

// startAPI runs the api binary on the pool's schema and returns its pid
// and base URL once it is ready.
func startAPI(b *testing.B, bin string, pool *pgxpool.Pool) (int, string) {
	b.Helper()
	u, err := url.Parse(dbtest.DatabaseURL())
	if err != nil {
		b.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", dbtest.Schema(pool))
	u.RawQuery = q.Encode()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	cmd := exec.Command(bin)
	cmd.Env = append(os.Environ(), "DATABASE_URL="+u.String(), "API_ADDR="+addr, "LOG_LEVEL=warn",
		"RIVERUI_ENABLED=false", "REDIS_URL=", "API_RATE_LIMIT_PER_MINUTE=1000000")
	cmd.Stdout, cmd.Stderr = io.Discard, os.Stderr
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		_ = cmd.Process.Signal(os.Interrupt)
		_ = cmd.Wait()
	})
	base := "http://" + addr
	for deadline := time.Now().Add(30 * time.Second); ; {
		if resp, err := http.Get(base + "/readyz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return cmd.Process.Pid, base
			}
		}
		if time.Now().After(deadline) {
			b.Fatal("the api did not become ready")
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// startWorker works import_contacts jobs in this process; the channel
// closes when one completes.
func startWorker(b *testing.B, pool *pgxpool.Pool) <-chan struct{} {
	b.Helper()
	workers := river.NewWorkers()
	deps := jobs.Deps{Pool: pool, Hasher: contacts.NewHasher([]byte(config.DevSuppressionKey))}
	river.AddWorker(workers, jobs.NewImportContactsWorker(deps))
	river.AddWorker(workers, jobs.NewEnrichContactsWorker(deps))
	client, err := river.NewClient(riverpgxv5.New(pool), &river.Config{
		Schema: dbtest.Schema(pool), Workers: workers, SkipUnknownJobCheck: true,
		// The worker process's default for the maintenance queue.
		Queues:            map[string]river.QueueConfig{jobs.QueueMaintenance: {MaxWorkers: 2}},
		FetchPollInterval: 50 * time.Millisecond, FetchCooldown: 20 * time.Millisecond, Logger: slog.New(slog.DiscardHandler),
	})
	if err != nil {
		b.Fatal(err)
	}
	events, cancel := client.Subscribe(river.EventKindJobCompleted, river.EventKindJobFailed, river.EventKindJobCancelled)
	if err := client.Start(context.Background()); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		cancel()
		ctx, stop := context.WithTimeout(context.Background(), 10*time.Second)
		defer stop()
		_ = client.Stop(ctx)
	})
	done := make(chan struct{})
	go func() {
		for ev := range events {
			if ev.Job.Kind == jobs.KindImportContacts {
				close(done)
				return
			}
		}
	}()
	return done
}

// awaitFanOut waits until every enrich_contacts job has been worked.
func awaitFanOut(b *testing.B, pool *pgxpool.Pool) {
	b.Helper()
	for deadline := time.Now().Add(10 * time.Minute); ; time.Sleep(20 * time.Millisecond) {
		var left int
		if err := pool.QueryRow(context.Background(), `SELECT count(*) FROM river_job WHERE kind = $1 AND state <> 'completed'`,
			jobs.KindEnrichContacts).Scan(&left); err != nil {
			b.Fatal(err)
		}
		if left == 0 {
			return
		}
		if time.Now().After(deadline) {
			b.Fatalf("%d enrich_contacts jobs never completed", left)
		}
	}
}

func uploadFile(b *testing.B, base, key, path string) string {
	b.Helper()
	f, err := os.Open(path)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	req, err := http.NewRequest("POST", base+"/api/v1/contacts/import?filename=bench.csv", f)
	if err != nil {
		b.Fatal(err)
	}
	req.ContentLength = fileSize(b, path)
	req.Header.Set("Authorization", "Bearer "+key)
	req.Header.Set("Content-Type", "text/csv")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 202 {
		b.Fatalf("upload: %d %s", resp.StatusCode, body)
	}
	i := strings.Index(string(body), `"id":"`)
	if i < 0 {
		b.Fatalf("upload answered %s", body)
	}
	return string(body[i+6 : i+42])
}

// vmHWM is the peak resident set of process pid, in KiB.
func vmHWM(b *testing.B, pid int) int64 {
	b.Helper()
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		b.Fatal(err)
	}
	for line := range strings.SplitSeq(string(raw), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			if err != nil {
				b.Fatal(err)
			}
			return kb
		}
	}
	b.Fatal("no VmHWM in /proc status")
	return 0
}
