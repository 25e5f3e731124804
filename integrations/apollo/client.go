// Package apollo is a client for Apollo.io's REST API (v1): people
// enrichment (single and bulk), the People API search, and organization
// enrichment (single and bulk). Every call goes through one guarded path
// (rate limiter, breaker, classification) when a guard is configured.
package apollo

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
const Vendor = "apollo"

// Apollo counts enrichment calls and everything else against separate limits.
const (
	// BucketEnrichment holds people and organization match and bulk calls
	// (1,000 per minute on paid plans, 50/200/600 per minute/hour/day on free).
	BucketEnrichment = "enrichment"
	// BucketDefault holds every other call, search included (200 per minute
	// and 400 per hour on Basic and Organization plans).
	BucketDefault = "default"
)

// DefaultBaseURL is Apollo's production API, version prefix included.
const DefaultBaseURL = "https://api.apollo.io/api/v1"

// MaxBulk is the most people or domains one bulk call accepts.
const MaxBulk = 10

// DefaultMaxResponseBytes bounds how much of an answer the client reads.
const DefaultMaxResponseBytes = 8 << 20

// Config configures a Client. Only APIKey is required.
type Config struct {
	// BaseURL defaults to DefaultBaseURL and includes the /api/v1 prefix.
	BaseURL string
	// APIKey is sent as x-api-key (from the environment, never logged).
	APIKey string
	// HTTPClient defaults to a client with a 30 s timeout.
	HTTPClient *http.Client
	// Guard, when set, wraps every call in the vendor's limiter and breaker
	// and receives the credits spent. Nil calls the vendor directly.
	Guard *guard.Guard
	// MaxResponseBytes bounds every read of a response body.
	MaxResponseBytes int64
	// OrganizationEnrichPOST sends organization enrichment as a POST with a
	// JSON body, as Apollo's CLI does, instead of the documented GET.
	OrganizationEnrichPOST bool
}

// Client calls Apollo. It is safe for concurrent use.
type Client struct {
	baseURL  string
	apiKey   string
	http     *http.Client
	guard    *guard.Guard
	maxBytes int64
	orgPOST  bool
	now      func() time.Time
}

// NewClient validates cfg and returns a client. Errors name the setting at
// fault so a misconfigured deployment fails at start.
func NewClient(cfg Config) (*Client, error) {
	cfg.BaseURL = cmp.Or(cfg.BaseURL, DefaultBaseURL)
	cfg.MaxResponseBytes = cmp.Or(cfg.MaxResponseBytes, DefaultMaxResponseBytes)
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Timeout: 30 * time.Second}
	}
	if strings.TrimSpace(cfg.APIKey) == "" {
		return nil, errors.New("apollo: Config.APIKey is empty: set the Apollo API key")
	}
	u, err := url.Parse(cfg.BaseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("apollo: Config.BaseURL %q is not an absolute http(s) URL", cfg.BaseURL)
	}
	if cfg.MaxResponseBytes < 0 {
		return nil, fmt.Errorf("apollo: Config.MaxResponseBytes %d is negative", cfg.MaxResponseBytes)
	}
	return &Client{
		baseURL:  strings.TrimRight(cfg.BaseURL, "/"),
		apiKey:   cfg.APIKey,
		http:     cfg.HTTPClient,
		guard:    cfg.Guard,
		maxBytes: cfg.MaxResponseBytes,
		orgPOST:  cfg.OrganizationEnrichPOST,
		now:      time.Now,
	}, nil
}

// do sends one request and decodes the JSON answer into out. It is the only
// way this package talks to Apollo.
func (c *Client) do(ctx context.Context, bucket, method, path string, query url.Values, in, out any) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return fmt.Errorf("apollo: encode %s: %w", path, err)
		}
		body = bytes.NewReader(b)
	}
	u := c.baseURL + path
	if len(query) > 0 {
		u += "?" + query.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, method, u, body)
	if err != nil {
		return fmt.Errorf("apollo: build %s: %w", path, err)
	}
	req.Header.Set("x-api-key", c.apiKey)
	req.Header.Set("Accept", "application/json")
	req.Header.Set("Cache-Control", "no-cache")
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}

	resp, err := c.send(ctx, bucket, req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	// classify has already read and checked the body.
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		return &guard.TransientError{Vendor: Vendor, Status: resp.StatusCode, Err: fmt.Errorf("decode %s: %w", path, err)}
	}
	return nil
}

// send makes the call through the guard, or directly with the same
// classification when there is none.
func (c *Client) send(ctx context.Context, bucket string, req *http.Request) (*http.Response, error) {
	classify := func(resp *http.Response) error { return c.classify(bucket, resp) }
	if c.guard != nil {
		return c.guard.Do(ctx, bucket, c.http, req, classify)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		if errors.Is(ctx.Err(), context.Canceled) {
			return nil, fmt.Errorf("apollo: %w", ctx.Err()) // the caller's choice, not Apollo's fault
		}
		return nil, &guard.TransientError{Vendor: Vendor, Err: err}
	}
	if err := classify(resp); err != nil {
		resp.Body.Close()
		return nil, err
	}
	return resp, nil
}

// recordCredits reports credits spent to the guard's accounting.
func (c *Client) recordCredits(bucket string, n int64) {
	if c.guard != nil && n > 0 {
		c.guard.RecordCredits(bucket, n)
	}
}

// ErrBatchTooLarge is returned, without calling Apollo, for more than
// MaxBulk inputs. The error is also a *guard.APIError (Status 0) so job code
// treats it as permanent.
var ErrBatchTooLarge = errors.New("batch too large")

// invalid is a request refused before any call; it is permanent.
func invalid(op, code, msg string) error {
	return fmt.Errorf("apollo: %s: %w", op, &guard.APIError{Vendor: Vendor, Code: code, Message: msg})
}

// checkBulk enforces Apollo's bulk cap before any call is made.
func checkBulk(op string, n int) error {
	switch {
	case n == 0:
		return invalid(op, "empty_batch", "no inputs")
	case n > MaxBulk:
		return fmt.Errorf("apollo: %s: %w: %w", op, ErrBatchTooLarge,
			&guard.APIError{Vendor: Vendor, Code: "batch_too_large", Message: fmt.Sprintf("%d inputs, at most %d (MaxBulk) per call", n, MaxBulk)})
	}
	return nil
}
