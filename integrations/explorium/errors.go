package explorium

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/rtgs/sales-automation/integrations/guard"
)

// maxErrorBody bounds how much of an error answer is read: enough for any
// message Explorium writes, not enough for a hostile body to matter.
const maxErrorBody = 64 << 10

// maxMessage bounds the vendor message kept in an APIError.
const maxMessage = 512

// maxRetryAfter caps any wait read from an answer, so a garbled header or
// body cannot park jobs for years or overflow a Duration.
const maxRetryAfter = 7 * 24 * time.Hour

// defaultRetryAfter is used when a 429 carries neither Retry-After, a
// retry_after field nor a usable X-RateLimit-Reset: the documented window.
const defaultRetryAfter = 60 * time.Second

// errorBody holds every error shape Explorium documents: the generic one
// (details, correlation_id), FastAPI's 422 (detail[]), and both 429 forms
// (error or code, message, retry_after).
type errorBody struct {
	Details       string          `json:"details"`
	CorrelationID string          `json:"correlation_id"`
	Detail        json.RawMessage `json:"detail"`
	Error         string          `json:"error"`
	Code          json.RawMessage `json:"code"`
	Message       string          `json:"message"`
	RetryAfter    json.Number     `json:"retry_after"`
}

// validationItem is one entry of a FastAPI 422 detail list.
type validationItem struct {
	Loc  []any  `json:"loc"`
	Msg  string `json:"msg"`
	Type string `json:"type"`
}

// classify turns an answer into nil or a typed guard error. On success it
// reads the whole body (bounded) and checks it is JSON, so a truncated,
// oversized or non-JSON answer counts towards the breaker like a 5xx; the
// body is then replaced by the buffered copy for do to decode.
func (c *Client) classify(resp *http.Response) error {
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		b, err := c.readJSON(resp)
		if err != nil {
			return &guard.TransientError{Vendor: Vendor, Status: resp.StatusCode, Err: err}
		}
		resp.Body.Close()
		resp.Body = io.NopCloser(bytes.NewReader(b))
		return nil
	}

	raw, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	var eb errorBody
	_ = json.Unmarshal(raw, &eb) // a non-JSON error body still yields a status-based error
	msg := eb.message(raw)

	switch {
	case resp.StatusCode == http.StatusTooManyRequests:
		return &guard.RateLimitError{Vendor: Vendor, Bucket: Bucket, RetryAfter: max(retryAfter(resp.Header, eb, time.Now()), time.Second), Policy: eb.Error}
	case resp.StatusCode == http.StatusRequestTimeout || resp.StatusCode >= 500:
		return &guard.TransientError{Vendor: Vendor, Status: resp.StatusCode, Err: errors.New(msg)}
	case resp.StatusCode >= 400:
		return &guard.APIError{Vendor: Vendor, Status: resp.StatusCode, Code: eb.code(resp.StatusCode), Message: msg}
	default:
		return &guard.TransientError{Vendor: Vendor, Status: resp.StatusCode, Err: fmt.Errorf("unexpected status: %s", msg)}
	}
}

// readJSON reads a success body, refusing wrong content types, bodies over
// the limit and bodies that are not complete JSON values.
func (c *Client) readJSON(resp *http.Response) ([]byte, error) {
	return guard.ReadJSON(resp, c.maxBytes)
}

// message picks the vendor's human-readable message from whichever shape
// arrived, falling back to the raw body.
func (eb errorBody) message(raw []byte) string {
	var msg string
	switch {
	case eb.Details != "":
		msg = eb.Details
	case eb.Message != "":
		msg = eb.Message
	case len(eb.Detail) > 0:
		msg = detailMessage(eb.Detail)
	default:
		msg = strings.TrimSpace(string(raw))
	}
	if eb.CorrelationID != "" {
		msg += " (correlation_id " + eb.CorrelationID + ")"
	}
	if len(msg) > maxMessage {
		msg = msg[:maxMessage] + "…"
	}
	return msg
}

// detailMessage renders FastAPI's detail, a list of validation items or,
// from some handlers, a plain string.
func detailMessage(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var items []validationItem
	if json.Unmarshal(raw, &items) != nil {
		return string(raw)
	}
	parts := make([]string, 0, len(items))
	for _, it := range items {
		loc := make([]string, 0, len(it.Loc))
		for _, l := range it.Loc {
			loc = append(loc, fmt.Sprint(l))
		}
		parts = append(parts, strings.Join(loc, ".")+": "+it.Msg)
	}
	return strings.Join(parts, "; ")
}

// code is the vendor's error code when it gave one, else a name for the
// status that callers can branch on (403 is Explorium's "out of credits").
func (eb errorBody) code(status int) string {
	if eb.Error != "" {
		return eb.Error
	}
	if len(eb.Detail) > 0 {
		var items []validationItem
		if json.Unmarshal(eb.Detail, &items) == nil && len(items) > 0 {
			return items[0].Type
		}
	}
	switch status {
	case http.StatusUnauthorized:
		return "unauthorized"
	case http.StatusForbidden:
		return CodeInsufficientCredits
	case http.StatusUnprocessableEntity:
		return "validation_error"
	}
	return ""
}

// CodeInsufficientCredits is the APIError code of a 403: Explorium uses it
// only for an exhausted credit balance.
const CodeInsufficientCredits = "insufficient_credits"

// retryAfter reads the wait from Retry-After (seconds or HTTP date), then the
// body's retry_after, then X-RateLimit-Reset (unix seconds), in that order.
// classify floors it at a second so a zero never turns into a busy loop.
func retryAfter(h http.Header, eb errorBody, now time.Time) time.Duration {
	if v := strings.TrimSpace(h.Get("Retry-After")); v != "" {
		if s, err := strconv.ParseFloat(v, 64); err == nil && s >= 0 {
			return seconds(s)
		}
		if t, err := http.ParseTime(v); err == nil {
			return min(max(t.Sub(now), 0), maxRetryAfter)
		}
	}
	if s, err := eb.RetryAfter.Float64(); err == nil && s >= 0 {
		return seconds(s)
	}
	if v := h.Get("X-RateLimit-Reset"); v != "" {
		if ts, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64); err == nil && ts < now.Add(maxRetryAfter).Unix() {
			return max(time.Unix(ts, 0).Sub(now), 0)
		}
	}
	return defaultRetryAfter
}

// seconds converts a wait in seconds, capped at maxRetryAfter (NaN and
// overflow included).
func seconds(s float64) time.Duration {
	if !(s < maxRetryAfter.Seconds()) {
		return maxRetryAfter
	}
	return time.Duration(s * float64(time.Second))
}
