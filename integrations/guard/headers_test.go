package guard

import (
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

var now = time.Date(2026, 5, 11, 9, 0, 0, 0, time.UTC)

func TestParseRetryAfter(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		headers map[string]string
		want    time.Duration
		ok      bool
	}{
		{"seconds", map[string]string{"Retry-After": "34"}, 34 * time.Second, true},
		{"fractional seconds", map[string]string{"Retry-After": "1.5"}, 1500 * time.Millisecond, true},
		{"zero", map[string]string{"Retry-After": "0"}, 0, true},
		{"http date", map[string]string{"Retry-After": "Mon, 11 May 2026 09:00:30 GMT"}, 30 * time.Second, true},
		{"date in the past", map[string]string{"Retry-After": "Mon, 11 May 2026 08:00:00 GMT"}, 0, true},
		{"milliseconds first", map[string]string{"Retry-After-Ms": "250", "Retry-After": "9"}, 250 * time.Millisecond, true},
		{"huge is capped", map[string]string{"Retry-After": "999999999999"}, maxHint, true},
		{"negative", map[string]string{"Retry-After": "-3"}, 0, false},
		{"garbage", map[string]string{"Retry-After": "soon"}, 0, false},
		{"absent", nil, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := http.Header{}
			for k, v := range tt.headers {
				h.Set(k, v)
			}
			got, ok := ParseRetryAfter(h, now)
			if got != tt.want || ok != tt.ok {
				t.Errorf("ParseRetryAfter(%v) = %s, %v; want %s, %v", tt.headers, got, ok, tt.want, tt.ok)
			}
		})
	}
}

func TestParseResetTime(t *testing.T) {
	t.Parallel()
	cet := time.FixedZone("", 3600)
	tests := []struct {
		value string
		want  time.Time
		ok    bool
	}{
		{"1778490030", time.Unix(1778490030, 0), true},                           // Explorium: unix seconds
		{"1778490030500", time.UnixMilli(1778490030500), true},                   // unix ms
		{"30", now.Add(30 * time.Second), true},                                  // seconds from now
		{"2026-05-11T09:00:30Z", now.Add(30 * time.Second), true},                // Anthropic: RFC 3339
		{"2026-05-11T10:00:30.5+01:00", now.Add(30500 * time.Millisecond), true}, // RFC 3339 with offset
		{"Mon, 11 May 2026 09:00:30 GMT", now.Add(30 * time.Second), true},       // HTTP-date
		{"Tue Feb 16 2021 09:02:42 GMT+0100 (Central European Standard Time)", // lemlist
			time.Date(2021, 2, 16, 9, 2, 42, 0, cet), true},
		{"Tue Feb 16 2021 09:02:42 GMT+0100", time.Date(2021, 2, 16, 9, 2, 42, 0, cet), true},
		{"Sat Mar 7 2026 23:59:59 GMT-0500 (Eastern Standard Time)", time.Date(2026, 3, 8, 4, 59, 59, 0, time.UTC), true},
		{"", time.Time{}, false},
		{"-5", time.Time{}, false},
		{"tomorrow-ish", time.Time{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.value, func(t *testing.T) {
			t.Parallel()
			got, ok := ParseResetTime(tt.value, now)
			if ok != tt.ok || !got.Equal(tt.want) {
				t.Errorf("ParseResetTime(%q) = %s, %v; want %s, %v", tt.value, got, ok, tt.want, tt.ok)
			}
		})
	}
}

func TestParseDelay(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"34s", 34 * time.Second, true}, // Gemini RetryInfo.retryDelay
		{"0.5s", 500 * time.Millisecond, true},
		{"1.000340s", 1000340 * time.Microsecond, true},
		{"250ms", 250 * time.Millisecond, true},
		{"12", 12 * time.Second, true},
		{"-1s", 0, false},
		{"", 0, false},
		{"soon", 0, false},
	}
	for _, tt := range tests {
		got, ok := ParseDelay(tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("ParseDelay(%q) = %s, %v; want %s, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestTruncate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		n    int
		want string
	}{
		{"short", 10, "short"},
		{"exactly10!", 10, "exactly10!"},
		{"abcdefghijkl", 10, "abcdefg…"},
		{"ééééééé", 10, "ééé…"}, // never splits a character
	}
	for _, tt := range tests {
		if got := Truncate(tt.in, tt.n); got != tt.want || len(got) > tt.n {
			t.Errorf("Truncate(%q, %d) = %q, want %q", tt.in, tt.n, got, tt.want)
		}
	}
}

func TestLimitResponses(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		body string
		max  int64
		err  error
	}{
		{"under", "abc", 5, nil},
		{"exactly", "abcde", 5, nil},
		{"over", "abcdef", 5, ErrBodyTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := &limitedBody{rc: io.NopCloser(strings.NewReader(tt.body)), left: tt.max}
			got, err := io.ReadAll(b)
			if !errors.Is(err, tt.err) || (tt.err == nil && string(got) != tt.body) {
				t.Fatalf("ReadAll = %q, %v; want %q, %v", got, err, tt.body, tt.err)
			}
		})
	}
}
