package config

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Rate is a limit of Count calls per Per.
type Rate struct {
	Count int
	Per   time.Duration
}

func (r Rate) String() string { return fmt.Sprintf("%d/%s", r.Count, r.Per) }

// ParseRate reads "N/duration", e.g. "20/2s" or "1000/1m".
func ParseRate(s string) (Rate, error) {
	n, per, ok := strings.Cut(strings.TrimSpace(s), "/")
	if !ok {
		return Rate{}, fmt.Errorf("want N/duration such as 20/2s")
	}
	count, err := strconv.Atoi(strings.TrimSpace(n))
	if err != nil || count < 1 {
		return Rate{}, fmt.Errorf("count %q must be a positive integer", n)
	}
	d, err := time.ParseDuration(strings.TrimSpace(per))
	if err != nil || d <= 0 {
		return Rate{}, fmt.Errorf("period %q must be a positive duration", per)
	}
	return Rate{Count: count, Per: d}, nil
}

// Rate reads a rate variable.
func (r *reader) Rate(name, def, help string) Rate {
	v := r.raw(name, def, help)
	rate, err := ParseRate(v)
	if err != nil {
		r.fail(name, v, err.Error())
		rate, _ = ParseRate(def)
	}
	return rate
}

// Vendor is one vendor account: where it is, its credential and its limits
// per bucket. Key empty means the vendor is not configured.
type Vendor struct {
	BaseURL string
	Key     Secret
	Model   string          // AI vendors only
	Limits  map[string]Rate // by bucket; "default" always present
	Daily   int             // calls per day across buckets, 0 for none
	// Slack is how much longer than a window its calls take, so delay
	// jitter never lets the vendor count one call too many in a window;
	// 0 is the guard's default (at most 50 ms).
	Slack time.Duration
}

// Configured reports whether the vendor has a credential.
func (v Vendor) Configured() bool { return v.Key != "" }

// Vendors configures every vendor and the guards shared by all of them.
type Vendors struct {
	HubSpot, Lemlist, Explorium, Apollo, Anthropic, Gemini Vendor
	HubSpotAPIVersion                                      string
	AIProvider                                             string
	BreakerFailures                                        int
	BreakerOpenFor                                         time.Duration
	MaxWait                                                time.Duration
	Timeout                                                time.Duration
	SimulatorURL                                           string
	RedisPrefix                                            string
}

// Any reports whether at least one vendor has a credential; `rtgs dev`
// starts the simulator when none has.
func (v Vendors) Any() bool {
	for _, x := range []Vendor{v.HubSpot, v.Lemlist, v.Explorium, v.Apollo, v.Anthropic, v.Gemini} {
		if x.Configured() {
			return true
		}
	}
	return false
}

func readVendors(r *reader) Vendors {
	url := func(name, def string) string {
		return r.URL(name, def, []string{"http", "https"}, "base URL of the "+strings.SplitN(name, "_", 2)[0]+" API")
	}
	v := Vendors{
		HubSpot: Vendor{
			BaseURL: url("HUBSPOT_BASE_URL", "https://api.hubapi.com"),
			Key:     Secret(r.String("HUBSPOT_TOKEN", "", "HubSpot private-app token (Bearer); empty leaves HubSpot unconfigured")),
			Limits: map[string]Rate{
				"default": r.Rate("HUBSPOT_RATE_LIMIT", "100/10s", "HubSpot burst limit of the account (Free/Starter 100/10s, Professional and Enterprise 190/10s)"),
				"search":  r.Rate("HUBSPOT_SEARCH_RATE_LIMIT", "4/1s", "HubSpot search bucket, separate from the burst limit"),
			},
			Daily: r.Int("HUBSPOT_DAILY_LIMIT", 250_000, 0, 100_000_000, "HubSpot calls per day (Free/Starter 250000, Professional 625000, Enterprise 1000000)"),
		},
		HubSpotAPIVersion: r.OneOf("HUBSPOT_API_VERSION", "v3", []string{"v3", "2026-03"}, "HubSpot path family: v3 (/crm/v3/...) or date-versioned 2026-03"),
		Lemlist: Vendor{
			BaseURL: url("LEMLIST_BASE_URL", "https://api.lemlist.com/api"),
			Key:     Secret(r.String("LEMLIST_API_KEY", "", "lemlist API key (HTTP Basic password)")),
			Limits:  map[string]Rate{"default": r.Rate("LEMLIST_RATE_LIMIT", "20/2s", "lemlist limit per API key")},
			// lemlist's window is short and counts calls as they reach it:
			// 50 ms of slack let a few calls in 10,000 through as 429s on a
			// loaded machine (the enrollment benchmark).
			Slack: r.Duration("LEMLIST_RATE_SLACK", 150*time.Millisecond,
				"how much longer than lemlist's window its calls are spread over, absorbing delay jitter so lemlist never counts one too many"),
		},
		Explorium: Vendor{
			BaseURL: url("EXPLORIUM_BASE_URL", "https://api.explorium.ai"),
			Key:     Secret(r.String("EXPLORIUM_API_KEY", "", "Explorium API key (api_key header)")),
			Limits:  map[string]Rate{"default": r.Rate("EXPLORIUM_RATE_LIMIT", "200/1m", "Explorium limit per API key")},
		},
		Apollo: Vendor{
			BaseURL: url("APOLLO_BASE_URL", "https://api.apollo.io/api/v1"),
			Key:     Secret(r.String("APOLLO_API_KEY", "", "Apollo API key (x-api-key header)")),
			Limits: map[string]Rate{
				"enrichment": r.Rate("APOLLO_ENRICHMENT_RATE_LIMIT", "1000/1m", "Apollo people and organization enrichment limit (Free plan: 50/1m)"),
				"default":    r.Rate("APOLLO_RATE_LIMIT", "200/1m", "Apollo limit of every other endpoint"),
			},
		},
		Anthropic: Vendor{
			BaseURL: url("ANTHROPIC_BASE_URL", "https://api.anthropic.com"),
			Key:     Secret(r.String("ANTHROPIC_API_KEY", "", "Anthropic API key")),
			Model:   r.String("ANTHROPIC_MODEL", "claude-sonnet-4-5", "Anthropic model"),
			Limits:  map[string]Rate{"default": r.Rate("ANTHROPIC_RATE_LIMIT", "50/1m", "Anthropic requests per minute of the organisation")},
		},
		Gemini: Vendor{
			BaseURL: url("GEMINI_BASE_URL", "https://generativelanguage.googleapis.com"),
			Key:     Secret(r.String("GEMINI_API_KEY", "", "Gemini API key")),
			Model:   r.String("GEMINI_MODEL", "gemini-2.5-flash", "Gemini model"),
			Limits:  map[string]Rate{"default": r.Rate("GEMINI_RATE_LIMIT", "60/1m", "Gemini requests per minute of the project")},
		},
		AIProvider:      r.OneOf("AI_PROVIDER", "anthropic", []string{"anthropic", "gemini"}, "which AI vendor writes personalisation and chat replies"),
		BreakerFailures: r.Int("VENDOR_BREAKER_FAILURES", 5, 1, 1000, "consecutive transient failures that open a vendor's circuit breaker"),
		BreakerOpenFor:  r.Duration("VENDOR_BREAKER_OPEN_FOR", 30*time.Second, "how long an open breaker refuses calls before it lets one through"),
		MaxWait:         r.Duration("VENDOR_MAX_WAIT", time.Second, "longest in-process wait for a rate-limit token; longer waits snooze the job"),
		Timeout:         r.Duration("VENDOR_TIMEOUT", 30*time.Second, "timeout of one vendor call"),
		RedisPrefix:     r.String("VENDOR_REDIS_PREFIX", "rtgs:vendor:", "Redis key prefix of the shared vendor limits and breakers; processes sharing a vendor account must share it"),
		SimulatorURL: r.URL("VENDORSIM_URL", "", []string{"http", "https"},
			"point every vendor at this simulator (rtgs vendorsim); rtgs dev sets it when no vendor key is configured"),
	}
	return v
}
