package contacts

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/rtgs/sales-automation/internal/groupcommit"
	"github.com/rtgs/sales-automation/internal/store"
)

// Service applies the rules of contacts, companies and suppressions. Every
// write that touches more than one row runs in one transaction.
type Service struct {
	pool            *pgxpool.Pool
	hasher          Hasher
	contactsCreated func(ctx context.Context, tx pgx.Tx, created []store.Contact) error
	contactErased   func(ctx context.Context, tx pgx.Tx, copies store.VendorCopies) error
	group           *groupcommit.Group[*pendingCreate] // nil: each create commits alone
}

// Option configures a Service.
type Option func(*Service)

// WithContactsCreated runs fn inside the transaction that creates contacts,
// after their rows are written; an error from fn rolls them back. It is
// where the caller enqueues their enrichment (River's InsertManyTx), so a
// contact never exists without its job nor a job without its contact.
func WithContactsCreated(fn func(ctx context.Context, tx pgx.Tx, created []store.Contact) error) Option {
	return func(s *Service) { s.contactsCreated = fn }
}

// WithContactErased runs fn inside the transaction that erases a contact,
// with the vendor ids of the copies pushed out of the platform (when there
// are any), after the contact's queued jobs are deleted and before its row
// goes; an error from fn rolls the erasure back. It is where the caller
// enqueues the deletion of those copies, so an erasure never commits
// without them: the jobs must carry the vendor ids only, never the contact
// id or its data, or the erasure would leave them behind.
func WithContactErased(fn func(ctx context.Context, tx pgx.Tx, copies store.VendorCopies) error) Option {
	return func(s *Service) { s.contactErased = fn }
}

// NewService returns the service writing through pool, hashing suppression
// entries with hasher.
func NewService(pool *pgxpool.Pool, hasher Hasher, opts ...Option) *Service {
	s := &Service{pool: pool, hasher: hasher}
	for _, o := range opts {
		o(s)
	}
	return s
}

// inTx runs fn in a transaction, committed when fn returns nil.
func (s *Service) inTx(ctx context.Context, fn func(pgx.Tx) error) error {
	return pgx.BeginFunc(ctx, s.pool, fn)
}

// Suppression kinds.
const (
	KindEmail  = "email"
	KindDomain = "domain"
)

// checkSuppressed is CheckSuppressed with the service's hasher.
func (s *Service) checkSuppressed(ctx context.Context, db store.DBTX, field, email string, domains ...string) error {
	return CheckSuppressed(ctx, db, s.hasher, field, email, domains...)
}

// CheckSuppressed returns a ValidationError on field when email or any of
// domains (or a parent of one) is suppressed.
func CheckSuppressed(ctx context.Context, db store.DBTX, h Hasher, field, email string, domains ...string) error {
	_, err := store.NewSuppressions(db).FirstMatch(ctx, SuppressionKeys(h, email, domains...))
	switch {
	case err == nil:
		return invalid("body", field, ReasonSuppressed)
	case isNotFound(err):
		return nil
	default:
		return fmt.Errorf("check suppression: %w", err)
	}
}

// SuppressionKeys are the entries that would suppress email or any of
// domains: the address, its domain and every parent of each domain.
func SuppressionKeys(h Hasher, email string, domains ...string) []store.SuppressionKey {
	var keys []store.SuppressionKey
	if email != "" {
		keys = append(keys, store.SuppressionKey{Kind: KindEmail, Hash: h.Hash(KindEmail, email)})
		domains = append(domains, EmailDomain(email))
	}
	seen := map[string]bool{}
	for _, d := range domains {
		if d == "" {
			continue
		}
		for _, sfx := range domainSuffixes(d) {
			if !seen[sfx] {
				seen[sfx] = true
				keys = append(keys, store.SuppressionKey{Kind: KindDomain, Hash: h.Hash(KindDomain, sfx)})
			}
		}
	}
	return keys
}

func isNotFound(err error) bool { return errors.Is(err, store.ErrNotFound) }
