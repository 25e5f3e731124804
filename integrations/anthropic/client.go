// Package anthropic is a thin client for Anthropic's Messages API over the
// official Go SDK (github.com/anthropics/anthropic-sdk-go). It hands the SDK
// our own *http.Client, whose transport passes every attempt through the
// vendor's guard (limiter, breaker, classification) when one is configured,
// turns SDK retries off so that our guard and River own the retry policy,
// and maps every failure to the guard package's typed errors. Callers use
// Complete with this package's Request and Response and never see SDK types.
package anthropic

import (
	"cmp"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	sdk "github.com/anthropics/anthropic-sdk-go"
	"github.com/anthropics/anthropic-sdk-go/option"

	"github.com/rtgs/sales-automation/integrations/guard"
)

// Vendor is this vendor's name in errors, metrics and guard buckets.
const Vendor = "anthropic"

// Bucket is the one rate bucket the client uses: Anthropic meters requests
// and tokens per organisation and model class, not per endpoint.
const Bucket = "default"

// Defaults applied by NewClient.
const (
	// DefaultBaseURL is Anthropic's production API.
	DefaultBaseURL = "https://api.anthropic.com"
	// DefaultModel is the model used when neither Config nor Request names one.
	DefaultModel = "claude-sonnet-4-5"
	// DefaultTimeout bounds one call. Generous because a long answer takes
	// tens of seconds; the SDK's own default would be ten minutes.
	DefaultTimeout = 2 * time.Minute
	// DefaultMaxResponseBytes bounds what is read of any answer: a
	// max-length answer is a few hundred KiB.
	DefaultMaxResponseBytes = 8 << 20
	// DefaultMaxTokens is the answer length asked for when a Request leaves
	// MaxTokens at zero.
	DefaultMaxTokens = 1024
)

// Config configures a Client. Only APIKey is required.
type Config struct {
	// APIKey is the organisation's key (from the environment, never logged).
	APIKey string
	// BaseURL defaults to DefaultBaseURL; point it at the simulator
	// (".../anthropic") in tests and `rtgs dev`.
	BaseURL string
	// Model defaults to DefaultModel.
	Model string
	// HTTPClient is copied, never modified: the copy's transport is wrapped
	// to bound response sizes and, with a Guard, to pass the guard. Nil
	// means a client with Timeout.
	HTTPClient *http.Client
	// Guard, when set, wraps every HTTP attempt in the vendor's limiter and
	// breaker and receives the tokens spent as credits. Nil calls Anthropic
	// directly with the same error mapping.
	Guard *guard.Guard
	// Timeout bounds each call, answer included; defaults to DefaultTimeout.
	Timeout time.Duration
	// MaxResponseBytes bounds every read of a response body; defaults to
	// DefaultMaxResponseBytes.
	MaxResponseBytes int64
}

// Client calls Anthropic's Messages API. It is safe for concurrent use.
type Client struct {
	sdk   sdk.Client
	model string
	guard *guard.Guard
}

// NewClient validates cfg and returns a client. Errors name the setting at
// fault so a misconfigured deployment fails at start.
func NewClient(cfg Config) (*Client, error) {
	cfg.BaseURL = cmp.Or(cfg.BaseURL, DefaultBaseURL)
	cfg.Model = cmp.Or(cfg.Model, DefaultModel)
	cfg.Timeout = cmp.Or(cfg.Timeout, DefaultTimeout)
	cfg.MaxResponseBytes = cmp.Or(cfg.MaxResponseBytes, DefaultMaxResponseBytes)
	if strings.TrimSpace(cfg.APIKey) == "" {
		return nil, errors.New("anthropic: Config.APIKey is empty: set the Anthropic API key")
	}
	u, err := url.Parse(cfg.BaseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("anthropic: Config.BaseURL %q is not an absolute http(s) URL", cfg.BaseURL)
	}
	if cfg.Timeout < 0 {
		return nil, fmt.Errorf("anthropic: Config.Timeout %s is negative", cfg.Timeout)
	}
	if cfg.MaxResponseBytes < 0 {
		return nil, fmt.Errorf("anthropic: Config.MaxResponseBytes %d is negative", cfg.MaxResponseBytes)
	}

	c := &Client{model: cfg.Model, guard: cfg.Guard}
	hc := &http.Client{Timeout: cfg.Timeout}
	if cfg.HTTPClient != nil {
		copied := *cfg.HTTPClient
		hc = &copied
	}
	// The size bound sits under the guard, so an oversized answer reaches
	// the guard as a failed attempt and counts towards the breaker.
	base := hc.Transport
	if base == nil {
		base = http.DefaultTransport
	}
	var rt http.RoundTripper = guard.LimitResponses(base, cfg.MaxResponseBytes)
	if cfg.Guard != nil {
		rt = cfg.Guard.Transport(Bucket, rt, guard.SDKClassify(Vendor, maxErrorBody, classifyResponse))
	}
	hc.Transport = rt

	c.sdk = sdk.NewClient(
		// Only cfg configures the client: no ANTHROPIC_* variable may
		// swap the key or the base URL behind the configuration's back.
		option.WithoutEnvironmentDefaults(),
		option.WithAPIKey(cfg.APIKey),
		option.WithBaseURL(strings.TrimRight(cfg.BaseURL, "/")+"/"),
		option.WithHTTPClient(hc),
		// Retries belong to the guard and River: an SDK retry would spend
		// quota behind the limiter's back and hold a worker slot.
		option.WithMaxRetries(0),
		// Also stops the SDK from refusing large max_tokens without
		// streaming: our timeout, not its estimate, bounds the call.
		option.WithRequestTimeout(cfg.Timeout),
	)
	return c, nil
}
