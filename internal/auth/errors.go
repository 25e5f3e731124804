// Package auth authenticates API clients and browser sessions: API keys
// (rtgs_<prefix>_<secret>, argon2id-hashed, scoped, cached briefly once
// verified), short-lived session JWTs minted from a key, and the CSRF token
// bound to a session. It knows nothing about HTTP; the api package reads
// headers and cookies and calls the Service.
package auth

import (
	"errors"
	"fmt"
)

// ErrUnauthenticated is the one error every failed authentication returns,
// whatever the cause (malformed, unknown, wrong secret, expired, revoked), so
// a caller learns nothing about which keys exist. Other errors from the
// Authenticate methods are infrastructure failures (database down) and map
// to a 5xx, not a 401.
var ErrUnauthenticated = errors.New("unauthenticated")

// ErrForbidden means the principal is authenticated but may not do this,
// e.g. mint a session from a session.
var ErrForbidden = errors.New("forbidden")

// ValidationError reports one invalid field of a request; the api maps it to
// a 422 with per-field details.
type ValidationError struct {
	Field  string
	Reason string
}

// Error implements error.
func (e *ValidationError) Error() string {
	return fmt.Sprintf("invalid %s: %s", e.Field, e.Reason)
}
