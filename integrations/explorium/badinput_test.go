package explorium

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/rtgs/sales-automation/integrations/guard"
)

// TestMisbehavingAnswers points the client at a server that breaks the
// contract in one way each: every case must end in a typed error, with
// bounded reads and no panic.
func TestMisbehavingAnswers(t *testing.T) {
	t.Parallel()
	okJSON := `{"response_context":{},"total_results":1,"total_matches":1,"matched_businesses":[{"input":{},"business_id":"8adce3ca1cef0c986b22310e369a0793"}]}`
	tests := []struct {
		name    string
		handler http.HandlerFunc
		want    func(t *testing.T, err error)
	}{
		{"malformed JSON", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprint(w, `{"matched_businesses": [`)
		}, wantTransient(http.StatusOK, "malformed")},
		{"truncated body", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("Content-Length", "5000")
			fmt.Fprint(w, okJSON[:40])
		}, wantTransient(http.StatusOK, "")},
		{"oversized body", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprintf(w, `{"pad":"%s"}`, strings.Repeat("x", 64<<10))
		}, wantTransient(http.StatusOK, "larger than")},
		{"wrong content type", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			fmt.Fprint(w, "<html>maintenance</html>")
		}, wantTransient(http.StatusOK, "content type")},
		{"fewer results than inputs", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprint(w, `{"matched_businesses":[]}`)
		}, wantTransient(http.StatusOK, "0 results for 1 inputs")},
		{"wrong JSON types", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprint(w, `{"matched_businesses":"none"}`)
		}, wantTransient(http.StatusOK, "decode")},
		{"HTML 502 from a proxy", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(http.StatusBadGateway)
			fmt.Fprint(w, "<html>bad gateway</html>")
		}, wantTransient(http.StatusBadGateway, "bad gateway")},
		{"huge error body", func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusBadRequest)
			fmt.Fprint(w, strings.Repeat("e", 1<<20))
		}, func(t *testing.T, err error) {
			if ae := asAPIError(t, err); len(ae.Message) > maxMessage+4 {
				t.Errorf("message of %d bytes kept, want at most %d", len(ae.Message), maxMessage)
			}
		}},
		{"422 with a string detail", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusUnprocessableEntity)
			fmt.Fprint(w, `{"detail":"business_id is malformed"}`)
		}, func(t *testing.T, err error) {
			if ae := asAPIError(t, err); ae.Message != "business_id is malformed" {
				t.Errorf("message = %q", ae.Message)
			}
		}},
		{"429 with only X-RateLimit-Reset", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("X-RateLimit-Reset", fmt.Sprint(time.Now().Add(20*time.Second).Unix()))
			w.WriteHeader(http.StatusTooManyRequests)
		}, func(t *testing.T, err error) {
			if re := asRateLimit(t, err); re.RetryAfter < 15*time.Second || re.RetryAfter > 21*time.Second {
				t.Errorf("retry after %s, want about 20s", re.RetryAfter)
			}
		}},
		{"429 with Retry-After zero", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Retry-After", "0")
			w.WriteHeader(http.StatusTooManyRequests)
		}, func(t *testing.T, err error) {
			if re := asRateLimit(t, err); re.RetryAfter != time.Second {
				t.Errorf("retry after %s, want the 1s floor", re.RetryAfter)
			}
		}},
		{"408", func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusRequestTimeout)
		}, wantTransient(http.StatusRequestTimeout, "")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := misbehaving(t, tt.handler, func(c *Config) { c.MaxResponseBytes = 16 << 10 })
			err := matchOne(c, context.Background())
			if err == nil {
				t.Fatal("no error")
			}
			tt.want(t, err)
		})
	}
}

func wantTransient(status int, msg string) func(t *testing.T, err error) {
	return func(t *testing.T, err error) {
		t.Helper()
		te := asTransient(t, err)
		if te.Status != status || !strings.Contains(err.Error(), msg) {
			t.Errorf("got %v, want status %d mentioning %q", err, status, msg)
		}
	}
}

// TestUnreachableVendor covers a connection refused: transient, status 0.
func TestUnreachableVendor(t *testing.T) {
	t.Parallel()
	c := newTestClient(t, "http://127.0.0.1:1")
	err := matchOne(c, context.Background())
	var te *guard.TransientError
	if !errors.As(err, &te) || te.Status != 0 {
		t.Errorf("err = %v, want a transient error with status 0", err)
	}
}
