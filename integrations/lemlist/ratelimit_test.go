package lemlist

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/rtgs/sales-automation/integrations/guard"
	"github.com/rtgs/sales-automation/integrations/vendorsim"
)

// TestResetDateForms checks guard.ParseResetTime on the forms lemlist's
// X-RateLimit-Reset takes.
func TestResetDateForms(t *testing.T) {
	t.Parallel()
	want := time.Date(2021, 2, 16, 8, 2, 42, 0, time.UTC)
	tests := []struct {
		name string
		in   string
	}{
		{"docs example", "Tue Feb 16 2021 09:02:42 GMT+0100 (Central European Standard Time)"},
		{"UTC server", "Tue Feb 16 2021 08:02:42 GMT+0000 (Coordinated Universal Time)"},
		{"no zone name", "Tue Feb 16 2021 09:02:42 GMT+0100"},
		{"negative offset", "Tue Feb 16 2021 03:02:42 GMT-0500 (Eastern Standard Time)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, ok := guard.ParseResetTime(tt.in, time.Now())
			if !ok || !got.Equal(want) {
				t.Fatalf("ParseResetTime(%q) = %s, %v; want %s", tt.in, got, ok, want)
			}
		})
	}
}

func TestRetryAfter(t *testing.T) {
	t.Parallel()
	now := time.Date(2021, 2, 16, 8, 2, 40, 0, time.UTC)
	reset := "Tue Feb 16 2021 09:02:45 GMT+0100 (Central European Standard Time)" // now + 5 s
	tests := []struct {
		name    string
		headers map[string]string
		want    time.Duration
	}{
		{"Retry-After wins over the reset date", map[string]string{"Retry-After": "2", "X-RateLimit-Reset": reset}, 2 * time.Second},
		{"reset date without Retry-After", map[string]string{"X-RateLimit-Reset": reset}, 5 * time.Second},
		{"unusable Retry-After falls back to the reset date", map[string]string{"Retry-After": "later", "X-RateLimit-Reset": reset}, 5 * time.Second},
		{"HTTP-date Retry-After", map[string]string{"Retry-After": "Tue, 16 Feb 2021 08:02:43 GMT"}, 3 * time.Second},
		{"zero is floored", map[string]string{"Retry-After": "0"}, time.Second},
		{"reset in the past is floored", map[string]string{"X-RateLimit-Reset": "Tue Feb 16 2021 09:00:00 GMT+0100"}, time.Second},
		{"nothing usable: the window", map[string]string{}, Window},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := http.Header{}
			for k, v := range tt.headers {
				h.Set(k, v)
			}
			if got := retryAfter(h, now); got != tt.want {
				t.Fatalf("retryAfter = %s, want %s", got, tt.want)
			}
		})
	}
}

// TestSimulatorResetDateParses checks the fake's X-RateLimit-Reset against
// the client's parser, the pair that must agree.
func TestSimulatorResetDateParses(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 7, 1, 12, 30, 5, 0, time.UTC)
	got, ok := guard.ParseResetTime(vendorsim.LemlistDate(at), time.Now())
	if !ok || !got.Equal(at) {
		t.Fatalf("parse(%q) = %s, %v", vendorsim.LemlistDate(at), got, ok)
	}
}

func TestRateLimitWithOnlyTheResetDate(t *testing.T) {
	t.Parallel()
	c := misbehaving(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-RateLimit-Reset", vendorsim.LemlistDate(time.Now().Add(4*time.Second)))
		http.Error(w, "Too many requests, please try again later.", http.StatusTooManyRequests)
	})
	_, err := c.ListHooks(context.Background())
	re := asRateLimit(t, err)
	// The date has whole seconds: the wait is 3 to 4 s.
	if re.RetryAfter < 3*time.Second || re.RetryAfter > 4*time.Second {
		t.Fatalf("RetryAfter = %s, want about 4s", re.RetryAfter)
	}
}
