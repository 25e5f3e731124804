package lemlist

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/rtgs/sales-automation/integrations/guard"
)

// TestMisbehavingVendor checks every bad answer becomes a typed error with
// bounded reads and no panic.
func TestMisbehavingVendor(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		handler http.HandlerFunc
		mod     func(*Config)
		check   func(t *testing.T, err error)
	}{
		{
			name: "malformed JSON",
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				w.Write([]byte(`[{"_id": "hoo_1", `))
			},
			check: transientContaining("malformed"),
		},
		{
			name: "truncated body",
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				w.Header().Set("Content-Length", "1000")
				w.Write([]byte(`[{"_id":"hoo_1"}`))
			},
			check: transientContaining("read body"),
		},
		{
			name: "oversized body",
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				w.Write([]byte(`[` + strings.Repeat(`{"_id":"hoo_x"},`, 1000) + `{}]`))
			},
			mod: func(c *Config) { c.MaxResponseBytes = 1024 },
			check: func(t *testing.T, err error) {
				asTransient(t, err)
				if !errors.Is(err, guard.ErrBodyTooLarge) {
					t.Fatalf("err = %v, want ErrBodyTooLarge", err)
				}
			},
		},
		{
			name: "wrong content type",
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "text/html")
				w.Write([]byte(`<html>maintenance</html>`))
			},
			check: transientContaining("content type"),
		},
		{
			name: "wrong JSON type",
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				w.Write([]byte(`{"hooks": 3}`))
			},
			check: transientContaining("decode"),
		},
		{
			name: "slower than the timeout",
			handler: func(w http.ResponseWriter, r *http.Request) {
				select {
				case <-time.After(2 * time.Second):
				case <-r.Context().Done():
				}
			},
			mod:   func(c *Config) { c.HTTPClient = &http.Client{Timeout: 100 * time.Millisecond} },
			check: transientContaining("Timeout"),
		},
		{
			name: "huge error body is cut",
			handler: func(w http.ResponseWriter, r *http.Request) {
				http.Error(w, strings.Repeat("é", 1<<20), http.StatusForbidden)
			},
			check: func(t *testing.T, err error) {
				ae := asAPIError(t, err)
				if ae.Status != 403 || ae.Code != CodeForbidden || len(ae.Message) > guard.MaxMessage {
					t.Fatalf("err = %d %s, message of %d bytes", ae.Status, ae.Code, len(ae.Message))
				}
			},
		},
		{
			name: "JSON error body",
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(http.StatusBadRequest)
				w.Write([]byte(`{"ok":false,"message":"Bad team"}`))
			},
			check: func(t *testing.T, err error) {
				if ae := asAPIError(t, err); ae.Message != "Bad team" || ae.Code != CodeBadRequest {
					t.Fatalf("err = %+v", ae)
				}
			},
		},
		{
			name: "408 is transient",
			handler: func(w http.ResponseWriter, r *http.Request) {
				http.Error(w, "Request Timeout", http.StatusRequestTimeout)
			},
			check: func(t *testing.T, err error) {
				if te := asTransient(t, err); te.Status != 408 {
					t.Fatalf("err = %+v", te)
				}
			},
		},
		{
			name: "redirect loop is transient",
			handler: func(w http.ResponseWriter, r *http.Request) {
				http.Redirect(w, r, r.URL.Path, http.StatusFound)
			},
			check: transientContaining("redirect"),
		},
		{
			name: "405 is permanent",
			handler: func(w http.ResponseWriter, r *http.Request) {
				http.Error(w, "Method Not Allowed", http.StatusMethodNotAllowed)
			},
			check: func(t *testing.T, err error) {
				if ae := asAPIError(t, err); ae.Code != CodeMethodNotAllowed {
					t.Fatalf("err = %+v", ae)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var mods []func(*Config)
			if tt.mod != nil {
				mods = append(mods, tt.mod)
			}
			c := misbehaving(t, tt.handler, mods...)
			hooks, err := c.ListHooks(context.Background())
			if err == nil {
				t.Fatalf("got %v, want an error", hooks)
			}
			if !strings.HasPrefix(err.Error(), "lemlist: list hooks: ") {
				t.Fatalf("err = %q, want the vendor and operation named", err)
			}
			tt.check(t, err)
		})
	}
}

func transientContaining(s string) func(*testing.T, error) {
	return func(t *testing.T, err error) {
		t.Helper()
		asTransient(t, err)
		if !strings.Contains(err.Error(), s) {
			t.Fatalf("err = %v, want it to mention %q", err, s)
		}
	}
}

func TestNoContentIsSuccess(t *testing.T) {
	t.Parallel()
	c := misbehaving(t, func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) })
	h, err := c.DeleteHook(context.Background(), "hoo_1")
	if err != nil || h == nil {
		t.Fatalf("DeleteHook = %v, %v", h, err)
	}
}

// TestTransportErrorsHideEmails checks a failed call's error, which jobs
// store and log, does not quote the lead's email from the URL.
func TestTransportErrorsHideEmails(t *testing.T) {
	t.Parallel()
	c := misbehaving(t, func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-time.After(2 * time.Second):
		case <-r.Context().Done():
		}
	}, func(c *Config) { c.HTTPClient = &http.Client{Timeout: 50 * time.Millisecond} })
	_, err := c.UnsubscribeLead(context.Background(), "cam_1", "jane.private@acme.example")
	asTransient(t, err)
	if strings.Contains(err.Error(), "jane.private") || !strings.Contains(err.Error(), "/campaigns/cam_1/leads/EMAIL-REDACTED") {
		t.Fatalf("err = %v", err)
	}
}
