// Package hubspot is a client for HubSpot's CRM API as a private app:
// contacts and companies in batches of up to 100 (upsert, create, update,
// read) with 207 partial results mapped back to their inputs, search with
// cursor paging up to HubSpot's 10,000-result window, and default v4
// contact-to-company associations. Every call passes one guarded path
// (rate limiter, breaker, classification) when a guard is configured.
package hubspot

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/rtgs/sales-automation/integrations/guard"
)

// Vendor is this vendor's name in errors, metrics and guard configuration.
const Vendor = "hubspot"

// Guard buckets: search endpoints have their own limit and are exempt from
// the ten-secondly one; everything else shares "default".
const (
	BucketDefault = "default"
	BucketSearch  = "search"
)

// DefaultBaseURL is HubSpot's production API.
const DefaultBaseURL = "https://api.hubapi.com"

// VersionV3 selects the /crm/v3/objects and /crm/v4/associations paths,
// which HubSpot's docs now file as legacy; a date version such as
// "2026-03" selects /crm/objects/2026-03 and /crm/associations/2026-03.
// The bodies are the same.
const VersionV3 = "v3"

// DefaultMaxResponseBytes bounds how much of an answer the client reads: a
// batch of 100 objects with a few dozen properties is well under 1 MiB.
const DefaultMaxResponseBytes = 8 << 20

// maxErrorBytes bounds the read of an error answer.
const maxErrorBytes = 64 << 10

var dateVersion = regexp.MustCompile(`^\d{4}-\d{2}$`)

// Config configures a Client. Only Token is required.
type Config struct {
	// BaseURL defaults to DefaultBaseURL; point it at the simulator in tests.
	BaseURL string
	// Token is the private app's access token, sent as a Bearer token
	// (from the environment, never logged).
	Token string
	// Version is VersionV3 (default) or a date version like "2026-03".
	Version string
	// StringSorts sends search sorts as the spec's strings ("-createdate")
	// instead of the objects HubSpot's docs and clients send.
	StringSorts bool
	// HTTPClient defaults to a client with a 30 s timeout.
	HTTPClient *http.Client
	// Guard, when set, wraps every call in the vendor's limiter and
	// breaker. Nil calls HubSpot directly, classifying answers the same way.
	Guard *guard.Guard
	// MaxResponseBytes bounds every read of a response body.
	MaxResponseBytes int64
}

// DefaultGuardConfig is HubSpot's documented Free/Starter private-app
// limits for guard.New: 100 calls per ten seconds, search 5 per second,
// 250,000 calls a day for the account. Higher tiers raise them.
func DefaultGuardConfig() guard.Config {
	return guard.Config{
		Vendor: Vendor,
		Limits: map[string]guard.Limit{
			BucketDefault: {Rate: 100, Per: 10 * time.Second},
			BucketSearch:  {Rate: 5, Per: time.Second},
		},
		Daily: 250000,
	}
}

// Client calls HubSpot. It is safe for concurrent use.
type Client struct {
	baseURL     string
	token       string
	objects     string // path prefix of objects, e.g. "/crm/v3/objects"
	assocs      string // path prefix of associations, e.g. "/crm/v4/associations"
	stringSorts bool
	http        *http.Client
	guard       *guard.Guard
	maxBytes    int64

	// Contacts and Companies are the CRM object APIs; Associations links them.
	Contacts     *ObjectsService
	Companies    *ObjectsService
	Associations *AssociationsService
}

// NewClient validates cfg and returns a client. Errors name the setting at
// fault so a misconfigured deployment fails at start.
func NewClient(cfg Config) (*Client, error) {
	cfg.BaseURL = cmp.Or(cfg.BaseURL, DefaultBaseURL)
	cfg.Version = cmp.Or(cfg.Version, VersionV3)
	cfg.MaxResponseBytes = cmp.Or(cfg.MaxResponseBytes, DefaultMaxResponseBytes)
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Timeout: 30 * time.Second}
	}
	if strings.TrimSpace(cfg.Token) == "" {
		return nil, errors.New("hubspot: Config.Token is empty: set the private app access token")
	}
	u, err := url.Parse(cfg.BaseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("hubspot: Config.BaseURL %q is not an absolute http(s) URL", cfg.BaseURL)
	}
	if cfg.MaxResponseBytes < 0 {
		return nil, fmt.Errorf("hubspot: Config.MaxResponseBytes %d is negative", cfg.MaxResponseBytes)
	}
	c := &Client{
		baseURL:     strings.TrimRight(cfg.BaseURL, "/"),
		token:       cfg.Token,
		stringSorts: cfg.StringSorts,
		http:        cfg.HTTPClient,
		guard:       cfg.Guard,
		maxBytes:    cfg.MaxResponseBytes,
	}
	switch {
	case cfg.Version == VersionV3:
		c.objects, c.assocs = "/crm/v3/objects", "/crm/v4/associations"
	case dateVersion.MatchString(cfg.Version):
		c.objects, c.assocs = "/crm/objects/"+cfg.Version, "/crm/associations/"+cfg.Version
	default:
		return nil, fmt.Errorf("hubspot: Config.Version %q is neither %q nor a date version like \"2026-03\"", cfg.Version, VersionV3)
	}
	c.Contacts = &ObjectsService{c: c, objectType: ObjectContacts}
	c.Companies = &ObjectsService{c: c, objectType: ObjectCompanies}
	c.Associations = &AssociationsService{c: c}
	return c, nil
}

// do sends one JSON request and decodes the answer (200, 201 or 207) into
// out; a nil out expects no answer body (204) and reads none. It is the
// only way this package talks to HubSpot.
func (c *Client) do(ctx context.Context, bucket, method, path string, query url.Values, in, out any) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return fmt.Errorf("hubspot: encode %s: %w", path, err)
		}
		body = bytes.NewReader(b)
	}
	u := c.baseURL + path
	if len(query) > 0 {
		u += "?" + query.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, method, u, body)
	if err != nil {
		return fmt.Errorf("hubspot: build %s: %w", path, err)
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	req.Header.Set("Accept", "application/json")
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}

	resp, err := c.send(ctx, bucket, req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if out == nil {
		return nil
	}
	data, err := guard.ReadBody(resp, c.maxBytes)
	if err != nil {
		return withVendor(err)
	}
	// An HTML page from a proxy with a 200 is not HubSpot's answer.
	if mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type")); mt != "application/json" && !strings.HasSuffix(mt, "+json") {
		return &guard.TransientError{Vendor: Vendor, Status: resp.StatusCode, Err: fmt.Errorf("%s answered content type %q, not JSON", path, resp.Header.Get("Content-Type"))}
	}
	if err := json.Unmarshal(data, out); err != nil {
		return &guard.TransientError{Vendor: Vendor, Status: resp.StatusCode, Err: fmt.Errorf("decode %s: %w", path, err)}
	}
	return nil
}

// send makes the call through the guard, or directly with the same
// classification when there is none.
func (c *Client) send(ctx context.Context, bucket string, req *http.Request) (*http.Response, error) {
	classify := c.classifier(bucket)
	if c.guard != nil {
		return c.guard.Do(ctx, bucket, c.http, req, classify)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		// The caller's cancellation is not HubSpot's fault; everything
		// else, timeouts included, is worth a retry.
		if errors.Is(ctx.Err(), context.Canceled) {
			return nil, fmt.Errorf("hubspot: %w", ctx.Err())
		}
		return nil, &guard.TransientError{Vendor: Vendor, Err: err}
	}
	if err := classify(resp); err != nil {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxErrorBytes))
		resp.Body.Close()
		return nil, err
	}
	return resp, nil
}

// withVendor names the vendor in a TransientError from guard.ReadBody.
func withVendor(err error) error {
	var te *guard.TransientError
	if errors.As(err, &te) && te.Vendor == "" {
		te.Vendor = Vendor
	}
	return err
}
