package hubspot_test

import (
	"context"
	"slices"
	"testing"

	"github.com/rtgs/sales-automation/integrations/hubspot"
)

func TestAssociations(t *testing.T) {
	t.Parallel()
	for _, version := range []string{"v3", "2026-03"} {
		t.Run(version, func(t *testing.T) {
			t.Parallel()
			b := setup(t, nil, func(c *hubspot.Config) { c.Version = version })
			ctx := context.Background()
			p0, p1, co := twoContactsAndACompany(t, b)
			pairs := []hubspot.AssociationPair{
				{From: hubspot.ObjectRef{ID: p0}, To: hubspot.ObjectRef{ID: co}},
				{From: hubspot.ObjectRef{ID: "777"}, To: hubspot.ObjectRef{ID: co}},
			}
			for range 2 { // idempotent
				res, err := b.client.AssociateContactsWithCompanies(ctx, pairs)
				if err != nil {
					t.Fatal(err)
				}
				if len(res.Results) != 1 || res.Results[0].Input != 0 || res.Results[0].Spec.AssociationTypeID != hubspot.TypeContactToCompany {
					t.Errorf("results %+v", res.Results)
				}
				if len(res.Errors) != 1 || !slices.Equal(res.Errors[0].Inputs, []int{1}) {
					t.Errorf("errors %+v, want one for input 1", res.Errors)
				}
			}
			read, err := b.client.Associations.BatchRead(ctx, hubspot.ObjectContacts, hubspot.ObjectCompanies, []string{p0, p1})
			if err != nil {
				t.Fatal(err)
			}
			if len(read.Results) != 1 || read.Results[0].Input != 0 || len(read.Results[0].To) != 1 || read.Results[0].To[0].ToObjectID != co {
				t.Errorf("read results %+v", read.Results)
			}
			if len(read.Errors) != 1 || !slices.Equal(read.Errors[0].Inputs, []int{1}) {
				t.Errorf("read errors %+v, want p1 without associations", read.Errors)
			}
			back, err := b.client.Associations.BatchRead(ctx, hubspot.ObjectCompanies, hubspot.ObjectContacts, []string{co})
			if err != nil || len(back.Results) != 1 || back.Results[0].To[0].ToObjectID != p0 || back.Results[0].To[0].Types[0].TypeID != hubspot.TypeCompanyToContact {
				t.Errorf("company→contacts: %+v, %v", back, err)
			}
		})
	}
}

func TestInlineAssociationOnCreate(t *testing.T) {
	t.Parallel()
	b := setup(t, nil)
	ctx := context.Background()
	co, err := b.client.Companies.Create(ctx, hubspot.CreateInput{Properties: map[string]string{"name": "Acme"}})
	if err != nil {
		t.Fatal(err)
	}
	res, err := b.client.Contacts.BatchCreate(ctx, []hubspot.CreateInput{{
		Properties:   map[string]string{"email": "a@acme.com"},
		Associations: []hubspot.InlineAssociation{{To: hubspot.ObjectRef{ID: co.ID}, Types: []hubspot.AssociationSpec{{AssociationCategory: "HUBSPOT_DEFINED", AssociationTypeID: hubspot.TypeContactToCompany}}}},
	}})
	if err != nil || len(res.Failed()) != 0 {
		t.Fatalf("%+v %v", res, err)
	}
	read, err := b.client.Associations.BatchRead(ctx, hubspot.ObjectCompanies, hubspot.ObjectContacts, []string{co.ID})
	if err != nil || len(read.Results) != 1 || read.Results[0].To[0].ToObjectID != res.ResultFor(0).ID {
		t.Errorf("%+v %v", read, err)
	}
}
