package lemlist

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/rtgs/sales-automation/integrations/guard"
	"github.com/rtgs/sales-automation/integrations/vendorsim"
)

func TestNewClientValidates(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		cfg     Config
		setting string // named in the error; "" for success
	}{
		{"defaults", Config{APIKey: "k"}, ""},
		{"missing key", Config{}, "LEMLIST_API_KEY"},
		{"blank key", Config{APIKey: "  "}, "APIKey"},
		{"relative base URL", Config{APIKey: "k", BaseURL: "/lemlist"}, "LEMLIST_BASE_URL"},
		{"bad scheme", Config{APIKey: "k", BaseURL: "ftp://api.lemlist.com"}, "BaseURL"},
		{"unparsable base URL", Config{APIKey: "k", BaseURL: "http://[::1"}, "BaseURL"},
		{"negative max bytes", Config{APIKey: "k", MaxResponseBytes: -1}, "MaxResponseBytes"},
		{"unknown unsubscribe API", Config{APIKey: "k", UnsubscribeAPI: "v3"}, "UnsubscribeAPI"},
		{"v2 unsubscribe API", Config{APIKey: "k", UnsubscribeAPI: UnsubscribeV2}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, err := NewClient(tt.cfg)
			if tt.setting == "" {
				if err != nil || c == nil {
					t.Fatalf("NewClient = %v, %v; want a client", c, err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.setting) {
				t.Fatalf("err = %v, want one naming %s", err, tt.setting)
			}
		})
	}
}

func TestDefaultBaseURL(t *testing.T) {
	t.Parallel()
	c := newTestClient(t, "")
	if c.baseURL != DefaultBaseURL || c.maxBytes != DefaultMaxResponseBytes || c.http.Timeout != DefaultTimeout {
		t.Fatalf("defaults = %q %d %s", c.baseURL, c.maxBytes, c.http.Timeout)
	}
}

func TestAuthFailures(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		key         string // "" sends Basic auth with an empty password
		missingAs   int
		wantStatus  int
		wantMessage string
	}{
		{"wrong key", "nope", 0, http.StatusUnauthorized, "The authentication you supplied is incorrect"},
		{"missing key answered 400 as the spec says", "", 0, http.StatusBadRequest, "No API key provided"},
		{"missing key answered 401 as practice reports", "", http.StatusUnauthorized, http.StatusUnauthorized, "No API key provided"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t)
			if tt.missingAs != 0 {
				b.fake.SetMissingKeyStatus(tt.missingAs)
			}
			c := newTestClient(t, b.srv.URL+"/lemlist")
			c.apiKey = tt.key // NewClient refuses an empty key; reach the vendor's own answer anyway
			_, err := c.ListHooks(context.Background())
			ae := asAPIError(t, err)
			if ae.Status != tt.wantStatus || ae.Code != CodeUnauthenticated || ae.Message != tt.wantMessage {
				t.Fatalf("err = %+v, want %d %s %q", ae, tt.wantStatus, CodeUnauthenticated, tt.wantMessage)
			}
			if got := b.sim.Counters().Unauthorized["lemlist"]; got != 1 {
				t.Fatalf("unauthorized counter = %d, want 1", got)
			}
		})
	}
}

func TestRateLimitFromSimulator(t *testing.T) {
	t.Parallel()
	b := setup(t, vendorsim.Knobs{Limits: map[string][]vendorsim.Limit{
		"default": {{Rate: 2, Per: 3 * time.Second, Window: vendorsim.Sliding}},
	}})
	ctx := context.Background()
	for range 2 {
		if _, err := b.client.ListHooks(ctx); err != nil {
			t.Fatalf("within the limit: %v", err)
		}
	}
	_, err := b.client.ListHooks(ctx)
	re := asRateLimit(t, err)
	if re.Vendor != Vendor || re.Bucket != Bucket || re.Local {
		t.Fatalf("err = %+v", re)
	}
	// Retry-After is whole seconds rounded up from the window's 3 s.
	if re.RetryAfter < time.Second || re.RetryAfter > 3*time.Second {
		t.Fatalf("RetryAfter = %s, want 1s..3s", re.RetryAfter)
	}
	if got := b.sim.Counters().RateLimited["lemlist"]; got != 1 {
		t.Fatalf("429s served = %d, want 1", got)
	}
}

func TestServerErrorsAreTransient(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		knobs  vendorsim.Knobs
		status int
	}{
		{"injected 500", vendorsim.Knobs{ErrorRate: 1}, 500},
		{"injected 502", vendorsim.Knobs{ErrorRate: 1, ErrorStatus: 502}, 502},
		{"outage", vendorsim.Knobs{Outage: true}, 503},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t, tt.knobs)
			_, err := b.client.ListCampaigns(context.Background(), ListCampaignsOptions{})
			if te := asTransient(t, err); te.Status != tt.status || te.Vendor != Vendor {
				t.Fatalf("err = %+v, want status %d", te, tt.status)
			}
		})
	}
}

func TestTimeoutIsTransient(t *testing.T) {
	t.Parallel()
	b := setup(t, vendorsim.Knobs{LatencyMin: 2 * time.Second})
	c := newTestClient(t, b.srv.URL+"/lemlist", func(cfg *Config) {
		cfg.HTTPClient = &http.Client{Timeout: 100 * time.Millisecond}
	})
	start := time.Now()
	_, err := c.ListHooks(context.Background())
	if te := asTransient(t, err); te.Status != 0 {
		t.Fatalf("err = %+v, want no status", te)
	}
	if d := time.Since(start); d > time.Second {
		t.Fatalf("took %s, want the client's timeout", d)
	}
}

func TestCallerCancellationIsNotTheVendorsFault(t *testing.T) {
	t.Parallel()
	b := setup(t, vendorsim.Knobs{LatencyMin: 2 * time.Second})
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(50*time.Millisecond, cancel)
	_, err := b.client.ListHooks(ctx)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	var te *guard.TransientError
	if errors.As(err, &te) {
		t.Fatalf("err = %v, must not count towards the breaker", err)
	}
}

func TestRequestShape(t *testing.T) {
	t.Parallel()
	var got *http.Request
	c := misbehaving(t, func(w http.ResponseWriter, r *http.Request) {
		got = r.Clone(context.Background())
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`[]`))
	})
	if _, err := c.ListHooks(context.Background()); err != nil {
		t.Fatal(err)
	}
	user, pass, ok := got.BasicAuth()
	if !ok || user != "" || pass != testKey {
		t.Fatalf("basic auth = %q %q %v, want empty user and the key", user, pass, ok)
	}
	if got.Header.Get("Accept") != "application/json" || got.URL.Path != "/hooks" {
		t.Fatalf("request = %s %s", got.Header.Get("Accept"), got.URL.Path)
	}
}
