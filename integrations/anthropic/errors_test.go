package anthropic

import (
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/rtgs/sales-automation/integrations/guard"
)

func TestClassifyResponse(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	const rateBody = `{"type":"error","error":{"type":"rate_limit_error","message":"slow down"},"request_id":"req_1"}`
	const spendBody = `{"type":"error","error":{"type":"rate_limit_error","message":"limit","details":{"error_code":"enforced_spend_limit_reached"}}}`
	tests := []struct {
		name    string
		status  int
		header  map[string]string
		body    string
		kind    string // "ok", "rate", "api", "transient"
		wait    time.Duration
		code    string
		message string
	}{
		{"200", 200, nil, `{}`, "ok", 0, "", ""},
		{"429 retry-after seconds", 429, map[string]string{"retry-after": "12"}, rateBody, "rate", 12 * time.Second, "rate_limit_error", ""},
		{"429 retry-after-ms wins", 429, map[string]string{"retry-after-ms": "1500", "retry-after": "12"}, rateBody, "rate", 1500 * time.Millisecond, "rate_limit_error", ""},
		{"429 retry-after date", 429, map[string]string{"retry-after": now.Add(30 * time.Second).Format(http.TimeFormat)}, rateBody, "rate", 30 * time.Second, "rate_limit_error", ""},
		{"429 reset headers", 429, map[string]string{
			"anthropic-ratelimit-requests-remaining":      "5",
			"anthropic-ratelimit-requests-reset":          now.Add(50 * time.Second).Format(time.RFC3339),
			"anthropic-ratelimit-output-tokens-remaining": "0",
			"anthropic-ratelimit-output-tokens-reset":     now.Add(20 * time.Second).Format(time.RFC3339),
		}, rateBody, "rate", 20 * time.Second, "rate_limit_error", ""},
		{"429 nothing to go on", 429, nil, rateBody, "rate", time.Minute, "rate_limit_error", ""},
		{"429 tiny wait floored", 429, map[string]string{"retry-after": "0"}, rateBody, "rate", time.Second, "rate_limit_error", ""},
		{"429 spend limit", 429, nil, spendBody, "api", 0, CodeSpendLimit, "limit"},
		{"429 spend limit with retry-after", 429, map[string]string{"retry-after": "5"}, spendBody, "rate", 5 * time.Second, "rate_limit_error", ""},
		{"529 bare", 529, nil, `{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}`, "transient", 0, "", ""},
		{"529 retry-after", 529, map[string]string{"retry-after": "3"}, `{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}`, "rate", 3 * time.Second, "overloaded_error", ""},
		{"500", 500, nil, `{"type":"error","error":{"type":"api_error","message":"x"}}`, "transient", 0, "", ""},
		{"408", 408, nil, ``, "transient", 0, "", ""},
		{"409", 409, nil, `{"type":"error","error":{"type":"conflict_error","message":"x"}}`, "transient", 0, "", ""},
		{"400", 400, nil, `{"type":"error","error":{"type":"invalid_request_error","message":"max_tokens: Field required"},"request_id":"req_9"}`, "api", 0, "invalid_request_error", "max_tokens: Field required (request_id req_9)"},
		{"401", 401, nil, `{"type":"error","error":{"type":"authentication_error","message":"invalid x-api-key"}}`, "api", 0, "authentication_error", "invalid x-api-key"},
		{"402 billing", 402, nil, `{"type":"error","error":{"type":"billing_error","message":"pay"}}`, "api", 0, "billing_error", "pay"},
		{"413", 413, nil, `{"type":"error","error":{"type":"request_too_large","message":"big"}}`, "api", 0, "request_too_large", "big"},
		{"400 told to retry", 400, map[string]string{"x-should-retry": "true"}, `{}`, "transient", 0, "", ""},
		{"503 told not to retry", 503, map[string]string{"x-should-retry": "false"}, `{"type":"error","error":{"type":"api_error","message":"no"}}`, "api", 0, "api_error", "no"},
		{"non-JSON 400", 400, nil, `bad request`, "api", 0, "", "bad request"},
		{"302", 302, nil, ``, "transient", 0, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := http.Header{}
			for k, v := range tt.header {
				h.Set(k, v)
			}
			err := classifyResponse(tt.status, h, []byte(tt.body), now)
			var (
				rl *guard.RateLimitError
				ae *guard.APIError
				te *guard.TransientError
			)
			switch tt.kind {
			case "ok":
				if err != nil {
					t.Fatalf("err = %v, want nil", err)
				}
			case "rate":
				if !errors.As(err, &rl) || rl.RetryAfter != tt.wait || rl.Policy != tt.code || rl.Bucket != Bucket {
					t.Fatalf("err = %#v, want RateLimitError %s %s", err, tt.wait, tt.code)
				}
			case "api":
				if !errors.As(err, &ae) || ae.Status != tt.status || ae.Code != tt.code || ae.Message != tt.message {
					t.Fatalf("err = %#v, want APIError %d %s %q", err, tt.status, tt.code, tt.message)
				}
			case "transient":
				if !errors.As(err, &te) || te.Status != tt.status {
					t.Fatalf("err = %#v, want TransientError %d", err, tt.status)
				}
			}
		})
	}
}
