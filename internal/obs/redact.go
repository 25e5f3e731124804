package obs

import (
	"regexp"
	"strings"
)

// The placeholders that replace what Redact masks. No pattern matches them,
// so redacting twice changes nothing and a placeholder never sets off a
// later pattern.
const (
	redacted    = "[REDACTED]"
	maskedEmail = "[email]"
	maskedPhone = "[phone]"
	maskedJWT   = "[jwt]"
	maskedKey   = "****"
)

// The patterns run in this order: a credential's key or scheme first, so its
// whole value goes, then the self-describing token shapes, then the PII. Each
// match covers a whole run of the characters its secret is made of, so a
// later pattern never finds a half-masked remnant it would miss.
var (
	// credentialAssign is a credential-named key followed by its value, as in
	// query strings, headers and JSON that reached a string (quotes optional,
	// possibly escaped). After a colon the value must follow at once or be
	// quoted, except for header names: Go error chains read "parse token:
	// expired", and the word after that colon is no secret. An auth scheme
	// word is part of the value so "Authorization: Basic xyz" loses xyz too.
	credentialAssign = regexp.MustCompile(`(?i)(` +
		`[\w.-]*(?:password|passwd|secret|token|authorization|api[_-]?key|private[_-]?key|cookie|csrf)[\w.-]*` +
		`(?:\\?"?\s*=\s*\\?"?|\\?"?:\\?"?|\\?"?\s*:\s*\\?")` +
		`|[\w-]*(?:authorization|api-key|csrf-token|auth-token)\s*:\s*` +
		`)(?:(?:bearer|basic|digest|token)\s+)?[^\s"\\&,;]+`)
	// cookieHeader is a Cookie or Set-Cookie header: every pair in it may be a
	// session, so the rest of the line goes. The value must open with
	// name=, so "read cookie: http: named cookie not present" stays.
	cookieHeader = regexp.MustCompile(`(?i)((?:set-)?cookie\\?"?\s*:\s*)[^\s=;"\\]+=[^\r\n"\\]*`)
	// urlPassword is the password of userinfo in a URL or DSN.
	urlPassword = regexp.MustCompile(`(?i)([a-z][a-z0-9+.-]*://[^/\s:@]*:)[^/\s@]+@`)
	bearerToken = regexp.MustCompile(`(?i)(bearer\s+)[^\s"\\,;]+`)
	// jwtToken is a JWS or JWE: base64url segments joined by dots, the first
	// a JSON header, so it starts with eyJ ("{"). No word boundary, so
	// nothing glued in front hides it.
	jwtToken = regexp.MustCompile(`eyJ[\w=-]*\.[\w.=-]*`)
	// apiKey is our key format rtgs_<prefix>_<secret>; the prefix, which
	// names the key to operators, is kept.
	apiKey = regexp.MustCompile(`rtgs_([A-Za-z0-9-]+)_[\w-]+`)
	// email also matches a percent-encoded @ as found in logged URLs. The
	// last domain label must start with a letter, so pkg@v1.2.3 stays.
	email = regexp.MustCompile(`[\p{L}\p{N}._%+'-]+(?:@|%40)(?:[\p{L}\p{N}-]+\.)+\p{L}[\p{L}\p{N}-]+`)
)

// credentialWords are the key names whose values are credentials. They are
// matched case-insensitively anywhere in a key, so "X-API-Key", "db_password"
// and "Set-Cookie" all count.
var credentialWords = []string{
	"password", "passwd", "secret", "token", "authorization",
	"api_key", "apikey", "api-key", "private_key", "privatekey",
	"cookie", "csrf",
}

// credentialStems are short enough that one of them is in every string the
// credentialAssign and cookieHeader patterns can match.
var credentialStems = []string{"pass", "secret", "token", "auth", "key", "cookie", "csrf"}

// isCredentialKey reports whether key names a credential, whose whole value
// is masked whatever it looks like.
func isCredentialKey(key string) bool {
	for _, w := range credentialWords {
		if containsFold(key, w) {
			return true
		}
	}
	return false
}

// Redact returns s with emails, phone numbers, API keys, JWTs, bearer tokens
// and credential assignments (password=..., a URL's password, Cookie: ...)
// masked. Emails become "[email]", phones "[phone]", JWTs "[jwt]", API keys
// keep their prefix as "rtgs_<prefix>_****", and the rest "[REDACTED]".
//
// Phone detection is a heuristic: 7 to 15 digits with spaces, dots, dashes
// or parentheses, optionally after '+'; or a bare run of 9 to 15 digits.
// Dates, IPv4 addresses, decimals, UUIDs and digit runs glued to letters are
// left alone. Numbers logged as numeric attrs are never touched.
func Redact(s string) string {
	// Cheap checks first: most log strings carry none of the triggers and
	// must not pay for a regexp, nor even for a substring search.
	var digits int
	var seen byteClass
	for i := 0; i < len(s); i++ {
		c := triggerClass[s[i]]
		seen |= c
		digits += int(c & classDigit)
	}
	at, assign := seen&classAt != 0, seen&classAssign != 0
	pct, slash, upperJ := seen&classPercent != 0, seen&classSlash != 0, seen&classJ != 0
	underscore, b := seen&classUnderscore != 0, seen&classB != 0
	if assign && containsAnyFold(s, credentialStems) {
		s = cookieHeader.ReplaceAllString(s, "${1}"+redacted)
		s = credentialAssign.ReplaceAllString(s, "${1}"+redacted)
	}
	if assign && slash && strings.Contains(s, "://") {
		s = urlPassword.ReplaceAllString(s, "${1}"+redacted+"@")
	}
	if b && containsFold(s, "bearer") {
		s = bearerToken.ReplaceAllString(s, "${1}"+redacted)
	}
	if upperJ && strings.Contains(s, "eyJ") {
		s = jwtToken.ReplaceAllLiteralString(s, maskedJWT)
	}
	if underscore && strings.Contains(s, "rtgs_") {
		s = apiKey.ReplaceAllString(s, "rtgs_${1}_"+maskedKey)
	}
	if at || (pct && strings.Contains(s, "%40")) {
		s = email.ReplaceAllLiteralString(s, maskedEmail)
	}
	if digits >= 7 {
		s = redactPhones(s)
	}
	return s
}

// byteClass flags the bytes that can start or mark a pattern Redact masks.
type byteClass uint8

const (
	classDigit byteClass = 1 << iota // must be 1: Redact adds it up
	classAt
	classAssign     // = or :
	classPercent    // %40
	classSlash      // ://
	classJ          // eyJ
	classUnderscore // rtgs_
	classB          // bearer
)

// triggerClass maps each byte to its class, so Redact's pre-check is one
// table load per byte.
var triggerClass = func() (t [256]byteClass) {
	for c := '0'; c <= '9'; c++ {
		t[c] = classDigit
	}
	t['@'] = classAt
	t['='], t[':'] = classAssign, classAssign
	t['%'] = classPercent
	t['/'] = classSlash
	t['J'] = classJ
	t['_'] = classUnderscore
	t['b'], t['B'] = classB, classB
	return t
}()

// containsAnyFold reports whether s contains any of the lower-case needles,
// ignoring ASCII case.
func containsAnyFold(s string, needles []string) bool {
	for _, n := range needles {
		if containsFold(s, n) {
			return true
		}
	}
	return false
}

// containsFold reports whether s contains the lower-case ASCII needle,
// ignoring case, without allocating a lower-cased copy of s.
func containsFold(s, needle string) bool {
	n := len(needle)
	for i := 0; i+n <= len(s); i++ {
		j := 0
		for j < n && lowerASCII(s[i+j]) == needle[j] {
			j++
		}
		if j == n {
			return true
		}
	}
	return false
}

func lowerASCII(c byte) byte {
	if c >= 'A' && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}
