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

func TestRateLimited(t *testing.T) {
	t.Parallel()
	day := 24 * time.Hour
	tests := []struct {
		name     string
		limits   map[string][]vendorsim.Limit
		search   bool
		policy   string
		min, max time.Duration
	}{
		{"ten-secondly", map[string][]vendorsim.Limit{"default": {{Rate: 1, Per: 10 * time.Second}, {Rate: 1000, Per: day, Window: vendorsim.Fixed}}},
			false, hubspot.PolicyTenSecondly, 10 * time.Second, 10 * time.Second},
		{"daily", map[string][]vendorsim.Limit{"default": {{Rate: 100, Per: 10 * time.Second}, {Rate: 1, Per: day, Window: vendorsim.Fixed}}},
			false, hubspot.PolicyDaily, time.Nanosecond, day},
		{"search secondly", map[string][]vendorsim.Limit{"search": {{Rate: 1, Per: time.Second}}},
			true, hubspot.PolicySecondly, time.Second, time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t, &vendorsim.Knobs{Limits: tt.limits})
			call := func() error {
				if tt.search {
					_, err := b.client.Contacts.Search(context.Background(), hubspot.SearchRequest{})
					return err
				}
				_, err := b.client.Contacts.BatchUpsert(context.Background(), contacts(1, "acme.com"))
				return err
			}
			if err := call(); err != nil {
				t.Fatal(err)
			}
			err := call()
			var rl *guard.RateLimitError
			if !errors.As(err, &rl) {
				t.Fatalf("second call: %v, want a RateLimitError", err)
			}
			wantBucket := hubspot.BucketDefault
			if tt.search {
				wantBucket = hubspot.BucketSearch
			}
			if rl.Policy != tt.policy || rl.RetryAfter < tt.min || rl.RetryAfter > tt.max || rl.Bucket != wantBucket || rl.Local {
				t.Errorf("got %+v, want policy %s, bucket %s, wait in [%s, %s]", rl, tt.policy, wantBucket, tt.min, tt.max)
			}
			if n := b.sim.Counters().RateLimited["hubspot"]; n != 1 {
				t.Errorf("429s served %d, want 1", n)
			}
		})
	}
}

func TestServerErrorsAreTransient(t *testing.T) {
	t.Parallel()
	for _, k := range []vendorsim.Knobs{{ErrorRate: 1}, {ErrorRate: 1, ErrorStatus: 502}, {Outage: true}} {
		b := setup(t, &k)
		_, err := b.client.Contacts.BatchUpsert(context.Background(), contacts(2, "acme.com"))
		var te *guard.TransientError
		if !errors.As(err, &te) || te.Status < 500 || te.Vendor != hubspot.Vendor {
			t.Errorf("knobs %+v: %v, want a 5xx TransientError", k, err)
		}
	}
}

func TestTimeoutIsTransient(t *testing.T) {
	t.Parallel()
	b := setup(t, &vendorsim.Knobs{LatencyMin: time.Second}, func(c *hubspot.Config) {
		c.HTTPClient.Timeout = 100 * time.Millisecond
	})
	start := time.Now()
	_, err := b.client.Companies.Search(context.Background(), hubspot.SearchRequest{})
	var te *guard.TransientError
	if !errors.As(err, &te) || te.Status != 0 || time.Since(start) > 900*time.Millisecond {
		t.Errorf("slow answer: %v after %s, want a TransientError at the client timeout", err, time.Since(start))
	}
}

func TestCancelIsNotTheVendorsFault(t *testing.T) {
	t.Parallel()
	b := setup(t, &vendorsim.Knobs{LatencyMin: time.Second})
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(50*time.Millisecond, cancel)
	_, err := b.client.Contacts.BatchUpsert(ctx, contacts(1, "acme.com"))
	var te *guard.TransientError
	if !errors.Is(err, context.Canceled) || errors.As(err, &te) {
		t.Errorf("cancelled: %v, want context.Canceled and no TransientError", err)
	}
}

func TestWrongTokenIsPermanent(t *testing.T) {
	t.Parallel()
	b := setup(t, nil, func(c *hubspot.Config) { c.Token = "pat-wrong" })
	_, err := b.client.Contacts.BatchUpsert(context.Background(), contacts(1, "acme.com"))
	api := requireAPIError(t, err, 401, "INVALID_AUTHENTICATION")
	if !contains(api.Message, "Authentication credentials not found") {
		t.Errorf("message %q", api.Message)
	}
}
