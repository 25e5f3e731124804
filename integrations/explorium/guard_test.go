package explorium

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/rtgs/sales-automation/integrations/guard"
	"github.com/rtgs/sales-automation/integrations/vendorsim"
)

// usageSink keeps what a Guard flushes.
type usageSink struct {
	mu   sync.Mutex
	rows []guard.Usage
}

func (s *usageSink) AddUsage(_ context.Context, rows []guard.Usage) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rows = append(s.rows, rows...)
	return nil
}

func (s *usageSink) total() (u guard.Usage) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, r := range s.rows {
		u.Calls += r.Calls
		u.Errors += r.Errors
		u.RateLimited += r.RateLimited
		u.Credits += r.Credits
	}
	return u
}

// guarded points a client with an in-process Guard at b's simulator.
func guarded(t *testing.T, b *testBundle, breaker guard.BreakerSettings) (*Client, *guard.Guard, *usageSink) {
	t.Helper()
	sink := &usageSink{}
	g, err := guard.New(guard.Config{
		Vendor:  Vendor,
		Limits:  map[string]guard.Limit{Bucket: {Rate: 200, Per: time.Minute}},
		Breaker: breaker,
		Usage:   sink,
	})
	if err != nil {
		t.Fatalf("guard.New: %v", err)
	}
	return newTestClient(t, b.srv.URL+"/explorium", func(c *Config) { c.Guard = g }), g, sink
}

func TestGuardedCallsRecordCredits(t *testing.T) {
	t.Parallel()
	b := setup(t)
	c, g, sink := guarded(t, b, guard.BreakerSettings{})
	ctx := context.Background()
	m, err := c.MatchProspects(ctx, &MatchProspectsRequest{ProspectsToMatch: []ProspectInput{{Email: "jane.doe@acme-labs.com"}}})
	if err != nil {
		t.Fatalf("MatchProspects: %v", err)
	}
	if _, err := c.BulkContacts(ctx, &BulkContactsRequest{ProspectIDs: []string{m.MatchedProspects[0].ProspectID},
		Parameters: &ContactsParameters{ContactTypes: []string{ContactEmail}}}); err != nil {
		t.Fatalf("BulkContacts: %v", err)
	}
	if err := g.Flush(ctx); err != nil {
		t.Fatalf("Flush: %v", err)
	}
	if u := sink.total(); u.Calls != 2 || u.Credits != 2 {
		t.Errorf("usage %+v, want 2 calls and 2 credits (one email-only contact)", u)
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
	err := matchOne(c, ctx)
	var bo *guard.BreakerOpenError
	if !errors.As(err, &bo) || bo.RetryAfter <= 0 {
		t.Fatalf("err = %v, want *guard.BreakerOpenError with a wait", err)
	}
	if n := b.calls("POST /v1/businesses/match"); n != 2 {
		t.Errorf("simulator saw %d calls, want 2 (none once open)", n)
	}
}

func TestGuardedRateLimitHoldsTheBucket(t *testing.T) {
	t.Parallel()
	b := setup(t, vendorsim.Knobs{Limits: map[string][]vendorsim.Limit{"default": {{Rate: 1, Per: time.Minute}}}})
	c, _, _ := guarded(t, b, guard.BreakerSettings{})
	ctx := context.Background()
	if err := matchOne(c, ctx); err != nil {
		t.Fatalf("first call: %v", err)
	}
	if re := asRateLimit(t, matchOne(c, ctx)); re.Local {
		t.Errorf("first 429 reported as local: %+v", re)
	}
	// The vendor's wait now holds the bucket: the next call is refused
	// locally without reaching Explorium.
	if re := asRateLimit(t, matchOne(c, ctx)); !re.Local || re.RetryAfter < 30*time.Second {
		t.Errorf("third call: %+v, want a local refusal for the rest of the minute", re)
	}
	if n := b.calls("POST /v1/businesses/match"); n != 2 {
		t.Errorf("simulator saw %d calls, want 2", n)
	}
}
