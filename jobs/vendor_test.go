package jobs_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/riverqueue/river"

	"github.com/rtgs/sales-automation/integrations/guard"
	"github.com/rtgs/sales-automation/jobs"
)

func TestVendorOutcome(t *testing.T) {
	t.Parallel()
	transient := &guard.TransientError{Vendor: "hubspot", Status: 503, Err: errors.New("unavailable")}
	apiErr := &guard.APIError{Vendor: "lemlist", Status: 404, Message: "Campaign not found"}
	tests := []struct {
		name       string
		err        error
		wantSnooze time.Duration // > 0: a snooze of this long
		wantCancel bool
		wantSame   bool // returned unchanged
	}{
		{"nil", nil, 0, false, true},
		{"vendor 429", &guard.RateLimitError{Vendor: "hubspot", RetryAfter: 10 * time.Second}, 10 * time.Second, false, false},
		{"local limiter", &guard.RateLimitError{Vendor: "lemlist", RetryAfter: 1500 * time.Millisecond, Local: true}, 1500 * time.Millisecond, false, false},
		{"wait under a second", &guard.RateLimitError{RetryAfter: 3 * time.Millisecond}, time.Second, false, false},
		{"wrapped rate limit", fmt.Errorf("upsert contacts: %w", &guard.RateLimitError{RetryAfter: 2 * time.Second}), 2 * time.Second, false, false},
		{"breaker open", &guard.BreakerOpenError{Vendor: "apollo", RetryAfter: 25 * time.Second}, 25 * time.Second, false, false},
		{"breaker without wait", fmt.Errorf("enrich: %w", &guard.BreakerOpenError{}), time.Second, false, false},
		{"permanent", apiErr, 0, true, false},
		{"wrapped permanent", fmt.Errorf("add lead: %w", apiErr), 0, true, false},
		{"transient", transient, 0, false, true},
		{"context", context.DeadlineExceeded, 0, false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := jobs.VendorOutcome(tt.err)
			var snooze *river.JobSnoozeError
			var cancel *river.JobCancelError
			switch {
			case tt.wantSnooze > 0:
				if !errors.As(got, &snooze) || snooze.Duration != tt.wantSnooze {
					t.Errorf("VendorOutcome(%v) = %#v, want JobSnooze(%s)", tt.err, got, tt.wantSnooze)
				}
			case tt.wantCancel:
				if !errors.As(got, &cancel) || !errors.Is(got, apiErr) {
					t.Errorf("VendorOutcome(%v) = %#v, want JobCancel wrapping the APIError", tt.err, got)
				}
			case tt.wantSame:
				if got != tt.err {
					t.Errorf("VendorOutcome(%v) = %#v, want it unchanged", tt.err, got)
				}
			}
		})
	}
}
