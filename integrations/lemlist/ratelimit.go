package lemlist

import (
	"net/http"
	"time"

	"github.com/rtgs/sales-automation/integrations/guard"
)

// Window is lemlist's rate window: 20 requests per 2 seconds per key. It is
// also the wait used when a 429 carries no usable header.
const Window = 2 * time.Second

// minRetryAfter floors the wait so that a zero or a reset date already past
// (clock skew) never turns into a busy loop against the vendor.
const minRetryAfter = time.Second

// retryAfter reads the wait of a 429. Retry-After (seconds, or an HTTP date)
// wins because it is relative and immune to clock skew; X-RateLimit-Reset,
// which lemlist writes as a JavaScript Date string, comes next; the window
// length last.
func retryAfter(h http.Header, now time.Time) time.Duration {
	if d, ok := guard.ParseRetryAfter(h, now); ok {
		return max(d, minRetryAfter)
	}
	if t, ok := guard.ParseResetTime(h.Get("X-RateLimit-Reset"), now); ok {
		return max(t.Sub(now), minRetryAfter)
	}
	return Window
}
