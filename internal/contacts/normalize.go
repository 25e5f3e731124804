package contacts

import (
	"errors"
	"net/url"
	"strings"

	"github.com/rtgs/sales-automation/internal/imports"
)

// Limits of what an address may be (RFC 5321 sizes).
const (
	maxEmail = 254
)

// Reasons a value is refused, shown to clients as they are.
var (
	errEmpty       = errors.New("must not be empty")
	errEmail       = errors.New("not a valid email address")
	errDomain      = errors.New("not a valid domain name")
	errPhone       = errors.New("not a phone number (7 to 15 digits, optionally starting with +)")
	errURL         = errors.New("not an absolute http or https URL")
	errEmailLength = errors.New("longer than 254 characters")
)

// NormalizeEmail, NormalizeDomain and NormalizePhone apply the platform's
// one normalisation (internal/imports, shared with bulk import so a contact
// created by hand and one imported are spelled alike) and turn its errors
// into the reasons shown to API clients.

// NormalizeEmail returns the normalised address, or a reason it is refused.
func NormalizeEmail(s string) (string, error) {
	switch s = strings.TrimSpace(s); {
	case s == "":
		return "", errEmpty
	case len(s) > maxEmail:
		return "", errEmailLength
	}
	e, err := imports.NormalizeEmail(s)
	if err != nil {
		return "", errEmail
	}
	return e, nil
}

// EmailDomain returns the domain of a normalised email, or "".
func EmailDomain(email string) string { return imports.DomainOfEmail(email) }

// NormalizeDomain returns the bare ASCII host of a domain or website URL.
func NormalizeDomain(s string) (string, error) {
	if strings.TrimSpace(s) == "" {
		return "", errEmpty
	}
	d, err := imports.NormalizeDomain(s)
	if err != nil {
		return "", errDomain
	}
	return d, nil
}

// NormalizePhone keeps the digits of s and a leading "+"; empty stays empty.
func NormalizePhone(s string) (string, error) {
	if strings.TrimSpace(s) == "" {
		return "", nil
	}
	p, err := imports.NormalizePhone(s)
	if err != nil {
		return "", errPhone
	}
	return p, nil
}

// domainSuffixes returns d and each parent domain of two labels or more, so
// a suppressed "acme.com" also covers "mail.acme.com".
func domainSuffixes(d string) []string {
	out := []string{d}
	for {
		i := strings.IndexByte(d, '.')
		if i < 0 || strings.IndexByte(d[i+1:], '.') < 0 {
			return out
		}
		d = d[i+1:]
		out = append(out, d)
	}
}

// normalizeURL accepts an absolute http(s) URL with a host.
func normalizeURL(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", nil
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", errURL
	}
	return u.String(), nil
}

// IsFreeMail reports whether domain is a public mailbox provider.
func IsFreeMail(domain string) bool { return imports.IsFreeMail(domain) }
