package contacts_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/rtgs/sales-automation/internal/contacts"
	"github.com/rtgs/sales-automation/internal/dbtest"
	"github.com/rtgs/sales-automation/internal/store"
)

// Concurrent creates coalesced into shared transactions each get the answer
// they would get alone: one of two creates of an email wins and the other
// is a conflict, a suppressed address or an unknown company fails alone,
// and exactly the winners are stored, each with its hook call.
func TestGroupCommittedCreatesAnswerEachAlone(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := dbtest.Pool(t)
	var hooked atomic.Int64
	svc := contacts.NewService(pool, testHasher, contacts.WithGroupCommit(2, 16, 10*time.Second),
		contacts.WithContactsCreated(func(ctx context.Context, tx pgx.Tx, created []store.Contact) error {
			hooked.Add(int64(len(created)))
			return nil
		}))
	t.Cleanup(svc.Close)
	if _, _, err := svc.AddSuppression(ctx, contacts.SuppressionInput{Kind: contacts.KindDomain, Value: "blocked.example.com"}); err != nil {
		t.Fatal(err)
	}
	missing := uuid.New()

	const n = 400
	errs := make([]error, n)
	out := make([]store.Contact, n)
	var wg sync.WaitGroup
	for i := range n {
		in := contacts.ContactInput{Email: fmt.Sprintf("p%d@d%d.example.com", i%300, i%300%25)}
		switch {
		case i%37 == 5:
			in.Email = fmt.Sprintf("x%d@blocked.example.com", i)
		case i%41 == 7:
			in.Email, in.CompanyID = fmt.Sprintf("y%d@nowhere.example.com", i), &missing
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			out[i], errs[i] = svc.CreateContact(ctx, in)
		}()
	}
	wg.Wait()

	winners := map[string]int{}
	var conflict *contacts.ConflictError
	var invalid *contacts.ValidationError
	for i, err := range errs {
		switch {
		case i%37 == 5:
			if !errors.As(err, &invalid) || invalid.Fields[0].Field != "email" {
				t.Errorf("create %d at a suppressed domain: %v, want a ValidationError on email", i, err)
			}
		case i%41 == 7:
			if !errors.As(err, &invalid) || invalid.Fields[0].Field != "company_id" {
				t.Errorf("create %d with an unknown company: %v, want a ValidationError on company_id", i, err)
			}
		case err == nil:
			winners[out[i].Email]++
			if out[i].ID == uuid.Nil || out[i].CompanyID == nil {
				t.Errorf("create %d returned %+v, want a stored contact with its company", i, out[i])
			}
		case errors.As(err, &conflict):
		default:
			t.Errorf("create %d: unexpected error %v", i, err)
		}
	}
	for email, w := range winners {
		if w != 1 {
			t.Errorf("%s created %d times", email, w)
		}
	}
	if got := count(t, pool, "contacts"); got != len(winners) || int(hooked.Load()) != len(winners) {
		t.Errorf("contacts stored %d, hook saw %d; want the %d winners", got, hooked.Load(), len(winners))
	}
	var companies int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM companies WHERE domain LIKE 'd%.example.com'`).Scan(&companies); err != nil {
		t.Fatal(err)
	}
	if companies != 25 {
		t.Errorf("companies = %d, want one per domain (25)", companies)
	}
	if count(t, pool, "companies") != companies {
		t.Error("a company was created for a refused create")
	}
}
