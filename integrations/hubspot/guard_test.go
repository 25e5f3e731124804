package hubspot_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/rtgs/sales-automation/integrations/guard"
	"github.com/rtgs/sales-automation/integrations/hubspot"
	"github.com/rtgs/sales-automation/integrations/vendorsim"
)

// TestThroughGuard paces calls with the real guard (in process, no Redis)
// against the fake's own limit: the fake serves no 429. The guard runs a
// little under the fake's limit so a loaded test machine bunching requests
// does not make it flaky; limit fidelity is the guard's own benchmark.
func TestThroughGuard(t *testing.T) {
	t.Parallel()
	cfg := hubspot.DefaultGuardConfig()
	cfg.Limits = map[string]guard.Limit{
		hubspot.BucketDefault: {Rate: 8, Per: time.Second},
		hubspot.BucketSearch:  {Rate: 5, Per: time.Second},
	}
	g, err := guard.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	b := setup(t, &vendorsim.Knobs{Limits: map[string][]vendorsim.Limit{
		"default": {{Rate: 10, Per: time.Second}},
		"search":  {{Rate: 5, Per: time.Second}},
	}}, func(c *hubspot.Config) { c.Guard = g })
	ctx := context.Background()
	for i := 0; i < 20; {
		_, err := b.client.Contacts.BatchUpsert(ctx, contacts(2, "acme.com"))
		var rl *guard.RateLimitError
		switch {
		case errors.As(err, &rl) && rl.Local:
			time.Sleep(rl.RetryAfter) // what a snoozed job does
		case err != nil:
			t.Fatalf("call %d: %v", i, err)
		default:
			i++
		}
	}
	if n := b.sim.Counters().RateLimited["hubspot"]; n != 0 {
		t.Errorf("the fake served %d 429s through the guard, want 0", n)
	}
}
