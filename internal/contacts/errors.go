// Package contacts holds the rules of the platform's prospect records:
// contacts, the companies they work at and the suppression list that keeps
// addresses out. It normalises and validates what clients send, links a
// contact to its company by domain, refuses suppressed addresses, and writes
// through the store in one transaction per rule. It knows nothing about
// HTTP; the api package adapts it.
package contacts

import (
	"fmt"
	"strings"

	"github.com/rtgs/sales-automation/internal/store"
)

// FieldError is one refused field: Field is its JSON name (a dotted path for
// nested ones), Reason says what is wrong in words a client can act on.
type FieldError struct {
	Field  string
	Reason string
}

// ValidationError lists every refused field of one request, so a client can
// fix them all in one round. In says where the fields were sent ("body" or
// "query"), so the API can name each one exactly.
type ValidationError struct {
	In     string
	Fields []FieldError
}

// Error implements error.
func (e *ValidationError) Error() string {
	msgs := make([]string, len(e.Fields))
	for i, f := range e.Fields {
		msgs[i] = f.Field + ": " + f.Reason
	}
	return "invalid " + e.In + ": " + strings.Join(msgs, "; ")
}

// Add records a problem with field.
func (e *ValidationError) Add(field, format string, args ...any) {
	e.Fields = append(e.Fields, FieldError{Field: field, Reason: fmt.Sprintf(format, args...)})
}

// Err returns e when it holds a problem and nil otherwise, so a typed nil
// pointer never escapes as a non-nil error.
func (e *ValidationError) Err() error {
	if len(e.Fields) == 0 {
		return nil
	}
	return e
}

func invalid(in, field, format string, args ...any) error {
	v := &ValidationError{In: in}
	v.Add(field, format, args...)
	return v
}

// ConflictError says a unique field (a contact's email, a company's domain)
// already belongs to another record. It wraps store.ErrConflict so callers
// that only branch on the sentinel still see a conflict.
type ConflictError struct {
	Field string
	Value string
}

// Error implements error.
func (e *ConflictError) Error() string {
	return fmt.Sprintf("%s %q already in use", e.Field, e.Value)
}

// Unwrap returns store.ErrConflict.
func (e *ConflictError) Unwrap() error { return store.ErrConflict }

// ReasonSuppressed is the reason given for an address on the suppression
// list, directly or through its domain. It does not say which entry matched:
// the list is the operator's, not the caller's, to read.
const ReasonSuppressed = "suppressed"
