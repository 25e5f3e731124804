package apollo

import (
	"context"
	"fmt"
	"testing"

	"github.com/rtgs/sales-automation/integrations/vendorsim"
)

// unlimited lifts the default bucket's limits so walks over many pages do
// not meet the 200-per-minute quota.
var unlimited = vendorsim.Knobs{Limits: map[string][]vendorsim.Limit{"default": {}}}

// findFilters returns keywords whose result set's size satisfies ok, so a
// test can pick a small or a huge result set from the simulator's
// deterministic data.
func findFilters(t *testing.T, b *testBundle, ok func(total int) bool) (string, int) {
	t.Helper()
	for i := range 200 {
		kw := fmt.Sprintf("keyword-%d", i)
		page, err := b.client.SearchPeople(context.Background(), &PeopleSearchRequest{QKeywords: kw, PerPage: 1})
		if err != nil {
			t.Fatalf("SearchPeople: %v", err)
		}
		if ok(page.TotalEntries) {
			return kw, page.TotalEntries
		}
	}
	t.Fatal("no filters found with a suitable result set")
	return "", 0
}

func TestSearchPeoplePage(t *testing.T) {
	t.Parallel()
	b := setup(t)
	got, err := b.client.SearchPeople(context.Background(), &PeopleSearchRequest{
		PersonTitles: []string{"VP of Sales"}, PersonSeniorities: []string{"vp"}, Page: 1, PerPage: 25,
	})
	if err != nil {
		t.Fatalf("SearchPeople: %v", err)
	}
	if got.TotalEntries > 0 && len(got.People) != min(25, got.TotalEntries) {
		t.Fatalf("%d people on a page of 25 out of %d", len(got.People), got.TotalEntries)
	}
	for _, p := range got.People {
		if p.Title != "VP of Sales" || !isHex(p.ID, 24) || p.LastNameObfuscated == "" {
			t.Errorf("result %+v does not honour the title filter", p)
		}
	}
}

func TestSearchPeopleRefusesBeforeCalling(t *testing.T) {
	t.Parallel()
	b := setup(t)
	tests := []struct {
		name string
		req  PeopleSearchRequest
		code string
	}{
		{"per_page over 100", PeopleSearchRequest{PerPage: 101}, "invalid_per_page"},
		{"negative page", PeopleSearchRequest{Page: -1}, "invalid_page"},
		{"past the display limit", PeopleSearchRequest{Page: 501, PerPage: 100}, "past_display_limit"},
		{"past the limit at the default page size", PeopleSearchRequest{Page: 5001}, "past_display_limit"},
		{"too many domains", PeopleSearchRequest{QOrganizationDomainsList: make([]string, MaxDomainsFilter+1)}, "too_many_domains"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := b.client.SearchPeople(context.Background(), &tt.req)
			if ae := asAPIError(t, err); ae.Code != tt.code {
				t.Errorf("code = %q, want %q", ae.Code, tt.code)
			}
		})
	}
	if n := b.calls("POST /api/v1/mixed_people/api_search"); n != 0 {
		t.Errorf("simulator saw %d calls, want none", n)
	}
}

func TestSearchPeopleAllWalksToTheLastPage(t *testing.T) {
	t.Parallel()
	b := setup(t, unlimited)
	kw, total := findFilters(t, b, func(n int) bool { return n > 100 && n < 400 })
	before := b.calls("POST /api/v1/mixed_people/api_search")
	seen := map[string]bool{}
	for p, err := range b.client.SearchPeopleAll(context.Background(), PeopleSearchRequest{QKeywords: kw}) {
		if err != nil {
			t.Fatalf("SearchPeopleAll: %v", err)
		}
		seen[p.ID] = true
	}
	if len(seen) != total {
		t.Errorf("walked %d distinct people, want %d", len(seen), total)
	}
	if calls, want := b.calls("POST /api/v1/mixed_people/api_search")-before, int64((total+99)/100); calls != want {
		t.Errorf("%d calls for %d people, want %d", calls, total, want)
	}
}

func TestSearchPeopleAllStopsAtTheDisplayLimit(t *testing.T) {
	t.Parallel()
	b := setup(t, unlimited)
	kw, _ := findFilters(t, b, func(n int) bool { return n > MaxSearchResults })
	before := b.calls("POST /api/v1/mixed_people/api_search")
	n := 0
	for _, err := range b.client.SearchPeopleAll(context.Background(), PeopleSearchRequest{QKeywords: kw, Page: 499}) {
		if err != nil {
			t.Fatalf("SearchPeopleAll: %v (it must stop before Apollo's 422)", err)
		}
		n++
	}
	if n != 200 {
		t.Errorf("pages 499 and 500 gave %d people, want 200", n)
	}
	if calls := b.calls("POST /api/v1/mixed_people/api_search") - before; calls != 2 {
		t.Errorf("%d calls, want 2 (none past page 500)", calls)
	}
}

func TestSearchPeopleAllStopsWhenTheLoopDoes(t *testing.T) {
	t.Parallel()
	b := setup(t, unlimited)
	kw, _ := findFilters(t, b, func(n int) bool { return n > 1000 })
	before := b.calls("POST /api/v1/mixed_people/api_search")
	n := 0
	for range b.client.SearchPeopleAll(context.Background(), PeopleSearchRequest{QKeywords: kw}) {
		if n++; n == 150 {
			break
		}
	}
	if calls := b.calls("POST /api/v1/mixed_people/api_search") - before; calls != 2 {
		t.Errorf("%d calls for 150 people, want 2", calls)
	}
}
