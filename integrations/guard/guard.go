package guard

import (
	"context"
	"net/http"
	"time"
)

// Limit is one rate limit of a vendor bucket: at most Rate calls per Per.
// Daily, when positive, also caps calls per UTC day.
type Limit struct {
	Rate  int
	Per   time.Duration
	Daily int
}

// Classify inspects a vendor response and returns nil for success or one of
// this package's typed errors. It may read the body (bounded by the caller);
// it must not close it on success.
type Classify func(resp *http.Response) error

// Guard guards the calls of one vendor account.
type Guard struct {
	// implemented by the guard package owner
}

// Do makes one call through limiter, breaker and classification. bucket names
// the vendor's rate bucket ("default", "search", "enrichment", ...). On
// success the response is returned open for the caller to decode and close;
// on error it is closed.
func (g *Guard) Do(ctx context.Context, bucket string, client *http.Client, req *http.Request, classify Classify) (*http.Response, error) {
	panic("not implemented")
}

// Transport wraps base so that an SDK's own HTTP calls (Anthropic, Gemini)
// pass the same guards; the SDK still sees the vendor's response and builds
// its own error from it.
func (g *Guard) Transport(bucket string, base http.RoundTripper, classify Classify) http.RoundTripper {
	panic("not implemented")
}

// RecordCredits adds n vendor credits spent to the accounting of today.
func (g *Guard) RecordCredits(bucket string, n int64) {}
