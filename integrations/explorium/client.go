// Package explorium is a client for Explorium's AgentSource API (v1):
// business and prospect matching, firmographics, prospect contact and profile
// enrichment, and the credit balance. Every call goes through one guarded
// path (rate limiter, breaker, classification) when a guard is configured.
package explorium

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
const Vendor = "explorium"

// Bucket is Explorium's only rate bucket: 200 requests per minute per key,
// shared by all endpoints.
const Bucket = "default"

// DefaultBaseURL is Explorium's production API.
const DefaultBaseURL = "https://api.explorium.ai"

// MaxBatch is the most inputs Explorium accepts in one match or bulk_enrich
// call.
const MaxBatch = 50

// DefaultMaxResponseBytes bounds how much of an answer the client reads: a
// full bulk firmographics page is well under 1 MiB.
const DefaultMaxResponseBytes = 8 << 20

// Auth schemes. Explorium's OpenAPI file declares the api_key header; one
// page of its docs shows a bearer token instead, so both can be chosen.
const (
	AuthAPIKeyHeader = "api_key"
	AuthBearer       = "bearer"
)

// Config configures a Client. Only APIKey is required.
type Config struct {
	// BaseURL defaults to DefaultBaseURL; point it at the simulator in tests.
	BaseURL string
	// APIKey is the account's key (from the environment, never logged).
	APIKey string
	// AuthScheme is AuthAPIKeyHeader (default) or AuthBearer.
	AuthScheme string
	// HTTPClient defaults to a client with a 30 s timeout.
	HTTPClient *http.Client
	// Guard, when set, wraps every call in the vendor's limiter and breaker
	// and receives the credits spent. Nil calls the vendor directly.
	Guard *guard.Guard
	// MaxResponseBytes bounds every read of a response body.
	MaxResponseBytes int64
}

// Client calls Explorium. It is safe for concurrent use.
type Client struct {
	baseURL  string
	apiKey   string
	scheme   string
	http     *http.Client
	guard    *guard.Guard
	maxBytes int64
}

// NewClient validates cfg and returns a client. Errors name the setting at
// fault so a misconfigured deployment fails at start.
func NewClient(cfg Config) (*Client, error) {
	cfg.BaseURL = cmp.Or(cfg.BaseURL, DefaultBaseURL)
	cfg.AuthScheme = cmp.Or(cfg.AuthScheme, AuthAPIKeyHeader)
	cfg.MaxResponseBytes = cmp.Or(cfg.MaxResponseBytes, DefaultMaxResponseBytes)
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Timeout: 30 * time.Second}
	}
	if strings.TrimSpace(cfg.APIKey) == "" {
		return nil, errors.New("explorium: Config.APIKey is empty: set the Explorium API key")
	}
	u, err := url.Parse(cfg.BaseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("explorium: Config.BaseURL %q is not an absolute http(s) URL", cfg.BaseURL)
	}
	if cfg.AuthScheme != AuthAPIKeyHeader && cfg.AuthScheme != AuthBearer {
		return nil, fmt.Errorf("explorium: Config.AuthScheme %q is neither %q nor %q", cfg.AuthScheme, AuthAPIKeyHeader, AuthBearer)
	}
	if cfg.MaxResponseBytes < 0 {
		return nil, fmt.Errorf("explorium: Config.MaxResponseBytes %d is negative", cfg.MaxResponseBytes)
	}
	return &Client{
		baseURL:  strings.TrimRight(cfg.BaseURL, "/"),
		apiKey:   cfg.APIKey,
		scheme:   cfg.AuthScheme,
		http:     cfg.HTTPClient,
		guard:    cfg.Guard,
		maxBytes: cfg.MaxResponseBytes,
	}, nil
}

// ResponseContext is the metadata Explorium puts on every answer.
type ResponseContext struct {
	CorrelationID     string  `json:"correlation_id"`
	RequestStatus     string  `json:"request_status"` // success, miss or failure
	TimeTookInSeconds float64 `json:"time_took_in_seconds"`
}

// CreditUsage is what one call cost. Explorium adds it to answers when the
// request carries `credit-usage: true`, which this client always sends.
type CreditUsage struct {
	TotalResults int   `json:"total_results"`
	TotalCredits int64 `json:"total_credits"`
}

// do sends one JSON request and decodes the answer into out. It is the only
// way this package talks to Explorium.
func (c *Client) do(ctx context.Context, method, path string, in, out any) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return fmt.Errorf("explorium: encode %s: %w", path, err)
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.baseURL+path, body)
	if err != nil {
		return fmt.Errorf("explorium: build %s: %w", path, err)
	}
	if c.scheme == AuthBearer {
		req.Header.Set("Authorization", "Bearer "+c.apiKey)
	} else {
		// Set directly: the lower-case name is what the spec declares, and
		// Go would otherwise send "Api_key".
		req.Header["api_key"] = []string{c.apiKey}
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("Credit-Usage", "true")
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}

	resp, err := c.send(ctx, req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	// classify has already read and checked the body; this cannot hit the
	// network again.
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		return &guard.TransientError{Vendor: Vendor, Status: resp.StatusCode, Err: fmt.Errorf("decode %s: %w", path, err)}
	}
	c.recordCredits(out)
	return nil
}

// send makes the call through the guard, or directly with the same
// classification when there is none.
func (c *Client) send(ctx context.Context, req *http.Request) (*http.Response, error) {
	if c.guard != nil {
		return c.guard.Do(ctx, Bucket, c.http, req, c.classify)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, transportError(ctx, err)
	}
	if err := c.classify(resp); err != nil {
		resp.Body.Close()
		return nil, err
	}
	return resp, nil
}

// transportError keeps a caller's cancellation as it is (not the vendor's
// fault) and turns everything else, timeouts included, into a TransientError.
func transportError(ctx context.Context, err error) error {
	if errors.Is(ctx.Err(), context.Canceled) {
		return fmt.Errorf("explorium: %w", ctx.Err())
	}
	return &guard.TransientError{Vendor: Vendor, Err: err}
}

// creditReporter is implemented by answers that carry credit_usage.
type creditReporter interface{ credits() int64 }

func (c *Client) recordCredits(out any) {
	if r, ok := out.(creditReporter); ok && c.guard != nil {
		if n := r.credits(); n > 0 {
			c.guard.RecordCredits(Bucket, n)
		}
	}
}

func (u *CreditUsage) credits() int64 {
	if u == nil {
		return 0
	}
	return u.TotalCredits
}

// checkBatch enforces Explorium's batch cap before any call is made.
func checkBatch(op string, n int) error {
	switch {
	case n == 0:
		return fmt.Errorf("explorium: %s: %w", op, &guard.APIError{Vendor: Vendor, Code: "empty_batch", Message: "no inputs"})
	case n > MaxBatch:
		return fmt.Errorf("explorium: %s: %w: %w", op, ErrBatchTooLarge,
			&guard.APIError{Vendor: Vendor, Code: "batch_too_large", Message: fmt.Sprintf("%d inputs, at most %d (MaxBatch) per call", n, MaxBatch)})
	}
	return nil
}

// ErrBatchTooLarge is returned, without calling Explorium, for more than
// MaxBatch inputs. The error is also a *guard.APIError (Status 0) so job
// code treats it as permanent.
var ErrBatchTooLarge = errors.New("batch too large")
