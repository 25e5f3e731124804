package contacts

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

func TestNormalizeEmail(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"  Ada@Example.COM ", "ada@example.com", true},
		{"first.last+tag@sub.example.co.uk", "first.last+tag@sub.example.co.uk", true},
		{"a@www.example.com", "a@www.example.com", true},
		{"", "", false},
		{"plain", "", false},
		{"@example.com", "", false},
		{"a@", "", false},
		{"a@localhost", "", false},
		{"a@127.0.0.1", "", false},
		{"a@[127.0.0.1]", "", false},
		{"Ada <ada@example.com>", "", false},
		{`"a b"@example.com`, "", false},
		{"a@b@example.com", "", false},
		{"a@-bad.com", "", false},
		{strings.Repeat("a", 65) + "@example.com", "", false},
		{"a@" + strings.Repeat("b", 250) + ".com", "", false},
		{"=HYPERLINK(\"x\")@example.com", "", false},
	}
	for _, tt := range tests {
		got, err := NormalizeEmail(tt.in)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("NormalizeEmail(%q) = %q, %v; want %q, ok=%v", tt.in, got, err, tt.want, tt.ok)
		}
	}
}

func TestNormalizeDomain(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"Example.com", "example.com", true},
		{"https://www.Example.com/about?x=1#top", "example.com", true},
		{"http://user:pw@example.com:8080/", "example.com", true},
		{"example.com.", "example.com", true},
		{"sub.example.io", "sub.example.io", true},
		{"bücher.de", "xn--bcher-kva.de", true},
		{"", "", false},
		{"localhost", "", false},
		{"1.2.3.4", "", false},
		{"exa mple.com", "", false},
		{"-a.com", "", false},
		{"a..com", "", false},
		{"https://", "", false},
	}
	for _, tt := range tests {
		got, err := NormalizeDomain(tt.in)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("NormalizeDomain(%q) = %q, %v; want %q, ok=%v", tt.in, got, err, tt.want, tt.ok)
		}
	}
}

func TestNormalizePhone(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"", "", true},
		{"+44 (20) 7946-0958", "+442079460958", true},
		{"030.1234.5678", "03012345678", true},
		{"12345", "", false},
		{"+1234567890123456", "", false},
		{"1-800-FLOWERS", "", false},
		{"12+34567890", "", false},
	}
	for _, tt := range tests {
		got, err := NormalizePhone(tt.in)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("NormalizePhone(%q) = %q, %v; want %q, ok=%v", tt.in, got, err, tt.want, tt.ok)
		}
	}
}

func TestDomainSuffixes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want []string
	}{
		{"example.com", []string{"example.com"}},
		{"a.b.example.com", []string{"a.b.example.com", "b.example.com", "example.com"}},
	}
	for _, tt := range tests {
		if got := domainSuffixes(tt.in); !slices.Equal(got, tt.want) {
			t.Errorf("domainSuffixes(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

func TestMergePatch(t *testing.T) {
	t.Parallel()
	tests := []struct {
		dst, patch, want map[string]any
	}{
		{nil, map[string]any{"a": 1.0}, map[string]any{"a": 1.0}},
		{map[string]any{"a": 1.0, "b": 2.0}, map[string]any{"a": nil}, map[string]any{"b": 2.0}},
		{map[string]any{"o": map[string]any{"x": 1.0, "y": 2.0}}, map[string]any{"o": map[string]any{"y": nil, "z": 3.0}},
			map[string]any{"o": map[string]any{"x": 1.0, "z": 3.0}}},
		{map[string]any{"o": "text"}, map[string]any{"o": map[string]any{"k": nil, "v": 1.0}}, map[string]any{"o": map[string]any{"v": 1.0}}},
	}
	for _, tt := range tests {
		got := mergePatch(tt.dst, tt.patch)
		if fmt.Sprint(got) != fmt.Sprint(tt.want) {
			t.Errorf("mergePatch(%v, %v) = %v, want %v", tt.dst, tt.patch, got, tt.want)
		}
	}
}
