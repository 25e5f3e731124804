package apollo

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/rtgs/sales-automation/integrations/guard"
	"github.com/rtgs/sales-automation/integrations/vendorsim"
)

// usageSink keeps what a Guard flushes, per bucket.
type usageSink struct {
	mu   sync.Mutex
	rows map[string]guard.Usage
}

func (s *usageSink) AddUsage(_ context.Context, rows []guard.Usage) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.rows == nil {
		s.rows = map[string]guard.Usage{}
	}
	for _, r := range rows {
		u := s.rows[r.Bucket]
		u.Calls += r.Calls
		u.RateLimited += r.RateLimited
		u.Credits += r.Credits
		s.rows[r.Bucket] = u
	}
	return nil
}

// guarded points a client with an in-process Guard at b's simulator, with
// Apollo's two buckets.
func guarded(t *testing.T, b *testBundle, breaker guard.BreakerSettings) (*Client, *guard.Guard, *usageSink) {
	t.Helper()
	sink := &usageSink{}
	g, err := guard.New(guard.Config{
		Vendor: Vendor,
		Limits: map[string]guard.Limit{
			BucketDefault:    {Rate: 200, Per: time.Minute},
			BucketEnrichment: {Rate: 1000, Per: time.Minute},
		},
		Breaker: breaker,
		Usage:   sink,
	})
	if err != nil {
		t.Fatalf("guard.New: %v", err)
	}
	return newTestClient(t, b.srv.URL+"/apollo/api/v1", func(c *Config) { c.Guard = g }), g, sink
}

func TestGuardedCallsRecordCreditsPerBucket(t *testing.T) {
	t.Parallel()
	b := setup(t)
	c, g, sink := guarded(t, b, guard.BreakerSettings{})
	ctx := context.Background()
	if _, err := c.BulkMatchPeople(ctx, &BulkMatchRequest{Details: []PersonDetails{{Email: "tim.zheng@acme-labs.com"}, {Email: "nomatch@x.com"}}}); err != nil {
		t.Fatalf("BulkMatchPeople: %v", err)
	}
	if _, err := c.EnrichOrganization(ctx, "acme-labs.com"); err != nil {
		t.Fatalf("EnrichOrganization: %v", err)
	}
	if _, err := c.SearchPeople(ctx, &PeopleSearchRequest{PerPage: 5}); err != nil {
		t.Fatalf("SearchPeople: %v", err)
	}
	if err := g.Flush(ctx); err != nil {
		t.Fatalf("Flush: %v", err)
	}
	if u := sink.rows[BucketEnrichment]; u.Calls != 2 || u.Credits != 2 {
		t.Errorf("enrichment usage %+v, want 2 calls and 2 credits", u)
	}
	if u := sink.rows[BucketDefault]; u.Calls != 1 || u.Credits != 0 {
		t.Errorf("default usage %+v, want 1 free call", u)
	}
}

func TestGuardedEnrichmentLimitLeavesSearchAlone(t *testing.T) {
	t.Parallel()
	b := setup(t, vendorsim.Knobs{Limits: map[string][]vendorsim.Limit{"enrichment": {{Rate: 1, Per: time.Minute, Window: vendorsim.Fixed}}}})
	c, _, _ := guarded(t, b, guard.BreakerSettings{})
	// Read waits as if at the start of a minute, so a run near a minute's
	// end does not see the window reopen under the guard's short in-process
	// wait.
	c.now = func() time.Time { return time.Now().Truncate(time.Minute) }
	ctx := context.Background()
	if err := matchOne(c, ctx); err != nil {
		t.Fatalf("first call: %v", err)
	}
	if re := asRateLimit(t, matchOne(c, ctx)); re.Local || re.Policy != PolicyMinute {
		t.Errorf("429 = %+v, want the vendor's minute window", re)
	}
	if re := asRateLimit(t, matchOne(c, ctx)); !re.Local {
		t.Errorf("third call = %+v, want a local refusal until the minute ends", re)
	}
	if _, err := c.SearchPeople(ctx, &PeopleSearchRequest{PerPage: 1}); err != nil {
		t.Errorf("search blocked by the enrichment bucket: %v", err)
	}
}

func TestGuardedBreakerOpensOnOutage(t *testing.T) {
	t.Parallel()
	b := setup(t, vendorsim.Knobs{Outage: true})
	c, _, _ := guarded(t, b, guard.BreakerSettings{FailureThreshold: 2, OpenFor: time.Minute})
	ctx := context.Background()
	for range 2 {
		asTransient(t, matchOne(c, ctx))
	}
	var bo *guard.BreakerOpenError
	if err := matchOne(c, ctx); !errors.As(err, &bo) {
		t.Fatalf("err = %v, want *guard.BreakerOpenError", err)
	}
	if n := b.calls("POST /api/v1/people/match"); n != 2 {
		t.Errorf("simulator saw %d calls, want 2", n)
	}
}
