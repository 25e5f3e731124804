package lemlist

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/rtgs/sales-automation/integrations/guard"
	"github.com/rtgs/sales-automation/integrations/vendorsim"
)

// guarded points a client with an in-process Guard at b's simulator.
func guarded(t *testing.T, b *testBundle, mod func(*guard.Config)) *Client {
	t.Helper()
	cfg := DefaultGuardConfig()
	if mod != nil {
		mod(&cfg)
	}
	g, err := guard.New(cfg)
	if err != nil {
		t.Fatalf("guard.New: %v", err)
	}
	return newTestClient(t, b.srv.URL+"/lemlist", func(c *Config) { c.Guard = g })
}

// TestGuardKeepsUnderTheVendorLimit runs three callers as fast as the
// guard lets them against the simulator's 20 per 2 seconds: the simulator
// must serve no 429. Local refusals are waited out, as a snoozed job would.
func TestGuardKeepsUnderTheVendorLimit(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("takes about 5 s")
	}
	b := setup(t)
	c := guarded(t, b, nil)
	const workers, each = 3, 15 // 45 calls: more than two windows' worth
	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for range workers {
		wg.Go(func() {
			for done := 0; done < each; {
				_, err := c.ListHooks(ctx)
				var re *guard.RateLimitError
				switch {
				case err == nil:
					done++
				case errors.As(err, &re) && re.Local:
					time.Sleep(re.RetryAfter)
				default:
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if n := b.sim.Counters().RateLimited["lemlist"]; n != 0 {
		t.Fatalf("simulator served %d 429s, want 0", n)
	}
	if n := b.calls("GET /hooks"); n != workers*each {
		t.Fatalf("simulator saw %d calls, want %d", n, workers*each)
	}
}

func TestGuardedBreakerOpensOnOutage(t *testing.T) {
	t.Parallel()
	b := setup(t, vendorsim.Knobs{Outage: true})
	c := guarded(t, b, func(cfg *guard.Config) {
		cfg.Breaker = guard.BreakerSettings{FailureThreshold: 2, OpenFor: time.Minute}
	})
	ctx := context.Background()
	for range 2 {
		_, err := c.ListHooks(ctx)
		asTransient(t, err)
	}
	_, err := c.ListHooks(ctx)
	var bo *guard.BreakerOpenError
	if !errors.As(err, &bo) || bo.RetryAfter <= 0 {
		t.Fatalf("err = %v, want *guard.BreakerOpenError with a wait", err)
	}
	if n := b.calls("GET /hooks"); n != 2 {
		t.Fatalf("simulator saw %d calls, want 2 (none once open)", n)
	}
}

func TestGuardedVendor429HoldsTheBucket(t *testing.T) {
	t.Parallel()
	b := setup(t, vendorsim.Knobs{Limits: map[string][]vendorsim.Limit{"default": {{Rate: 1, Per: time.Minute}}}})
	// The guard believes the documented limit; the account's is lower.
	c := guarded(t, b, nil)
	ctx := context.Background()
	if _, err := c.ListHooks(ctx); err != nil {
		t.Fatalf("first call: %v", err)
	}
	_, err := c.ListHooks(ctx)
	if re := asRateLimit(t, err); re.Local || re.RetryAfter < 50*time.Second {
		t.Fatalf("vendor 429 = %+v, want lemlist's wait of about a minute", re)
	}
	_, err = c.ListHooks(ctx)
	if re := asRateLimit(t, err); !re.Local {
		t.Fatalf("third call = %+v, want a local refusal", re)
	}
	if n := b.calls("GET /hooks"); n != 2 {
		t.Fatalf("simulator saw %d calls, want 2", n)
	}
}
