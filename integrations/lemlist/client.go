// Package lemlist is a client for lemlist's REST API: campaigns, adding,
// unsubscribing and removing leads, global unsubscribes, activities and
// webhooks ("hooks"). LinkedIn steps of our campaigns run through lemlist
// too, as LinkedIn has no API open to this use. Every call goes through one
// guarded path (rate limiter, breaker, classification) when a guard is
// configured.
package lemlist

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/rtgs/sales-automation/integrations/guard"
)

// Vendor is this vendor's name in errors, metrics and guard buckets.
const Vendor = "lemlist"

// Bucket is lemlist's only rate bucket: 20 requests per 2 seconds per API
// key, on all routes.
const Bucket = "default"

// DefaultBaseURL is lemlist's production API.
const DefaultBaseURL = "https://api.lemlist.com/api"

// DefaultMaxResponseBytes bounds how much of an answer the client reads: a
// page of 100 activities with nested leads is well under 1 MiB.
const DefaultMaxResponseBytes = 8 << 20

// DefaultTimeout is the timeout of the HTTP client built when Config has
// none.
const DefaultTimeout = 30 * time.Second

// Global unsubscribe endpoints. lemlist keeps the legacy one
// (POST /unsubscribes/{emailOrDomain}) beside the v2 variables one
// (POST /v2/unsubscribes/variables/{value}, documented as idempotent); which
// one an account should use is not settled, so it is configuration.
const (
	UnsubscribeLegacy = "legacy"
	UnsubscribeV2     = "v2"
)

// Config configures a Client. Only APIKey is required.
type Config struct {
	// BaseURL defaults to DefaultBaseURL; point it at the simulator
	// (…/lemlist) in tests and `rtgs dev`.
	BaseURL string
	// APIKey is the account's key (LEMLIST_API_KEY; never logged). It is
	// sent as the password of HTTP Basic auth with an empty user name.
	APIKey string
	// HTTPClient defaults to a client with DefaultTimeout.
	HTTPClient *http.Client
	// Guard, when set, wraps every call in the vendor's limiter and breaker.
	// Nil calls lemlist directly with the same classification.
	Guard *guard.Guard
	// MaxResponseBytes bounds every read of a response body.
	MaxResponseBytes int64
	// UnsubscribeAPI is UnsubscribeLegacy (default) or UnsubscribeV2.
	UnsubscribeAPI string
}

// DefaultGuardConfig is lemlist's documented limit for guard.New: 20 calls
// per 2 seconds per API key, on all routes, in the one bucket, spread over
// DefaultSlack more.
func DefaultGuardConfig() guard.Config {
	return guard.Config{
		Vendor: Vendor,
		Limits: map[string]guard.Limit{Bucket: {Rate: 20, Per: Window}},
		Slack:  DefaultSlack,
	}
}

// DefaultSlack is how much longer than Window 20 calls take by default
// (LEMLIST_RATE_SLACK): lemlist counts calls as they reach it, so the
// delay between our grant and its count must not crowd 21 into a window.
const DefaultSlack = 150 * time.Millisecond

// Client calls lemlist. It is safe for concurrent use.
type Client struct {
	baseURL     string
	apiKey      string
	http        *http.Client
	guard       *guard.Guard
	maxBytes    int64
	unsubscribe string
}

// NewClient validates cfg and returns a client. Errors name the setting at
// fault so a misconfigured deployment fails at start.
func NewClient(cfg Config) (*Client, error) {
	cfg.BaseURL = cmp.Or(cfg.BaseURL, DefaultBaseURL)
	cfg.MaxResponseBytes = cmp.Or(cfg.MaxResponseBytes, DefaultMaxResponseBytes)
	cfg.UnsubscribeAPI = cmp.Or(cfg.UnsubscribeAPI, UnsubscribeLegacy)
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Timeout: DefaultTimeout}
	}
	if strings.TrimSpace(cfg.APIKey) == "" {
		return nil, errors.New("lemlist: Config.APIKey is empty: set LEMLIST_API_KEY")
	}
	u, err := url.Parse(cfg.BaseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("lemlist: Config.BaseURL %q (LEMLIST_BASE_URL) is not an absolute http(s) URL", cfg.BaseURL)
	}
	if cfg.MaxResponseBytes < 0 {
		return nil, fmt.Errorf("lemlist: Config.MaxResponseBytes %d is negative", cfg.MaxResponseBytes)
	}
	if cfg.UnsubscribeAPI != UnsubscribeLegacy && cfg.UnsubscribeAPI != UnsubscribeV2 {
		return nil, fmt.Errorf("lemlist: Config.UnsubscribeAPI %q is neither %q nor %q", cfg.UnsubscribeAPI, UnsubscribeLegacy, UnsubscribeV2)
	}
	return &Client{
		baseURL:     strings.TrimRight(cfg.BaseURL, "/"),
		apiKey:      cfg.APIKey,
		http:        cfg.HTTPClient,
		guard:       cfg.Guard,
		maxBytes:    cfg.MaxResponseBytes,
		unsubscribe: cfg.UnsubscribeAPI,
	}, nil
}

// do sends one request and decodes the JSON answer into out (which may be
// nil). path is relative to the base URL and already escaped; q may be nil.
// It is the only way this package talks to lemlist.
func (c *Client) do(ctx context.Context, method, path string, q url.Values, in, out any) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return fmt.Errorf("encode %s %s: %w", method, path, err)
		}
		body = bytes.NewReader(b)
	}
	target := c.baseURL + path
	if len(q) > 0 {
		target += "?" + q.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, method, target, body)
	if err != nil {
		return fmt.Errorf("build %s %s: %w", method, path, err)
	}
	req.SetBasicAuth("", c.apiKey)
	req.Header.Set("Accept", "application/json")
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}

	resp, err := c.send(ctx, req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if out == nil || resp.StatusCode == http.StatusNoContent {
		return nil
	}
	// classify has already read and checked the body; this cannot hit the
	// network again.
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		return &guard.TransientError{Vendor: Vendor, Status: resp.StatusCode, Err: fmt.Errorf("decode %s %s: %w", method, path, err)}
	}
	return nil
}

// send makes the call through the guard, or directly with the same
// classification when there is none.
func (c *Client) send(ctx context.Context, req *http.Request) (*http.Response, error) {
	if c.guard != nil {
		resp, err := c.guard.Do(ctx, Bucket, c.http, req, c.classify)
		return resp, redactURL(err)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, redactURL(transportError(ctx, err))
	}
	if err := c.classify(resp); err != nil {
		resp.Body.Close()
		return nil, err
	}
	return resp, nil
}

// redactURL removes email addresses from the URL a transport error quotes:
// lead and unsubscribe paths carry them, and job errors are stored and
// logged.
func redactURL(err error) error {
	var ue *url.Error
	if !errors.As(err, &ue) {
		return err
	}
	u, perr := url.Parse(ue.URL)
	if perr != nil {
		ue.URL = "(unparsable URL)"
		return err
	}
	segs := strings.Split(u.Path, "/")
	for i, s := range segs {
		if strings.Contains(s, "@") {
			segs[i] = "EMAIL-REDACTED"
		}
	}
	u.Path, u.RawPath, u.RawQuery, u.User = strings.Join(segs, "/"), "", "", nil
	ue.URL = u.String()
	return err
}

// transportError keeps a caller's cancellation as it is (not the vendor's
// fault, so it must not count towards the breaker) and turns everything
// else, timeouts included, into a TransientError.
func transportError(ctx context.Context, err error) error {
	if errors.Is(ctx.Err(), context.Canceled) {
		return ctx.Err()
	}
	return &guard.TransientError{Vendor: Vendor, Err: err}
}

// wrap names the vendor and the operation; the typed error stays reachable
// with errors.As.
func wrap(op string, err error) error {
	return fmt.Errorf("lemlist: %s: %w", op, err)
}

// invalid reports a request refused before any call: the caller's fault, so
// permanent (a *guard.APIError with Status 0).
func invalid(op, format string, args ...any) error {
	return wrap(op, &guard.APIError{Vendor: Vendor, Code: CodeInvalidRequest, Message: fmt.Sprintf(format, args...)})
}
