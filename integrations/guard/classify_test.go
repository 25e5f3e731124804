package guard

import (
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"testing/iotest"
	"time"
)

func response(status int, headers map[string]string, body io.Reader) *http.Response {
	h := http.Header{}
	for k, v := range headers {
		h.Set(k, v)
	}
	return &http.Response{StatusCode: status, Header: h, Body: io.NopCloser(body), ContentLength: -1}
}

func TestClassifyStatus(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("x", 2*MaxMessage)
	tests := []struct {
		name       string
		status     int
		headers    map[string]string
		message    string
		retryAfter time.Duration
		want       error
	}{
		{"200", 200, nil, "", 0, nil},
		{"207 is success: partial results are the caller's", 207, nil, "", 0, nil},
		{"429 with an explicit wait", 429, nil, "slow", 3 * time.Second, &RateLimitError{Vendor: "v", RetryAfter: 3 * time.Second}},
		{"429 with Retry-After", 429, map[string]string{"Retry-After": "9"}, "", 0, &RateLimitError{Vendor: "v", RetryAfter: 9 * time.Second}},
		{"429 with no hint", 429, nil, "", 0, &RateLimitError{Vendor: "v", RetryAfter: DefaultRetryAfter}},
		{"408", 408, nil, "timeout", 0, &TransientError{Vendor: "v", Status: 408}},
		{"500", 500, nil, "boom", 0, &TransientError{Vendor: "v", Status: 500}},
		{"529 overloaded", 529, nil, "overloaded", 0, &TransientError{Vendor: "v", Status: 529}},
		{"400 keeps the message", 400, nil, " Invalid email ", 0, &APIError{Vendor: "v", Status: 400, Message: "Invalid email"}},
		{"401 without message", 401, nil, "", 0, &APIError{Vendor: "v", Status: 401, Message: "Unauthorized"}},
		{"403 long message bounded", 403, nil, long, 0, &APIError{Vendor: "v", Status: 403, Message: Truncate(long, MaxMessage)}},
		{"3xx is permanent", 302, nil, "", 0, &APIError{Vendor: "v", Status: 302, Message: "Found"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := ClassifyStatus("v", response(tt.status, tt.headers, strings.NewReader("")), tt.message, tt.retryAfter)
			switch want := tt.want.(type) {
			case nil:
				if got != nil {
					t.Errorf("got %v, want nil", got)
				}
			case *RateLimitError:
				var rl *RateLimitError
				if !errors.As(got, &rl) || *rl != *want {
					t.Errorf("got %#v, want %#v", got, want)
				}
			case *TransientError:
				var te *TransientError
				if !errors.As(got, &te) || te.Vendor != want.Vendor || te.Status != want.Status {
					t.Errorf("got %#v, want %#v", got, want)
				}
			case *APIError:
				var ae *APIError
				if !errors.As(got, &ae) || *ae != *want {
					t.Errorf("got %#v, want %#v", got, want)
				}
			}
		})
	}
}

func TestReadBody(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		resp    *http.Response
		max     int64
		want    string
		wantErr error
	}{
		{"within bound", response(200, nil, strings.NewReader("hello")), 5, "hello", nil},
		{"over bound", response(200, nil, strings.NewReader("hello!")), 5, "hello", ErrBodyTooLarge},
		{"declared over bound, not read", &http.Response{StatusCode: 200, ContentLength: 1 << 40,
			Body: io.NopCloser(iotest.ErrReader(errors.New("must not read")))}, 1 << 20, "", ErrBodyTooLarge},
		{"cut short", response(200, nil, io.MultiReader(strings.NewReader("{"), iotest.ErrReader(io.ErrUnexpectedEOF))), 0, "{", io.ErrUnexpectedEOF},
		{"no body", &http.Response{StatusCode: 204}, 0, "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := ReadBody(tt.resp, tt.max)
			if string(got) != tt.want {
				t.Errorf("body %q, want %q", got, tt.want)
			}
			if tt.wantErr == nil {
				if err != nil {
					t.Errorf("err %v, want nil", err)
				}
				return
			}
			var te *TransientError
			if !errors.As(err, &te) || !errors.Is(err, tt.wantErr) {
				t.Errorf("err %v, want a TransientError wrapping %v", err, tt.wantErr)
			}
		})
	}
}
