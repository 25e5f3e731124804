package contacts

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

// The rules themselves are tested in internal/imports; these tests check
// what this package adds: the reasons clients see, and empty phones kept.
func TestNormalizeReasons(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		fn      func(string) (string, error)
		in      string
		want    string
		wantErr error
	}{
		{"email kept", NormalizeEmail, " Jane@Example.COM ", "jane@example.com", nil},
		{"email empty", NormalizeEmail, "  ", "", errEmpty},
		{"email too long", NormalizeEmail, strings.Repeat("a", 250) + "@x.com", "", errEmailLength},
		{"email invalid", NormalizeEmail, "Jane <jane@example.com>", "", errEmail},
		{"domain from url", NormalizeDomain, "https://www.Example.com/about", "example.com", nil},
		{"domain empty", NormalizeDomain, "", "", errEmpty},
		{"domain invalid", NormalizeDomain, "localhost", "", errDomain},
		{"phone empty stays empty", NormalizePhone, " ", "", nil},
		{"phone formatted", NormalizePhone, "+44 (20) 7946-0958", "+442079460958", nil},
		{"phone invalid", NormalizePhone, "1-800-FLOWERS", "", errPhone},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := tt.fn(tt.in)
			if got != tt.want || err != tt.wantErr {
				t.Errorf("(%q) = %q, %v; want %q, %v", tt.in, got, err, tt.want, tt.wantErr)
			}
		})
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
