package imports

import (
	"errors"
	"net/netip"
	"net/url"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/net/idna"
)

// Reasons given for values that fail normalisation. They are user-facing
// (the import error report) and stable, so the API can document them.
var (
	ErrNotEmail  = errors.New("not an email address")
	ErrNotDomain = errors.New("not a domain name")
	ErrNotPhone  = errors.New("not a phone number")
)

const (
	maxEmailLen  = 254 // RFC 5321 forward-path limit, less the angle brackets
	maxLocalLen  = 64
	maxDomainLen = 253
	maxLabelLen  = 63
)

// NormalizeEmail trims and lower-cases s and checks that it is one bare
// address (no display name, no comment, no quoted local part: a dot-atom,
// which net/mail accepts too) whose domain is a real host name. The domain
// is converted to its ASCII (punycode) form so that one mailbox always
// yields one string: contacts upsert on it.
func NormalizeEmail(s string) (string, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	at := strings.LastIndexByte(s, '@')
	if at < 0 || len(s) > maxEmailLen*4 {
		return "", ErrNotEmail
	}
	local, domain := s[:at], s[at+1:]
	if !validLocal(local) {
		return "", ErrNotEmail
	}
	domain, err := asciiDomain(domain)
	if err != nil {
		return "", ErrNotEmail
	}
	if len(local)+1+len(domain) > maxEmailLen {
		return "", ErrNotEmail
	}
	if domain == s[at+1:] {
		return s, nil // already ASCII: no new string
	}
	return local + "@" + domain, nil
}

// validLocal reports whether l is an RFC 5322 dot-atom: atext runs joined
// by single dots. Non-ASCII letters are allowed (RFC 6532), as net/mail
// allows them; spaces, controls and invalid UTF-8 are not.
func validLocal(l string) bool {
	if l == "" || len(l) > maxLocalLen || l[0] == '.' || l[len(l)-1] == '.' || strings.Contains(l, "..") {
		return false
	}
	for _, r := range l {
		switch {
		case r < utf8.RuneSelf:
			if r != '.' && !isAtext(byte(r)) {
				return false
			}
		case r == utf8.RuneError, unicode.IsSpace(r), unicode.IsControl(r):
			return false
		}
	}
	return true
}

// isAtext reports whether c is an RFC 5322 atext character.
func isAtext(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
		strings.IndexByte("!#$%&'*+-/=?^_`{|}~", c) >= 0
}

// DomainOfEmail returns the lower-cased part of email after its last '@',
// or "" when there is none.
func DomainOfEmail(email string) string {
	at := strings.LastIndexByte(email, '@')
	if at < 0 {
		return ""
	}
	return strings.ToLower(strings.TrimSpace(email[at+1:]))
}

// NormalizeDomain accepts a bare domain or a URL ("https://www.Acme.com:443/about")
// and returns the lower-case ASCII host without "www.", or ErrNotDomain for
// IP addresses, single labels and anything that is not a valid host name.
func NormalizeDomain(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" || len(s) > 2048 {
		return "", ErrNotDomain
	}
	// Cut "https://www.acme.com/about" to its host by hand: url.Parse is
	// only needed for ports, user info and IPv6 literals.
	host := s
	if i := strings.Index(host, "://"); i >= 0 {
		host = host[i+3:]
	}
	if j := strings.IndexAny(host, "/?#"); j >= 0 {
		host = host[:j]
	}
	if strings.ContainsAny(host, ":@[\\") {
		if !strings.Contains(s, "://") {
			// Parse bare "acme.com/about" and "acme.com:8080" as URLs too,
			// so one path strips path, port and user info alike.
			s = "http://" + s
		}
		u, err := url.Parse(s)
		if err != nil {
			return "", ErrNotDomain
		}
		host = u.Hostname()
	}
	host = strings.ToLower(host)
	host = strings.TrimSuffix(host, ".")
	host = strings.TrimPrefix(host, "www.")
	if _, err := netip.ParseAddr(host); err == nil {
		return "", ErrNotDomain
	}
	return asciiDomain(host)
}

// asciiDomain converts a host name to ASCII with IDNA's lookup profile and
// checks its labels: letters, digits and inner hyphens, at least two
// labels, and a top-level label that is not all digits. Plain ASCII names,
// nearly all of them, skip IDNA: for those it would only check what
// validLabel checks.
func asciiDomain(host string) (string, error) {
	if host == "" || len(host) > maxDomainLen*4 {
		return "", ErrNotDomain
	}
	a := host
	if !isASCII(host) || strings.Contains(host, "xn--") {
		var err error
		if a, err = idna.Lookup.ToASCII(host); err != nil {
			return "", ErrNotDomain
		}
	}
	if len(a) > maxDomainLen {
		return "", ErrNotDomain
	}
	labels, last := 0, ""
	for l := range strings.SplitSeq(a, ".") {
		if !validLabel(l) {
			return "", ErrNotDomain
		}
		labels, last = labels+1, l
	}
	if labels < 2 || strings.Trim(last, "0123456789") == "" {
		return "", ErrNotDomain
	}
	return a, nil
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

func validLabel(l string) bool {
	if l == "" || len(l) > maxLabelLen || l[0] == '-' || l[len(l)-1] == '-' {
		return false
	}
	for i := 0; i < len(l); i++ {
		c := l[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

// NormalizePhone keeps the digits of s and a leading '+' (an international
// "00" prefix becomes '+'), drops common separators and an extension
// ("x12", "ext. 12", "#12"), and accepts 7 to 15 digits, the E.164 range.
// Letters or other symbols make it ErrNotPhone rather than being dropped,
// since "call after 5pm" is not a number with a note.
func NormalizePhone(s string) (string, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	for _, ext := range []string{"ext", "x", "#"} {
		if i := strings.LastIndex(s, ext); i > 0 {
			s = strings.TrimSpace(s[:i])
		}
	}
	var b strings.Builder
	b.Grow(len(s) + 1)
	digits := 0
	for i, r := range s {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
			digits++
		case r == '+' && i == 0:
			b.WriteByte('+')
		case strings.ContainsRune(" -.()/\u00a0", r):
		default:
			return "", ErrNotPhone
		}
	}
	out := b.String()
	if strings.HasPrefix(out, "00") {
		out = "+" + out[2:]
		digits -= 2
	}
	if digits < 7 || digits > 15 {
		return "", ErrNotPhone
	}
	return out, nil
}

// freeMail lists mailbox providers whose domain says nothing about the
// person's employer, so a contact's company is never inferred from them.
var freeMail = map[string]bool{
	"126.com": true, "163.com": true, "aol.com": true, "btinternet.com": true,
	"fastmail.com": true, "free.fr": true, "gmail.com": true, "gmx.com": true,
	"gmx.de": true, "gmx.net": true, "googlemail.com": true, "hey.com": true,
	"hotmail.co.uk": true, "hotmail.com": true, "hotmail.fr": true, "icloud.com": true,
	"live.com": true, "mac.com": true, "mail.com": true, "mail.ru": true,
	"me.com": true, "msn.com": true, "orange.fr": true, "outlook.com": true,
	"pm.me": true, "proton.me": true, "protonmail.com": true, "qq.com": true,
	"tutanota.com": true, "web.de": true, "yahoo.co.uk": true, "yahoo.com": true,
	"yahoo.fr": true, "yandex.com": true, "yandex.ru": true, "ymail.com": true,
	"zoho.com": true,
}

// IsFreeMail reports whether domain is a free or personal mailbox provider
// (gmail.com, outlook.com, any gmx.* and the like).
func IsFreeMail(domain string) bool {
	domain = strings.ToLower(domain)
	if freeMail[domain] {
		return true
	}
	name, _, ok := strings.Cut(domain, ".")
	return ok && name == "gmx"
}

// NeutralizeFormula makes a value safe to write into a CSV a spreadsheet
// will open: a cell starting with = + - @, a tab or a carriage return is
// prefixed with a single quote so it is shown as text, not evaluated (OWASP
// "CSV Injection"). Values are stored as sent; this is for export only.
func NeutralizeFormula(s string) string {
	if s == "" {
		return s
	}
	switch s[0] {
	case '=', '+', '-', '@', '\t', '\r':
		return "'" + s
	}
	// Full-width forms are folded to ASCII by some spreadsheet apps
	// before evaluation.
	for _, p := range []string{"\uff1d", "\uff0b", "\uff0d", "\uff20"} {
		if strings.HasPrefix(s, p) {
			return "'" + s
		}
	}
	return s
}
