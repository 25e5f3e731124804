package obs

import (
	"encoding/base64"
	"strings"
	"testing"
)

// FuzzRedact embeds an email, an API key and a JWT built from the fuzz input
// between arbitrary text, and checks that none survives Redact, whatever the
// text around it; and that Redact never panics.
func FuzzRedact(f *testing.F) {
	for _, seed := range [][3]string{
		{"", "jane.doe", ""},
		{"contact ", "jane", " signed up"},
		{"password=", "x", "&next=1"},
		{"Authorization: Bearer ", "abc", ""},
		{"a@b.", "first.last", ".5"},
		{"rtgs_a_", "eyJ", "=x"},
		{"http://u:", "p", "@host"},
		{"%2B", "15551234567", "x"},
		{`{"k":"`, "tok\\\"en", `"}`},
		{"2024-01-15T10:30:00Z ", "0", " 192.168.0.1"},
		{"\xff\xfe", "\u00e9", "\x00"},
	} {
		f.Add(seed[0], seed[1], seed[2])
	}
	f.Fuzz(func(t *testing.T, before, seed, after string) {
		_ = Redact(before + seed + after)

		for _, secret := range []string{
			keep(seed, emailLocalChars, "x") + "@" + keep(seed, alnum, "d") + ".com",
			"rtgs_" + keep(seed, alnum, "p") + "_" + keep(seed, urlSafe, "s"),
			"eyJ" + b64(seed) + "." + b64(before) + "." + b64(after),
		} {
			in := before + secret + after
			if got := Redact(in); strings.Contains(got, secret) {
				t.Errorf("Redact(%q) = %q, still contains %q", in, got, secret)
			}
		}
	})
}

const (
	alnum           = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	urlSafe         = alnum + "-_"
	emailLocalChars = alnum + "._%+-"
)

// keep returns the bytes of s found in chars, or fallback when none is.
func keep(s, chars, fallback string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if strings.IndexByte(chars, s[i]) >= 0 {
			b.WriteByte(s[i])
		}
	}
	if b.Len() == 0 {
		return fallback
	}
	return b.String()
}

func b64(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }
