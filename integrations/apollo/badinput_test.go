package apollo

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestMisbehavingAnswers points the client at a server that breaks the
// contract in one way each: every case must end in a typed error, with
// bounded reads and no panic.
func TestMisbehavingAnswers(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		handler http.HandlerFunc
		call    func(c *Client) error
		want    func(t *testing.T, err error)
	}{
		{"malformed JSON", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprint(w, `{"person": {"id": `)
		}, match, wantTransient(http.StatusOK, "malformed")},
		{"truncated body", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("Content-Length", "4000")
			fmt.Fprint(w, `{"person": {"id": "64a7ff0cc4dfae00013df1a5", "na`)
		}, match, wantTransient(http.StatusOK, "")},
		{"oversized body", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprintf(w, `{"person":{"headline":"%s"}}`, strings.Repeat("x", 64<<10))
		}, match, wantTransient(http.StatusOK, "larger than")},
		{"wrong content type", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			fmt.Fprint(w, "<html>Just a moment...</html>")
		}, match, wantTransient(http.StatusOK, "content type")},
		{"bulk answer with fewer matches than details", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprint(w, `{"status":"success","matches":[null],"credits_consumed":0}`)
		}, func(c *Client) error {
			_, err := c.BulkMatchPeople(context.Background(), &BulkMatchRequest{Details: []PersonDetails{{Email: "a@b.com"}, {Email: "c@d.com"}}})
			return err
		}, wantTransient(http.StatusOK, "1 matches for 2 details")},
		{"wrong JSON types", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprint(w, `{"total_entries":"many","people":{}}`)
		}, func(c *Client) error {
			_, err := c.SearchPeople(context.Background(), &PeopleSearchRequest{})
			return err
		}, wantTransient(http.StatusOK, "decode")},
		{"429 with no headers", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusTooManyRequests)
			fmt.Fprint(w, `{"message":"The maximum number of api calls allowed for api/v1/people/match is 200 times per hour."}`)
		}, match, func(t *testing.T, err error) {
			re := asRateLimit(t, err)
			if re.Policy != PolicyHourly || re.RetryAfter > time.Hour || re.RetryAfter < time.Second {
				t.Errorf("got %+v, want an hourly wait of at most an hour", re)
			}
		}},
		{"422", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusUnprocessableEntity)
			fmt.Fprint(w, `{"error":"Invalid parameters"}`)
		}, match, func(t *testing.T, err error) {
			if ae := asAPIError(t, err); ae.Status != 422 || ae.Message != "Invalid parameters" {
				t.Errorf("got %+v", ae)
			}
		}},
		{"huge error body", func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusBadRequest)
			fmt.Fprint(w, strings.Repeat("e", 1<<20))
		}, match, func(t *testing.T, err error) {
			if ae := asAPIError(t, err); len(ae.Message) > maxMessage+4 {
				t.Errorf("message of %d bytes kept", len(ae.Message))
			}
		}},
		{"504", func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusGatewayTimeout)
		}, match, wantTransient(http.StatusGatewayTimeout, "")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := misbehaving(t, tt.handler, func(c *Config) { c.MaxResponseBytes = 16 << 10 })
			err := tt.call(c)
			if err == nil {
				t.Fatal("no error")
			}
			tt.want(t, err)
		})
	}
}

// match is matchOne in the shape the table wants.
func match(c *Client) error { return matchOne(c, context.Background()) }

func wantTransient(status int, msg string) func(t *testing.T, err error) {
	return func(t *testing.T, err error) {
		t.Helper()
		te := asTransient(t, err)
		if te.Status != status || !strings.Contains(err.Error(), msg) {
			t.Errorf("got %v, want status %d mentioning %q", err, status, msg)
		}
	}
}

func TestUnreachableVendor(t *testing.T) {
	t.Parallel()
	c := newTestClient(t, "http://127.0.0.1:1")
	if te := asTransient(t, matchOne(c, context.Background())); te.Status != 0 {
		t.Errorf("status = %d, want 0", te.Status)
	}
}
