package crmsync

import (
	"context"
	"maps"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/rtgs/sales-automation/internal/dbtest"
)

// Two runs at once take disjoint batches: the second skips the rows the
// first holds, and rows still backing off are taken by neither.
func TestTakeSkipsLockedAndBackingOff(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := dbtest.Pool(t)
	now := time.Now()
	if _, err := pool.Exec(ctx, `INSERT INTO contacts (email, sync_requested_at)
		SELECT 'p' || i || '@x.example', now() - make_interval(secs => 1000 - i) FROM generate_series(1, 150) i`); err != nil {
		t.Fatal(err)
	}
	if _, err := pool.Exec(ctx, `UPDATE contacts SET sync_not_before = $1 WHERE email IN ('p1@x.example', 'p2@x.example')`,
		now.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}

	first, err := pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer first.Rollback(ctx)
	a, err := Take(ctx, first, now, BatchSize)
	if err != nil {
		t.Fatal(err)
	}
	second, err := pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer second.Rollback(ctx)
	b, err := Take(ctx, second, now, BatchSize)
	if err != nil {
		t.Fatal(err)
	}

	if len(a.Contacts) != 100 || len(b.Contacts) != 48 {
		t.Fatalf("batches of %d and %d, want 100 and the other 48 due", len(a.Contacts), len(b.Contacts))
	}
	if a.Contacts[0].Email != "p3@x.example" {
		t.Errorf("first batch starts with %s, want the oldest due mark p3", a.Contacts[0].Email)
	}
	seen := map[uuid.UUID]bool{}
	for _, c := range append(a.Contacts, b.Contacts...) {
		if seen[c.ID] {
			t.Fatalf("contact %s taken twice", c.ID)
		}
		seen[c.ID] = true
	}
	waiting, err := Waiting(ctx, pool, now)
	if err != nil || !waiting {
		t.Errorf("Waiting = %v, %v; want true while taken marks are uncommitted", waiting, err)
	}
}

func TestRetryAfterFailure(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		attempts int
		wait     time.Duration
		keep     bool
	}{
		{0, time.Minute, true},
		{1, 2 * time.Minute, true},
		{3, 8 * time.Minute, true},
		{MaxAttempts - 1, 0, false},
		{MaxAttempts + 3, 0, false},
	}
	for _, tt := range tests {
		at, keep := retryAfterFailure(tt.attempts, now)
		switch {
		case keep != tt.keep:
			t.Errorf("after %d attempts keep = %v, want %v", tt.attempts, keep, tt.keep)
		case keep && !at.Equal(now.Add(tt.wait)):
			t.Errorf("after %d attempts retry at %s, want %s later", tt.attempts, at, tt.wait)
		case !keep && at != nil:
			t.Errorf("after %d attempts retry at %s, want none", tt.attempts, at)
		}
	}
}

func TestProperties(t *testing.T) {
	t.Parallel()
	employees := 42
	tests := []struct {
		name string
		got  map[string]string
		want map[string]string
	}{
		{"contact, empty fields left out",
			ContactProperties(Contact{Email: "a@b.example", FirstName: "Ada", Title: "CTO", Domain: "b.example"}, "B Corp"),
			map[string]string{"email": "a@b.example", "firstname": "Ada", "jobtitle": "CTO", "website": "b.example", "company": "B Corp"}},
		{"contact, every field",
			ContactProperties(Contact{Email: "a@b.example", FirstName: "Ada", LastName: "L", Title: "CTO", Phone: "+441", Domain: "b.example", Country: "UK"}, ""),
			map[string]string{"email": "a@b.example", "firstname": "Ada", "lastname": "L", "jobtitle": "CTO", "phone": "+441", "website": "b.example", "country": "UK"}},
		{"company with head count",
			CompanyProperties(Company{Domain: "b.example", Name: "B", Industry: "Software", Country: "UK", EmployeeCount: &employees}),
			map[string]string{"domain": "b.example", "name": "B", "industry": "Software", "country": "UK", "numberofemployees": "42"}},
		{"company, domain only",
			CompanyProperties(Company{Domain: "b.example"}),
			map[string]string{"domain": "b.example"}},
	}
	for _, tt := range tests {
		if !maps.Equal(tt.got, tt.want) {
			t.Errorf("%s: got %v, want %v", tt.name, tt.got, tt.want)
		}
	}
}
