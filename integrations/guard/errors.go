// Package guard is the resilience layer every vendor call passes through, in
// this order: a rate limiter global to the vendor account (Redis GCRA shared
// by all processes, x/time/rate in process without Redis), a circuit breaker
// per vendor (gobreaker's distributed breaker on Redis), then response
// handling that turns each vendor's rate headers and error bodies into one of
// the typed errors below. It knows nothing about our database or River.
package guard

import (
	"fmt"
	"time"
)

// RateLimitError means the call was not made, or was refused by the vendor
// with a 429, and can be retried after RetryAfter. Callers in jobs snooze for
// that long: no attempt is burnt.
type RateLimitError struct {
	Vendor     string
	Bucket     string
	RetryAfter time.Duration
	Policy     string // vendor's policy name when it gives one (HubSpot DAILY / TEN_SECONDLY_ROLLING)
	Local      bool   // true when our own limiter refused before calling the vendor
}

func (e *RateLimitError) Error() string {
	where := "vendor"
	if e.Local {
		where = "local limiter"
	}
	return fmt.Sprintf("%s rate limited by %s (bucket %q, policy %q): retry after %s", e.Vendor, where, e.Bucket, e.Policy, e.RetryAfter)
}

// BreakerOpenError means the vendor's circuit breaker is open: the call was
// not made. Retry after RetryAfter (when the breaker half-opens).
type BreakerOpenError struct {
	Vendor     string
	RetryAfter time.Duration
}

func (e *BreakerOpenError) Error() string {
	return fmt.Sprintf("%s circuit breaker open: retry after %s", e.Vendor, e.RetryAfter)
}

// APIError is a vendor's refusal that retrying will not fix (4xx other than
// 408, 409 when retryable, and 429): jobs cancel on it and record Message.
type APIError struct {
	Vendor  string
	Status  int
	Code    string // vendor's error code or category, when it has one
	Message string // vendor's message, bounded in length
}

func (e *APIError) Error() string {
	return fmt.Sprintf("%s: %d %s: %s", e.Vendor, e.Status, e.Code, e.Message)
}

// TransientError is a failure worth retrying with backoff: 5xx, 408,
// timeouts, connection errors, malformed or truncated answers. It counts
// towards the breaker.
type TransientError struct {
	Vendor string
	Status int // 0 when no response arrived
	Err    error
}

func (e *TransientError) Error() string {
	return fmt.Sprintf("%s: transient failure (status %d): %v", e.Vendor, e.Status, e.Err)
}

func (e *TransientError) Unwrap() error { return e.Err }
