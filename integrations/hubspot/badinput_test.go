package hubspot_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/rtgs/sales-automation/integrations/guard"
	"github.com/rtgs/sales-automation/integrations/hubspot"
)

// TestBadAnswers feeds the client answers no healthy HubSpot gives: each
// must become a typed error, read within bounds, without a panic.
func TestBadAnswers(t *testing.T) {
	t.Parallel()
	huge := strings.Repeat("x", 4<<20)
	tests := []struct {
		name    string
		handler http.HandlerFunc
		want    func(error) bool
	}{
		{"malformed JSON", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.Write([]byte(`{"status":"COMPLETE","results":[{"id":`))
		}, isTransient},
		{"wrong JSON shape", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.Write([]byte(`{"results":"none"}`))
		}, isTransient},
		{"truncated", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("Content-Length", "1000")
			w.Write([]byte(`{"status":"COMPLETE","results":[`))
		}, isTransient},
		{"oversized", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.Write([]byte(`{"status":"` + huge + `"}`))
		}, isTransient},
		{"HTML with 200", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			w.Write([]byte(`<html>maintenance</html>`))
		}, isTransient},
		{"HTML 502 from a proxy", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(502)
			w.Write([]byte(`<html>bad gateway</html>`))
		}, isTransient},
		{"huge 400 body", func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(400)
			w.Write([]byte(huge))
		}, func(err error) bool {
			var api *guard.APIError
			return errors.As(err, &api) && len(api.Message) <= guard.MaxMessage
		}},
		{"429 without JSON or headers", func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(429)
		}, func(err error) bool {
			var rl *guard.RateLimitError
			return errors.As(err, &rl) && rl.RetryAfter == guard.DefaultRetryAfter
		}},
		{"429 with Retry-After", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Retry-After", "7")
			w.WriteHeader(429)
			w.Write([]byte(`{"status":"error","errorType":"RATE_LIMIT","policyName":"TEN_SECONDLY_ROLLING"}`))
		}, func(err error) bool {
			var rl *guard.RateLimitError
			return errors.As(err, &rl) && rl.RetryAfter == 7*time.Second && rl.Policy == hubspot.PolicyTenSecondly
		}},
		{"408", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(408) }, isTransient},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := httptest.NewServer(tt.handler)
			t.Cleanup(srv.Close)
			c, err := hubspot.NewClient(hubspot.Config{BaseURL: srv.URL, Token: "t", MaxResponseBytes: 1 << 20})
			if err != nil {
				t.Fatal(err)
			}
			_, err = c.Contacts.BatchUpsert(context.Background(), contacts(1, "acme.com"))
			if !tt.want(err) {
				t.Errorf("got %T %v", err, err)
			}
		})
	}
}

func TestUnreachableIsTransient(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close()
	c, err := hubspot.NewClient(hubspot.Config{BaseURL: url, Token: "t"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Contacts.Search(context.Background(), hubspot.SearchRequest{}); !isTransient(err) {
		t.Errorf("closed port: %v, want TransientError", err)
	}
}

func isTransient(err error) bool {
	var te *guard.TransientError
	return errors.As(err, &te) && te.Vendor == hubspot.Vendor
}
