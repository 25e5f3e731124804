package contacts

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/rtgs/sales-automation/internal/groupcommit"
	"github.com/rtgs/sales-automation/internal/store"
)

// pendingCreate is one validated contact on its way into the database,
// alone or in a batch of concurrent creates.
type pendingCreate struct {
	c          store.Contact
	companyID  *uuid.UUID // link this company rather than one found by domain
	domainSent bool       // the client sent a domain, which must then match companyID's
	out        store.Contact
	err        error
}

// WithGroupCommit coalesces concurrent contact creates into batches of up
// to maxBatch, each written in one transaction of a few set-based
// statements by one of runners goroutines (group commit), bounded by
// timeout. A create's answer still waits for its batch's commit. Close the
// service to stop the runners.
func WithGroupCommit(runners, maxBatch int, timeout time.Duration) Option {
	return func(s *Service) {
		s.group = groupcommit.New(runners, maxBatch, func(batch []*pendingCreate) {
			ctx, cancel := context.WithTimeout(context.Background(), timeout)
			defer cancel()
			s.writeCreates(ctx, batch)
		})
	}
}

// Close stops the group-commit runners, if any, after their batches.
func (s *Service) Close() {
	if s.group != nil {
		s.group.Close()
	}
}

// create writes p, through the group committer when there is one.
func (s *Service) create(ctx context.Context, p *pendingCreate) (store.Contact, error) {
	if s.group == nil {
		s.writeCreates(ctx, []*pendingCreate{p})
		return p.out, p.err
	}
	if err := s.group.Do(ctx, p); err != nil {
		return store.Contact{}, err
	}
	return p.out, p.err
}

// writeCreates stores the creates of batch in one transaction and sets
// each one's outcome. A create refused for its own reason (suppressed, a
// taken email, a missing company) fails alone; a failed transaction fails
// every create that had not failed already, and none of them is stored.
func (s *Service) writeCreates(ctx context.Context, batch []*pendingCreate) {
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error { return s.insertCreates(ctx, tx, batch) })
	if err != nil {
		for _, p := range batch {
			if p.err == nil {
				p.out, p.err = store.Contact{}, err
			}
		}
	}
}

func (s *Service) insertCreates(ctx context.Context, tx pgx.Tx, batch []*pendingCreate) error {
	live := batch
	drop := func(fail func(p *pendingCreate) error) {
		kept := live[:0:0]
		for _, p := range live {
			if p.err = fail(p); p.err == nil {
				kept = append(kept, p)
			}
		}
		live = kept
	}

	// Suppressed addresses and domains, one query for the batch.
	keys := make([][]store.SuppressionKey, len(live))
	var all []store.SuppressionKey
	for i, p := range live {
		keys[i] = SuppressionKeys(s.hasher, p.c.Email, p.c.Domain)
		all = append(all, keys[i]...)
	}
	suppressed, err := store.NewSuppressions(tx).Matching(ctx, all)
	if err != nil {
		return err
	}
	keyOf := make(map[*pendingCreate][]store.SuppressionKey, len(live))
	for i, p := range live {
		keyOf[p] = keys[i]
	}
	drop(func(p *pendingCreate) error {
		for _, k := range keyOf[p] {
			if suppressed[k.ID()] {
				return invalid("body", "email", ReasonSuppressed)
			}
		}
		return nil
	})

	// Emails taken already, or twice in this batch (the first one wins).
	contacts := store.NewContacts(tx)
	emails := make([]string, len(live))
	for i, p := range live {
		emails[i] = p.c.Email
	}
	taken, err := contacts.ExistingEmails(ctx, emails)
	if err != nil {
		return err
	}
	drop(func(p *pendingCreate) error {
		if taken[p.c.Email] {
			return &ConflictError{Field: "email", Value: p.c.Email}
		}
		taken[p.c.Email] = true
		return nil
	})

	if err := s.linkCompanies(ctx, tx, &live, drop); err != nil {
		return err
	}

	rows := make([]store.Contact, len(live))
	for i, p := range live {
		rows[i] = p.c
	}
	inserted, err := contacts.InsertMany(ctx, rows)
	if err != nil {
		return contactError(err, "")
	}
	byEmail := make(map[string]store.Contact, len(inserted))
	for _, c := range inserted {
		byEmail[c.Email] = c
	}
	drop(func(p *pendingCreate) error {
		c, ok := byEmail[p.c.Email]
		if !ok { // taken by a create that committed after our check
			return &ConflictError{Field: "email", Value: p.c.Email}
		}
		p.out = c
		return nil
	})
	if s.contactsCreated != nil && len(inserted) > 0 {
		return s.contactsCreated(ctx, tx, inserted)
	}
	return nil
}

// linkCompanies points each live create at its company: the one it names
// by id (which must exist, and match the domain sent with it), or the one
// of its domain, created on first sight.
func (s *Service) linkCompanies(ctx context.Context, tx pgx.Tx, live *[]*pendingCreate, drop func(func(*pendingCreate) error)) error {
	companies := store.NewCompanies(tx)
	var ids []uuid.UUID
	var domains, names []string
	seen := map[string]int{}
	for _, p := range *live {
		switch {
		case p.companyID != nil:
			ids = append(ids, *p.companyID)
		case p.c.Domain != "":
			if i, ok := seen[p.c.Domain]; !ok {
				seen[p.c.Domain] = len(domains)
				domains, names = append(domains, p.c.Domain), append(names, p.c.CompanyName)
			} else if names[i] == "" {
				names[i] = p.c.CompanyName
			}
		}
	}
	byID, err := companies.ByIDs(ctx, ids)
	if err != nil {
		return err
	}
	byDomain, err := companies.EnsureDomains(ctx, domains, names)
	if err != nil {
		return err
	}
	drop(func(p *pendingCreate) error {
		switch {
		case p.companyID != nil:
			co, ok := byID[*p.companyID]
			if !ok {
				return invalid("body", "company_id", "no such company")
			}
			if p.domainSent && p.c.Domain != co.Domain {
				return invalid("body", "domain", "does not match the domain %q of company_id", co.Domain)
			}
			p.c.CompanyID, p.c.Domain = &co.ID, co.Domain
			if p.c.CompanyName == "" {
				p.c.CompanyName = co.Name
			}
		case p.c.Domain != "":
			id, ok := byDomain[p.c.Domain]
			if !ok {
				return fmt.Errorf("company of %q vanished during the create", p.c.Domain)
			}
			p.c.CompanyID = &id
		}
		return nil
	})
	return nil
}
