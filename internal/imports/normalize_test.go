package imports

import (
	"errors"
	"strings"
	"testing"
)

func TestNormalizeEmail(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in, want string
		wantErr  bool
	}{
		{"ada@acme.com", "ada@acme.com", false},
		{"  Ada.Lovelace+crm@ACME.Co.UK \t", "ada.lovelace+crm@acme.co.uk", false},
		{"o'brien@acme.ie", "o'brien@acme.ie", false},
		{"ada@bücher.de", "ada@xn--bcher-kva.de", false},
		{"x@©©©©©©.a", "x@xn--gbaaaaaa.a", false}, // punycode as long as the original
		{"ada@acme.com.", "", true},               // trailing dot is rejected by net/mail
		{"", "", true},
		{"ada", "", true},
		{"ada@", "", true},
		{"@acme.com", "", true},
		{"ada@localhost", "", true},
		{"ada@acme", "", true},
		{"ada@123.456", "", true},
		{"ada@[192.0.2.1]", "", true},
		{"ada@-acme.com", "", true},
		{"ada@acme_corp.com", "", true},
		{"Ada <ada@acme.com>", "", true},
		{"ada@acme.com (work)", "", true},
		{"ada@acme.com, bob@acme.com", "", true},
		{`"ada lovelace"@acme.com`, "", true},
		{"ada..l@acme.com", "", true},
		{"=HYPERLINK(\"x\")@acme.com", "", true},
		{strings.Repeat("a", 65) + "@acme.com", "", true},
		{strings.Repeat("a", 64) + "@acme.com", strings.Repeat("a", 64) + "@acme.com", false},
		{"a@" + strings.Repeat("b", 250) + ".com", "", true},
	}
	for _, tt := range tests {
		got, err := NormalizeEmail(tt.in)
		if got != tt.want || (err != nil) != tt.wantErr {
			t.Errorf("NormalizeEmail(%q) = %q, %v; want %q, error %t", tt.in, got, err, tt.want, tt.wantErr)
		}
		if err != nil && !errors.Is(err, ErrNotEmail) {
			t.Errorf("NormalizeEmail(%q) error = %v, want ErrNotEmail", tt.in, err)
		}
	}
}

func TestNormalizeDomain(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in, want string
		wantErr  bool
	}{
		{"acme.com", "acme.com", false},
		{" ACME.com ", "acme.com", false},
		{"www.acme.com", "acme.com", false},
		{"https://www.Acme.com:8443/about?x=1#top", "acme.com", false},
		{"http://acme.com.", "acme.com", false},
		{"acme.com/careers", "acme.com", false},
		{"acme.com:8080", "acme.com", false},
		{"sales.eu.acme.co.uk", "sales.eu.acme.co.uk", false},
		{"bücher.de", "xn--bcher-kva.de", false},
		{"ada@acme.com", "acme.com", false},
		{"", "", true},
		{"acme", "", true},
		{"localhost", "", true},
		{"192.168.0.1", "", true},
		{"http://[::1]/", "", true},
		{"acme..com", "", true},
		{"-acme.com", "", true},
		{"acme_corp.com", "", true},
		{"not a domain", "", true},
		{"acme.123", "", true},
		{strings.Repeat("a", 64) + ".com", "", true},
	}
	for _, tt := range tests {
		got, err := NormalizeDomain(tt.in)
		if got != tt.want || (err != nil) != tt.wantErr {
			t.Errorf("NormalizeDomain(%q) = %q, %v; want %q, error %t", tt.in, got, err, tt.want, tt.wantErr)
		}
	}
}

func TestNormalizePhone(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in, want string
		wantErr  bool
	}{
		{"+1 (555) 010-9999", "+15550109999", false},
		{"0044 20 7946 0958", "+442079460958", false},
		{"020 7946 0958", "02079460958", false},
		{"555.010.9999 ext. 42", "5550109999", false},
		{"555-010-9999 x42", "5550109999", false},
		{"+49 30 1234567#9", "+49301234567", false},
		{"1234567", "1234567", false},
		{"123456", "", true},
		{"+1234567890123456", "", true},
		{"", "", true},
		{"call me", "", true},
		{"=1+2", "", true},
		{"55+5 010 9999", "", true},
	}
	for _, tt := range tests {
		got, err := NormalizePhone(tt.in)
		if got != tt.want || (err != nil) != tt.wantErr {
			t.Errorf("NormalizePhone(%q) = %q, %v; want %q, error %t", tt.in, got, err, tt.want, tt.wantErr)
		}
	}
}

func TestDomainOfEmail(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"ada@acme.com", "acme.com"},
		{"ada@ACME.com", "acme.com"},
		{"odd@name@acme.com", "acme.com"},
		{"ada", ""},
	}
	for _, tt := range tests {
		if got := DomainOfEmail(tt.in); got != tt.want {
			t.Errorf("DomainOfEmail(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestIsFreeMail(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want bool
	}{
		{"gmail.com", true},
		{"Outlook.com", true},
		{"gmx.de", true},
		{"gmx.net", true},
		{"proton.me", true},
		{"acme.com", false},
		{"gmxfoo.com", false},
		{"mygmail.com", false},
	}
	for _, tt := range tests {
		if got := IsFreeMail(tt.in); got != tt.want {
			t.Errorf("IsFreeMail(%q) = %t, want %t", tt.in, got, tt.want)
		}
	}
}

func TestNeutralizeFormula(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"", ""},
		{"Acme", "Acme"},
		{`=HYPERLINK("http://evil.example","x")`, `'=HYPERLINK("http://evil.example","x")`},
		{"@SUM(1+1)", "'@SUM(1+1)"},
		{"+1 555 0100", "'+1 555 0100"},
		{"-2+3", "'-2+3"},
		{"\t=cmd", "'\t=cmd"},
		{"\r=cmd", "'\r=cmd"},
		{"\uff1dSUM(A1)", "'\uff1dSUM(A1)"},
		{"a=b", "a=b"},
	}
	for _, tt := range tests {
		if got := NeutralizeFormula(tt.in); got != tt.want {
			t.Errorf("NeutralizeFormula(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestLookupField(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want Field
		ok   bool
	}{
		{"Email", FieldEmail, true},
		{"E-Mail Address", FieldEmail, true},
		{"work_email", FieldEmail, true},
		{"FirstName", FieldFirstName, true},
		{"given name", FieldFirstName, true},
		{"Surname", FieldLastName, true},
		{"family_name", FieldLastName, true},
		{"Organization", FieldCompanyName, true},
		{"account", FieldCompanyName, true},
		{"Company Domain", FieldDomain, true},
		{"URL", FieldDomain, true},
		{"Job Title", FieldTitle, true},
		{"position", FieldTitle, true},
		{"Mobile", FieldPhone, true},
		{"phone_number", FieldPhone, true},
		{"LinkedIn Profile", FieldLinkedInURL, true},
		{"linkedin_url", FieldLinkedInURL, true},
		{"Time Zone", FieldTimezone, true},
		{"Labels", FieldTags, true},
		{"Seniority", FieldSeniority, true},
		{"country", FieldCountry, true},
		{"source", FieldSource, true},
		{"favourite colour", "", false},
	}
	for _, tt := range tests {
		got, ok := LookupField(tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("LookupField(%q) = %q, %t; want %q, %t", tt.in, got, ok, tt.want, tt.ok)
		}
	}
	for _, f := range Fields {
		if got, ok := LookupField(string(f)); got != f || !ok || !f.Valid() {
			t.Errorf("LookupField(%q) = %q, %t, Valid %t; want itself", f, got, ok, f.Valid())
		}
	}
}
