package hubspot_test

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/rtgs/sales-automation/integrations/hubspot"
)

func TestBatchUpsertBothPathFamilies(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ version, path string }{
		{"v3", "hubspot POST /crm/v3/objects/contacts/batch/upsert"},
		{"2026-03", "hubspot POST /crm/objects/2026-03/contacts/batch/upsert"},
	} {
		t.Run(tt.version, func(t *testing.T) {
			t.Parallel()
			b := setup(t, nil, func(c *hubspot.Config) { c.Version = tt.version })
			ctx := context.Background()
			in := contacts(3, "acme.com")
			for round, wantNew := range []bool{true, false} {
				res, err := b.client.Contacts.BatchUpsert(ctx, in)
				if err != nil {
					t.Fatal(err)
				}
				if len(res.Results) != 3 || len(res.Errors) != 0 || len(res.Failed()) != 0 || res.Status != "COMPLETE" {
					t.Fatalf("round %d: %+v", round, res)
				}
				for i := range in {
					r := res.ResultFor(i)
					if r == nil || r.New != wantNew || r.Properties["email"] != in[i].ID || r.ObjectWriteTraceID != "" {
						t.Errorf("round %d input %d: %+v, want new=%v for %s", round, i, r, wantNew, in[i].ID)
					}
				}
			}
			if got := b.sim.Counters().Calls[tt.path]; got != 2 {
				t.Errorf("calls to %s: %d, want 2", tt.path, got)
			}
		})
	}
}

func TestBatchUpsertPartialFailure(t *testing.T) {
	t.Parallel()
	b := setup(t, nil)
	in := contacts(3, "acme.com")
	in[1].ID = "not-an-email"
	in[2].ObjectWriteTraceID = "job42-row7"
	res, err := b.client.Contacts.BatchUpsert(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	if got := res.Failed(); !slices.Equal(got, []int{1}) {
		t.Errorf("failed %v, want [1]", got)
	}
	if e := res.ErrorFor(1); e == nil || e.Category != "VALIDATION_ERROR" || !contains(e.Message, "not-an-email") {
		t.Errorf("error for input 1: %+v", e)
	}
	if r := res.ResultFor(2); r == nil || r.ObjectWriteTraceID != "job42-row7" {
		t.Errorf("input 2 keeps the caller's trace id: %+v", r)
	}
}

func TestBatchCreateDuplicates(t *testing.T) {
	t.Parallel()
	b := setup(t, nil)
	ctx := context.Background()
	first, err := b.client.Contacts.Create(ctx, hubspot.CreateInput{Properties: map[string]string{"email": "jane@acme.com"}})
	if err != nil {
		t.Fatal(err)
	}
	// A single create of the same email is HubSpot's 409 with the id.
	_, err = b.client.Contacts.Create(ctx, hubspot.CreateInput{Properties: map[string]string{"email": "JANE@acme.com"}})
	requireAPIError(t, err, 409, "CONFLICT")
	if id, ok := hubspot.ExistingID(err); !ok || id != first.ID {
		t.Errorf("ExistingID = %q, %v; want %s", id, ok, first.ID)
	}
	// In a batch the duplicate fails alone (207), the others are created.
	res, err := b.client.Contacts.BatchCreate(ctx, []hubspot.CreateInput{
		{Properties: map[string]string{"email": "new@acme.com"}},
		{Properties: map[string]string{"email": "jane@acme.com"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(res.Failed(), []int{1}) || res.ResultFor(0) == nil {
		t.Fatalf("failed %v, results %+v", res.Failed(), res.Results)
	}
	if id, ok := hubspot.ExistingID(res.ErrorFor(1)); !ok || id != first.ID {
		t.Errorf("batch ExistingID = %q, %v", id, ok)
	}
	if got := b.sim.Counters().DuplicateWrites["hubspot"]["contact"]; got != 2 {
		t.Errorf("duplicate contact writes %d, want 2", got)
	}
}

func TestBatchUpdateAndRead(t *testing.T) {
	t.Parallel()
	b := setup(t, nil)
	ctx := context.Background()
	up, err := b.client.Contacts.BatchUpsert(ctx, contacts(2, "acme.com"))
	if err != nil {
		t.Fatal(err)
	}
	id0 := up.ResultFor(0).ID
	res, err := b.client.Contacts.BatchUpdate(ctx, []hubspot.UpdateInput{
		{ID: "999999999", Properties: map[string]string{"jobtitle": "CEO"}},
		{ID: id0, Properties: map[string]string{"jobtitle": "CTO", "lastname": ""}},
		{ID: "person1@acme.com", IDProperty: "email", Properties: map[string]string{"jobtitle": "CFO"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(res.Failed(), []int{0}) || res.ErrorFor(0).Category != "OBJECT_NOT_FOUND" {
		t.Fatalf("failed %v errors %+v", res.Failed(), res.Errors)
	}
	read, err := b.client.ContactsByEmail(ctx, []string{"person0@acme.com", "nobody@acme.com", "person1@acme.com"}, "jobtitle", "lastname")
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(read.Failed(), []int{1}) || read.ErrorFor(1) == nil {
		t.Fatalf("read failed %v errors %+v", read.Failed(), read.Errors)
	}
	if p := read.ResultFor(0).Properties; p["jobtitle"] != "CTO" || p["lastname"] != "" {
		t.Errorf("person0 %v, want CTO and lastname cleared", p)
	}
	if p := read.ResultFor(2).Properties; p["jobtitle"] != "CFO" {
		t.Errorf("person1 %v, want CFO", p)
	}
	byID, err := b.client.Contacts.BatchRead(ctx, hubspot.ReadRequest{IDs: []string{id0}})
	if err != nil || byID.ResultFor(0) == nil || byID.ResultFor(0).Properties["email"] != "person0@acme.com" {
		t.Errorf("read by id: %+v, %v", byID, err)
	}
	got, err := b.client.Contacts.Get(ctx, "person1@acme.com", "email", "jobtitle")
	if err != nil || got.Properties["jobtitle"] != "CFO" {
		t.Errorf("Get: %+v, %v", got, err)
	}
	_, err = b.client.Contacts.Get(ctx, "424242", "")
	requireAPIError(t, err, 404, "OBJECT_NOT_FOUND")
}

func TestBatchCapIsEnforcedBeforeCalling(t *testing.T) {
	t.Parallel()
	b := setup(t, nil)
	ctx := context.Background()
	_, err := b.client.Contacts.BatchUpsert(ctx, contacts(101, "acme.com"))
	if !errors.Is(err, hubspot.ErrBatchTooLarge) {
		t.Errorf("101 inputs: %v, want ErrBatchTooLarge", err)
	}
	_, err = b.client.Companies.BatchRead(ctx, hubspot.ReadRequest{IDs: make([]string, 101)})
	if !errors.Is(err, hubspot.ErrBatchTooLarge) {
		t.Errorf("101 reads: %v, want ErrBatchTooLarge", err)
	}
	_, err = b.client.Contacts.BatchUpsert(ctx, []hubspot.UpsertInput{{ID: "x@y.com"}})
	if !errors.Is(err, hubspot.ErrInvalidRequest) {
		t.Errorf("no idProperty: %v, want ErrInvalidRequest", err)
	}
	if n := len(b.sim.Counters().Calls); n != 0 {
		t.Errorf("%d endpoints called, want none", n)
	}
	if res, err := b.client.Contacts.BatchUpsert(ctx, contacts(100, "acme.com")); err != nil || len(res.Results) != 100 {
		t.Errorf("100 inputs: %v", err)
	}
}

func TestCompanies(t *testing.T) {
	t.Parallel()
	b := setup(t, nil)
	ctx := context.Background()
	in := []hubspot.UpsertInput{
		hubspot.CompanyUpsert("acme-1", map[string]string{"name": "Acme", "domain": "acme.com"}, ""),
		hubspot.CompanyUpsert("globex-1", map[string]string{"name": "Globex", "domain": "globex.com", "numberofemployees": "many"}, ""),
	}
	res, err := b.client.Companies.BatchUpsert(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(res.Failed(), []int{1}) || !res.ResultFor(0).New {
		t.Errorf("failed %v results %+v", res.Failed(), res.Results)
	}
	// Domain is no unique key in HubSpot: an upsert on it is refused whole.
	_, err = b.client.Companies.BatchUpsert(ctx, []hubspot.UpsertInput{{IDProperty: "domain", ID: "acme.com", Properties: map[string]string{"name": "A"}}})
	requireAPIError(t, err, 400, "VALIDATION_ERROR")
	// An unknown property fails the whole batch too.
	_, err = b.client.Companies.BatchCreate(ctx, []hubspot.CreateInput{{Properties: map[string]string{"name": "X", "favourite_colour": "red"}}})
	api := requireAPIError(t, err, 400, "VALIDATION_ERROR")
	if !contains(api.Message, "favourite_colour") {
		t.Errorf("message %q does not name the property", api.Message)
	}
	// Two creates with one domain are allowed by HubSpot and leave a
	// duplicate company, which the simulator counts.
	for range 2 {
		if _, err := b.client.Companies.BatchCreate(ctx, []hubspot.CreateInput{{Properties: map[string]string{"name": "Initech", "domain": "initech.com"}}}); err != nil {
			t.Fatal(err)
		}
	}
	if got := b.sim.Counters().DuplicateWrites["hubspot"]["company"]; got != 1 {
		t.Errorf("duplicate company writes %d, want 1", got)
	}
}
