package gemini

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/rtgs/sales-automation/integrations/guard"
	"github.com/rtgs/sales-automation/integrations/vendorsim"
)

// usageRows collects what a Guard flushes.
type usageRows struct {
	mu   sync.Mutex
	rows []guard.Usage
}

func (u *usageRows) AddUsage(_ context.Context, rows []guard.Usage) error {
	u.mu.Lock()
	defer u.mu.Unlock()
	u.rows = append(u.rows, rows...)
	return nil
}

func newGuard(t *testing.T, lim guard.Limit, usage guard.UsageRecorder) *guard.Guard {
	t.Helper()
	g, err := guard.New(guard.Config{
		Vendor:  Vendor,
		Limits:  map[string]guard.Limit{Bucket: lim},
		Breaker: guard.BreakerSettings{FailureThreshold: 2, OpenFor: time.Minute},
		MaxWait: 10 * time.Millisecond,
		Usage:   usage,
	})
	if err != nil {
		t.Fatal(err)
	}
	return g
}

// TestGuarded runs the client with a real guard in front of the fake: the
// SDK's calls pass the limiter and the breaker through Guard.Transport.
func TestGuarded(t *testing.T) {
	t.Parallel()
	roomy := guard.Limit{Rate: 1000, Per: time.Second} // GCRA spaces calls 1 ms apart

	t.Run("tokens recorded as credits", func(t *testing.T) {
		t.Parallel()
		usage := &usageRows{}
		g := newGuard(t, roomy, usage)
		b := setup(t, Config{Guard: g})
		got, err := b.client.Complete(t.Context(), Request{Prompt: "hello"})
		if err != nil {
			t.Fatal(err)
		}
		if err := g.Flush(t.Context()); err != nil {
			t.Fatal(err)
		}
		var calls, credits int64
		for _, r := range usage.rows {
			calls += r.Calls
			credits += r.Credits
		}
		if calls != 1 || credits != int64(got.InputTokens+got.OutputTokens) {
			t.Errorf("usage %+v, want 1 call and %d credits", usage.rows, got.InputTokens+got.OutputTokens)
		}
	})

	t.Run("local limiter refuses before the call", func(t *testing.T) {
		t.Parallel()
		b := setup(t, Config{Guard: newGuard(t, guard.Limit{Rate: 1, Per: time.Minute}, nil)})
		if _, err := b.client.Complete(t.Context(), Request{Prompt: "one"}); err != nil {
			t.Fatal(err)
		}
		_, err := b.client.Complete(t.Context(), Request{Prompt: "two"})
		var rl *guard.RateLimitError
		if !errors.As(err, &rl) || !rl.Local || rl.RetryAfter <= 0 {
			t.Fatalf("err = %#v, want a local RateLimitError", err)
		}
		if n := b.calls(); n != 1 {
			t.Errorf("fake saw %d calls, want 1", n)
		}
	})

	t.Run("vendor 429 holds the next call back", func(t *testing.T) {
		t.Parallel()
		b := setup(t, Config{Guard: newGuard(t, roomy, nil)})
		b.knobs(t, vendorsim.Knobs{Limits: map[string][]vendorsim.Limit{"default": {{Rate: 1, Per: time.Minute}}}})
		if _, err := b.client.Complete(t.Context(), Request{Prompt: "one"}); err != nil {
			t.Fatal(err)
		}
		var rl *guard.RateLimitError
		if _, err := b.client.Complete(t.Context(), Request{Prompt: "two"}); !errors.As(err, &rl) || rl.Local {
			t.Fatalf("err = %#v, want the vendor's RateLimitError", err)
		}
		if _, err := b.client.Complete(t.Context(), Request{Prompt: "three"}); !errors.As(err, &rl) || !rl.Local {
			t.Fatalf("err = %#v, want a local RateLimitError after the vendor's 429", err)
		}
		if n := b.calls(); n != 2 {
			t.Errorf("fake saw %d calls, want 2", n)
		}
	})

	t.Run("outage opens the breaker", func(t *testing.T) {
		t.Parallel()
		b := setup(t, Config{Guard: newGuard(t, roomy, nil)})
		b.knobs(t, vendorsim.Knobs{Outage: true})
		for range 2 {
			var te *guard.TransientError
			if _, err := b.client.Complete(t.Context(), Request{Prompt: "hi"}); !errors.As(err, &te) || te.Status != 503 {
				t.Fatalf("err = %#v, want a 503 TransientError", err)
			}
		}
		_, err := b.client.Complete(t.Context(), Request{Prompt: "hi"})
		var bo *guard.BreakerOpenError
		if !errors.As(err, &bo) || bo.RetryAfter <= 0 {
			t.Fatalf("err = %#v, want BreakerOpenError", err)
		}
		if n := b.calls(); n != 2 {
			t.Errorf("fake saw %d calls, want 2", n)
		}
	})

	t.Run("malformed answer counts towards the breaker", func(t *testing.T) {
		t.Parallel()
		g := newGuard(t, roomy, nil)
		b := setup(t, Config{Guard: g, MaxResponseBytes: 64})
		for range 2 {
			var te *guard.TransientError
			if _, err := b.client.Complete(t.Context(), Request{Prompt: "hi"}); !errors.As(err, &te) {
				t.Fatalf("err = %#v, want TransientError for an oversized answer", err)
			}
		}
		var bo *guard.BreakerOpenError
		if _, err := b.client.Complete(t.Context(), Request{Prompt: "hi"}); !errors.As(err, &bo) {
			t.Fatalf("err = %#v, want BreakerOpenError", err)
		}
	})
}
