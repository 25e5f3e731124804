package auth

import (
	"fmt"
	"slices"
	"strings"
)

// Scope is a permission carried by an API key and the sessions minted from
// it (DESIGN.md section 8).
type Scope string

// The scopes the platform knows. Admin implies every other scope.
const (
	ContactsRead   Scope = "contacts:read"
	ContactsWrite  Scope = "contacts:write"
	CampaignsWrite Scope = "campaigns:write"
	WorkflowsRun   Scope = "workflows:run"
	YoloAdmin      Scope = "yolo:admin"
	Admin          Scope = "admin"
)

// AllScopes returns every known scope, in a stable order.
func AllScopes() []Scope {
	return []Scope{ContactsRead, ContactsWrite, CampaignsWrite, WorkflowsRun, YoloAdmin, Admin}
}

// Valid reports whether s is a known scope.
func (s Scope) Valid() bool { return slices.Contains(AllScopes(), s) }

// ParseScopes turns scope names from a request or the command line into
// scopes, dropping duplicates. An unknown name is a *ValidationError naming
// it, so a typo is refused instead of silently granting less.
func ParseScopes(names []string) ([]Scope, error) {
	out := make([]Scope, 0, len(names))
	for _, n := range names {
		s := Scope(n)
		if !s.Valid() {
			return nil, &ValidationError{Field: "scopes", Reason: fmt.Sprintf("unknown scope %q (known: %s)", n, knownScopes())}
		}
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out, nil
}

// scopesFromDB converts stored scope names, dropping names this build does
// not know (a scope removed in a later release grants nothing rather than
// locking the key out). It returns the dropped names for logging.
func scopesFromDB(names []string) (scopes []Scope, unknown []string) {
	scopes = make([]Scope, 0, len(names))
	for _, n := range names {
		if s := Scope(n); s.Valid() {
			scopes = append(scopes, s)
		} else {
			unknown = append(unknown, n)
		}
	}
	return scopes, unknown
}

func scopeStrings(scopes []Scope) []string {
	out := make([]string, len(scopes))
	for i, s := range scopes {
		out[i] = string(s)
	}
	return out
}

func knownScopes() string { return strings.Join(scopeStrings(AllScopes()), ", ") }
