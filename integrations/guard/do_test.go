package guard

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"
	"testing"
	"time"
)

// jsonClassify is what a vendor package's Classify looks like: the generic
// status mapping, and on 2xx a bounded read checking the answer is JSON.
func jsonClassify(max int64) Classify {
	return func(resp *http.Response) error {
		if resp.StatusCode < 200 || resp.StatusCode > 299 {
			body, _ := ReadBody(resp, 4<<10)
			return ClassifyStatus("", resp, string(body), 0)
		}
		if ct, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type")); ct != "application/json" {
			return &TransientError{Status: resp.StatusCode, Err: fmt.Errorf("content type %q, want JSON", ct)}
		}
		body, err := ReadBody(resp, max)
		if err != nil {
			return err
		}
		if !json.Valid(body) {
			return &TransientError{Status: resp.StatusCode, Err: errors.New("malformed JSON")}
		}
		resp.Body = io.NopCloser(strings.NewReader(string(body)))
		return nil
	}
}

func TestDoClassifies(t *testing.T) {
	t.Parallel()
	jsonOK := func(body string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			io.WriteString(w, body)
		}
	}
	tests := []struct {
		name    string
		handler http.HandlerFunc
		timeout time.Duration
		check   func(t *testing.T, resp *http.Response, err error)
	}{
		{"200 returns the body open", jsonOK(`{"id":"512"}`), 0, func(t *testing.T, resp *http.Response, err error) {
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			if b, _ := io.ReadAll(resp.Body); string(b) != `{"id":"512"}` {
				t.Errorf("body %q", b)
			}
		}},
		{"404 is permanent with the vendor's message", func(w http.ResponseWriter, r *http.Request) {
			http.Error(w, "Campaign not found", http.StatusNotFound)
		}, 0, wantAPIError(404, "Campaign not found")},
		{"503 is transient", func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusServiceUnavailable)
		}, 0, wantTransient(503, nil)},
		{"408 is transient", func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusRequestTimeout)
		}, 0, wantTransient(408, nil)},
		{"429 carries Retry-After", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Retry-After", "7")
			w.WriteHeader(http.StatusTooManyRequests)
		}, 0, func(t *testing.T, resp *http.Response, err error) {
			var rl *RateLimitError
			if !errors.As(err, &rl) || rl.RetryAfter != 7*time.Second || rl.Local || rl.Vendor != "acme" || rl.Bucket != "default" {
				t.Errorf("Do = %#v, want the vendor's RateLimitError of 7s", err)
			}
		}},
		{"slower than the timeout is transient", func(w http.ResponseWriter, r *http.Request) {
			select {
			case <-r.Context().Done():
			case <-time.After(time.Second):
			}
		}, 50 * time.Millisecond, wantTransient(0, nil)},
		{"malformed JSON is transient", jsonOK(`{"id":`), 0, wantTransient(200, nil)},
		{"wrong content type is transient", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			io.WriteString(w, "<html>maintenance</html>")
		}, 0, wantTransient(200, nil)},
		{"oversized body is transient, read bounded", jsonOK(`["` + strings.Repeat("x", 2<<20) + `"]`), 0, wantTransient(200, ErrBodyTooLarge)},
		{"oversized streamed body is transient", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			for range 64 {
				io.WriteString(w, strings.Repeat(" ", 64<<10))
				w.(http.Flusher).Flush()
			}
		}, 0, wantTransient(200, ErrBodyTooLarge)},
		{"truncated body is transient", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("Content-Length", "100")
			io.WriteString(w, `{"id":`)
			w.(http.Flusher).Flush()
			conn, _, err := w.(http.Hijacker).Hijack()
			if err == nil {
				conn.Close()
			}
		}, 0, wantTransient(200, io.ErrUnexpectedEOF)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			v := newVendor(t, tt.handler)
			g := newGuard(t, Config{})
			client := v.srv.Client()
			client.Timeout = tt.timeout
			ctx := context.Background()
			resp, err := g.Do(ctx, "default", client, v.get(t, ctx), jsonClassify(1<<20))
			tt.check(t, resp, err)
		})
	}
}

func wantAPIError(status int, msg string) func(*testing.T, *http.Response, error) {
	return func(t *testing.T, resp *http.Response, err error) {
		t.Helper()
		var ae *APIError
		if !errors.As(err, &ae) || ae.Status != status || ae.Message != msg || ae.Vendor != "acme" {
			t.Errorf("Do = %#v, want APIError %d %q", err, status, msg)
		}
		if resp != nil {
			t.Error("response returned with an error")
		}
	}
}

func wantTransient(status int, cause error) func(*testing.T, *http.Response, error) {
	return func(t *testing.T, resp *http.Response, err error) {
		t.Helper()
		var te *TransientError
		if !errors.As(err, &te) || te.Status != status || te.Vendor != "acme" {
			t.Errorf("Do = %#v, want TransientError with status %d", err, status)
		}
		if cause != nil && !errors.Is(err, cause) {
			t.Errorf("Do = %v, want it to wrap %v", err, cause)
		}
		if resp != nil {
			t.Error("response returned with an error")
		}
	}
}

// A vendor that cannot be reached is transient; so is one that answers
// with no Classify given, through the default mapping.
func TestDoWithoutVendor(t *testing.T) {
	t.Parallel()
	v := newVendor(t, func(w http.ResponseWriter, r *http.Request) {})
	url := v.srv.URL
	v.srv.Close()
	g := newGuard(t, Config{})
	ctx := context.Background()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	_, err := g.Do(ctx, "default", nil, req, nil)
	var te *TransientError
	if !errors.As(err, &te) || te.Status != 0 {
		t.Fatalf("Do = %v, want TransientError without status", err)
	}
}

// A nil Guard calls directly and still classifies, for unguarded clients.
func TestDoNilGuard(t *testing.T) {
	t.Parallel()
	v := newVendor(t, func(w http.ResponseWriter, r *http.Request) { http.Error(w, "no", http.StatusForbidden) })
	var g *Guard
	ctx := context.Background()
	_, err := g.Do(ctx, "default", v.srv.Client(), v.get(t, ctx), nil)
	var ae *APIError
	if !errors.As(err, &ae) || ae.Status != 403 {
		t.Fatalf("nil Guard Do = %v, want APIError 403", err)
	}
	g.RecordCredits("default", 5) // must not panic
	if err := g.Flush(ctx); err != nil {
		t.Fatal(err)
	}
}
