package store_test

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/rtgs/sales-automation/internal/dbtest"
	"github.com/rtgs/sales-automation/internal/icp"
	"github.com/rtgs/sales-automation/internal/store"
)

// newICPProfile returns a valid profile named name, ready to create.
func newICPProfile(name string) store.Profile {
	return store.Profile{
		Name:        name,
		Description: "mid-market software companies",
		Criteria: icp.Criteria{
			Industries:     []string{"Software"},
			EmployeeRanges: []icp.EmployeeRange{{Min: 51, Max: 200}, {Min: 10001}},
			Countries:      []string{"US", "DE"},
			Seniorities:    []string{"vp", "director"},
			Weights:        map[string]int{"industries": 40, "employee_ranges": 30, "countries": 0, "seniorities": 30},
			Required:       []string{"countries"},
		},
		MinScore: 70,
		Active:   true,
	}
}

func createICPProfile(t *testing.T, profiles *store.ICPProfiles, p store.Profile) store.Profile {
	t.Helper()
	got, err := profiles.Create(context.Background(), p)
	if err != nil {
		t.Fatalf("Create(%q) = %v", p.Name, err)
	}
	return got
}

func TestICPProfilesCreateAndGet(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	profiles := store.NewICPProfiles(dbtest.Pool(t))

	want := newICPProfile("Mid-market SaaS")
	got := createICPProfile(t, profiles, want)
	if got.ID == uuid.Nil || got.CreatedAt.IsZero() || !got.UpdatedAt.Equal(got.CreatedAt) {
		t.Fatalf("Create left id or times empty or apart: %+v", got)
	}
	if got.Name != want.Name || got.Description != want.Description || got.MinScore != want.MinScore ||
		got.Active != want.Active || !reflect.DeepEqual(got.Criteria, want.Criteria) {
		t.Errorf("Create = %+v, want fields of %+v", got, want)
	}
	read, err := profiles.Get(ctx, got.ID)
	if err != nil || !reflect.DeepEqual(read, got) {
		t.Errorf("Get = %+v, %v; want %+v", read, err, got)
	}

	// The stored criteria still score: the jsonb round trip keeps them whole.
	res := icp.Score(read.Criteria, icp.Subject{Industry: "Computer Software", EmployeeRange: "10001+", Country: "Germany", Seniority: "cxo"})
	if res.Score != 70 {
		t.Errorf("Score against stored criteria = %d, want 70: %+v", res.Score, res.Matches)
	}

	// Zero values are stored as given, not replaced by column defaults.
	bare := newICPProfile("bare")
	bare.MinScore, bare.Active = 0, false
	if got := createICPProfile(t, profiles, bare); got.MinScore != 0 || got.Active {
		t.Errorf("Create with zero min_score and inactive = %d, %v; want 0, false", got.MinScore, got.Active)
	}
}

func TestICPProfilesErrors(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	profiles := store.NewICPProfiles(dbtest.Pool(t))
	existing := createICPProfile(t, profiles, newICPProfile("Enterprise"))
	other := createICPProfile(t, profiles, newICPProfile("SMB"))
	missing := uuid.New()

	sameNameOtherCase := newICPProfile("ENTERPRISE")
	sameID := newICPProfile("fresh")
	sameID.ID = existing.ID
	badCriteria := newICPProfile("bad")
	badCriteria.Criteria.EmployeeRanges[1] = icp.EmployeeRange{Min: 500, Max: 100}
	badFields := newICPProfile(" ")
	badFields.MinScore = 101

	tests := []struct {
		name  string
		call  func() error
		want  error
		paths []string // of the *icp.ValidationError, when one is wanted
	}{
		{"create name in use in another case", func() error { _, err := profiles.Create(ctx, sameNameOtherCase); return err }, store.ErrConflict, nil},
		{"create id in use", func() error { _, err := profiles.Create(ctx, sameID); return err }, store.ErrConflict, nil},
		{"create invalid criteria", func() error { _, err := profiles.Create(ctx, badCriteria); return err }, nil,
			[]string{"criteria.employee_ranges[1].max"}},
		{"create invalid fields", func() error { _, err := profiles.Create(ctx, badFields); return err }, nil,
			[]string{"name", "min_score"}},
		{"get missing", func() error { _, err := profiles.Get(ctx, missing); return err }, store.ErrNotFound, nil},
		{"update missing", func() error {
			_, err := profiles.Update(ctx, missing, store.ProfilePatch{Active: ptr(false)})
			return err
		}, store.ErrNotFound, nil},
		{"update empty patch of missing", func() error { _, err := profiles.Update(ctx, missing, store.ProfilePatch{}); return err }, store.ErrNotFound, nil},
		{"update to a name in use", func() error {
			_, err := profiles.Update(ctx, other.ID, store.ProfilePatch{Name: ptr("enterprise")})
			return err
		}, store.ErrConflict, nil},
		{"update invalid", func() error {
			_, err := profiles.Update(ctx, other.ID, store.ProfilePatch{
				Name: ptr(strings.Repeat("n", 201)), Criteria: &icp.Criteria{}, MinScore: ptr(-1),
			})
			return err
		}, nil, []string{"name", "criteria", "min_score"}},
		{"delete missing", func() error { return profiles.Delete(ctx, missing) }, store.ErrNotFound, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.call()
			if tt.want != nil {
				if !errors.Is(got, tt.want) {
					t.Errorf("got %v, want %v", got, tt.want)
				}
				return
			}
			var v *icp.ValidationError
			if !errors.As(got, &v) {
				t.Fatalf("got %v, want an *icp.ValidationError", got)
			}
			var paths []string
			for _, f := range v.Fields {
				paths = append(paths, f.Path)
			}
			if !slices.Equal(paths, tt.paths) {
				t.Errorf("got paths %q, want %q (%v)", paths, tt.paths, got)
			}
		})
	}
	if _, err := profiles.List(ctx, nil, 0); err == nil {
		t.Error("List(limit 0) = nil error, want one")
	}
	if got, err := profiles.Get(ctx, other.ID); err != nil || got.Name != "SMB" || got.MinScore != 70 {
		t.Errorf("after refused updates Get = %+v, %v; want it unchanged", got, err)
	}
}

func TestICPProfilesUpdate(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	profiles := store.NewICPProfiles(dbtest.Pool(t))
	p := createICPProfile(t, profiles, newICPProfile("Fintech"))

	same, err := profiles.Update(ctx, p.ID, store.ProfilePatch{})
	if err != nil || !reflect.DeepEqual(same, p) {
		t.Errorf("Update(empty) = %+v, %v; want the row unchanged %+v", same, err, p)
	}

	// One field at a time leaves the others alone.
	got, err := profiles.Update(ctx, p.ID, store.ProfilePatch{MinScore: ptr(0), Active: ptr(false)})
	if err != nil {
		t.Fatalf("Update(min_score, active) = %v", err)
	}
	if got.MinScore != 0 || got.Active || got.Name != p.Name || got.Description != p.Description ||
		!reflect.DeepEqual(got.Criteria, p.Criteria) || got.UpdatedAt.Before(p.UpdatedAt) || !got.CreatedAt.Equal(p.CreatedAt) {
		t.Errorf("Update(min_score, active) = %+v, want only those changed from %+v", got, p)
	}

	criteria := icp.Criteria{Titles: []string{"payments"}, Technologies: []string{"Stripe"}}
	got, err = profiles.Update(ctx, p.ID, store.ProfilePatch{
		Name: ptr("Payments"), Description: ptr(""), Criteria: &criteria,
	})
	if err != nil {
		t.Fatalf("Update(name, description, criteria) = %v", err)
	}
	if got.Name != "Payments" || got.Description != "" || !reflect.DeepEqual(got.Criteria, criteria) || got.MinScore != 0 {
		t.Errorf("Update(name, description, criteria) = %+v; want criteria replaced whole by %+v", got, criteria)
	}
	// Renaming to itself in another case is not a conflict with itself.
	if _, err := profiles.Update(ctx, p.ID, store.ProfilePatch{Name: ptr("PAYMENTS")}); err != nil {
		t.Errorf("Update(name in another case) = %v, want nil", err)
	}

	if err := profiles.Delete(ctx, p.ID); err != nil {
		t.Fatalf("Delete = %v", err)
	}
	if _, err := profiles.Get(ctx, p.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Get after Delete = %v, want ErrNotFound", err)
	}
}

func TestICPProfilesList(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	profiles := store.NewICPProfiles(dbtest.Pool(t))

	// Two profiles share a created_at so the id tie-break is exercised.
	base := time.Now().Truncate(time.Microsecond)
	var want []uuid.UUID
	for i := range 5 {
		p := newICPProfile(fmt.Sprintf("profile %d", i))
		p.CreatedAt = base.Add(time.Duration(min(i, 3)) * time.Second)
		want = append(want, createICPProfile(t, profiles, p).ID)
	}
	slices.SortStableFunc(want[3:], func(a, b uuid.UUID) int { return slices.Compare(a[:], b[:]) })

	var got []uuid.UUID
	var after *store.Cursor
	for page := 0; ; page++ {
		rows, err := profiles.List(ctx, after, 2)
		if err != nil {
			t.Fatalf("List page %d: %v", page, err)
		}
		if len(rows) == 0 {
			break
		}
		for _, r := range rows {
			got = append(got, r.ID)
		}
		last := rows[len(rows)-1]
		after = &store.Cursor{CreatedAt: last.CreatedAt, ID: last.ID}
	}
	if !slices.Equal(got, want) {
		t.Errorf("List pages = %v, want %v", got, want)
	}
}

func TestICPProfilesActive(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	profiles := store.NewICPProfiles(dbtest.Pool(t))
	first := createICPProfile(t, profiles, newICPProfile("first"))
	paused := newICPProfile("paused")
	paused.Active = false
	createICPProfile(t, profiles, paused)
	second := createICPProfile(t, profiles, newICPProfile("second"))

	got, err := profiles.Active(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var ids []uuid.UUID
	for _, p := range got {
		ids = append(ids, p.ID)
	}
	if want := []uuid.UUID{first.ID, second.ID}; !slices.Equal(ids, want) {
		t.Errorf("Active = %v, want %v (active only, in creation order)", ids, want)
	}
}

// A scoring target is read whatever the contact has: no company, or a
// company whose vendor payload lacks or misshapes what scoring reads.
func TestScoresTarget(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := dbtest.Pool(t)
	contacts, scores := store.NewContacts(pool), store.NewScores(pool)

	alone, err := contacts.Insert(ctx, store.Contact{Email: "solo@example.org", Title: "CTO", Seniority: "cxo", Country: "FR"})
	if err != nil {
		t.Fatal(err)
	}
	got, err := scores.Target(ctx, alone.ID)
	want := icp.Subject{Title: "CTO", Seniority: "cxo", Country: "FR", Technologies: []string{}, Keywords: []string{}}
	if err != nil || !reflect.DeepEqual(got.Subject, want) || got.ICPScore != nil || got.SyncStatus != "pending" {
		t.Errorf("Target(no company) = %+v, %v; want subject %+v, unscored, pending", got, err, want)
	}

	co, err := store.NewCompanies(pool).Insert(ctx, store.Company{Domain: "odd.example", Industry: "Retail", EmployeeCount: ptr(40)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := pool.Exec(ctx, `UPDATE companies SET enrichment = '{"apollo":{"keywords":"not a list"},"explorium":{"firmographics":null}}' WHERE id = $1`, co.ID); err != nil {
		t.Fatal(err)
	}
	c, err := contacts.Insert(ctx, store.Contact{Email: "x@odd.example", CompanyID: &co.ID})
	if err != nil {
		t.Fatal(err)
	}
	got, err = scores.Target(ctx, c.ID)
	if err != nil || got.Subject.Industry != "Retail" || got.Subject.EmployeeCount != 40 || len(got.Subject.Keywords) != 0 || got.Subject.Description != "" {
		t.Errorf("Target(misshapen payload) = %+v, %v; want the company's columns and no keywords or description", got.Subject, err)
	}

	if _, err := scores.Target(ctx, uuid.New()); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Target(missing) = %v, want ErrNotFound", err)
	}
	if err := scores.Store(ctx, uuid.New(), uuid.New(), icp.Explanation{}, time.Now()); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Store(missing) = %v, want ErrNotFound", err)
	}
}
