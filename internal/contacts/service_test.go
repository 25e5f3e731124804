package contacts_test

import (
	"context"
	"errors"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/rtgs/sales-automation/internal/contacts"
	"github.com/rtgs/sales-automation/internal/dbtest"
	"github.com/rtgs/sales-automation/internal/store"
)

func count(t *testing.T, db store.DBTX, table string) int {
	t.Helper()
	var n int
	if err := db.QueryRow(context.Background(), "SELECT count(*) FROM "+table).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// The contact-created hook runs in the contact's transaction: its failure
// leaves neither the contact nor the company it created.
func TestCreateContactHookSharesTransaction(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := dbtest.Pool(t)
	boom := errors.New("enqueue failed")
	var seen int
	svc := contacts.NewService(pool, testHasher, contacts.WithContactsCreated(func(ctx context.Context, tx pgx.Tx, c []store.Contact) error {
		seen = count(t, tx, "contacts")
		return boom
	}))
	if _, err := svc.CreateContact(ctx, contacts.ContactInput{Email: "ada@acme.io"}); !errors.Is(err, boom) {
		t.Fatalf("err = %v, want the hook's error", err)
	}
	if seen != 1 {
		t.Errorf("hook saw %d contacts, want 1 (its own, uncommitted)", seen)
	}
	if n, m := count(t, pool, "contacts"), count(t, pool, "companies"); n != 0 || m != 0 {
		t.Errorf("contacts, companies = %d, %d after rollback; want 0, 0", n, m)
	}
}

func TestContactCompanyLinking(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	svc := contacts.NewService(dbtest.Pool(t), testHasher)
	co, err := svc.CreateCompany(ctx, contacts.CompanyInput{Domain: "acme.io", Name: "Acme"})
	if err != nil {
		t.Fatal(err)
	}
	var ve *contacts.ValidationError
	if _, err := svc.CreateContact(ctx, contacts.ContactInput{Email: "a@x.io", CompanyID: &co.ID, Domain: "other.io"}); !errors.As(err, &ve) || ve.Fields[0].Field != "domain" {
		t.Errorf("company_id with another domain: err = %v, want a domain ValidationError", err)
	}
	c, err := svc.CreateContact(ctx, contacts.ContactInput{Email: "a@gmail.com", CompanyID: &co.ID})
	if err != nil || c.Domain != "acme.io" || c.CompanyName != "Acme" {
		t.Fatalf("linked by id = %+v, %v; want the company's domain and name", c, err)
	}
	// A new domain relinks; an empty one unlinks.
	d := "beta.io"
	c, err = svc.UpdateContact(ctx, c.ID, contacts.ContactPatch{Domain: &d})
	if err != nil || c.CompanyID == nil || *c.CompanyID == co.ID || c.Domain != "beta.io" {
		t.Fatalf("relinked = %+v, %v; want a new company for beta.io", c, err)
	}
	empty := ""
	if c, err = svc.UpdateContact(ctx, c.ID, contacts.ContactPatch{Domain: &empty}); err != nil || c.CompanyID != nil {
		t.Errorf("unlinked = %+v, %v; want no company", c, err)
	}
	var ce *contacts.ConflictError
	if _, err := svc.CreateCompany(ctx, contacts.CompanyInput{Domain: "WWW.beta.io"}); !errors.As(err, &ce) || !errors.Is(err, store.ErrConflict) {
		t.Errorf("duplicate company: err = %v, want a ConflictError wrapping ErrConflict", err)
	}
}

var testHasher = contacts.NewHasher([]byte("contacts-test-suppression-key-32-bytes"))
