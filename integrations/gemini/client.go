// Package gemini is a thin client for Google's Gemini API (generateContent)
// over the official Go SDK (google.golang.org/genai). The SDK gets our own
// *http.Client, whose transport passes every attempt through the vendor's
// guard (limiter, breaker, classification) when one is configured; SDK
// retries and automatic continuation stay off, so one Complete is one HTTP
// call and our guard and River own the retry policy. Every failure maps to
// the guard package's typed errors; callers use Complete with this
// package's Request and Response and never see SDK types.
package gemini

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"google.golang.org/genai"

	"github.com/rtgs/sales-automation/integrations/guard"
)

// Vendor is this vendor's name in errors, metrics and guard buckets.
const Vendor = "gemini"

// Bucket is the one rate bucket the client uses: Gemini meters requests
// per project and model, not per endpoint.
const Bucket = "default"

// Defaults applied by NewClient.
const (
	// DefaultBaseURL is the Gemini API's production host.
	DefaultBaseURL = "https://generativelanguage.googleapis.com"
	// DefaultAPIVersion is the version generateContent is documented under.
	DefaultAPIVersion = "v1beta"
	// DefaultModel is the model used when neither Config nor Request names one.
	DefaultModel = "gemini-2.5-flash"
	// DefaultTimeout bounds one call; a long answer takes tens of seconds.
	DefaultTimeout = 2 * time.Minute
	// DefaultMaxResponseBytes bounds what is read of any answer.
	DefaultMaxResponseBytes = 8 << 20
)

// Config configures a Client. Only APIKey is required.
type Config struct {
	// APIKey is the project's key (from the environment, never logged).
	APIKey string
	// BaseURL defaults to DefaultBaseURL; point it at the simulator
	// (".../gemini") in tests and `rtgs dev`.
	BaseURL string
	// APIVersion defaults to DefaultAPIVersion ("v1" also serves
	// generateContent).
	APIVersion string
	// Model defaults to DefaultModel.
	Model string
	// HTTPClient is copied, never modified: the copy's transport is wrapped
	// to bound response sizes and, with a Guard, to pass the guard. Nil
	// means a client with Timeout.
	HTTPClient *http.Client
	// Guard, when set, wraps every HTTP attempt in the vendor's limiter and
	// breaker and receives the tokens spent as credits. Nil calls Gemini
	// directly with the same error mapping.
	Guard *guard.Guard
	// Timeout bounds each call, answer included; defaults to DefaultTimeout.
	Timeout time.Duration
	// MaxResponseBytes bounds every read of a response body; defaults to
	// DefaultMaxResponseBytes.
	MaxResponseBytes int64
}

// Client calls the Gemini API. It is safe for concurrent use.
type Client struct {
	models *genai.Models
	model  string
	guard  *guard.Guard
}

// NewClient validates cfg and returns a client. Errors name the setting at
// fault so a misconfigured deployment fails at start.
func NewClient(cfg Config) (*Client, error) {
	cfg.BaseURL = cmp.Or(cfg.BaseURL, DefaultBaseURL)
	cfg.APIVersion = cmp.Or(cfg.APIVersion, DefaultAPIVersion)
	cfg.Model = cmp.Or(cfg.Model, DefaultModel)
	cfg.Timeout = cmp.Or(cfg.Timeout, DefaultTimeout)
	cfg.MaxResponseBytes = cmp.Or(cfg.MaxResponseBytes, DefaultMaxResponseBytes)
	if strings.TrimSpace(cfg.APIKey) == "" {
		return nil, errors.New("gemini: Config.APIKey is empty: set the Gemini API key")
	}
	u, err := url.Parse(cfg.BaseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("gemini: Config.BaseURL %q is not an absolute http(s) URL", cfg.BaseURL)
	}
	if strings.ContainsAny(cfg.APIVersion, "/?# ") {
		return nil, fmt.Errorf("gemini: Config.APIVersion %q is not a version such as v1beta", cfg.APIVersion)
	}
	if cfg.Timeout < 0 {
		return nil, fmt.Errorf("gemini: Config.Timeout %s is negative", cfg.Timeout)
	}
	if cfg.MaxResponseBytes < 0 {
		return nil, fmt.Errorf("gemini: Config.MaxResponseBytes %d is negative", cfg.MaxResponseBytes)
	}

	c := &Client{model: cfg.Model, guard: cfg.Guard}
	hc := &http.Client{Timeout: cfg.Timeout}
	if cfg.HTTPClient != nil {
		copied := *cfg.HTTPClient
		hc = &copied
	}
	base := hc.Transport
	if base == nil {
		base = http.DefaultTransport
	}
	// The size bound sits under the guard, so an oversized answer reaches
	// the guard as a failed attempt and counts towards the breaker.
	var rt http.RoundTripper = guard.LimitResponses(base, cfg.MaxResponseBytes)
	if cfg.Guard != nil {
		rt = cfg.Guard.Transport(Bucket, rt, guard.SDKClassify(Vendor, maxErrorBody, classifyResponse))
	}
	hc.Transport = rt

	timeout := cfg.Timeout
	// Every field is set explicitly so that no GOOGLE_* or GEMINI_*
	// variable can switch the backend, the key or the host behind the
	// configuration's back. RetryOptions stays nil: the SDK then makes a
	// single attempt.
	sdk, err := genai.NewClient(context.Background(), &genai.ClientConfig{
		APIKey:     cfg.APIKey,
		Backend:    genai.BackendGeminiAPI,
		HTTPClient: hc,
		HTTPOptions: genai.HTTPOptions{
			BaseURL:    strings.TrimRight(cfg.BaseURL, "/") + "/",
			APIVersion: cfg.APIVersion,
			Timeout:    &timeout,
		},
	})
	if err != nil {
		// The SDK's message would print the whole config, key included.
		return nil, errors.New("gemini: the SDK refused the configuration")
	}
	c.models = sdk.Models
	return c, nil
}
