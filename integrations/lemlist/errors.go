package lemlist

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"
	"time"

	"github.com/rtgs/sales-automation/integrations/guard"
)

// Codes of the *guard.APIError values this package returns, for callers that
// branch on them. lemlist's own errors carry no code, only a status and a
// text/plain message, so these name the status.
const (
	// CodeUnauthenticated: missing or wrong API key. lemlist answers a
	// missing key with 400 "No API key provided" (401 in practice reports)
	// and a wrong one with 401; both are the same failure to us.
	CodeUnauthenticated = "unauthenticated"
	// CodeForbidden: 403, e.g. "User linked to this API key is blocked".
	CodeForbidden = "forbidden"
	// CodeNotFound: 404 "Lead not found", "Campaign not found", ….
	CodeNotFound = "not_found"
	// CodeLeadExists: a 400 (or 409) whose message says the lead is
	// "already" there: re-adding an email to a campaign, or deduplicate=true
	// finding it in another one. lemlist does not document the answer, so
	// this is read from the message; callers adding leads treat it as done.
	CodeLeadExists = "lead_exists"
	// CodeBadRequest: any other 400 ("Bad team", validation).
	CodeBadRequest = "bad_request"
	// CodeMethodNotAllowed: 405.
	CodeMethodNotAllowed = "method_not_allowed"
	// CodeInvalidRequest: refused by this client before calling lemlist
	// (Status 0).
	CodeInvalidRequest = "invalid_request"
)

// msgNoAPIKey is lemlist's answer to a request without credentials.
const msgNoAPIKey = "No API key provided"

// maxErrorBody bounds how much of an error answer is read: lemlist's
// messages are one line, a hostile body must not matter.
const maxErrorBody = 64 << 10

// IsNotFound reports whether err is lemlist's 404 (unknown campaign, lead or
// hook); callers unsubscribing or deleting treat it as already done.
func IsNotFound(err error) bool {
	var e *guard.APIError
	return errors.As(err, &e) && e.Code == CodeNotFound
}

// IsLeadExists reports whether err is lemlist refusing a lead it already
// has (see CodeLeadExists).
func IsLeadExists(err error) bool {
	var e *guard.APIError
	return errors.As(err, &e) && e.Code == CodeLeadExists
}

// classify turns an answer into nil or a typed guard error. On success it
// reads the whole body (bounded) and checks it is JSON, so a truncated,
// oversized or non-JSON answer counts towards the breaker like a 5xx; the
// body is then replaced by the buffered copy for do to decode.
func (c *Client) classify(resp *http.Response) error {
	status := resp.StatusCode
	if status >= 200 && status < 300 {
		if status == http.StatusNoContent {
			return nil
		}
		b, err := c.readJSON(resp)
		if err != nil {
			return err
		}
		resp.Body.Close()
		resp.Body = io.NopCloser(bytes.NewReader(b))
		return nil
	}

	// What was read is enough for a message even when the body was cut.
	raw, _ := guard.ReadBody(resp, maxErrorBody)
	msg := message(raw)
	if status == http.StatusTooManyRequests {
		return &guard.RateLimitError{Vendor: Vendor, Bucket: Bucket, RetryAfter: retryAfter(resp.Header, time.Now())}
	}
	err := guard.ClassifyStatus(Vendor, resp, msg, 0)
	var ae *guard.APIError
	if errors.As(err, &ae) {
		ae.Code = code(status, msg)
	}
	return err
}

// readJSON reads a success body, refusing wrong content types, bodies over
// the limit, bodies cut short and bodies that are not one complete JSON
// value, each as a *guard.TransientError.
func (c *Client) readJSON(resp *http.Response) ([]byte, error) {
	transient := func(err error) error {
		return &guard.TransientError{Vendor: Vendor, Status: resp.StatusCode, Err: err}
	}
	if ct := resp.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || (mt != "application/json" && !strings.HasSuffix(mt, "+json")) {
			return nil, transient(fmt.Errorf("unexpected content type %q", ct))
		}
	}
	b, err := guard.ReadBody(resp, c.maxBytes)
	if err != nil {
		var te *guard.TransientError
		if errors.As(err, &te) {
			te.Vendor = Vendor
		}
		return nil, err
	}
	if !json.Valid(b) {
		return nil, transient(errors.New("malformed or truncated JSON body"))
	}
	return b, nil
}

// message is the vendor's text: lemlist mostly answers text/plain, but a
// JSON body with a message or error field is read too (some newer routes
// answer {"ok":false,"message":…}). It is bounded to guard.MaxMessage.
func message(raw []byte) string {
	var j struct {
		Message string `json:"message"`
		Error   string `json:"error"`
	}
	msg := strings.TrimSpace(string(raw))
	if json.Unmarshal(raw, &j) == nil {
		msg = strings.TrimSpace(cmp.Or(j.Message, j.Error, msg))
	}
	return guard.Truncate(msg, guard.MaxMessage)
}

// code names a 4xx for callers to branch on.
func code(status int, msg string) string {
	switch status {
	case http.StatusUnauthorized:
		return CodeUnauthenticated
	case http.StatusBadRequest, http.StatusConflict:
		switch {
		case strings.EqualFold(msg, msgNoAPIKey):
			return CodeUnauthenticated
		case strings.Contains(strings.ToLower(msg), "already"):
			return CodeLeadExists
		case status == http.StatusConflict:
			return "conflict"
		}
		return CodeBadRequest
	case http.StatusForbidden:
		return CodeForbidden
	case http.StatusNotFound:
		return CodeNotFound
	case http.StatusMethodNotAllowed:
		return CodeMethodNotAllowed
	}
	return fmt.Sprintf("http_%d", status)
}
