package hubspot_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/rtgs/sales-automation/integrations/hubspot"
)

func seedContacts(t *testing.T, b testBundle, n int) {
	t.Helper()
	for start := 0; start < n; start += hubspot.MaxBatch {
		in := make([]hubspot.UpsertInput, 0, hubspot.MaxBatch)
		for i := start; i < min(start+hubspot.MaxBatch, n); i++ {
			domain := []string{"acme.com", "globex.com"}[i%2]
			in = append(in, hubspot.ContactUpsert(fmt.Sprintf("p%05d@%s", i, domain), map[string]string{
				"firstname": fmt.Sprintf("P%d", i), "numemployees": fmt.Sprint(i), "jobtitle": []string{"CEO", "CTO", "Engineer"}[i%3],
			}, ""))
		}
		if _, err := b.client.Contacts.BatchUpsert(context.Background(), in); err != nil {
			t.Fatal(err)
		}
	}
}

func TestSearchFiltersAndSorts(t *testing.T) {
	t.Parallel()
	for _, stringSorts := range []bool{false, true} {
		t.Run(fmt.Sprintf("stringSorts=%v", stringSorts), func(t *testing.T) {
			t.Parallel()
			b := setup(t, nil, func(c *hubspot.Config) { c.StringSorts = stringSorts })
			seedContacts(t, b, 30)
			f := func(prop, op, v string, vs ...string) hubspot.Filter {
				return hubspot.Filter{PropertyName: prop, Operator: op, Value: v, Values: vs}
			}
			tests := []struct {
				name  string
				req   hubspot.SearchRequest
				total int
				first string
			}{
				{"EQ", hubspot.SearchRequest{FilterGroups: []hubspot.FilterGroup{{Filters: []hubspot.Filter{f("email", hubspot.OpEQ, "P00003@globex.com")}}}}, 1, "p00003@globex.com"},
				{"IN", hubspot.SearchRequest{FilterGroups: []hubspot.FilterGroup{{Filters: []hubspot.Filter{f("jobtitle", hubspot.OpIn, "", "ceo", "cto")}}}}, 20, "p00000@acme.com"},
				{"CONTAINS_TOKEN domain", hubspot.SearchContactsByEmailDomain("globex.com", "email"), 15, "p00001@globex.com"},
				{"GT number, sorted down", hubspot.SearchRequest{
					FilterGroups: []hubspot.FilterGroup{{Filters: []hubspot.Filter{f("numemployees", hubspot.OpGT, "9")}}},
					Sorts:        []hubspot.Sort{{PropertyName: "numemployees", Direction: hubspot.Descending}}}, 20, "p00029@globex.com"},
				{"AND within, OR across groups", hubspot.SearchRequest{FilterGroups: []hubspot.FilterGroup{
					{Filters: []hubspot.Filter{f("jobtitle", hubspot.OpEQ, "CEO"), f("numemployees", hubspot.OpLT, "10")}},
					{Filters: []hubspot.Filter{f("email", hubspot.OpEQ, "p00029@globex.com")}},
				}}, 5, "p00000@acme.com"},
				{"HAS_PROPERTY", hubspot.SearchRequest{FilterGroups: []hubspot.FilterGroup{{Filters: []hubspot.Filter{f("phone", hubspot.OpHasProperty, "")}}}}, 0, ""},
			}
			for _, tt := range tests {
				tt.req.Properties = []string{"email"}
				page, err := b.client.Contacts.Search(context.Background(), tt.req)
				if err != nil {
					t.Fatalf("%s: %v", tt.name, err)
				}
				first := ""
				if len(page.Results) > 0 {
					first = page.Results[0].Properties["email"]
				}
				if page.Total != tt.total || first != tt.first {
					t.Errorf("%s: total %d first %q, want %d %q", tt.name, page.Total, first, tt.total, tt.first)
				}
			}
		})
	}
}

func TestSearchPagingAndValidation(t *testing.T) {
	t.Parallel()
	b := setup(t, nil)
	seedContacts(t, b, 25)
	ctx := context.Background()
	seen := map[string]bool{}
	req := hubspot.SearchRequest{Limit: 10, Properties: []string{"email"}}
	pages := 0
	for {
		page, err := b.client.Contacts.Search(ctx, req)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		for _, o := range page.Results {
			seen[o.ID] = true
		}
		if req.After = page.NextAfter(); req.After == "" {
			break
		}
	}
	if pages != 3 || len(seen) != 25 {
		t.Errorf("%d pages, %d distinct results; want 3 and 25", pages, len(seen))
	}
	n := 0
	for _, err := range b.client.Contacts.SearchAll(ctx, hubspot.SearchRequest{Limit: 7}) {
		if err != nil {
			t.Fatal(err)
		}
		n++
	}
	if n != 25 {
		t.Errorf("SearchAll yielded %d, want 25", n)
	}
	for _, bad := range []hubspot.SearchRequest{
		{Limit: 201},
		{FilterGroups: make([]hubspot.FilterGroup, 6)},
		{FilterGroups: []hubspot.FilterGroup{{Filters: make([]hubspot.Filter, 11)}}},
		{FilterGroups: []hubspot.FilterGroup{{Filters: make([]hubspot.Filter, 9)}, {Filters: make([]hubspot.Filter, 9)}, {Filters: make([]hubspot.Filter, 9)}}},
		{Sorts: make([]hubspot.Sort, 2)},
	} {
		if _, err := b.client.Contacts.Search(ctx, bad); !errors.Is(err, hubspot.ErrInvalidRequest) {
			t.Errorf("%+v: %v, want ErrInvalidRequest", bad, err)
		}
	}
	// What the client does not check, the fake refuses as HubSpot does.
	_, err := b.client.Contacts.Search(ctx, hubspot.SearchRequest{FilterGroups: []hubspot.FilterGroup{{Filters: []hubspot.Filter{{PropertyName: "email", Operator: "LIKE", Value: "x"}}}}})
	requireAPIError(t, err, 400, "VALIDATION_ERROR")
}

func TestSearchAllStopsAtTheCap(t *testing.T) {
	t.Parallel()
	b := setup(t, nil)
	seedContacts(t, b, hubspot.SearchCap+150)
	n := 0
	var capErr *hubspot.SearchCapError
	for _, err := range b.client.Contacts.SearchAll(context.Background(), hubspot.SearchRequest{Properties: []string{"email"}}) {
		if err != nil {
			if !errors.As(err, &capErr) {
				t.Fatalf("after %d: %v", n, err)
			}
			break
		}
		n++
	}
	if n != hubspot.SearchCap || capErr == nil || capErr.Total != hubspot.SearchCap+150 {
		t.Errorf("yielded %d then %v; want %d then a SearchCapError with total %d", n, capErr, hubspot.SearchCap, hubspot.SearchCap+150)
	}
	_, err := b.client.Contacts.Search(context.Background(), hubspot.SearchRequest{After: "10000"})
	if !errors.As(err, &capErr) {
		t.Errorf("after 10000: %v, want SearchCapError before calling", err)
	}
}
