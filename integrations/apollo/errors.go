package apollo

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

// maxErrorBody bounds how much of an error answer is read.
const maxErrorBody = 64 << 10

// maxMessage bounds the vendor message kept in an error.
const maxMessage = 512

// errorBody holds Apollo's error shapes: {"error","error_code"} (403, 422)
// and {"message"} (429). 401 is text/plain and lands in the raw fallback.
type errorBody struct {
	Error     string `json:"error"`
	ErrorCode string `json:"error_code"`
	Message   string `json:"message"`
}

// classify turns an answer into nil or a typed guard error. On success it
// reads the whole body (bounded) and checks it is JSON, so a truncated,
// oversized or non-JSON answer counts towards the breaker like a 5xx; the
// body is then replaced by the buffered copy for do to decode.
func (c *Client) classify(bucket string, resp *http.Response) error {
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
	_ = json.Unmarshal(raw, &eb) // 401 and proxy pages are not JSON
	msg := message(eb, raw)

	switch {
	case resp.StatusCode == http.StatusTooManyRequests:
		wait, policy := rateWait(resp.Header, eb.Message, c.now())
		return &guard.RateLimitError{Vendor: Vendor, Bucket: bucket, RetryAfter: max(wait, time.Second), Policy: policy}
	case resp.StatusCode == http.StatusRequestTimeout || resp.StatusCode >= 500:
		return &guard.TransientError{Vendor: Vendor, Status: resp.StatusCode, Err: errors.New(msg)}
	case resp.StatusCode >= 400:
		code := eb.ErrorCode
		if code == "" {
			code = http.StatusText(resp.StatusCode)
		}
		return &guard.APIError{Vendor: Vendor, Status: resp.StatusCode, Code: code, Message: msg}
	default:
		return &guard.TransientError{Vendor: Vendor, Status: resp.StatusCode, Err: fmt.Errorf("unexpected status: %s", msg)}
	}
}

// readJSON reads a success body, refusing wrong content types, bodies over
// the limit and bodies that are not complete JSON values.
func (c *Client) readJSON(resp *http.Response) ([]byte, error) {
	return guard.ReadJSON(resp, c.maxBytes)
}

func message(eb errorBody, raw []byte) string {
	msg := strings.TrimSpace(cmpOr(eb.Error, eb.Message, string(raw)))
	if len(msg) > maxMessage {
		msg = msg[:maxMessage] + "…"
	}
	return msg
}

func cmpOr(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}

// maxRetryAfter caps a Retry-After, so a garbled one cannot park jobs for
// years or overflow a Duration.
const maxRetryAfter = 7 * 24 * time.Hour

// Apollo's rate windows, as named in its headers.
const (
	PolicyMinute = "minute"
	PolicyHourly = "hourly"
	PolicyDaily  = "daily"
)

// rateWait derives the wait of a 429. Apollo sends no Retry-After and
// counts in fixed windows, so the wait runs to the end of the longest
// exhausted window: the next UTC day, hour or minute. Which window is spent
// comes from the x-*-requests-left headers, else from the 429 message
// ("… 600 times per hour"), else the minute is assumed.
func rateWait(h http.Header, msg string, now time.Time) (time.Duration, string) {
	if v := strings.TrimSpace(h.Get("Retry-After")); v != "" {
		if s, err := strconv.Atoi(v); err == nil && s >= 0 {
			return time.Duration(min(s, int(maxRetryAfter/time.Second))) * time.Second, ""
		}
	}
	policy := ""
	for _, p := range []string{PolicyDaily, PolicyHourly, PolicyMinute} {
		if left, err := strconv.Atoi(strings.TrimSpace(h.Get("x-" + p + "-requests-left"))); err == nil && left <= 0 {
			policy = p
			break
		}
	}
	if policy == "" {
		lower := strings.ToLower(msg)
		switch {
		case strings.Contains(lower, "per day"):
			policy = PolicyDaily
		case strings.Contains(lower, "per hour"):
			policy = PolicyHourly
		default:
			policy = PolicyMinute
		}
	}
	now = now.UTC()
	var next time.Time
	switch policy {
	case PolicyDaily:
		next = now.Truncate(24 * time.Hour).Add(24 * time.Hour)
	case PolicyHourly:
		next = now.Truncate(time.Hour).Add(time.Hour)
	default:
		next = now.Truncate(time.Minute).Add(time.Minute)
	}
	return next.Sub(now), policy
}
