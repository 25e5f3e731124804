package api_test

import (
	"context"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/gofiber/fiber/v2"
)

// A test-only create route that writes one audit row per real execution.
func idempotencyRoutes(calls *atomic.Int32, bundle func() *testBundle) func(*fiber.App) {
	return func(app *fiber.App) {
		app.Post("/api/v1/test-create", func(c *fiber.Ctx) error {
			calls.Add(1)
			if strings.Contains(string(c.Body()), "explode") {
				return fiber.ErrInternalServerError
			}
			var id int64
			if err := bundle().pool.QueryRow(c.UserContext(), `INSERT INTO audit_log (action) VALUES ('test') RETURNING id`).Scan(&id); err != nil {
				return err
			}
			c.Location("/api/v1/test-create/1")
			return c.Status(fiber.StatusCreated).JSON(fiber.Map{"id": id})
		})
	}
}

func TestIdempotencyKeyReplaysFirstResponse(t *testing.T) {
	t.Parallel()
	var calls atomic.Int32
	var b *testBundle
	b = setup(t, setupOpts{rateLimit: 1000, routes: idempotencyRoutes(&calls, func() *testBundle { return b })})
	hdr := map[string]string{"Authorization": "Bearer " + b.admin, "Idempotency-Key": "order-42"}

	first := b.do(t, request{method: "POST", path: "/api/v1/test-create", body: `{"n":1}`, headers: hdr})
	if first.status != http.StatusCreated {
		t.Fatalf("first = %d %s", first.status, first.body)
	}
	again := b.do(t, request{method: "POST", path: "/api/v1/test-create", body: `{"n":1}`, headers: hdr})
	if again.status != http.StatusCreated || string(again.body) != string(first.body) || again.header.Get("Idempotent-Replayed") != "true" {
		t.Fatalf("retry = %d %s (replayed=%q), want the first response %s", again.status, again.body, again.header.Get("Idempotent-Replayed"), first.body)
	}
	if again.header.Get("Location") != "/api/v1/test-create/1" {
		t.Errorf("replayed Location = %q", again.header.Get("Location"))
	}
	if n := calls.Load(); n != 1 {
		t.Fatalf("handler ran %d times, want 1", n)
	}
	if n := countRows(t, b, "audit_log"); n != 1 {
		t.Fatalf("audit rows = %d, want 1", n)
	}

	// Same key, different body: refused, nothing run.
	diff := b.do(t, request{method: "POST", path: "/api/v1/test-create", body: `{"n":2}`, headers: hdr})
	if diff.status != http.StatusUnprocessableEntity || len(diff.problem.Errors) == 0 || diff.problem.Errors[0].Location != "header.Idempotency-Key" {
		t.Fatalf("different body = %d %s", diff.status, diff.body)
	}
	// The same key from another API key is another request.
	other := b.do(t, request{method: "POST", path: "/api/v1/test-create", body: `{"n":1}`, headers: map[string]string{
		"Authorization": "Bearer " + b.reader, "Idempotency-Key": "order-42"}})
	if other.status != http.StatusCreated || other.header.Get("Idempotent-Replayed") != "" {
		t.Fatalf("other key = %d %s", other.status, other.body)
	}
	if bad := b.do(t, request{method: "POST", path: "/api/v1/test-create", body: `{}`, headers: map[string]string{
		"Authorization": "Bearer " + b.admin, "Idempotency-Key": strings.Repeat("k", 300)}}); bad.status != http.StatusBadRequest {
		t.Fatalf("oversized key = %d", bad.status)
	}
}

func TestIdempotencyKeyReleasedAfterServerError(t *testing.T) {
	t.Parallel()
	var calls atomic.Int32
	var b *testBundle
	b = setup(t, setupOpts{rateLimit: 1000, routes: idempotencyRoutes(&calls, func() *testBundle { return b })})
	hdr := map[string]string{"Authorization": "Bearer " + b.admin, "Idempotency-Key": "boom"}
	for i := range 2 {
		if r := b.do(t, request{method: "POST", path: "/api/v1/test-create", body: `{"explode":true}`, headers: hdr}); r.status != http.StatusInternalServerError {
			t.Fatalf("attempt %d = %d", i, r.status)
		}
	}
	if n := calls.Load(); n != 2 {
		t.Fatalf("handler ran %d times, want 2: a 5xx must not be replayed", n)
	}
}

func TestIdempotencyKeyInFlightIsConflict(t *testing.T) {
	t.Parallel()
	var calls atomic.Int32
	var b *testBundle
	b = setup(t, setupOpts{rateLimit: 1000, routes: idempotencyRoutes(&calls, func() *testBundle { return b })})
	body := `{"n":1}`
	// A claim left by a request still running: made by a first request, then
	// marked unfinished.
	if r := b.do(t, request{method: "POST", path: "/api/v1/test-create", body: body, headers: map[string]string{"Authorization": "Bearer " + b.admin, "Idempotency-Key": "slow"}}); r.status != http.StatusCreated {
		t.Fatal(r.status)
	}
	if _, err := b.pool.Exec(context.Background(), `UPDATE idempotency_keys SET status = NULL WHERE key = 'slow'`); err != nil {
		t.Fatal(err)
	}
	r := b.do(t, request{method: "POST", path: "/api/v1/test-create", body: body, headers: map[string]string{"Authorization": "Bearer " + b.admin, "Idempotency-Key": "slow"}})
	if r.status != http.StatusConflict || r.header.Get("Retry-After") == "" {
		t.Fatalf("in-flight retry = %d %s", r.status, r.body)
	}
	// Once the claim is stale (its request died), a retry takes it over.
	if _, err := b.pool.Exec(context.Background(), `UPDATE idempotency_keys SET created_at = now() - interval '1 hour' WHERE key = 'slow'`); err != nil {
		t.Fatal(err)
	}
	if r := b.do(t, request{method: "POST", path: "/api/v1/test-create", body: body, headers: map[string]string{"Authorization": "Bearer " + b.admin, "Idempotency-Key": "slow"}}); r.status != http.StatusCreated {
		t.Fatalf("after stale claim = %d %s", r.status, r.body)
	}
}
