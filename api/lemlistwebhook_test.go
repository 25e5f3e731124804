package api_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/rtgs/sales-automation/integrations/vendorsim"
	"github.com/rtgs/sales-automation/internal/config"
	"github.com/rtgs/sales-automation/jobs"
)

const testWebhookSecret = "whsec-test-0123456789"

func setupWebhook(t testing.TB, opts ...setupOpts) *testBundle {
	t.Helper()
	o := setupOpts{rateLimit: 10_000}
	if len(opts) > 0 {
		o = opts[0]
	}
	mutate := o.mutate
	o.mutate = func(c *config.API) {
		c.LemlistWebhookSecret = testWebhookSecret
		if mutate != nil {
			mutate(c)
		}
	}
	return setup(t, o)
}

// seedInstance inserts a template and an instance linked to lemlist
// campaign cam directly: the instance API is another change's.
func seedInstance(t testing.TB, b *testBundle, cam, stopRules string) uuid.UUID {
	t.Helper()
	ctx := context.Background()
	var tmpl, inst uuid.UUID
	if err := b.pool.QueryRow(ctx, `INSERT INTO campaign_templates (name, settings) VALUES ('t', $1) RETURNING id`,
		`{"stop_rules":`+stopRules+`}`).Scan(&tmpl); err != nil {
		t.Fatal(err)
	}
	if err := b.pool.QueryRow(ctx, `INSERT INTO campaign_instances (template_id, name, status, lemlist_campaign_id)
		VALUES ($1, 'i', 'active', $2) RETURNING id`, tmpl, cam).Scan(&inst); err != nil {
		t.Fatal(err)
	}
	return inst
}

func lemlistEvent(id, typ, secret string) string {
	return fmt.Sprintf(`{"_id":%q,"type":%q,"teamId":"tea_1","createdAt":"2026-05-11T09:00:00Z","campaignId":"cam_1",
		"sequenceStep":1,"leadId":"lea_1","leadEmail":"jane@acme.example","leadFirstName":"Jane","secret":%q}`, id, typ, secret)
}

func (b *testBundle) count(t testing.TB, query string, args ...any) int {
	t.Helper()
	var n int
	if err := b.pool.QueryRow(context.Background(), query, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

const webhookPath = "/api/v1/webhooks/lemlist/main-hook"

// Deliveries with a wrong or missing secret, a malformed or oversized
// body, an unknown event type or a bad hook id are refused or ignored, and
// write nothing.
func TestLemlistWebhookRefusals(t *testing.T) {
	t.Parallel()
	b := setupWebhook(t)
	cases := []struct {
		name, path, body string
		status           int
		location         string
	}{
		{"wrong secret", webhookPath, lemlistEvent("act_1", "emailsReplied", "nope"), 401, ""},
		{"no secret", webhookPath, `{"_id":"act_1","type":"emailsReplied","createdAt":"2026-05-11T09:00:00Z"}`, 401, ""},
		{"malformed", webhookPath, `{"_id":"act_1","type":`, 400, "body.body"},
		{"not an object", webhookPath, `[1,2]`, 400, "body.body"},
		{"trailing data", webhookPath, `{"_id":"a"} {}`, 400, "body.body"},
		{"id not a string", webhookPath, `{"_id":5,"type":"emailsSent","createdAt":"2026-05-11T09:00:00Z"}`, 400, "body._id"},
		{"bad date", webhookPath, `{"_id":"a","type":"emailsSent","createdAt":"yesterday"}`, 400, "body.createdAt"},
		{"bad step", webhookPath, `{"_id":"a","type":"emailsSent","createdAt":"2026-05-11T09:00:00Z","sequenceStep":-1}`, 400, "body.sequenceStep"},
		{"unknown type", webhookPath, lemlistEvent("act_2", "hologramSent", testWebhookSecret), 200, ""},
		{"bad hook id", "/api/v1/webhooks/lemlist/a.b", lemlistEvent("act_3", "emailsSent", testWebhookSecret), 404, ""},
	}
	for _, tc := range cases {
		r := b.do(t, request{method: "POST", path: tc.path, body: tc.body})
		if r.status != tc.status {
			t.Errorf("%s: status = %d, want %d; body %s", tc.name, r.status, tc.status, r.body)
		}
		if tc.location != "" && (len(r.problem.Errors) != 1 || r.problem.Errors[0].Location != tc.location) {
			t.Errorf("%s: problem %+v, want one error at %s", tc.name, r.problem, tc.location)
		}
	}
	// A declared 10 MB body is refused by its length: 413 arrives after the
	// first bytes, while the client has not sent the rest.
	conn, err := net.Dial("tcp", strings.TrimPrefix(b.base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "POST %s HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n{\"_id\":", webhookPath, 10<<20)
	// The server drains at most 1 MiB of a refused body before it answers
	// and closes; send a little more than that, and never the rest.
	if _, err := conn.Write([]byte(strings.Repeat("x", 1<<20+4096))); err != nil {
		t.Fatal(err)
	}
	_ = conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("10 MB body: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestEntityTooLarge {
		raw, _ := io.ReadAll(resp.Body)
		t.Errorf("10 MB body: status = %d, want 413: %s", resp.StatusCode, raw)
	}
	// Chunked, its size shows only once read: 256 KiB are read, no more.
	big := `{"_id":"act_big","type":"emailsSent","createdAt":"2026-05-11T09:00:00Z","pad":"` + strings.Repeat("x", 300<<10) + `"}`
	req, _ := http.NewRequest("POST", b.base+webhookPath, io.MultiReader(strings.NewReader(big)))
	if resp, err := client.Do(req); err != nil || resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("300 KiB chunked body: %v, %v; want 413", resp, err)
	} else {
		resp.Body.Close()
	}
	if n := b.count(t, `SELECT count(*) FROM campaign_events`); n != 0 {
		t.Errorf("campaign_events holds %d rows, want none", n)
	}
	if n := b.count(t, `SELECT count(*) FROM river_job`); n != 0 {
		t.Errorf("%d jobs queued, want none", n)
	}
	if strings.Contains(b.logs.String(), testWebhookSecret) || strings.Contains(b.logs.String(), "jane@acme.example") {
		t.Error("logs carry the webhook secret or the lead's address")
	}
}

// Without a configured secret every delivery is a 404.
func TestLemlistWebhookDisabled(t *testing.T) {
	t.Parallel()
	b := setup(t)
	if r := b.do(t, request{method: "POST", path: webhookPath, body: lemlistEvent("act_1", "emailsSent", "")}); r.status != 404 {
		t.Errorf("status = %d, want 404", r.status)
	}
}

// A replayed event is stored once with one processing job, and both
// deliveries are answered 2xx; the stored payload has no secret and the
// instance is linked at once.
func TestLemlistWebhookReplay(t *testing.T) {
	t.Parallel()
	b := setupWebhook(t)
	inst := seedInstance(t, b, "cam_1", `{}`)
	body := lemlistEvent("act_replay", "emailsReplied", testWebhookSecret)
	first := b.do(t, request{method: "POST", path: webhookPath, body: body})
	second := b.do(t, request{method: "POST", path: webhookPath, body: body})
	if first.status != 202 || second.status != 200 || !strings.Contains(string(second.body), "duplicate") {
		t.Fatalf("statuses %d (%s), %d (%s); want 202 then 200 duplicate", first.status, first.body, second.status, second.body)
	}
	if n := b.count(t, `SELECT count(*) FROM campaign_events WHERE vendor_event_id = 'act_replay' AND instance_id = $1
		AND step = 1 AND lead_id = 'lea_1' AND NOT payload ? 'secret'`, inst); n != 1 {
		t.Errorf("%d matching events, want 1", n)
	}
	if n := b.count(t, `SELECT count(*) FROM river_job WHERE kind = $1`, jobs.KindOutreachProcessEvent); n != 1 {
		t.Errorf("%d processing jobs, want 1", n)
	}
}

// The same event delivered many times at once (so in one batch or a few)
// is stored once, with one job, and accepted once.
func TestLemlistWebhookConcurrentReplays(t *testing.T) {
	t.Parallel()
	b := setupWebhook(t)
	seedInstance(t, b, "cam_1", `{}`)
	body := lemlistEvent("act_burst", "emailsOpened", testWebhookSecret)
	const n = 16
	statuses := make(chan int, n)
	var wg sync.WaitGroup
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			statuses <- b.do(t, request{method: "POST", path: webhookPath, body: body}).status
		}()
	}
	wg.Wait()
	close(statuses)
	count := map[int]int{}
	for st := range statuses {
		count[st]++
	}
	if count[202] != 1 || count[200] != n-1 {
		t.Errorf("statuses %v, want one 202 and %d 200s", count, n-1)
	}
	if got := b.count(t, `SELECT count(*) FROM campaign_events WHERE vendor_event_id = 'act_burst'`); got != 1 {
		t.Errorf("%d events stored, want 1", got)
	}
	if got := b.count(t, `SELECT count(*) FROM river_job WHERE kind = $1`, jobs.KindOutreachProcessEvent); got != 1 {
		t.Errorf("%d processing jobs, want 1", got)
	}
}

// A delivery holding a NUL (which Postgres cannot store) is a 400 naming
// the field, and the deliveries arriving with it are stored as usual.
func TestLemlistWebhookNulAmongConcurrent(t *testing.T) {
	t.Parallel()
	b := setupWebhook(t)
	seedInstance(t, b, "cam_1", `{}`)
	const n = 12
	results := make([]response, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			body := lemlistEvent(fmt.Sprintf("act_mate_%d", i), "emailsOpened", testWebhookSecret)
			if i == 0 {
				body = strings.Replace(body, `"leadFirstName":"Jane"`, `"leadFirstName":"Ja\u0000ne"`, 1)
			}
			results[i] = b.do(t, request{method: "POST", path: webhookPath, body: body})
		}()
	}
	wg.Wait()
	if r := results[0]; r.status != 400 || !strings.Contains(string(r.body), "body.leadFirstName") {
		t.Errorf("NUL delivery: %d %s, want 400 at body.leadFirstName", r.status, r.body)
	}
	for i, r := range results[1:] {
		if r.status != 202 {
			t.Errorf("delivery %d: %d %s, want 202", i+1, r.status, r.body)
		}
	}
	if got := b.count(t, `SELECT count(*) FROM campaign_events WHERE vendor_event_id LIKE 'act_mate_%'`); got != n-1 {
		t.Errorf("%d events stored, want %d", got, n-1)
	}
}

// The simulator's hook delivery (lemlist's shape, secret echoed) is
// accepted end to end.
func TestLemlistWebhookFromSimulator(t *testing.T) {
	t.Parallel()
	b := setupWebhook(t)
	lem := vendorsim.NewLemlist(vendorsim.DevKey)
	sim := vendorsim.New(vendorsim.Options{}, lem)
	srv := httptestServer(t, sim)
	cam := lem.Campaigns()[0].ID
	seedInstance(t, b, cam, `{}`)
	addLead(t, srv, cam, "ana@ledger.example")
	registerHook(t, srv, b.base+webhookPath, testWebhookSecret)
	ev, err := lem.RecordActivity(cam, "ana@ledger.example", "emailsReplied")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if n, err := lem.FireHook(ctx, ev); n != 1 || err != nil {
		t.Fatalf("FireHook = %d, %v; want 1 delivery", n, err)
	}
	if _, err := lem.FireHook(ctx, ev); err != nil { // lemlist may redeliver
		t.Fatal(err)
	}
	if n := b.count(t, `SELECT count(*) FROM campaign_events WHERE vendor_event_id = $1 AND type = 'emailsReplied'`, ev.ID); n != 1 {
		t.Errorf("%d events stored, want 1", n)
	}
}

func httptestServer(t testing.TB, sim *vendorsim.Sim) string {
	t.Helper()
	srv := httptest.NewServer(sim.Handler())
	t.Cleanup(srv.Close)
	return srv.URL + "/lemlist"
}

// lemlistCall makes one authenticated call to the simulated lemlist.
func lemlistCall(t testing.TB, method, url, body string) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.SetBasicAuth("", vendorsim.DevKey)
	req.Header.Set("Content-Type", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		raw, _ := io.ReadAll(resp.Body)
		t.Fatalf("%s %s: status %d: %s", method, url, resp.StatusCode, raw)
	}
}

func addLead(t testing.TB, base, cam, email string) {
	t.Helper()
	lemlistCall(t, "POST", base+"/campaigns/"+cam+"/leads/", `{"email":"`+email+`","firstName":"Ana"}`)
}

func registerHook(t testing.TB, base, target, secret string) {
	t.Helper()
	lemlistCall(t, "POST", base+"/hooks", `{"targetUrl":"`+target+`","secret":"`+secret+`"}`)
}
