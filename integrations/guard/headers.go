package guard

import (
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// maxHint caps any wait read from a vendor, so a garbled header cannot park
// jobs for years or overflow a Duration.
const maxHint = 7 * 24 * time.Hour

// ParseRetryAfter reads how long a vendor asks us to wait: Retry-After-Ms
// (Anthropic), then Retry-After as seconds or an HTTP-date. A date in the
// past is a wait of zero. ok is false when neither header is usable.
func ParseRetryAfter(h http.Header, now time.Time) (time.Duration, bool) {
	if v := strings.TrimSpace(h.Get("Retry-After-Ms")); v != "" {
		if ms, err := strconv.ParseFloat(v, 64); err == nil && ms >= 0 && !math.IsInf(ms, 0) {
			return clampHint(ms / 1000), true
		}
	}
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0, false
	}
	if secs, err := strconv.ParseFloat(v, 64); err == nil {
		if secs < 0 || math.IsNaN(secs) {
			return 0, false
		}
		return clampHint(secs), true
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(0, min(t.Sub(now), maxHint)), true
	}
	return 0, false
}

// ParseResetTime reads when a vendor's rate window resets, in any of the
// forms vendors use: unix seconds (Explorium's X-RateLimit-Reset), unix
// milliseconds, RFC 3339 (Anthropic), an HTTP-date, or a JavaScript Date
// string such as lemlist's "Tue Feb 16 2021 09:02:42 GMT+0100 (Central
// European Standard Time)". A number too small to be a date (below 10⁹) is
// taken as seconds from now, as some APIs send.
func ParseResetTime(value string, now time.Time) (time.Time, bool) {
	v := strings.TrimSpace(value)
	if v == "" {
		return time.Time{}, false
	}
	if n, err := strconv.ParseFloat(v, 64); err == nil {
		switch {
		case n < 0 || math.IsNaN(n) || math.IsInf(n, 0):
			return time.Time{}, false
		case n >= 1e12:
			return time.UnixMilli(int64(n)), true
		case n >= 1e9:
			sec, frac := math.Modf(n)
			return time.Unix(int64(sec), int64(frac*1e9)), true
		default:
			return now.Add(clampHint(n)), true
		}
	}
	for _, layout := range []string{time.RFC3339Nano, time.RFC3339} {
		if t, err := time.Parse(layout, v); err == nil {
			return t, true
		}
	}
	if t, err := http.ParseTime(v); err == nil {
		return t, true
	}
	return parseJSDate(v)
}

// parseJSDate reads JavaScript's Date.prototype.toString form. The zone
// name in parentheses is informative only; the offset after GMT is the
// truth.
func parseJSDate(v string) (time.Time, bool) {
	if i := strings.IndexByte(v, '('); i > 0 {
		v = strings.TrimSpace(v[:i])
	}
	v = strings.Replace(v, "GMT", "", 1)
	v = strings.Replace(v, "UTC", "", 1)
	v = strings.Join(strings.Fields(v), " ")
	for _, layout := range []string{
		"Mon Jan 02 2006 15:04:05 -0700",
		"Mon Jan 2 2006 15:04:05 -0700",
		"Mon Jan 02 2006 15:04:05",
	} {
		if t, err := time.Parse(layout, v); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// ParseDelay reads a delay written as a Go or protobuf-JSON duration
// ("34s", "1.5s", "250ms": Gemini's RetryInfo.retryDelay) or as bare
// seconds ("34").
func ParseDelay(s string) (time.Duration, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, false
	}
	if secs, err := strconv.ParseFloat(s, 64); err == nil {
		if secs < 0 || math.IsNaN(secs) {
			return 0, false
		}
		return clampHint(secs), true
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		return 0, false
	}
	return min(d, maxHint), true
}

// clampHint converts seconds to a Duration within [0, maxHint].
func clampHint(secs float64) time.Duration {
	if secs <= 0 {
		return 0
	}
	if secs >= maxHint.Seconds() || math.IsInf(secs, 1) {
		return maxHint
	}
	return time.Duration(secs * float64(time.Second))
}
