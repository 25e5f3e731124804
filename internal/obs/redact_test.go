package obs

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"
)

func TestRedact(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in, want string
	}{
		// Emails.
		{"email", "contact jane.doe+crm@example.co.uk signed up", "contact [email] signed up"},
		{"email in angle brackets", "From: Jane <jane@example.com>", "From: Jane <[email]>"},
		{"email apostrophe", "o'brien@example.ie bounced", "[email] bounced"},
		{"email unicode", "josé@correo.es", "[email]"},
		{"email percent-encoded", "/unsubscribe?email=jane%40example.com&x=1", "/unsubscribe?email=[email]&x=1"},
		{"email punycode tld", "a@b.xn--p1ai", "[email]"},
		{"two emails", "a@x.io,b@y.io", "[email],[email]"},

		// Phones.
		{"phone e164", "sms to +15551234567 queued", "sms to [phone] queued"},
		{"phone intl spaces", "+44 20 7946 0958", "[phone]"},
		{"phone intl trunk", "+44 (0) 20 7946 0958", "[phone]"},
		{"phone intl dashes", "+1-555-123-4567", "[phone]"},
		{"phone intl dots", "+1.555.123.4567", "[phone]"},
		{"phone us parens", "call (555) 123-4567 now", "call [phone] now"},
		{"phone us parens tight", "(555)123-4567", "[phone]"},
		{"phone us dashes", "555-123-4567.", "[phone]."},
		{"phone us dots", "555.123.4567", "[phone]"},
		{"phone us local", "ext 555-1234", "ext [phone]"},
		{"phone us toll free", "1-800-555-0199", "[phone]"},
		{"phone fr", "06 12 34 56 78", "[phone]"},
		{"phone de", "+49 (0)30 123456", "[phone]"},
		{"phone 00 prefix", "0044 20 7946 0958", "[phone]"},
		{"phone bare national", "612345678", "[phone]"},
		{"phone bare intl", "tel:447911123456", "tel:[phone]"},
		{"phone in json", `{"phone":"+33 6 12 34 56 78"}`, `{"phone":"[phone]"}`},
		{"phone url plus", "/lookup?phone=%2B15551234567", "/lookup?phone=%2B[phone]"},
		{"phone url plus separators", "?p=%2B1+555+123+4567", "?p=%2B[phone]"},
		{"phone after date", "2024-01-15 555-123-4567", "2024-01-15 [phone]"},
		{"two phones in a row", "555 123 4567 555 987 6543", "[phone]"},
		{"phone nbsp", "+33\u00a06\u00a012\u00a034\u00a056\u00a078", "[phone]"},

		// API keys, JWTs, bearer tokens.
		{"api key", "key rtgs_ab12CD_s3cr3tS3cr3t-x_y used", "key rtgs_ab12CD_**** used"},
		{"api key glued", "x-rtgs_live_AbC123", "x-rtgs_live_****"},
		{"jwt", "jwt eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln-_x end", "jwt [jwt] end"},
		{"jwt unsigned", "eyJhbGciOiJub25lIn0.eyJzdWIiOiIxIn0.", "[jwt]"},
		{"bearer", "sent Bearer abc.def-ghi to vendor", "sent Bearer [REDACTED] to vendor"},
		{"bearer lower", "bearer xyz", "bearer [REDACTED]"},
		{"authorization header", "Authorization: Bearer abc", "Authorization: [REDACTED]"},
		{"authorization basic", "authorization: Basic dXNlcjpwYXNz", "authorization: [REDACTED]"},
		{"api key header", "X-API-Key: rtgs_ab_cd", "X-API-Key: [REDACTED]"},

		// Credential assignments.
		{"query token", "/cb?code=1&token=abc&state=x", "/cb?code=1&token=[REDACTED]&state=x"},
		{"password assign", "password=hunter2 user=bob", "password=[REDACTED] user=bob"},
		{"password colon", "db_password:hunter2", "db_password:[REDACTED]"},
		{"json password", `{"password":"hunter2","user":"a"}`, `{"password":"[REDACTED]","user":"a"}`},
		{"json password spaced", `{"Password": "hunter2"}`, `{"Password": "[REDACTED]"}`},
		{"escaped json secret", `{\"client_secret\":\"abc\"}`, `{\"client_secret\":\"[REDACTED]\"}`},
		{"cookie header", "Cookie: a=b; rtgs_session=xyz", "Cookie: [REDACTED]"},
		{"set-cookie header", "Set-Cookie: rtgs_csrf=abc; Path=/; HttpOnly", "Set-Cookie: [REDACTED]"},
		{"dsn password", "dial postgres://app:s3cret@db:5432/app failed", "dial postgres://app:[REDACTED]@db:5432/app failed"},

		// Left alone.
		{"plain", "job completed", "job completed"},
		{"uuid", "id 550e8400-e29b-41d4-a716-446655440000 ok", "id 550e8400-e29b-41d4-a716-446655440000 ok"},
		{"uuid digits", "12345678-1234-5678-1234-567812345678", "12345678-1234-5678-1234-567812345678"},
		{"rfc3339", "at 2024-01-15T10:30:00Z", "at 2024-01-15T10:30:00Z"},
		{"rfc3339 nano offset", "2024-01-15T10:30:00.123456789+02:00", "2024-01-15T10:30:00.123456789+02:00"},
		{"go time", "2024-01-15 10:30:00.123456 +0000 UTC m=+0.000012345", "2024-01-15 10:30:00.123456 +0000 UTC m=+0.000012345"},
		{"european date", "15.01.2024 10:30", "15.01.2024 10:30"},
		{"durations", "took 1.5s then 2h45m30.123456789s", "took 1.5s then 2h45m30.123456789s"},
		{"port", "listening on port 8080", "listening on port 8080"},
		{"status", "status 200", "status 200"},
		{"job id", "job id 12345", "job id 12345"},
		{"ip", "ip 127.0.0.1", "ip 127.0.0.1"},
		{"ip and port", "192.168.100.200:443 and 192.168.100.200 443", "192.168.100.200:443 and 192.168.100.200 443"},
		{"ipv6", "2001:db8::1", "2001:db8::1"},
		{"version", "version 0.51.2, go1.26.8, v1.22.333", "version 0.51.2, go1.26.8, v1.22.333"},
		{"decimal", "amount 1234567.89", "amount 1234567.89"},
		{"byte count", "read 10485760 bytes", "read 10485760 bytes"},
		{"hex hash", "sha 1234567890abcdef1234567890", "sha 1234567890abcdef1234567890"},
		{"counting list", "1 2 3 4 5 6 7 8", "1 2 3 4 5 6 7 8"},
		{"module version", "github.com/riverqueue/river@v0.51.2", "github.com/riverqueue/river@v0.51.2"},
		{"error chain token", "parse token: token is expired", "parse token: token is expired"},
		{"error chain cookie", "read cookie: http: named cookie not present", "read cookie: http: named cookie not present"},
		{"cookie name", "missing rtgs_csrf cookie", "missing rtgs_csrf cookie"},
		{"url without password", "GET https://api.example.com/v1/x", "GET https://api.example.com/v1/x"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := Redact(tt.in); got != tt.want {
				t.Errorf("Redact(%q) = %q, want %q", tt.in, got, tt.want)
			}
			// Placeholders must not set off another pattern.
			if got, want := Redact(tt.want), tt.want; got != want {
				t.Errorf("Redact(%q) = %q, want it unchanged", want, got)
			}
		})
	}
}

// The PII and credentials the handler tests log, and must never find.
const (
	piiEmail  = "jane.doe@example.com"
	piiPhone  = "+1 (555) 123-4567"
	piiKey    = "rtgs_ab12_S3cr3tS3cr3tS3cr3t"
	piiSecret = "S3cr3tS3cr3tS3cr3t"
	piiJWT    = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJqYW5lIn0.dGhlLXNpZ25hdHVyZQ"
	piiBearer = "Bearer opaque-vendor-token-123"
	piiOpaque = "hunter2-opaque"
)

var piiNeedles = []string{piiEmail, "jane.doe", piiPhone, "123-4567", piiKey, piiSecret, piiJWT, "dGhlLXNpZ25hdHVyZQ", "opaque-vendor-token-123", piiOpaque}

type contact struct {
	Name   string
	Email  string
	Phones []string
	Notes  map[string]any
	APIKey string `json:"api_key"`
}

// stringerContact hides its fields behind String, as a type may to stay out
// of logs; the handler must use String rather than the fields.
type stringerContact struct{ email string }

func (c stringerContact) String() string { return "contact " + c.email }

// contactValuer resolves to a group through slog.LogValuer.
type contactValuer struct{ email, phone string }

func (c contactValuer) LogValue() slog.Value {
	return slog.GroupValue(slog.String("email", c.email), slog.String("phone", c.phone))
}

type panicStringer struct{}

func (panicStringer) String() string { panic("boom " + piiEmail) }

type nilErr struct{ msg string }

func (e *nilErr) Error() string { return e.msg }

func TestRedactingHandler(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		log  func(l *slog.Logger)
		want []string // substrings the line must keep
	}{
		{"message", func(l *slog.Logger) {
			l.Info("mail to " + piiEmail + " and sms to " + piiPhone + " with " + piiKey)
		}, []string{"[email]", "[phone]", "rtgs_ab12_****"}},
		{"message jwt and bearer", func(l *slog.Logger) {
			l.Warn("auth " + piiBearer + " then " + piiJWT)
		}, []string{"Bearer [REDACTED]"}},
		{"string attrs", func(l *slog.Logger) {
			l.Info("sent", "to", piiEmail, slog.String("phone", piiPhone), "jwt", piiJWT)
		}, []string{`"to":"[email]"`, `"phone":"[phone]"`, `"jwt":"[jwt]"`}},
		{"credential keys", func(l *slog.Logger) {
			l.Info("login", "Password", piiOpaque, "X-API-Key", piiOpaque, "Set-Cookie", piiOpaque,
				"csrf_token", piiOpaque, "client_secret", piiOpaque, "Authorization", piiOpaque,
				"apiKey", piiOpaque, "db_passwd", piiOpaque, "token", 12345)
		}, []string{`"Password":"[REDACTED]"`, `"X-API-Key":"[REDACTED]"`, `"token":"[REDACTED]"`}},
		{"group", func(l *slog.Logger) {
			l.Info("req", slog.Group("user", slog.String("email", piiEmail),
				slog.Group("auth", slog.String("header", piiBearer), slog.String("secret", "x"))))
		}, []string{`"user":{"email":"[email]","auth":{"header":"Bearer [REDACTED]","secret":"[REDACTED]"}}`}},
		{"credential group", func(l *slog.Logger) {
			l.Info("req", slog.Group("token", slog.String("value", piiOpaque), slog.Int("n", 1)))
		}, []string{`"token":"[REDACTED]"`}},
		{"with attrs and group", func(l *slog.Logger) {
			l.With("contact", piiEmail).WithGroup("req").With("phone", piiPhone).
				WithGroup("auth").Info("hit", "key", piiKey)
		}, []string{`"contact":"[email]"`, `"req":{"phone":"[phone]","auth":{"key":"rtgs_ab12_****"}}`}},
		{"credential with group", func(l *slog.Logger) {
			l.WithGroup("cookie").Info("hit", "session", piiOpaque)
		}, []string{`"cookie":{"session":"[REDACTED]"}`}},
		{"error", func(l *slog.Logger) {
			err := fmt.Errorf("send sms: %w", errors.New("invalid number "+piiPhone+" for "+piiEmail))
			l.Error("failed", "err", err)
		}, []string{`"err":"send sms: invalid number [phone] for [email]"`}},
		{"stringer", func(l *slog.Logger) {
			l.Info("x", "c", stringerContact{email: piiEmail})
		}, []string{`"c":"contact [email]"`}},
		{"log valuer", func(l *slog.Logger) {
			l.Info("x", "c", contactValuer{email: piiEmail, phone: piiPhone})
		}, []string{`"c":{"email":"[email]","phone":"[phone]"}`}},
		{"string slice", func(l *slog.Logger) {
			l.Info("x", "to", []string{piiEmail, piiPhone, "ok"})
		}, []string{`"to":["[email]","[phone]","ok"]`}},
		{"bytes", func(l *slog.Logger) {
			l.Info("x", "body", []byte(`{"email":"`+piiEmail+`"}`))
		}, []string{`[email]`}},
		{"map string", func(l *slog.Logger) {
			l.Info("x", "headers", map[string]string{"Authorization": piiBearer, "From": piiEmail, piiEmail: "key"})
		}, []string{`"Authorization":"[REDACTED]"`, `"From":"[email]"`, `"[email]":"key"`}},
		{"nested map any", func(l *slog.Logger) {
			l.Info("x", "payload", map[string]any{
				"contact": map[string]any{"emails": []any{piiEmail}, "score": 42, "creds": map[string]any{"password": piiOpaque}},
				"big":     int64(1) << 60,
			})
		}, []string{`"emails":["[email]"]`, `"score":42`, `"password":"[REDACTED]"`, `"big":1152921504606846976`}},
		{"struct", func(l *slog.Logger) {
			l.Info("x", "contact", contact{
				Name: "Jane", Email: piiEmail, Phones: []string{piiPhone},
				Notes: map[string]any{"jwt": piiJWT}, APIKey: piiKey,
			})
		}, []string{`"Name":"Jane"`, `"Email":"[email]"`, `"api_key":"[REDACTED]"`, `"jwt":"[jwt]"`}},
		{"struct pointer", func(l *slog.Logger) {
			l.Info("x", "contact", &contact{Email: piiEmail})
		}, []string{`"Email":"[email]"`}},
		{"named string", func(l *slog.Logger) {
			type emailAddr string
			l.Info("x", "to", emailAddr(piiEmail))
		}, []string{`"to":"[email]"`}},
		{"unmarshalable", func(l *slog.Logger) {
			l.Info("x", "v", struct {
				F func()
				E string
			}{E: piiEmail})
		}, []string{`[email]`}},
		{"panicking stringer", func(l *slog.Logger) {
			l.Info("x", "v", panicStringer{})
		}, []string{`"v":"!PANIC: boom [email]"`}},
		{"nil error pointer", func(l *slog.Logger) {
			var err *nilErr
			l.Info("x", "err", err)
		}, []string{`"err":"<nil>"`}},
		{"pii keys", func(l *slog.Logger) {
			l.Info("x", piiEmail, 1)
		}, []string{`"[email]":1`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var buf bytes.Buffer
			tt.log(slog.New(NewRedactingHandler(slog.NewJSONHandler(&buf, nil))))
			line := buf.String()
			if !json.Valid(buf.Bytes()) {
				t.Fatalf("line is not JSON: %s", line)
			}
			for _, n := range piiNeedles {
				if strings.Contains(line, n) {
					t.Errorf("line contains %q: %s", n, line)
				}
			}
			for _, w := range tt.want {
				if !strings.Contains(line, w) {
					t.Errorf("line lacks %s: %s", w, line)
				}
			}
		})
	}
}

func TestRedactingHandlerKeeps(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	l := slog.New(NewRedactingHandler(slog.NewJSONHandler(&buf, &slog.HandlerOptions{AddSource: true})))
	at := time.Date(2024, 1, 15, 10, 30, 0, 0, time.UTC)
	l.Info("job 12345 done in 1.5s on port 8080 from 127.0.0.1 (river 0.51.2)",
		"job_id", 12345, "status", 200, "id", "550e8400-e29b-41d4-a716-446655440000",
		"at", at, "at_text", at.Format(time.RFC3339Nano), "took", 1500*time.Millisecond,
		"ip", "127.0.0.1", "version", "0.51.2", "kind", "sync_contacts", "attempt", 3)
	line := buf.String()
	for _, want := range []string{
		`"level":"INFO"`, `"source":{`, `redact_test.go"`,
		`"msg":"job 12345 done in 1.5s on port 8080 from 127.0.0.1 (river 0.51.2)"`,
		`"job_id":12345`, `"status":200`, `"id":"550e8400-e29b-41d4-a716-446655440000"`,
		`"at":"2024-01-15T10:30:00Z"`, `"at_text":"2024-01-15T10:30:00Z"`, `"took":1500000000`,
		`"ip":"127.0.0.1"`, `"version":"0.51.2"`, `"kind":"sync_contacts"`, `"attempt":3`,
	} {
		if !strings.Contains(line, want) {
			t.Errorf("line lacks %s: %s", want, line)
		}
	}
	if strings.Contains(line, "[") {
		t.Errorf("line has a placeholder: %s", line)
	}
}

func TestRedactingHandlerEnabled(t *testing.T) {
	t.Parallel()
	h := NewRedactingHandler(slog.NewJSONHandler(io.Discard, &slog.HandlerOptions{Level: slog.LevelWarn}))
	for _, h := range []slog.Handler{h, h.WithAttrs([]slog.Attr{slog.Int("a", 1)}), h.WithGroup("g")} {
		if got := h.Enabled(context.Background(), slog.LevelInfo); got {
			t.Errorf("Enabled(Info) = %v, want false", got)
		}
		if got := h.Enabled(context.Background(), slog.LevelError); !got {
			t.Errorf("Enabled(Error) = %v, want true", got)
		}
	}
}

func TestNewLoggerRedacts(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	NewLogger(&buf, slog.LevelInfo).Info("signup "+piiEmail, "phone", piiPhone)
	if line := buf.String(); strings.Contains(line, piiEmail) || strings.Contains(line, piiPhone) {
		t.Errorf("NewLogger line has PII: %s", line)
	}
}

func BenchmarkRedactingHandler(b *testing.B) {
	lines := []struct {
		name string
		log  func(l *slog.Logger)
	}{
		{"no_pii", func(l *slog.Logger) {
			l.Info("job completed", "job_id", 12345, "kind", "sync_contacts", "queue", "default",
				"attempt", 1, "took", 1500*time.Millisecond, "request_id", "550e8400-e29b-41d4-a716-446655440000")
		}},
		{"pii", func(l *slog.Logger) {
			l.Info("sent sms to "+piiPhone, "job_id", 12345, "to", piiEmail, "kind", "send_sms",
				"err", errors.New("vendor rejected "+piiBearer), "contact", map[string]string{"email": piiEmail})
		}},
	}
	for _, line := range lines {
		for _, hc := range []struct {
			name string
			new  func() slog.Handler
		}{
			{"plain", func() slog.Handler { return slog.NewJSONHandler(io.Discard, nil) }},
			{"redacting", func() slog.Handler { return NewRedactingHandler(slog.NewJSONHandler(io.Discard, nil)) }},
		} {
			b.Run(line.name+"/"+hc.name, func(b *testing.B) {
				l := slog.New(hc.new())
				b.ReportAllocs()
				for b.Loop() {
					line.log(l)
				}
			})
		}
	}
}
