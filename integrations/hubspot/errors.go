package hubspot

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/rtgs/sales-automation/integrations/guard"
)

// HubSpot's rate-limit policies, as the 429 body's policyName names them.
const (
	PolicyTenSecondly = "TEN_SECONDLY_ROLLING"
	PolicyDaily       = "DAILY"
	PolicySecondly    = "SECONDLY"
)

// ErrBatchTooLarge is wrapped by the error of a batch call given more
// inputs than HubSpot accepts; nothing is sent.
var ErrBatchTooLarge = errors.New("hubspot: batch too large")

// ErrInvalidRequest is wrapped by the error of a call HubSpot would refuse
// for its shape (a missing id, too many filters); nothing is sent.
var ErrInvalidRequest = errors.New("hubspot: invalid request")

// SearchCapError means a search has more results than HubSpot lets one
// query page through (10,000): narrow the filters, for example by
// createdate ranges, and search again.
type SearchCapError struct {
	Total int // results HubSpot counted for the query, -1 when not known
}

func (e *SearchCapError) Error() string {
	return fmt.Sprintf("hubspot: search matched %d results, over the %d a query can page through", e.Total, SearchCap)
}

// errorBody is HubSpot's Error schema plus the 429 fields.
type errorBody struct {
	Status      string `json:"status"`
	Message     string `json:"message"`
	Category    string `json:"category"`
	SubCategory string `json:"subCategory"`
	ErrorType   string `json:"errorType"`
	PolicyName  string `json:"policyName"`
}

// classifier maps HubSpot's answers to guard's typed errors: 429 a
// RateLimitError with HubSpot's policy and wait; 408 and 5xx a
// TransientError; other 4xx an APIError with HubSpot's category and
// message. 207 is a success: its errors are per input.
func (c *Client) classifier(bucket string) guard.Classify {
	return func(resp *http.Response) error {
		if resp.StatusCode >= 200 && resp.StatusCode < 300 {
			return nil
		}
		data, err := guard.ReadBody(resp, maxErrorBytes)
		if err != nil && !errors.Is(err, guard.ErrBodyTooLarge) {
			return withVendor(err)
		}
		var eb errorBody
		if json.Unmarshal(data, &eb) != nil || eb.Message == "" {
			eb.Message = string(data) // not HubSpot's JSON: keep its start
		}
		msg := guard.Truncate(strings.TrimSpace(eb.Message), guard.MaxMessage)
		switch status := resp.StatusCode; {
		case status == http.StatusTooManyRequests:
			return &guard.RateLimitError{Vendor: Vendor, Bucket: bucket, Policy: eb.PolicyName,
				RetryAfter: retryAfter(resp.Header, eb.PolicyName, time.Now())}
		case status == http.StatusRequestTimeout || status >= 500:
			return &guard.TransientError{Vendor: Vendor, Status: status, Err: fmt.Errorf("%s: %s", cmp.Or(eb.Category, http.StatusText(status)), msg)}
		default:
			return &guard.APIError{Vendor: Vendor, Status: status, Code: eb.Category, Message: msg}
		}
	}
}

// retryAfter is how long a 429 asks us to wait. HubSpot does not promise
// Retry-After, so without it: the DAILY policy waits for the next midnight
// UTC (HubSpot resets at midnight in the account's time zone, which the API
// does not tell us: UTC is wrong by up to a day's fraction either way, and
// a job retried early just gets another 429 with a shorter wait); the
// ten-secondly policy waits one interval as the Interval-Milliseconds
// header gives it; search's secondly policy waits a second.
func retryAfter(h http.Header, policy string, now time.Time) time.Duration {
	if d, ok := guard.ParseRetryAfter(h, now); ok && d > 0 {
		return d
	}
	switch policy {
	case PolicyDaily:
		y, m, d := now.UTC().Date()
		return time.Date(y, m, d+1, 0, 0, 0, 0, time.UTC).Sub(now)
	case PolicySecondly:
		return time.Second
	}
	if ms, err := strconv.ParseInt(h.Get("X-HubSpot-RateLimit-Interval-Milliseconds"), 10, 64); err == nil && ms > 0 && ms <= 24*3600*1000 {
		return time.Duration(ms) * time.Millisecond
	}
	return guard.DefaultRetryAfter
}

// IsNotFound reports whether err is HubSpot's 404: the object does not
// exist, or no longer does. Callers deleting treat it as already done.
func IsNotFound(err error) bool {
	var api *guard.APIError
	return errors.As(err, &api) && api.Status == http.StatusNotFound
}

var existingID = regexp.MustCompile(`Existing ID: (\d+)`)

// ExistingID returns the id of the object a create collided with: HubSpot
// answers a duplicate email with 409 CONFLICT "Contact already exists.
// Existing ID: N", and the same message in a batch's per-input errors.
func ExistingID(err error) (string, bool) {
	var msg string
	var api *guard.APIError
	var ie *InputError
	switch {
	case errors.As(err, &api) && api.Status == http.StatusConflict:
		msg = api.Message
	case errors.As(err, &ie) && ie.Category == "CONFLICT":
		msg = ie.Message
	default:
		return "", false
	}
	m := existingID.FindStringSubmatch(msg)
	if m == nil {
		return "", false
	}
	return m[1], true
}
