package api_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/riverqueue/river"

	"github.com/rtgs/sales-automation/internal/config"
)

type opsArgs struct {
	N int `json:"n"`
}

func (opsArgs) Kind() string { return "ops_test" }

func (b *testBundle) insertJobs(t *testing.T, n int, queue string) []int64 {
	t.Helper()
	ids := make([]int64, n)
	for i := range n {
		res, err := b.river.Insert(context.Background(), opsArgs{N: i}, &river.InsertOpts{Queue: queue, ScheduledAt: time.Now().Add(time.Hour)})
		if err != nil {
			t.Fatal(err)
		}
		ids[i] = res.Job.ID
	}
	return ids
}

type jobPage struct {
	Items []struct {
		ID    int64  `json:"id"`
		State string `json:"state"`
		Queue string `json:"queue"`
	} `json:"items"`
	NextCursor string `json:"next_cursor"`
}

func TestJobListFiltersAndPages(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.insertJobs(t, 5, "crm")
	b.insertJobs(t, 2, "ai")

	seen := map[int64]bool{}
	path := "/api/v1/jobs?queue=crm&state=scheduled&limit=2"
	for pages := 0; ; pages++ {
		if pages > 5 {
			t.Fatal("pagination does not end")
		}
		r := b.do(t, request{method: "GET", path: path, headers: bearer(b.reader)})
		if r.status != http.StatusOK {
			t.Fatalf("list = %d %s", r.status, r.body)
		}
		page := decode[jobPage](t, r)
		for _, j := range page.Items {
			if j.Queue != "crm" || j.State != "scheduled" || seen[j.ID] {
				t.Fatalf("unexpected item %+v", j)
			}
			seen[j.ID] = true
		}
		if page.NextCursor == "" {
			break
		}
		path = "/api/v1/jobs?queue=crm&state=scheduled&limit=2&cursor=" + page.NextCursor
	}
	if len(seen) != 5 {
		t.Fatalf("listed %d crm jobs, want 5", len(seen))
	}
}

func TestJobCancelAndRetry(t *testing.T) {
	t.Parallel()
	b := setup(t)
	id := b.insertJobs(t, 1, "crm")[0]
	path := fmt.Sprintf("/api/v1/jobs/%d", id)

	if r := b.do(t, request{method: "POST", path: path + "/cancel", headers: bearer(b.reader)}); r.status != http.StatusForbidden {
		t.Fatalf("reader cancel = %d", r.status)
	}
	if r := b.do(t, request{method: "POST", path: path + "/cancel", headers: bearer(b.admin)}); r.status != http.StatusOK || !strings.Contains(string(r.body), `"state":"cancelled"`) {
		t.Fatalf("cancel = %d %s", r.status, r.body)
	}
	if r := b.do(t, request{method: "POST", path: path + "/retry", headers: bearer(b.admin)}); r.status != http.StatusOK || !strings.Contains(string(r.body), `"state":"available"`) {
		t.Fatalf("retry = %d %s", r.status, r.body)
	}
}

func TestQueuePauseResume(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	// Queues exist once a worker has served them; record one as River would.
	if _, err := b.pool.Exec(ctx, `INSERT INTO river_queue (name, metadata, paused_at, updated_at) VALUES ('crm', '{}', NULL, now())`); err != nil {
		t.Fatal(err)
	}
	if r := b.do(t, request{method: "POST", path: "/api/v1/queues/crm/pause", headers: bearer(b.admin)}); r.status != http.StatusOK || !strings.Contains(string(r.body), `"paused":true`) {
		t.Fatalf("pause = %d %s", r.status, r.body)
	}
	list := b.do(t, request{method: "GET", path: "/api/v1/queues", headers: bearer(b.reader)})
	if !strings.Contains(string(list.body), `"name":"crm","paused":true`) {
		t.Fatalf("list = %s", list.body)
	}
	if r := b.do(t, request{method: "POST", path: "/api/v1/queues/crm/resume", headers: bearer(b.admin)}); r.status != http.StatusOK || !strings.Contains(string(r.body), `"paused":false`) {
		t.Fatalf("resume = %d %s", r.status, r.body)
	}
	if r := b.do(t, request{method: "POST", path: "/api/v1/queues/nosuch/pause", headers: bearer(b.admin)}); r.status != http.StatusNotFound {
		t.Fatalf("pause unknown queue = %d %s", r.status, r.body)
	}
}

func TestResponsesCarryRequestIDAndSecurityHeaders(t *testing.T) {
	t.Parallel()
	b := setup(t, setupOpts{rateLimit: 1000, mutate: func(c *config.API) { c.CORSOrigins = []string{"https://app.example.com"} }})

	r := b.do(t, request{method: "GET", path: "/api/v1/auth/me", headers: map[string]string{"Authorization": "Bearer " + b.reader, "X-Request-ID": "client-id-1"}})
	if got := r.header.Get("X-Request-ID"); got != "client-id-1" {
		t.Errorf("X-Request-ID = %q, want the client's", got)
	}
	hostile := b.do(t, request{method: "GET", path: "/healthz", headers: map[string]string{"X-Request-ID": "evil\"id with spaces"}})
	if got := hostile.header.Get("X-Request-ID"); got == "" || strings.ContainsAny(got, "\" ") {
		t.Errorf("hostile request id echoed as %q", got)
	}
	for h, want := range map[string]string{
		"X-Content-Type-Options":  "nosniff",
		"X-Frame-Options":         "DENY",
		"Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
		"Cache-Control":           "no-store",
	} {
		if got := r.header.Get(h); got != want {
			t.Errorf("%s = %q, want %q", h, got, want)
		}
	}
	pre := b.do(t, request{method: "OPTIONS", path: "/api/v1/jobs", headers: map[string]string{
		"Origin": "https://app.example.com", "Access-Control-Request-Method": "GET"}})
	if got := pre.header.Get("Access-Control-Allow-Origin"); got != "https://app.example.com" {
		t.Errorf("preflight from allowed origin: Allow-Origin = %q (status %d)", got, pre.status)
	}
	other := b.do(t, request{method: "OPTIONS", path: "/api/v1/jobs", headers: map[string]string{
		"Origin": "https://evil.example.com", "Access-Control-Request-Method": "GET"}})
	if got := other.header.Get("Access-Control-Allow-Origin"); got != "" {
		t.Errorf("preflight from other origin: Allow-Origin = %q", got)
	}
}

func TestOpenAPIDocumentIs31AndDescribesAuth(t *testing.T) {
	t.Parallel()
	b := setup(t)
	doc := decode[struct {
		OpenAPI    string                    `json:"openapi"`
		Paths      map[string]map[string]any `json:"paths"`
		Components struct {
			SecuritySchemes map[string]any `json:"securitySchemes"`
		} `json:"components"`
	}](t, b.do(t, request{method: "GET", path: "/openapi.json"}))
	if !strings.HasPrefix(doc.OpenAPI, "3.1") {
		t.Errorf("openapi = %q, want 3.1", doc.OpenAPI)
	}
	for _, p := range []string{"/api/v1/api-keys", "/api/v1/jobs/{id}/cancel", "/api/v1/queues/{name}/pause", "/api/v1/auth/token"} {
		if _, ok := doc.Paths[p]; !ok {
			t.Errorf("document lacks %s", p)
		}
	}
	if _, ok := doc.Components.SecuritySchemes["bearer"]; !ok {
		t.Error("no bearer security scheme")
	}
}

func TestPanicBecomesProblemWithoutStack(t *testing.T) {
	t.Parallel()
	b := setup(t, setupOpts{rateLimit: 1000, routes: func(app *fiber.App) {
		app.Get("/api/v1/test-panic", func(*fiber.Ctx) error { panic("secret internal state") })
	}})
	r := b.do(t, request{method: "GET", path: "/api/v1/test-panic", headers: bearer(b.reader)})
	if r.status != http.StatusInternalServerError || r.problem.Type != "urn:rtgs:problem:internal" {
		t.Fatalf("panic = %d %s", r.status, r.body)
	}
	if strings.Contains(string(r.body), "secret internal state") || strings.Contains(string(r.body), "goroutine") {
		t.Fatalf("panic details leaked: %s", r.body)
	}
	if !strings.Contains(b.logs.String(), "panic in handler") {
		t.Fatal("panic not logged")
	}
	// The server keeps serving.
	if r := b.do(t, request{method: "GET", path: "/healthz"}); r.status != http.StatusOK {
		t.Fatalf("after panic = %d", r.status)
	}
}
