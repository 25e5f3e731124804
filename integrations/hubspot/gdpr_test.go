package hubspot_test

import (
	"context"
	"errors"
	"testing"

	"github.com/rtgs/sales-automation/integrations/hubspot"
)

// A GDPR delete removes the contact and its associations for good; a
// repeat is HubSpot's 404, which IsNotFound recognises.
func TestGDPRDeleteContact(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ version, path string }{
		{"v3", "hubspot POST /crm/v3/objects/contacts/gdpr-delete"},
		{"2026-03", "hubspot POST /crm/objects/2026-03/contacts/gdpr-delete"},
	} {
		t.Run(tt.version, func(t *testing.T) {
			t.Parallel()
			b := setup(t, nil, func(c *hubspot.Config) { c.Version = tt.version })
			ctx := context.Background()
			gone, kept, co := twoContactsAndACompany(t, b)
			if _, err := b.client.AssociateContactsWithCompanies(ctx, []hubspot.AssociationPair{
				{From: hubspot.ObjectRef{ID: gone}, To: hubspot.ObjectRef{ID: co}},
				{From: hubspot.ObjectRef{ID: kept}, To: hubspot.ObjectRef{ID: co}},
			}); err != nil {
				t.Fatal(err)
			}

			if err := b.client.GDPRDeleteContact(ctx, gone); err != nil {
				t.Fatalf("gdpr delete: %v", err)
			}
			if _, err := b.client.Contacts.Get(ctx, gone, ""); !hubspot.IsNotFound(err) {
				t.Errorf("read after delete: %v, want a 404", err)
			}
			if _, err := b.client.Contacts.Get(ctx, "person0@acme.com", hubspot.PropEmail); !hubspot.IsNotFound(err) {
				t.Errorf("read by email after delete: %v, want a 404", err)
			}
			back, err := b.client.Associations.BatchRead(ctx, hubspot.ObjectCompanies, hubspot.ObjectContacts, []string{co})
			if err != nil || len(back.Results) != 1 || len(back.Results[0].To) != 1 || back.Results[0].To[0].ToObjectID != kept {
				t.Errorf("company's contacts = %+v, %v; want only %s", back, err, kept)
			}
			if _, err := b.client.Contacts.Get(ctx, kept, ""); err != nil {
				t.Errorf("the other contact: %v", err)
			}

			err = b.client.GDPRDeleteContact(ctx, gone)
			if !hubspot.IsNotFound(err) {
				t.Errorf("second delete: %v, want a 404", err)
			}
			requireAPIError(t, err, 404, "OBJECT_NOT_FOUND")
			if got := b.sim.Counters().Calls[tt.path]; got != 2 {
				t.Errorf("calls to %s: %d, want 2", tt.path, got)
			}
		})
	}
}

// A blank id is refused before any call.
func TestGDPRDeleteContactNeedsAnID(t *testing.T) {
	t.Parallel()
	b := setup(t, nil)
	if err := b.client.GDPRDeleteContact(context.Background(), " "); !errors.Is(err, hubspot.ErrInvalidRequest) {
		t.Errorf("blank id: %v, want ErrInvalidRequest", err)
	}
	if n := len(b.sim.Counters().Calls); n != 0 {
		t.Errorf("%d endpoints called, want none", n)
	}
}
