package auth

import (
	"context"
	"slices"
	"time"

	"github.com/google/uuid"
)

// Method says how a principal authenticated.
type Method string

// Authentication methods. The Service returns MethodAPIKey or MethodJWT; the
// api marks a JWT read from the session cookie as MethodCookie, because only
// cookie-borne requests need a CSRF check.
const (
	MethodAPIKey Method = "api_key"
	MethodJWT    Method = "jwt"
	MethodCookie Method = "cookie"
)

// Principal is the authenticated caller of one request.
type Principal struct {
	KeyID   uuid.UUID // the API key, or the key the session was minted from
	KeyName string
	Scopes  []Scope
	Method  Method
	// JTI identifies a session token; empty for API keys.
	JTI string
	// ExpiresAt is when the credential stops working: the JWT's exp, or the
	// key's expires_at (zero for a key that never expires).
	ExpiresAt time.Time
}

// Has reports whether p holds scope s; Admin holds every scope.
func (p Principal) Has(s Scope) bool {
	return slices.Contains(p.Scopes, s) || slices.Contains(p.Scopes, Admin)
}

type principalKey struct{}

// WithPrincipal returns a copy of ctx carrying p.
func WithPrincipal(ctx context.Context, p Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

// PrincipalFrom returns the principal stored by WithPrincipal, if any.
func PrincipalFrom(ctx context.Context) (Principal, bool) {
	p, ok := ctx.Value(principalKey{}).(Principal)
	return p, ok
}
