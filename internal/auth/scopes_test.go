package auth

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
)

func TestParseScopes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in      []string
		want    []Scope
		wantBad string // the name the error must mention
	}{
		{nil, []Scope{}, ""},
		{[]string{"contacts:read", "admin"}, []Scope{ContactsRead, Admin}, ""},
		{[]string{"yolo:admin", "yolo:admin"}, []Scope{YoloAdmin}, ""},
		{[]string{"contacts:read", "contacts:delete"}, nil, "contacts:delete"},
		{[]string{"Admin"}, nil, "Admin"},
		{[]string{" admin"}, nil, " admin"},
		{[]string{""}, nil, `""`},
	}
	for _, tt := range tests {
		got, err := ParseScopes(tt.in)
		if tt.wantBad != "" {
			var ve *ValidationError
			if !errors.As(err, &ve) || ve.Field != "scopes" || !strings.Contains(ve.Reason, tt.wantBad) {
				t.Errorf("ParseScopes(%q) = %v, want a scopes ValidationError naming %s", tt.in, err, tt.wantBad)
			}
			continue
		}
		if err != nil || !slices.Equal(got, tt.want) {
			t.Errorf("ParseScopes(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
		}
	}
}

func TestPrincipalHas(t *testing.T) {
	t.Parallel()
	for _, s := range AllScopes() {
		if !(Principal{Scopes: []Scope{Admin}}).Has(s) {
			t.Errorf("admin does not imply %s", s)
		}
	}
	tests := []struct {
		scopes []Scope
		s      Scope
		want   bool
	}{
		{[]Scope{ContactsRead}, ContactsRead, true},
		{[]Scope{ContactsRead}, ContactsWrite, false},
		{[]Scope{ContactsWrite}, ContactsRead, false}, // write does not imply read
		{[]Scope{YoloAdmin}, Admin, false},
		{nil, ContactsRead, false},
	}
	for _, tt := range tests {
		if got := (Principal{Scopes: tt.scopes}).Has(tt.s); got != tt.want {
			t.Errorf("Principal%v.Has(%s) = %v, want %v", tt.scopes, tt.s, got, tt.want)
		}
	}
}

func TestPrincipalContext(t *testing.T) {
	t.Parallel()
	if _, ok := PrincipalFrom(context.Background()); ok {
		t.Error("PrincipalFrom(empty context) reported a principal")
	}
	want := Principal{KeyName: "k", Method: MethodCookie, JTI: "j"}
	got, ok := PrincipalFrom(WithPrincipal(context.Background(), want))
	if !ok || got.KeyName != want.KeyName || got.Method != want.Method || got.JTI != want.JTI {
		t.Errorf("PrincipalFrom = %+v, %v; want %+v", got, ok, want)
	}
}
