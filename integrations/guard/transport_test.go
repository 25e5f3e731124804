package guard

import (
	"errors"
	"io"
	"net/http"
	"sync/atomic"
	"testing"
	"time"
)

// An SDK's plain http.Client with the guard's Transport: vendor errors come
// back as responses for the SDK to decode, and still count; refusals before
// the call come back as errors the caller can unwrap.
func TestTransport(t *testing.T) {
	t.Parallel()
	const rateBody = `{"type":"error","error":{"type":"rate_limit_error","message":"slow down"}}`
	var status atomic.Int32
	status.Store(429)
	v := newVendor(t, func(w http.ResponseWriter, r *http.Request) {
		switch status.Load() {
		case 429:
			w.Header().Set("Retry-After", "5")
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(429)
			io.WriteString(w, rateBody)
		case 529:
			w.WriteHeader(529)
			io.WriteString(w, `{"type":"error","error":{"type":"overloaded_error"}}`)
		default:
			io.WriteString(w, `{"content":[]}`)
		}
	})
	g := newGuard(t, Config{Breaker: BreakerSettings{FailureThreshold: 2, OpenFor: time.Minute}})
	var classified []string
	classify := func(resp *http.Response) error {
		body, _ := io.ReadAll(resp.Body) // Classify may read an error body
		classified = append(classified, string(body))
		return ClassifyStatus("", resp, string(body), 0)
	}
	client := &http.Client{Transport: g.Transport("default", v.srv.Client().Transport, classify)}

	resp, err := client.Get(v.srv.URL)
	if err != nil {
		t.Fatalf("429: Get = %v, want the response for the SDK", err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 429 || string(body) != rateBody || resp.Header.Get("Retry-After") != "5" {
		t.Errorf("429 reached the SDK as %d %q", resp.StatusCode, body)
	}
	if len(classified) != 1 || classified[0] != rateBody {
		t.Errorf("Classify saw %q", classified)
	}

	// The 429 blocks the bucket: the next call is refused before it is made.
	_, err = client.Get(v.srv.URL)
	var rl *RateLimitError
	if !errors.As(err, &rl) || !rl.Local || rl.RetryAfter < 4*time.Second {
		t.Fatalf("after 429: Get = %v, want a local RateLimitError of about 5s", err)
	}
	if v.calls() != 1 {
		t.Errorf("vendor called %d times, want 1", v.calls())
	}

	// Overloaded answers count towards the breaker; it opens.
	g.bucket("default").blockedUntil.Store(0)
	status.Store(529)
	for range 2 {
		resp, err := client.Get(v.srv.URL)
		if err != nil || resp.StatusCode != 529 {
			t.Fatalf("529: %v, want the response", err)
		}
		resp.Body.Close()
	}
	_, err = client.Get(v.srv.URL)
	var bo *BreakerOpenError
	if !errors.As(err, &bo) {
		t.Fatalf("after two 529s: Get = %v, want BreakerOpenError", err)
	}
}

func TestTransportSuccessBodyUntouched(t *testing.T) {
	t.Parallel()
	v := newVendor(t, func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "data: {}\n\n") })
	g := newGuard(t, Config{})
	client := &http.Client{Transport: g.Transport("default", nil, nil)}
	resp, err := client.Get(v.srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if b, _ := io.ReadAll(resp.Body); string(b) != "data: {}\n\n" {
		t.Errorf("body %q", b)
	}
	var nilGuard *Guard
	if rt := nilGuard.Transport("default", http.DefaultTransport, nil); rt != http.DefaultTransport {
		t.Error("nil Guard should return the base transport")
	}
}
