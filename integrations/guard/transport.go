package guard

import (
	"bytes"
	"io"
	"net/http"
	"time"
)

// maxTransportErrorBody bounds the error body Transport buffers so that both
// Classify and the SDK can read it.
const maxTransportErrorBody = 256 << 10

// Transport wraps base so that an SDK's own HTTP calls (Anthropic, Gemini)
// pass the same guards; the SDK still sees the vendor's response and builds
// its own error from it. Refusals before the call (*RateLimitError,
// *BreakerOpenError) are returned from RoundTrip, so the SDK's error wraps
// them and errors.As finds them. Classify sees an error response's body
// buffered (at most 256 KiB) and the SDK gets the same bytes again; on 2xx
// it sees the live body and must leave it unread for the SDK. A nil *Guard
// returns base unchanged; a nil base means http.DefaultTransport.
func (g *Guard) Transport(bucket string, base http.RoundTripper, classify Classify) http.RoundTripper {
	if base == nil {
		base = http.DefaultTransport
	}
	if g == nil {
		return base
	}
	if classify == nil {
		classify = defaultClassify(g.cfg.Vendor)
	}
	return &transport{g: g, b: g.bucket(bucket), base: base, classify: classify}
}

type transport struct {
	g        *Guard
	b        *bucket
	base     http.RoundTripper
	classify Classify
}

// RoundTrip implements http.RoundTripper.
func (t *transport) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	p, err := t.g.admit(ctx, t.b)
	if err != nil {
		// RoundTrip must close the request body, even when it sends nothing.
		if req.Body != nil {
			_ = req.Body.Close()
		}
		return nil, err
	}
	start := time.Now()
	resp, err := t.base.RoundTrip(req)
	if err != nil {
		out := t.g.transportError(ctx, err)
		t.g.finish(ctx, t.b, p, 0, out, time.Since(start))
		return nil, out
	}
	var out error
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		out = t.classify(resp)
	} else {
		body, _ := io.ReadAll(io.LimitReader(resp.Body, maxTransportErrorBody))
		_ = resp.Body.Close()
		resp.Body = io.NopCloser(bytes.NewReader(body))
		out = t.classify(resp)
		resp.Body = io.NopCloser(bytes.NewReader(body))
		resp.ContentLength = int64(len(body))
		resp.Header.Del("Content-Length")
	}
	t.g.finish(ctx, t.b, p, resp.StatusCode, t.g.fill(out, t.b), time.Since(start))
	return resp, nil
}
