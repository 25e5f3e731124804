package apollo

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

func TestNewClientNamesTheBadSetting(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		cfg  Config
		want string
	}{
		{"defaults", Config{APIKey: "k"}, ""},
		{"missing key", Config{}, "Config.APIKey"},
		{"relative base URL", Config{APIKey: "k", BaseURL: "api.apollo.io/api/v1"}, "Config.BaseURL"},
		{"wrong scheme", Config{APIKey: "k", BaseURL: "ws://api.apollo.io"}, "Config.BaseURL"},
		{"negative max bytes", Config{APIKey: "k", MaxResponseBytes: -5}, "Config.MaxResponseBytes"},
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
	_, err := c.MatchPerson(ctx, &PersonMatchRequest{PersonDetails: PersonDetails{Email: "tim.zheng@acme-labs.com"}})
	return err
}

// TestRateLimitWaitsForTheSpentWindow exhausts one fixed window at a time:
// the wait must run to that window's end, read from Apollo's headers.
func TestRateLimitWaitsForTheSpentWindow(t *testing.T) {
	t.Parallel()
	fixed := func(rate int, per time.Duration) vendorsim.Limit {
		return vendorsim.Limit{Rate: rate, Per: per, Window: vendorsim.Fixed}
	}
	tests := []struct {
		name   string
		limits []vendorsim.Limit
		policy string
		window time.Duration
	}{
		{"minute", []vendorsim.Limit{fixed(2, time.Minute)}, PolicyMinute, time.Minute},
		{"hour", []vendorsim.Limit{fixed(100, time.Minute), fixed(2, time.Hour)}, PolicyHourly, time.Hour},
		{"day", []vendorsim.Limit{fixed(100, time.Minute), fixed(100, time.Hour), fixed(2, 24*time.Hour)}, PolicyDaily, 24 * time.Hour},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t, vendorsim.Knobs{Limits: map[string][]vendorsim.Limit{"enrichment": tt.limits}})
			ctx := context.Background()
			for i := range 2 {
				if err := matchOne(b.client, ctx); err != nil {
					t.Fatalf("call %d: %v", i, err)
				}
			}
			re := asRateLimit(t, matchOne(b.client, ctx))
			now := time.Now().UTC()
			want := now.Truncate(tt.window).Add(tt.window).Sub(now)
			if re.Policy != tt.policy || re.Bucket != BucketEnrichment || (re.RetryAfter-want).Abs() > 2*time.Second && re.RetryAfter != time.Second {
				t.Errorf("got %+v, want policy %s and a wait of about %s", re, tt.policy, want)
			}
			// The other bucket has its own windows.
			if _, err := b.client.SearchPeople(ctx, &PeopleSearchRequest{PerPage: 1}); err != nil {
				t.Errorf("search after enrichment 429: %v", err)
			}
		})
	}
}

func TestRefusals(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.fake.Deny("/people/match")
	tests := []struct {
		name   string
		client *Client
		status int
		code   string
		msg    string
	}{
		{"endpoint not in the key's scope", b.client, http.StatusForbidden, "API_INACCESSIBLE", "not authorized to access api/v1/people/match"},
		{"wrong key", newTestClient(t, b.srv.URL+"/apollo/api/v1", func(c *Config) { c.APIKey = "wrong" }), http.StatusUnauthorized, "Unauthorized", "Invalid API key"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ae := asAPIError(t, matchOne(tt.client, context.Background()))
			if ae.Status != tt.status || ae.Code != tt.code || !strings.Contains(ae.Message, tt.msg) {
				t.Errorf("got %+v, want %d %s mentioning %q", ae, tt.status, tt.code, tt.msg)
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
		msg   string
	}{
		{"500 JSON", vendorsim.Knobs{ErrorRate: 1}, http.StatusInternalServerError, "Something went wrong"},
		{"502 HTML", vendorsim.Knobs{ErrorRate: 1, ErrorStatus: http.StatusBadGateway}, http.StatusBadGateway, "Bad Gateway"},
		{"outage", vendorsim.Knobs{Outage: true}, http.StatusServiceUnavailable, "Service Unavailable"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t, tt.knobs)
			te := asTransient(t, matchOne(b.client, context.Background()))
			if te.Status != tt.want || !strings.Contains(te.Error(), tt.msg) {
				t.Errorf("got %v, want status %d mentioning %q", te, tt.want, tt.msg)
			}
		})
	}
}

func TestTimeoutsAndCancellation(t *testing.T) {
	t.Parallel()
	b := setup(t, vendorsim.Knobs{LatencyMin: 500 * time.Millisecond})
	t.Run("client timeout", func(t *testing.T) {
		t.Parallel()
		c := newTestClient(t, b.srv.URL+"/apollo/api/v1", func(c *Config) { c.HTTPClient = &http.Client{Timeout: 50 * time.Millisecond} })
		if te := asTransient(t, matchOne(c, context.Background())); te.Status != 0 {
			t.Errorf("status = %d, want 0", te.Status)
		}
	})
	t.Run("cancelled by the caller", func(t *testing.T) {
		t.Parallel()
		ctx, cancel := context.WithCancel(context.Background())
		time.AfterFunc(50*time.Millisecond, cancel)
		err := matchOne(b.client, ctx)
		var te *guard.TransientError
		if !errors.Is(err, context.Canceled) || errors.As(err, &te) {
			t.Errorf("err = %v, want context.Canceled and no transient error", err)
		}
	})
}

func TestRateWait(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 3, 1, 22, 59, 30, 0, time.UTC)
	tests := []struct {
		name       string
		header     http.Header
		msg        string
		want       time.Duration
		wantPolicy string
	}{
		{"minute spent", http.Header{"X-Minute-Requests-Left": {"0"}, "X-Hourly-Requests-Left": {"5"}}, "", 30 * time.Second, PolicyMinute},
		{"hour spent", http.Header{"X-Minute-Requests-Left": {"3"}, "X-Hourly-Requests-Left": {"0"}}, "", 30 * time.Second, PolicyHourly},
		{"day spent wins", http.Header{"X-Minute-Requests-Left": {"0"}, "X-Daily-Requests-Left": {"0"}}, "", time.Hour + 30*time.Second, PolicyDaily},
		{"message only, per hour", nil, "The maximum number of api calls allowed for api/v1/mixed_people/api_search is 600 times per hour.", 30 * time.Second, PolicyHourly},
		{"message only, per day", nil, "… is 600 times per day. Please upgrade", time.Hour + 30*time.Second, PolicyDaily},
		{"nothing", nil, "", 30 * time.Second, PolicyMinute},
		{"Retry-After if Apollo ever sends one", http.Header{"Retry-After": {"7"}}, "", 7 * time.Second, ""},
		{"absurd Retry-After is capped", http.Header{"Retry-After": {"99999999999999"}}, "", maxRetryAfter, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, policy := rateWait(tt.header, tt.msg, now)
			if got != tt.want || policy != tt.wantPolicy {
				t.Errorf("rateWait = %s %q, want %s %q", got, policy, tt.want, tt.wantPolicy)
			}
		})
	}
}
