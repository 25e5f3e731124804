package contacts

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/rtgs/sales-automation/internal/store"
)

// Service applies the rules of contacts, companies and suppressions. Every
// write that touches more than one row runs in one transaction.
type Service struct {
	pool           *pgxpool.Pool
	contactCreated func(ctx context.Context, tx pgx.Tx, c store.Contact) error
}

// Option configures a Service.
type Option func(*Service)

// WithContactCreated runs fn inside the transaction that creates a contact,
// after its row is written; an error from fn rolls the contact back. It is
// where the caller enqueues the contact's enrichment (River's InsertTx), so
// a contact never exists without its job nor a job without its contact.
func WithContactCreated(fn func(ctx context.Context, tx pgx.Tx, c store.Contact) error) Option {
	return func(s *Service) { s.contactCreated = fn }
}

// NewService returns the service writing through pool.
func NewService(pool *pgxpool.Pool, opts ...Option) *Service {
	s := &Service{pool: pool}
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

// SuppressionHash is the value_hash of a normalised value of kind: what the
// suppression list is matched on, so an erased address can stay suppressed
// without being stored. It is a plain SHA-256 of kind, a NUL and the value
// for now; it becomes an HMAC under a configured key once config carries
// one (a plain hash of an address can be reversed by guessing addresses).
func SuppressionHash(kind, value string) []byte {
	h := sha256.New()
	h.Write([]byte(kind))
	h.Write([]byte{0})
	h.Write([]byte(value))
	return h.Sum(nil)
}

// checkSuppressed returns a ValidationError on field when email or any of
// domains (or a parent of one) is suppressed.
func checkSuppressed(ctx context.Context, db store.DBTX, field, email string, domains ...string) error {
	var keys []store.SuppressionKey
	if email != "" {
		keys = append(keys, store.SuppressionKey{Kind: KindEmail, Hash: SuppressionHash(KindEmail, email)})
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
				keys = append(keys, store.SuppressionKey{Kind: KindDomain, Hash: SuppressionHash(KindDomain, sfx)})
			}
		}
	}
	_, err := store.NewSuppressions(db).FirstMatch(ctx, keys)
	switch {
	case err == nil:
		return invalid("body", field, ReasonSuppressed)
	case isNotFound(err):
		return nil
	default:
		return fmt.Errorf("check suppression: %w", err)
	}
}

func isNotFound(err error) bool { return errors.Is(err, store.ErrNotFound) }
