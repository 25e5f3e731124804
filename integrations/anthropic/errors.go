package anthropic

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	sdk "github.com/anthropics/anthropic-sdk-go"

	"github.com/rtgs/sales-automation/integrations/guard"
)

// ErrResponseTooLarge is the cause inside the TransientError of an answer
// longer than Config.MaxResponseBytes.
var ErrResponseTooLarge = guard.ErrBodyTooLarge

// maxErrorBody bounds how much of an error answer is read.
const maxErrorBody = 64 << 10

// maxMessage bounds the vendor message kept in an error.
const maxMessage = 512

// defaultRetryAfter is the wait for a 429 that names none: Anthropic's
// limits are per minute, so a minute always clears the window.
const defaultRetryAfter = time.Minute

// Codes of APIError this package sets beyond Anthropic's error types
// (authentication_error, invalid_request_error, not_found_error, …).
const (
	// CodeSpendLimit is a 429 for an organisation whose monthly spend limit
	// is used up: permanent until the month resets, so jobs cancel.
	CodeSpendLimit = "enforced_spend_limit_reached"
	// CodeInvalidRequest is a Request refused before any call.
	CodeInvalidRequest = "invalid_request"
)

// errorBody is Anthropic's error envelope.
type errorBody struct {
	Error struct {
		Type    string `json:"type"`
		Message string `json:"message"`
		Details struct {
			ErrorCode string `json:"error_code"`
		} `json:"details"`
	} `json:"error"`
	RequestID string `json:"request_id"`
}

// classifyResponse maps an answer's status, headers and (bounded) body to
// nil or a typed guard error:
//
//   - 429 → RateLimitError waiting retry-after-ms / retry-after, else until
//     the exhausted anthropic-ratelimit-*-reset, else a minute; except a 429
//     with error_code enforced_spend_limit_reached and no retry-after, which
//     is a permanent APIError (CodeSpendLimit).
//   - 529 overloaded_error → RateLimitError (Policy "overloaded_error") when
//     it carries retry-after, so the job waits as told without feeding the
//     breaker; else TransientError, so repeated overloads open the breaker.
//   - 408, 409 (Anthropic's SDKs retry it), 5xx → TransientError.
//   - other 4xx → APIError with Anthropic's error type as Code.
//
// x-should-retry, which Anthropic sets for its own SDKs, overrides the
// status for everything but 429: "false" makes the error permanent, "true"
// retryable.
func classifyResponse(status int, h http.Header, body []byte, now time.Time) error {
	if status >= 200 && status < 300 {
		return nil
	}
	var eb errorBody
	_ = json.Unmarshal(body, &eb) // a non-JSON body still yields a status-based error
	msg := message(eb, body)
	wait, hasWait := retryAfter(h, now)
	hint := strings.ToLower(strings.TrimSpace(h.Get("x-should-retry")))
	permanent := &guard.APIError{Vendor: Vendor, Status: status, Code: eb.Error.Type, Message: msg}
	transient := &guard.TransientError{Vendor: Vendor, Status: status, Err: fmt.Errorf("%s: %s", cmpOr(eb.Error.Type, http.StatusText(status)), msg)}

	switch {
	case status == http.StatusTooManyRequests:
		if eb.Error.Details.ErrorCode == CodeSpendLimit && !hasWait {
			permanent.Code = CodeSpendLimit
			return permanent
		}
		if !hasWait {
			wait = resetWait(h, now)
		}
		return &guard.RateLimitError{Vendor: Vendor, Bucket: Bucket, RetryAfter: max(wait, time.Second), Policy: cmpOr(eb.Error.Type, "rate_limit_error")}
	case hint == "false":
		return permanent
	case status == 529 && hasWait:
		return &guard.RateLimitError{Vendor: Vendor, Bucket: Bucket, RetryAfter: max(wait, time.Second), Policy: "overloaded_error"}
	case hint == "true", status == http.StatusRequestTimeout, status == http.StatusConflict, status >= 500:
		return transient
	case status >= 400:
		return permanent
	default:
		return &guard.TransientError{Vendor: Vendor, Status: status, Err: fmt.Errorf("unexpected status: %s", msg)}
	}
}

// retryAfter reads retry-after-ms, then retry-after (seconds or HTTP date).
func retryAfter(h http.Header, now time.Time) (time.Duration, bool) {
	if v := strings.TrimSpace(h.Get("retry-after-ms")); v != "" {
		if ms, err := strconv.ParseFloat(v, 64); err == nil && ms >= 0 {
			return time.Duration(ms * float64(time.Millisecond)), true
		}
	}
	if v := strings.TrimSpace(h.Get("retry-after")); v != "" {
		if s, err := strconv.ParseFloat(v, 64); err == nil && s >= 0 {
			return time.Duration(s * float64(time.Second)), true
		}
		if t, err := http.ParseTime(v); err == nil {
			return max(t.Sub(now), 0), true
		}
	}
	return 0, false
}

// resetWait is how long until the latest reset (RFC 3339) among the
// anthropic-ratelimit-* limits that are exhausted, or defaultRetryAfter when
// no header tells.
func resetWait(h http.Header, now time.Time) time.Duration {
	var wait time.Duration
	for _, kind := range []string{"requests", "tokens", "input-tokens", "output-tokens"} {
		prefix := "anthropic-ratelimit-" + kind + "-"
		if strings.TrimSpace(h.Get(prefix+"remaining")) != "0" {
			continue
		}
		if t, err := time.Parse(time.RFC3339, strings.TrimSpace(h.Get(prefix+"reset"))); err == nil {
			wait = max(wait, t.Sub(now))
		}
	}
	if wait <= 0 {
		return defaultRetryAfter
	}
	return wait
}

// message is the vendor's message with its request id, bounded.
func message(eb errorBody, raw []byte) string {
	msg := eb.Error.Message
	if msg == "" {
		msg = strings.TrimSpace(string(raw))
	}
	if eb.RequestID != "" {
		msg += " (request_id " + eb.RequestID + ")"
	}
	return bound(msg)
}

// bound cuts s to maxMessage bytes, on a rune boundary.
func bound(s string) string {
	if len(s) <= maxMessage {
		return s
	}
	i := maxMessage
	for i > 0 && !utf8.RuneStart(s[i]) {
		i--
	}
	return s[:i] + "…"
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// mapError turns whatever the SDK returned into a typed guard error: the
// guard's own errors as they are (its limiter or breaker refused, or its
// classification failed the attempt), an *sdk.Error by its status, headers
// and body, the caller's cancellation as it is, and everything else
// (timeouts, connection errors, malformed or oversized answers) as a
// TransientError with a bounded message.
func mapError(ctx context.Context, err error) error {
	var (
		rl *guard.RateLimitError
		bo *guard.BreakerOpenError
		ae *guard.APIError
		te *guard.TransientError
	)
	switch {
	case errors.As(err, &rl):
		return rl
	case errors.As(err, &bo):
		return bo
	case errors.As(err, &ae):
		return ae
	case errors.As(err, &te):
		return te
	}
	var apiErr *sdk.Error
	if errors.As(err, &apiErr) {
		var h http.Header
		var body []byte
		if apiErr.Response != nil {
			h = apiErr.Response.Header
		}
		if raw := apiErr.RawJSON(); raw != "" {
			body = []byte(raw)
		} else if apiErr.Response != nil && apiErr.Response.Body != nil {
			// The SDK put the buffered body back; it is in memory already.
			body, _ = io.ReadAll(io.LimitReader(apiErr.Response.Body, maxErrorBody))
		}
		if cerr := classifyResponse(apiErr.StatusCode, h, body, time.Now()); cerr != nil {
			return cerr
		}
	}
	if errors.Is(ctx.Err(), context.Canceled) {
		return fmt.Errorf("anthropic: %w", ctx.Err())
	}
	return &guard.TransientError{Vendor: Vendor, Err: boundedError{err}}
}

// boundedError keeps a cause's chain for errors.Is but bounds its text,
// which from a decode failure could otherwise quote the answer (and
// whatever personal data it holds) at length.
type boundedError struct{ err error }

func (e boundedError) Error() string {
	// Decode errors append the body after a newline: keep the first line.
	line, _, _ := strings.Cut(e.err.Error(), "\n")
	return bound(line)
}
func (e boundedError) Unwrap() error { return e.err }
