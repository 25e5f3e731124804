package anthropic

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rtgs/sales-automation/integrations/guard"
)

const validAnswer = `{"id":"msg_1","type":"message","role":"assistant","model":"claude-sonnet-4-5","content":[{"type":"text","text":"hi"}],"stop_reason":"end_turn","stop_sequence":null,"usage":{"input_tokens":1,"output_tokens":1}}`

// TestMisbehavingVendor: answers a real Anthropic should never send end in
// a TransientError (or the status's own error), after exactly one call,
// with memory bounded by MaxResponseBytes and no panic.
func TestMisbehavingVendor(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		handler http.HandlerFunc
		cfg     Config
		check   func(*testing.T, error)
	}{
		{"malformed JSON", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.Write([]byte(`{"id":"msg_1","content":[`))
		}, Config{}, wantTransient(0)},
		{"truncated body", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("Content-Length", "5000")
			w.Write([]byte(validAnswer[:40]))
		}, Config{}, wantTransient(0)},
		{"oversized, announced", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("Content-Length", strconv.Itoa(len(validAnswer)+4096))
			w.Write([]byte(validAnswer + strings.Repeat(" ", 4096)))
		}, Config{MaxResponseBytes: 1024}, wantCause(ErrResponseTooLarge)},
		{"oversized, chunked", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.Write([]byte(`{"id":"msg_1","pad":"`))
			w.(http.Flusher).Flush() // no Content-Length: the limit must cut the stream
			for range 64 {
				w.Write([]byte(strings.Repeat("x", 1024)))
			}
			w.Write([]byte(`"}`))
		}, Config{MaxResponseBytes: 4096}, wantCause(ErrResponseTooLarge)},
		{"wrong content type", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			w.Write([]byte("<html>gateway</html>"))
		}, Config{}, wantTransient(0)},
		{"valid JSON, not a message", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.Write([]byte(`{}`))
		}, Config{}, wantTransient(200)},
		{"slower than the timeout", func(w http.ResponseWriter, r *http.Request) {
			io.Copy(io.Discard, r.Body)
			select {
			case <-r.Context().Done():
			case <-time.After(5 * time.Second):
			}
		}, Config{Timeout: 100 * time.Millisecond}, func(t *testing.T, err error) {
			wantTransient(0)(t, err)
		}},
		{"HTML 502 from a proxy", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(http.StatusBadGateway)
			w.Write([]byte("<html>bad gateway</html>"))
		}, Config{}, wantTransient(502)},
		{"huge error body", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusBadRequest)
			w.Write([]byte(`{"type":"error","error":{"type":"invalid_request_error","message":"` + strings.Repeat("m", 100_000) + `"}}`))
		}, Config{}, func(t *testing.T, err error) {
			var ae *guard.APIError
			if !errors.As(err, &ae) || ae.Code != "invalid_request_error" || len(ae.Message) > maxMessage+8 {
				t.Fatalf("err = %v, want APIError with a bounded message", err)
			}
		}},
		{"x-should-retry false on a 500", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("x-should-retry", "false")
			w.WriteHeader(http.StatusInternalServerError)
			w.Write([]byte(`{"type":"error","error":{"type":"api_error","message":"no"}}`))
		}, Config{}, wantAPIError(500, "api_error", "no")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var calls atomic.Int64
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				calls.Add(1)
				tt.handler(w, r)
			}))
			t.Cleanup(srv.Close)
			cfg := tt.cfg
			cfg.APIKey, cfg.BaseURL = "k", srv.URL
			c, err := NewClient(cfg)
			if err != nil {
				t.Fatal(err)
			}
			_, err = c.Complete(t.Context(), Request{Prompt: "hi"})
			tt.check(t, err)
			if len(err.Error()) > 2*maxMessage {
				t.Errorf("error text is %d bytes long, want it bounded", len(err.Error()))
			}
			if n := calls.Load(); n != 1 {
				t.Errorf("server saw %d calls, want 1", n)
			}
		})
	}
}

func wantCause(cause error) func(*testing.T, error) {
	return func(t *testing.T, err error) {
		t.Helper()
		var te *guard.TransientError
		if !errors.As(err, &te) || !errors.Is(err, cause) {
			t.Fatalf("err = %v, want a TransientError caused by %v", err, cause)
		}
	}
}

// TestCallerCancellation: a caller's cancellation is not the vendor's fault
// and must not count as a transient vendor failure.
func TestCallerCancellation(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// The server notices a client hanging up only once the body is read.
		io.Copy(io.Discard, r.Body)
		<-r.Context().Done()
	}))
	t.Cleanup(srv.Close)
	c, err := NewClient(Config{APIKey: "k", BaseURL: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	time.AfterFunc(50*time.Millisecond, cancel)
	_, err = c.Complete(ctx, Request{Prompt: "hi"})
	var te *guard.TransientError
	if errors.As(err, &te) || !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want the caller's cancellation", err)
	}
}
