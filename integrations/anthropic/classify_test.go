package anthropic

import (
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/rtgs/sales-automation/integrations/guard"
)

// TestClassifyRestoresBody: the guard's classify runs before the SDK reads
// the answer, so it must leave the body whole for the SDK, whatever it
// decides.
func TestClassifyRestoresBody(t *testing.T) {
	t.Parallel()
	classify := guard.SDKClassify(Vendor, maxErrorBody, classifyResponse)
	long := `{"type":"error","error":{"type":"invalid_request_error","message":"` + strings.Repeat("x", maxErrorBody) + `"}}`
	tests := []struct {
		name   string
		status int
		ctype  string
		body   string
		kind   string
	}{
		{"good answer", 200, "application/json", validAnswer, "ok"},
		{"malformed answer", 200, "application/json", `{"id":`, "transient"},
		{"wrong content type", 200, "text/plain", validAnswer, "transient"},
		{"429", 429, "application/json", `{"type":"error","error":{"type":"rate_limit_error","message":"x"}}`, "rate"},
		{"error body longer than the peek", 400, "application/json", long, "api"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			resp := &http.Response{StatusCode: tt.status, Header: http.Header{"Content-Type": {tt.ctype}}, Body: io.NopCloser(strings.NewReader(tt.body))}
			err := classify(resp)
			var (
				rl *guard.RateLimitError
				ae *guard.APIError
				te *guard.TransientError
			)
			switch {
			case tt.kind == "ok" && err != nil,
				tt.kind == "rate" && !errors.As(err, &rl),
				tt.kind == "api" && !errors.As(err, &ae),
				tt.kind == "transient" && !errors.As(err, &te):
				t.Fatalf("classify = %#v, want %s", err, tt.kind)
			}
			got, _ := io.ReadAll(resp.Body)
			if string(got) != tt.body {
				t.Errorf("body after classify is %d bytes, want the original %d", len(got), len(tt.body))
			}
		})
	}
}
