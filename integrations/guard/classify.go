package guard

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"
)

// DefaultMaxBody bounds ReadBody when the caller passes no bound.
const DefaultMaxBody = 1 << 20

// MaxMessage bounds the vendor message kept in an APIError or
// TransientError, so an HTML error page does not end up in a job's errors.
const MaxMessage = 512

// DefaultRetryAfter is the wait of a 429 that says nothing about when to
// come back.
const DefaultRetryAfter = time.Second

// drainMax bounds how much of an unwanted body is read to let the
// connection be reused; past it the connection is dropped instead.
const drainMax = 64 << 10

// ErrBodyTooLarge is wrapped by the TransientError ReadBody returns for a
// body over its bound.
var ErrBodyTooLarge = errors.New("response body too large")

// ReadBody reads resp's body, at most max bytes (DefaultMaxBody when max is
// not positive). A body over the bound, or cut short (the connection closed
// before Content-Length bytes), is a *TransientError: the vendor's answer is
// unusable but a retry may get a whole one. It returns what it read either
// way, truncated to max, and never closes the body.
func ReadBody(resp *http.Response, max int64) ([]byte, error) {
	if resp == nil || resp.Body == nil {
		return nil, nil
	}
	if max <= 0 {
		max = DefaultMaxBody
	}
	if resp.ContentLength > max {
		return nil, &TransientError{Status: resp.StatusCode,
			Err: fmt.Errorf("%w: Content-Length %d over %d bytes", ErrBodyTooLarge, resp.ContentLength, max)}
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, max+1))
	if err != nil {
		return data, &TransientError{Status: resp.StatusCode, Err: fmt.Errorf("read body: %w", err)}
	}
	if int64(len(data)) > max {
		return data[:max], &TransientError{Status: resp.StatusCode,
			Err: fmt.Errorf("%w: over %d bytes", ErrBodyTooLarge, max)}
	}
	return data, nil
}

// ClassifyStatus is the generic mapping of a vendor's status to this
// package's errors, for vendors' Classify functions to start from: 2xx is
// nil; 429 a *RateLimitError waiting retryAfter (else what Retry-After
// says, else DefaultRetryAfter); 408 and 5xx a *TransientError; any other
// status a permanent *APIError carrying message, bounded to MaxMessage.
func ClassifyStatus(vendor string, resp *http.Response, message string, retryAfter time.Duration) error {
	status := resp.StatusCode
	message = Truncate(strings.TrimSpace(message), MaxMessage)
	if message == "" {
		message = http.StatusText(status)
	}
	switch {
	case status >= 200 && status < 300:
		return nil
	case status == http.StatusTooManyRequests:
		if retryAfter <= 0 {
			retryAfter, _ = ParseRetryAfter(resp.Header, time.Now())
		}
		if retryAfter <= 0 {
			retryAfter = DefaultRetryAfter
		}
		return &RateLimitError{Vendor: vendor, RetryAfter: retryAfter}
	case status == http.StatusRequestTimeout || status >= 500:
		return &TransientError{Vendor: vendor, Status: status, Err: errors.New(message)}
	default:
		// Other 4xx, and statuses a vendor API never answers (1xx, 3xx):
		// repeating the same request will not change the answer.
		return &APIError{Vendor: vendor, Status: status, Message: message}
	}
}

// Truncate shortens s to at most n bytes without splitting a UTF-8
// character, marking the cut with "…".
func Truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n - len("…")
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:max(cut, 0)] + "…"
}

// defaultClassify is used when a caller passes no Classify: the status
// mapping with the body's start as the message.
func defaultClassify(vendor string) Classify {
	return func(resp *http.Response) error {
		if resp.StatusCode >= 200 && resp.StatusCode < 300 {
			return nil
		}
		body, err := ReadBody(resp, 4<<10)
		if err != nil && !errors.Is(err, ErrBodyTooLarge) {
			return err
		}
		return ClassifyStatus(vendor, resp, string(body), 0)
	}
}

// drainClose reads a little of an unwanted body, so the connection can be
// reused, and closes it.
func drainClose(resp *http.Response) {
	if resp == nil || resp.Body == nil {
		return
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, drainMax))
	_ = resp.Body.Close()
}
