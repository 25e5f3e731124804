package api_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"

	"github.com/rtgs/sales-automation/api"
	"github.com/rtgs/sales-automation/internal/auth"
	"github.com/rtgs/sales-automation/internal/config"
	"github.com/rtgs/sales-automation/internal/dbtest"
	"github.com/rtgs/sales-automation/internal/obs"
	"github.com/rtgs/sales-automation/internal/obs/obstest"
	"github.com/rtgs/sales-automation/internal/ratelimit"
	"github.com/rtgs/sales-automation/internal/store"
)

// cheapParams keep argon2 fast in tests; production cost is the default.
var cheapParams = auth.Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}

type testBundle struct {
	srv    *api.Server
	pool   *pgxpool.Pool
	river  *river.Client[pgx.Tx]
	auth   *auth.Service
	logs   *obstest.Buffer
	base   string // http://127.0.0.1:port of the running server
	admin  string // key with the admin scope
	reader string // key with contacts:read only
}

type setupOpts struct {
	rateLimit int
	mutate    func(*config.API)
	// pool, when set, replaces the server's pool (the schema still comes
	// from dbtest); it must reach the same database.
	pool func(t testing.TB, schema string) *pgxpool.Pool
	// routes adds test-only routes before the server starts.
	routes func(app *fiber.App)
	// quiet sends logs to io.Discard (still through the redacting JSON
	// handler), for benchmarks.
	quiet bool
}

func setup(t testing.TB, opts ...setupOpts) *testBundle {
	t.Helper()
	o := setupOpts{rateLimit: 10_000}
	if len(opts) > 0 {
		o = opts[0]
	}
	pool := dbtest.Pool(t)
	if o.pool != nil {
		pool = o.pool(t, dbtest.Schema(pool))
	}
	cfg, _, err := config.LoadAPI(func(string) (string, bool) { return "", false })
	if err != nil {
		t.Fatal(err)
	}
	cfg.Auth.JWTSecret = "test-secret-test-secret-test-secret-0123"
	cfg.RateLimitPerMinute = o.rateLimit
	cfg.BodyLimit = 64 << 10
	if o.mutate != nil {
		o.mutate(&cfg)
	}
	logs := &obstest.Buffer{}
	var logOut io.Writer = logs
	if o.quiet {
		logOut = io.Discard
	}
	logger := obs.NewLogger(logOut, slog.LevelInfo)
	rc, err := river.NewClient(riverpgxv5.New(pool), &river.Config{Logger: logger, Schema: dbtest.Schema(pool)})
	if err != nil {
		t.Fatal(err)
	}
	svc := auth.NewService(store.NewAPIKeys(pool), store.NewJWTRevocations(pool), cfg.Auth, logger, auth.WithParams(cheapParams))
	srv, err := api.New(api.Deps{
		Config: cfg, Pool: pool, River: rc, Auth: svc, Limiter: ratelimit.NewLocal(cfg.RateLimitPerMinute),
		Logger: logger, Registry: obs.NewRegistry(),
	})
	if err != nil {
		t.Fatal(err)
	}
	if o.routes != nil {
		o.routes(srv.App())
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		if err := <-served; err != nil {
			t.Errorf("serve: %v", err)
		}
	})
	b := &testBundle{srv: srv, pool: pool, river: rc, auth: svc, logs: logs, base: "http://" + ln.Addr().String()}
	b.admin = b.createKey(t, "admin", auth.Admin)
	b.reader = b.createKey(t, "reader", auth.ContactsRead)
	return b
}

func (b *testBundle) createKey(t testing.TB, name string, scopes ...auth.Scope) string {
	t.Helper()
	k, err := b.auth.CreateKey(context.Background(), auth.CreateKeyParams{Name: name, Scopes: scopes})
	if err != nil {
		t.Fatal(err)
	}
	return k.Secret
}

// request is one HTTP call through the real app.
type request struct {
	method, path string
	body         string
	headers      map[string]string
}

type response struct {
	status  int
	header  http.Header
	body    []byte
	problem problemBody
}

type problemBody struct {
	Type   string `json:"type"`
	Title  string `json:"title"`
	Status int    `json:"status"`
	Detail string `json:"detail"`
	Errors []struct {
		Location string `json:"location"`
		Message  string `json:"message"`
	} `json:"errors"`
}

func (b *testBundle) do(t *testing.T, r request) response {
	t.Helper()
	var body io.Reader
	if r.body != "" {
		body = strings.NewReader(r.body)
	}
	req, err := http.NewRequest(r.method, b.base+r.path, body)
	if err != nil {
		t.Fatal(err)
	}
	if r.body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range r.headers {
		req.Header.Set(k, v)
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", r.method, r.path, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	out := response{status: resp.StatusCode, header: resp.Header, body: raw}
	if strings.HasPrefix(resp.Header.Get("Content-Type"), "application/problem+json") {
		if err := json.Unmarshal(raw, &out.problem); err != nil {
			t.Fatalf("problem body does not parse: %v: %s", err, raw)
		}
	}
	return out
}

// client does not follow redirects, so tests see them.
var client = &http.Client{
	Timeout:       30 * time.Second,
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
}

func bearer(key string) map[string]string { return map[string]string{"Authorization": "Bearer " + key} }

func decode[T any](t *testing.T, r response) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(r.body, &v); err != nil {
		t.Fatalf("decode %T: %v: %s", v, err, r.body)
	}
	return v
}
