package e2e_test

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"

	"github.com/rtgs/sales-automation/internal/dbtest"
	"github.com/rtgs/sales-automation/internal/obs/obstest"
)

// probeArgs is a job kind no worker serves: scheduled far ahead, it waits
// until the test cancels it through the API.
type probeArgs struct {
	Note string `json:"note"`
}

func (probeArgs) Kind() string { return "e2e_probe" }

func TestBinariesEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("builds binaries and starts processes")
	}
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()

	bin := buildBinaries(t)
	dbURL := freshDatabase(t)
	env := []string{"DATABASE_URL=" + dbURL, "LOG_LEVEL=debug", "AUTH_KEY_CACHE_TTL=1s"}

	run(t, ctx, env, filepath.Join(bin, "rtgs"), "migrate", "up")
	status := run(t, ctx, env, filepath.Join(bin, "rtgs"), "migrate", "status")
	if strings.Contains(status, " pending\n") {
		t.Fatalf("migrations pending after up:\n%s", status)
	}
	key := strings.TrimSpace(run(t, ctx, env, filepath.Join(bin, "rtgs"), "apikey", "create", "--name", "e2e", "--scopes", "admin", "--quiet"))
	if !strings.HasPrefix(key, "rtgs_") {
		t.Fatalf("apikey create printed %q", key)
	}

	apiAddr, workerAddr := freeAddr(t), freeAddr(t)
	apiLogs := start(t, ctx, append(env, "API_ADDR="+apiAddr), filepath.Join(bin, "api"))
	workerLogs := start(t, ctx, append(env, "WORKER_ADDR="+workerAddr, "MAINTENANCE_INTERVAL=2s", "WORKER_FETCH_POLL_INTERVAL=200ms"), filepath.Join(bin, "worker"))
	base := "http://" + apiAddr
	waitFor(t, ctx, "api ready", func() bool { return get(t, base+"/readyz", "").status == 200 })
	waitFor(t, ctx, "worker healthy", func() bool { return get(t, "http://"+workerAddr+"/healthz", "").status == 200 })

	// The worker process ran the periodic maintenance job.
	waitFor(t, ctx, "maintenance job completed by the worker", func() bool {
		r := get(t, base+"/api/v1/jobs?kind=maintenance_cleanup&state=completed", key)
		return r.status == 200 && strings.Contains(r.body, `"state":"completed"`)
	})

	// A job cancelled through the API ends cancelled.
	id := insertProbe(t, ctx, dbURL)
	if r := post(t, fmt.Sprintf("%s/api/v1/jobs/%d/cancel", base, id), key); r.status != 200 {
		t.Fatalf("cancel = %d %s", r.status, r.body)
	}
	if r := get(t, fmt.Sprintf("%s/api/v1/jobs/%d", base, id), key); !strings.Contains(r.body, `"state":"cancelled"`) {
		t.Fatalf("job after cancel: %s", r.body)
	}

	// PII sent by a client never reaches either process's logs in clear text.
	const email, phone = "jane.doe@example.com", "+1 415 555 0137"
	get(t, base+"/api/v1/api-keys/"+url.PathEscape(email), key)
	get(t, base+"/api/v1/jobs?kind="+url.QueryEscape(phone), key)
	get(t, base+"/api/v1/jobs", key+"x") // a wrong key is logged nowhere either

	// Workers scale out: a second worker process joins and leaves cleanly.
	second := freeAddr(t)
	start(t, ctx, append(env, "WORKER_ADDR="+second, "WORKER_QUEUES=maintenance=1"), filepath.Join(bin, "worker"))
	waitFor(t, ctx, "second worker healthy", func() bool { return get(t, "http://"+second+"/healthz", "").status == 200 })

	logs := apiLogs.String() + workerLogs.String()
	for _, secret := range []string{email, phone, key, strings.Split(key, "_")[2]} {
		if strings.Contains(logs, secret) {
			t.Errorf("logs contain %q", secret)
		}
	}
	// The lines were written, with the PII masked rather than left out.
	if !strings.Contains(apiLogs.String(), `"path":"/api/v1/api-keys/[email]"`) {
		t.Errorf("api logs lack the masked request line:\n%s", apiLogs.String())
	}
	if !strings.Contains(workerLogs.String(), "maintenance_cleanup") {
		t.Errorf("worker logs lack the maintenance job")
	}
}

func buildBinaries(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	cmd := exec.Command("go", "build", "-o", dir+"/", "../../cmd/api", "../../cmd/worker", "../../cmd/rtgs")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return dir
}

// freshDatabase creates a database of its own and drops it afterwards.
func freshDatabase(t *testing.T) string {
	t.Helper()
	ctx := context.Background()
	admin, err := pgx.Connect(ctx, dbtest.DatabaseURL())
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close(ctx)
	name := fmt.Sprintf("e2e_%d", time.Now().UnixNano())
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		conn, err := pgx.Connect(context.Background(), dbtest.DatabaseURL())
		if err != nil {
			t.Error(err)
			return
		}
		defer conn.Close(context.Background())
		if _, err := conn.Exec(context.Background(), "DROP DATABASE "+name+" WITH (FORCE)"); err != nil {
			t.Error(err)
		}
	})
	u, _ := url.Parse(dbtest.DatabaseURL())
	u.Path = "/" + name
	return u.String()
}

func run(t *testing.T, ctx context.Context, env []string, name string, args ...string) string {
	t.Helper()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s %v: %v\n%s", filepath.Base(name), args, err, out)
	}
	return string(out)
}

// start runs a long-lived process; at cleanup it gets SIGTERM and must exit
// cleanly (status 0) within its shutdown timeouts.
func start(t *testing.T, ctx context.Context, env []string, name string, args ...string) *obstest.Buffer {
	t.Helper()
	logs := &obstest.Buffer{}
	cmd := exec.Command(name, args...)
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdout, cmd.Stderr = logs, logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Signal(os.Interrupt)
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("%s exited with %v:\n%s", filepath.Base(name), err, logs.String())
			}
		case <-time.After(60 * time.Second):
			_ = cmd.Process.Kill()
			t.Errorf("%s did not stop on SIGINT", filepath.Base(name))
		}
	})
	return logs
}

func insertProbe(t *testing.T, ctx context.Context, dbURL string) int64 {
	t.Helper()
	pool, err := pgxpool.New(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	client, err := river.NewClient(riverpgxv5.New(pool), &river.Config{})
	if err != nil {
		t.Fatal(err)
	}
	res, err := client.Insert(ctx, probeArgs{Note: "cancel me"}, &river.InsertOpts{ScheduledAt: time.Now().Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	return res.Job.ID
}

type result struct {
	status int
	body   string
}

func get(t *testing.T, u, key string) result  { return call(t, http.MethodGet, u, key, "") }
func post(t *testing.T, u, key string) result { return call(t, http.MethodPost, u, key, "") }

func call(t *testing.T, method, u, key, body string) result {
	t.Helper()
	req, err := http.NewRequest(method, u, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return result{}
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return result{status: resp.StatusCode, body: string(raw)}
}

func waitFor(t *testing.T, ctx context.Context, what string, ok func() bool) {
	t.Helper()
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for !ok() {
		select {
		case <-ctx.Done():
			t.Fatalf("timed out waiting for %s", what)
		case <-tick.C:
		}
	}
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}
