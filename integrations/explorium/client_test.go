package explorium

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rtgs/sales-automation/integrations/guard"
	"github.com/rtgs/sales-automation/integrations/vendorsim"
)

func TestNewClientNamesTheBadSetting(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		cfg  Config
		want string // substring of the error, "" for success
	}{
		{"defaults", Config{APIKey: "k"}, ""},
		{"missing key", Config{}, "Config.APIKey"},
		{"blank key", Config{APIKey: "  "}, "Config.APIKey"},
		{"relative base URL", Config{APIKey: "k", BaseURL: "api.explorium.ai"}, "Config.BaseURL"},
		{"unparsable base URL", Config{APIKey: "k", BaseURL: "http://[::1"}, "Config.BaseURL"},
		{"wrong scheme", Config{APIKey: "k", BaseURL: "ftp://api.explorium.ai"}, "Config.BaseURL"},
		{"unknown auth scheme", Config{APIKey: "k", AuthScheme: "basic"}, "Config.AuthScheme"},
		{"negative max bytes", Config{APIKey: "k", MaxResponseBytes: -1}, "Config.MaxResponseBytes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, err := NewClient(tt.cfg)
			switch {
			case tt.want == "" && err != nil:
				t.Fatalf("NewClient: %v", err)
			case tt.want == "" && c.baseURL != DefaultBaseURL:
				t.Errorf("base URL = %q, want %q", c.baseURL, DefaultBaseURL)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Errorf("err = %v, want one naming %s", err, tt.want)
			}
		})
	}
}

func matchOne(c *Client, ctx context.Context) error {
	_, err := c.MatchBusinesses(ctx, &MatchBusinessesRequest{BusinessesToMatch: []BusinessInput{{Domain: "acme.com"}}})
	return err
}

func TestRateLimitBothBodyForms(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		form       vendorsim.ExploriumRateLimitBody
		wantPolicy string
	}{
		{"error form", vendorsim.ExploriumRateLimitError, "rate_limit_exceeded"},
		{"code form", vendorsim.ExploriumRateLimitCode, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t, vendorsim.Knobs{Limits: map[string][]vendorsim.Limit{"default": {{Rate: 2, Per: time.Minute}}}})
			b.fake.SetRateLimitBody(tt.form)
			ctx := context.Background()
			for i := range 2 {
				if err := matchOne(b.client, ctx); err != nil {
					t.Fatalf("call %d: %v", i, err)
				}
			}
			re := asRateLimit(t, matchOne(b.client, ctx))
			if re.RetryAfter < 50*time.Second || re.RetryAfter > 61*time.Second {
				t.Errorf("retry after %s, want about a minute", re.RetryAfter)
			}
			if re.Vendor != Vendor || re.Bucket != Bucket || re.Policy != tt.wantPolicy || re.Local {
				t.Errorf("rate limit error = %+v", re)
			}
			if n := b.sim.Counters().RateLimited["explorium"]; n != 1 {
				t.Errorf("simulator served %d 429s, want 1", n)
			}
		})
	}
}

func TestServerErrorsAreTransient(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		knobs vendorsim.Knobs
		want  int
	}{
		{"500", vendorsim.Knobs{ErrorRate: 1}, http.StatusInternalServerError},
		{"502", vendorsim.Knobs{ErrorRate: 1, ErrorStatus: http.StatusBadGateway}, http.StatusBadGateway},
		{"outage", vendorsim.Knobs{Outage: true}, http.StatusServiceUnavailable},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t, tt.knobs)
			te := asTransient(t, matchOne(b.client, context.Background()))
			if te.Status != tt.want || !strings.Contains(te.Error(), "correlation_id") {
				t.Errorf("got %v, want status %d with Explorium's message", te, tt.want)
			}
		})
	}
}

func TestTimeoutsAndCancellation(t *testing.T) {
	t.Parallel()
	b := setup(t, vendorsim.Knobs{LatencyMin: 500 * time.Millisecond})

	t.Run("client timeout", func(t *testing.T) {
		t.Parallel()
		c := newTestClient(t, b.srv.URL+"/explorium", func(c *Config) { c.HTTPClient = &http.Client{Timeout: 50 * time.Millisecond} })
		if te := asTransient(t, matchOne(c, context.Background())); te.Status != 0 {
			t.Errorf("status = %d, want 0 (no answer)", te.Status)
		}
	})
	t.Run("context deadline", func(t *testing.T) {
		t.Parallel()
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		defer cancel()
		err := matchOne(b.client, ctx)
		asTransient(t, err)
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("err = %v, want it to wrap context.DeadlineExceeded", err)
		}
	})
	t.Run("cancelled by the caller", func(t *testing.T) {
		t.Parallel()
		ctx, cancel := context.WithCancel(context.Background())
		time.AfterFunc(50*time.Millisecond, cancel)
		err := matchOne(b.client, ctx)
		var te *guard.TransientError
		if !errors.Is(err, context.Canceled) || errors.As(err, &te) {
			t.Errorf("err = %v, want context.Canceled and no transient error (the vendor is not at fault)", err)
		}
	})
}

func TestAuthentication(t *testing.T) {
	t.Parallel()
	b := setup(t)
	tests := []struct {
		name    string
		mod     func(*Config)
		wantErr bool
	}{
		{"api_key header", func(*Config) {}, false},
		{"bearer token", func(c *Config) { c.AuthScheme = AuthBearer }, false},
		{"wrong key", func(c *Config) { c.APIKey = "wrong" }, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := newTestClient(t, b.srv.URL+"/explorium", tt.mod)
			err := matchOne(c, context.Background())
			if !tt.wantErr {
				if err != nil {
					t.Fatalf("MatchBusinesses: %v", err)
				}
				return
			}
			ae := asAPIError(t, err)
			if ae.Status != http.StatusUnauthorized || !strings.Contains(ae.Message, "API key is invalid") {
				t.Errorf("got %+v, want Explorium's 401", ae)
			}
		})
	}
}

func TestRetryAfterSources(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name   string
		header http.Header
		body   string
		want   time.Duration
	}{
		{"Retry-After seconds", http.Header{"Retry-After": {"17"}}, "", 17 * time.Second},
		{"Retry-After date", http.Header{"Retry-After": {now.Add(30 * time.Second).Format(http.TimeFormat)}}, "", 30 * time.Second},
		{"Retry-After wins over the body", http.Header{"Retry-After": {"5"}}, "60", 5 * time.Second},
		{"body retry_after", http.Header{}, "42", 42 * time.Second},
		{"X-RateLimit-Reset", http.Header{"X-Ratelimit-Reset": {strconv.FormatInt(now.Add(25*time.Second).Unix(), 10)}}, "", 25 * time.Second},
		{"nothing usable", http.Header{"Retry-After": {"soon"}}, "", defaultRetryAfter},
		{"absurd Retry-After is capped", http.Header{"Retry-After": {"1e300"}}, "", maxRetryAfter},
		{"absurd retry_after is capped", http.Header{}, "1e30", maxRetryAfter},
		{"far-off reset is ignored", http.Header{"X-Ratelimit-Reset": {"99999999999"}}, "", defaultRetryAfter},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := retryAfter(tt.header, errorBody{RetryAfter: json.Number(tt.body)}, now); got != tt.want {
				t.Errorf("retryAfter = %s, want %s", got, tt.want)
			}
		})
	}
}
