package api_test

import (
	"context"
	"testing"

	"github.com/google/uuid"
)

type metricsJSON struct {
	Counts map[string]int64   `json:"counts"`
	Rates  map[string]float64 `json:"rates"`
	Steps  []struct {
		Step   *int             `json:"step"`
		Counts map[string]int64 `json:"counts"`
	} `json:"steps"`
	Buckets []struct {
		Counts map[string]int64 `json:"counts"`
	} `json:"buckets"`
}

// Metrics on a known event set: distinct leads per kind, per step and per
// bucket, with rates per enrolled and per sent.
func TestCampaignMetrics(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	inst := seedInstance(t, b, "cam_m", `{}`)
	// Four enrollments: three reached lemlist, one is pending.
	if _, err := b.pool.Exec(ctx, `
		WITH c AS (INSERT INTO contacts (email) SELECT 'p' || g || '@m.example' FROM generate_series(1, 4) g RETURNING id, email)
		INSERT INTO enrollments (instance_id, template_id, contact_id, status, enrolled_at)
		SELECT $1, (SELECT template_id FROM campaign_instances WHERE id = $1), c.id,
		       CASE WHEN c.email = 'p4@m.example' THEN 'pending' ELSE 'active' END, '2026-05-10T08:00:00Z'
		FROM c`, inst); err != nil {
		t.Fatal(err)
	}
	// Three leads sent step 0; two open (one twice); one replies at step 1
	// after being sent step 1; one bounces.
	events := [][3]any{
		{"emailsSent", 0, "l1"}, {"emailsSent", 0, "l2"}, {"emailsSent", 0, "l3"},
		{"emailsOpened", 0, "l1"}, {"emailsOpened", 0, "l1"}, {"emailsOpened", 0, "l2"},
		{"emailsBounced", 0, "l3"}, {"emailsSent", 1, "l1"}, {"emailsReplied", 1, "l1"}, {"linkedinVisitDone", 0, "l2"},
	}
	for i, e := range events {
		if _, err := b.pool.Exec(ctx, `INSERT INTO campaign_events (instance_id, type, step, lead_id, vendor_event_id, occurred_at)
			VALUES ($1, $2, $3, $4, $5, '2026-05-11T09:30:00Z')`, inst, e[0], e[1], e[2], uuid.NewString()); err != nil {
			t.Fatalf("event %d: %v", i, err)
		}
	}
	r := b.do(t, request{method: "GET", path: "/api/v1/campaign-instances/" + inst.String() +
		"/metrics?bucket=day&from=2026-05-10T00:00:00Z&to=2026-05-12T00:00:00Z", headers: bearer(b.reader)})
	if r.status != 200 {
		t.Fatalf("status %d: %s", r.status, r.body)
	}
	m := decode[metricsJSON](t, r)
	want := map[string]int64{"enrolled": 3, "sent": 3, "opened": 2, "clicked": 0, "replied": 1, "bounced": 1, "unsubscribed": 0}
	for k, v := range want {
		if m.Counts[k] != v {
			t.Errorf("counts[%s] = %d, want %d", k, m.Counts[k], v)
		}
	}
	if m.Rates["sent"] != 1 || m.Rates["opened"] != 2.0/3 || m.Rates["replied"] != 1.0/3 {
		t.Errorf("rates = %v, want sent 1, opened 2/3, replied 1/3", m.Rates)
	}
	if len(m.Steps) != 2 || m.Steps[0].Counts["sent"] != 3 || m.Steps[1].Counts["sent"] != 1 || m.Steps[1].Counts["replied"] != 1 {
		t.Errorf("steps = %+v", m.Steps)
	}
	if len(m.Buckets) != 2 || m.Buckets[0].Counts["enrolled"] != 3 || m.Buckets[1].Counts["sent"] != 3 || m.Buckets[1].Counts["opened"] != 2 {
		t.Errorf("buckets = %+v", m.Buckets)
	}

	for _, tc := range []struct {
		query, location string
		status          int
	}{
		{"bucket=week", "query.bucket", 422},
		{"from=2026-05-12T00:00:00Z&to=2026-05-10T00:00:00Z", "query.from", 422},
		{"from=yesterday", "query.from", 422},
		{"bucket=hour&from=2026-01-01T00:00:00Z&to=2026-05-10T00:00:00Z", "query.to", 422},
	} {
		r := b.do(t, request{method: "GET", path: "/api/v1/campaign-instances/" + inst.String() + "/metrics?" + tc.query, headers: bearer(b.reader)})
		if r.status != tc.status || len(r.problem.Errors) == 0 || r.problem.Errors[0].Location != tc.location {
			t.Errorf("%s: status %d, problem %+v; want %d at %s", tc.query, r.status, r.problem, tc.status, tc.location)
		}
	}
	if r := b.do(t, request{method: "GET", path: "/api/v1/campaign-instances/" + uuid.NewString() + "/metrics", headers: bearer(b.reader)}); r.status != 404 {
		t.Errorf("unknown instance: status %d, want 404", r.status)
	}
}
