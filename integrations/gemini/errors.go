package gemini

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
	_ "time/tzdata" // per-day quotas reset at midnight Pacific, wherever we run
	"unicode/utf8"

	"google.golang.org/genai"

	"github.com/rtgs/sales-automation/integrations/guard"
)

// ErrResponseTooLarge is the cause inside the TransientError of an answer
// longer than Config.MaxResponseBytes.
var ErrResponseTooLarge = guard.ErrBodyTooLarge

// maxErrorBody bounds how much of an error answer is read.
const maxErrorBody = 64 << 10

// maxMessage bounds the vendor message kept in an error.
const maxMessage = 512

// defaultRetryAfter is the wait for a 429 that names none: Gemini's
// request limits are per minute.
const defaultRetryAfter = time.Minute

// Codes of APIError this package sets beyond Google's statuses
// (INVALID_ARGUMENT, PERMISSION_DENIED, NOT_FOUND, …).
const (
	// CodePromptBlocked is a prompt Gemini refused to answer
	// (promptFeedback.blockReason, no candidates); the message names the
	// reason. Retrying the same prompt will not help.
	CodePromptBlocked = "PROMPT_BLOCKED"
	// CodeInvalidRequest is a Request refused before any call.
	CodeInvalidRequest = "invalid_request"
)

// googleError is Google's error envelope.
type googleError struct {
	Error struct {
		Code    int              `json:"code"`
		Message string           `json:"message"`
		Status  string           `json:"status"`
		Details []map[string]any `json:"details"`
	} `json:"error"`
}

// classifyResponse maps an answer's status, headers and (bounded) body to
// nil or a typed guard error, for the guard's transport; mapError does the
// same from the SDK's genai.APIError.
func classifyResponse(status int, h http.Header, body []byte, now time.Time) error {
	if status >= 200 && status < 300 {
		return nil
	}
	var ge googleError
	_ = json.Unmarshal(body, &ge) // a non-JSON body still yields a status-based error
	msg := ge.Error.Message
	if msg == "" {
		msg = strings.TrimSpace(string(body))
	}
	return classify(status, ge.Error.Status, msg, ge.Error.Details, h, now)
}

// classify maps one Google error:
//
//   - 429 RESOURCE_EXHAUSTED → RateLimitError. A QuotaFailure violation of
//     a per-day quota (quotaId containing "PerDay") waits until the next
//     midnight Pacific, when Google resets daily quotas, whatever retryDelay
//     says; otherwise RetryInfo.retryDelay ("34s"), else Retry-After, else a
//     minute. Policy is the violated quotaId when Google names it.
//   - 408, 5xx (503 UNAVAILABLE: model overloaded) → TransientError.
//   - other 4xx → APIError with Google's status as Code.
func classify(code int, status, msg string, details []map[string]any, h http.Header, now time.Time) error {
	msg = bound(msg)
	if reason := detailString(details, "ErrorInfo", "reason"); reason != "" {
		msg += " (reason " + reason + ")"
	}
	switch {
	case code == http.StatusTooManyRequests:
		quota := quotaID(details)
		wait, ok := time.Duration(0), false
		if strings.Contains(quota, "PerDay") {
			wait, ok = nextPacificMidnight(now).Sub(now), true
		}
		if !ok {
			wait, ok = retryDelay(details)
		}
		if !ok {
			wait, ok = retryAfterHeader(h, now)
		}
		if !ok {
			wait = defaultRetryAfter
		}
		return &guard.RateLimitError{Vendor: Vendor, Bucket: Bucket, RetryAfter: max(wait, time.Second), Policy: cmpOr(quota, status, "RESOURCE_EXHAUSTED")}
	case code == http.StatusRequestTimeout || code >= 500:
		return &guard.TransientError{Vendor: Vendor, Status: code, Err: fmt.Errorf("%s: %s", cmpOr(status, http.StatusText(code)), msg)}
	case code >= 400:
		return &guard.APIError{Vendor: Vendor, Status: code, Code: status, Message: msg}
	default:
		return &guard.TransientError{Vendor: Vendor, Status: code, Err: fmt.Errorf("unexpected status: %s", msg)}
	}
}

// detailString is field of the first detail of type
// type.googleapis.com/google.rpc.<typ>.
func detailString(details []map[string]any, typ, field string) string {
	for _, d := range details {
		if d["@type"] == "type.googleapis.com/google.rpc."+typ {
			s, _ := d[field].(string)
			return s
		}
	}
	return ""
}

// quotaID is the first violated quota a QuotaFailure names, preferring a
// per-day one: it decides the wait.
func quotaID(details []map[string]any) string {
	first := ""
	for _, d := range details {
		if d["@type"] != "type.googleapis.com/google.rpc.QuotaFailure" {
			continue
		}
		vs, _ := d["violations"].([]any)
		for _, v := range vs {
			m, _ := v.(map[string]any)
			id, _ := m["quotaId"].(string)
			if strings.Contains(id, "PerDay") {
				return id
			}
			first = cmpOr(first, id)
		}
	}
	return first
}

// retryDelay reads RetryInfo.retryDelay, a protobuf Duration in its JSON
// form ("34s", "0.5s").
func retryDelay(details []map[string]any) (time.Duration, bool) {
	d, err := time.ParseDuration(detailString(details, "RetryInfo", "retryDelay"))
	if err != nil || d < 0 {
		return 0, false
	}
	return d, true
}

// retryAfterHeader reads Retry-After (seconds or HTTP date), which Google
// does not promise but a proxy in front of it may send.
func retryAfterHeader(h http.Header, now time.Time) (time.Duration, bool) {
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0, false
	}
	if s, err := strconv.ParseFloat(v, 64); err == nil && s >= 0 {
		return time.Duration(s * float64(time.Second)), true
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(t.Sub(now), 0), true
	}
	return 0, false
}

// nextPacificMidnight is when Google next resets per-day quotas.
func nextPacificMidnight(now time.Time) time.Time {
	loc, err := time.LoadLocation("America/Los_Angeles")
	if err != nil {
		loc = time.FixedZone("PST", -8*60*60) // tzdata is embedded; this is belt and braces
	}
	y, m, d := now.In(loc).Date()
	return time.Date(y, m, d+1, 0, 0, 0, 0, loc)
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

func cmpOr(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}

// mapError turns whatever the SDK returned into a typed guard error: the
// guard's own errors as they are, a genai.APIError by its code, status and
// details, the caller's cancellation as it is, and everything else
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
	if apiErr, ok := asAPIError(err); ok {
		// The SDK keeps no headers; Gemini sends no rate headers anyway.
		if cerr := classify(apiErr.Code, googleStatus(apiErr.Status), apiErr.Message, apiErr.Details, nil, time.Now()); cerr != nil {
			return cerr
		}
	}
	if errors.Is(ctx.Err(), context.Canceled) {
		return fmt.Errorf("gemini: %w", ctx.Err())
	}
	return &guard.TransientError{Vendor: Vendor, Err: boundedError{err}}
}

// asAPIError finds the SDK's error, which it returns by value today.
func asAPIError(err error) (genai.APIError, bool) {
	var v genai.APIError
	if errors.As(err, &v) {
		return v, true
	}
	var p *genai.APIError
	if errors.As(err, &p) && p != nil {
		return *p, true
	}
	return genai.APIError{}, false
}

// googleStatus keeps a Google status such as "UNAVAILABLE" and drops the
// HTTP status line ("502 Bad Gateway") the SDK puts there for a non-JSON
// answer.
func googleStatus(s string) string {
	if s == "" || strings.ContainsAny(s, " 0123456789") {
		return ""
	}
	return s
}

// boundedError keeps a cause's chain for errors.Is but bounds its text: the
// SDK's decode errors quote the whole answer (and whatever personal data
// it holds).
type boundedError struct{ err error }

func (e boundedError) Error() string {
	// Decode errors append the body after a newline: keep the first line.
	line, _, _ := strings.Cut(e.err.Error(), "\n")
	return bound(line)
}
func (e boundedError) Unwrap() error { return e.err }
