package jobs

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/rtgs/sales-automation/engine"
)

// Bounds of one webhook call.
const (
	webhookTimeout  = 30 * time.Second
	webhookMaxReply = 1 << 20
)

// webhook is the http_webhook action: a call to a host of the allowlist,
// carrying the step's idempotency key, never following a redirect (which
// could lead off the list).
type webhook struct {
	hosts  []string
	client *http.Client
}

func newWebhook(hosts []string) *webhook {
	return &webhook{hosts: hosts, client: &http.Client{
		Timeout:       webhookTimeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

type webhookInput struct {
	URL     string            `json:"url"`
	Method  string            `json:"method"`
	Headers map[string]string `json:"headers"`
	Body    any               `json:"body"`
}

// allowed reports whether u's host (with or without its port) is listed.
func (w *webhook) allowed(u *url.URL) bool {
	return slices.Contains(w.hosts, u.Host) || slices.Contains(w.hosts, u.Hostname())
}

// Run implements engine.Action: 2xx is the output ({status, body}); a
// refusal (4xx other than 429) fails the step; anything else is retried.
func (w *webhook) Run(ctx context.Context, in engine.Invocation) (any, error) {
	args, err := decodeInputs[webhookInput](in)
	if err != nil {
		return nil, err
	}
	u, err := url.Parse(args.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.User != nil {
		return nil, &engine.PermanentError{Err: fmt.Errorf("url %q: want an http or https URL without credentials", args.URL)}
	}
	switch {
	case len(w.hosts) == 0:
		return nil, &engine.PermanentError{Err: fmt.Errorf("host %q: WORKFLOW_WEBHOOK_HOSTS is empty, so http_webhook may call no host", u.Host)}
	case !w.allowed(u):
		return nil, &engine.PermanentError{Err: fmt.Errorf("host %q is not in WORKFLOW_WEBHOOK_HOSTS", u.Host)}
	}
	method := strings.ToUpper(args.Method)
	if method == "" {
		method = http.MethodPost
	}
	var body io.Reader
	if args.Body != nil {
		raw, err := json.Marshal(args.Body)
		if err != nil {
			return nil, &engine.PermanentError{Err: fmt.Errorf("body: %w", err)}
		}
		body = bytes.NewReader(raw)
	}
	req, err := http.NewRequestWithContext(ctx, method, u.String(), body)
	if err != nil {
		return nil, &engine.PermanentError{Err: err}
	}
	for k, v := range args.Headers {
		req.Header.Set(k, v)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Idempotency-Key", in.IdempotencyKey)
	resp, err := w.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("webhook: %w", err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, webhookMaxReply))
	if err != nil {
		return nil, fmt.Errorf("webhook reply: %w", err)
	}
	var reply any = string(raw)
	var parsed any
	if json.Unmarshal(raw, &parsed) == nil {
		reply = parsed
	}
	switch {
	case resp.StatusCode >= 200 && resp.StatusCode < 300:
		return map[string]any{"status": resp.StatusCode, "body": reply}, nil
	case resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500:
		return nil, fmt.Errorf("webhook answered %d", resp.StatusCode)
	}
	return nil, &engine.PermanentError{Err: errors.New("webhook refused the call with " + resp.Status)}
}
