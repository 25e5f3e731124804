package enrichment

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rtgs/sales-automation/integrations/guard"
	"github.com/rtgs/sales-automation/internal/config"
	"github.com/rtgs/sales-automation/internal/dbtest"
)

// fakeVendor answers the waterfall as a vendor would at the process edge:
// it finds the queries listed in found, costs one credit per find, or fails
// with err; it records what it was asked.
type fakeVendor struct {
	name  string
	batch int
	found map[int]bool
	err   error
	asked [][]int
}

func (f *fakeVendor) step() step[int, string] {
	return step[int, string]{vendor: f.name, batch: f.batch, call: func(_ context.Context, qs []int) ([]answer[string], int64, error) {
		f.asked = append(f.asked, slices.Clone(qs))
		if f.err != nil {
			return nil, 0, f.err
		}
		out := make([]answer[string], len(qs))
		var credits int64
		for i, q := range qs {
			if f.found[q] {
				out[i] = answer[string]{found: true, fields: f.name}
				credits++
			}
		}
		return out, credits, nil
	}}
}

func newTestService(t *testing.T, ceilings map[string]int64) *Service {
	t.Helper()
	cfg := config.DefaultEnrichment()
	cfg.DailyCredits = ceilings
	s, err := New(cfg, Deps{DB: dbtest.Pool(t)})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func statuses(out []Outcome[string]) []string {
	s := make([]string, len(out))
	for i, o := range out {
		s[i] = o.Status + "/" + o.Source
	}
	return s
}

func TestWaterfall(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	qs := []int{0, 1, 2, 3}

	t.Run("later vendors are asked only about what earlier ones missed", func(t *testing.T) {
		t.Parallel()
		s := newTestService(t, nil)
		a := &fakeVendor{name: "a", batch: 50, found: map[int]bool{0: true, 2: true}}
		b := &fakeVendor{name: "b", batch: 50, found: map[int]bool{1: true, 2: true}}
		out, wait, err := runWaterfall(ctx, s, "person", []step[int, string]{a.step(), b.step()}, qs)
		if err != nil {
			t.Fatal(err)
		}
		want := []string{"enriched/a", "enriched/b", "enriched/a", "not_found/"}
		if got := statuses(out); !slices.Equal(got, want) || wait.Err != nil || wait.Ceiling != nil {
			t.Errorf("outcomes %v, wait %+v; want %v and no wait", got, wait, want)
		}
		if len(b.asked) != 1 || !slices.Equal(b.asked[0], []int{1, 3}) {
			t.Errorf("b asked %v, want [[1 3]]", b.asked)
		}
	})

	t.Run("batches follow the vendor's cap", func(t *testing.T) {
		t.Parallel()
		s := newTestService(t, nil)
		a := &fakeVendor{name: "a", batch: 3}
		if _, _, err := runWaterfall(ctx, s, "person", []step[int, string]{a.step()}, qs); err != nil {
			t.Fatal(err)
		}
		if len(a.asked) != 2 || len(a.asked[0]) != 3 || len(a.asked[1]) != 1 {
			t.Errorf("asked %v, want batches of 3 and 1", a.asked)
		}
	})

	t.Run("a permanent refusal moves on; refused by all is failed with the reasons", func(t *testing.T) {
		t.Parallel()
		s := newTestService(t, nil)
		refused := &guard.APIError{Vendor: "a", Status: 403, Message: "insufficient credits"}
		a := &fakeVendor{name: "a", batch: 50, err: refused}
		b := &fakeVendor{name: "b", batch: 50, found: map[int]bool{0: true}}
		out, _, err := runWaterfall(ctx, s, "person", []step[int, string]{a.step(), b.step()}, qs)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := statuses(out), []string{"enriched/b", "not_found/", "not_found/", "not_found/"}; !slices.Equal(got, want) {
			t.Errorf("outcomes %v, want %v", got, want)
		}
		b.err = refused
		out, _, err = runWaterfall(ctx, s, "person", []step[int, string]{a.step(), b.step()}, qs[:1])
		if err != nil {
			t.Fatal(err)
		}
		if out[0].Status != StatusFailed || !strings.Contains(out[0].Reason, "insufficient credits") {
			t.Errorf("outcome %+v, want failed with the vendor's reason", out[0])
		}
	})

	t.Run("a rate limit stops the waterfall and defers the rest", func(t *testing.T) {
		t.Parallel()
		s := newTestService(t, nil)
		limited := &guard.RateLimitError{Vendor: "a", RetryAfter: time.Second}
		a := &fakeVendor{name: "a", batch: 50, err: limited}
		b := &fakeVendor{name: "b", batch: 50, found: map[int]bool{0: true}}
		out, wait, err := runWaterfall(ctx, s, "person", []step[int, string]{a.step(), b.step()}, qs)
		if err != nil {
			t.Fatal(err)
		}
		if got := statuses(out); !slices.Equal(got, []string{"/", "/", "/", "/"}) || !errors.Is(wait.Err, limited) {
			t.Errorf("outcomes %v, wait %+v; want all deferred by the rate limit", got, wait)
		}
		if len(b.asked) != 0 {
			t.Errorf("b asked %v while a was rate limited", b.asked)
		}
	})

	t.Run("a vendor at its ceiling is skipped; what nobody found waits for tomorrow", func(t *testing.T) {
		t.Parallel()
		s := newTestService(t, map[string]int64{"a": 2})
		a := &fakeVendor{name: "a", batch: 2, found: map[int]bool{0: true, 1: true, 2: true, 3: true}}
		b := &fakeVendor{name: "b", batch: 50, found: map[int]bool{3: true}}
		out, wait, err := runWaterfall(ctx, s, "person", []step[int, string]{a.step(), b.step()}, qs)
		if err != nil {
			t.Fatal(err)
		}
		// a's first batch spends its 2 credits; its second batch goes to b.
		if got, want := statuses(out), []string{"enriched/a", "enriched/a", "/", "enriched/b"}; !slices.Equal(got, want) {
			t.Errorf("outcomes %v, want %v", got, want)
		}
		if !slices.Equal(wait.Ceiling, []string{"a"}) || wait.Err != nil {
			t.Errorf("wait %+v, want the ceiling of a", wait)
		}
		days, err := CreditDays(ctx, s.db, s.now())
		if err != nil {
			t.Fatal(err)
		}
		if len(days) != 2 || days[0].Vendor != "a" || days[0].Spent != 2 || days[0].Ceiling != 2 || days[0].Remaining() != 0 {
			t.Errorf("credit days %+v, want a at 2 of 2", days)
		}
		if days[1].Vendor != "b" || days[1].Spent != 1 || days[1].Remaining() != -1 {
			t.Errorf("credit day of b %+v, want 1 spent and no ceiling", days[1])
		}
	})
}

func TestRowDue(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	old, recent := now.Add(-48*time.Hour), now.Add(-time.Hour)
	mine, other := int64(7), int64(8)
	later := now.Add(time.Minute)
	tests := []struct {
		name    string
		row     Row
		due     bool
		claimed bool
	}{
		{"pending", Row{Status: StatusPending}, true, false},
		{"failed", Row{Status: StatusFailed, EnrichedAt: &recent}, true, false},
		{"enriched recently", Row{Status: StatusEnriched, EnrichedAt: &recent}, false, false},
		{"not_found recently", Row{Status: StatusNotFound, EnrichedAt: &recent}, false, false},
		{"enriched past the TTL", Row{Status: StatusEnriched, EnrichedAt: &old}, true, false},
		{"claimed by another job", Row{Status: StatusPending, ClaimedBy: &other, ClaimedUntil: &later}, true, true},
		{"claimed by this job", Row{Status: StatusPending, ClaimedBy: &mine, ClaimedUntil: &later}, true, false},
		{"claim expired", Row{Status: StatusPending, ClaimedBy: &other, ClaimedUntil: &recent}, true, false},
	}
	for _, tt := range tests {
		if got := tt.row.Due(now, 24*time.Hour); got != tt.due {
			t.Errorf("%s: Due = %v, want %v", tt.name, got, tt.due)
		}
		if _, got := tt.row.ClaimedElsewhere(mine, now); got != tt.claimed {
			t.Errorf("%s: ClaimedElsewhere = %v, want %v", tt.name, got, tt.claimed)
		}
	}
}

func TestMappingHelpers(t *testing.T) {
	t.Parallel()
	if got := NextDay(time.Date(2026, 12, 31, 23, 59, 0, 0, time.FixedZone("x", -3600))); !got.Equal(time.Date(2027, 1, 2, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("NextDay across a UTC year end = %s", got)
	}
	for raw, want := range map[string]string{`"director"`: "director", `["vp","manager"]`: "vp", `[]`: "", `null`: "", `7`: ""} {
		if got := firstString([]byte(raw)); got != want {
			t.Errorf("firstString(%s) = %q, want %q", raw, got, want)
		}
	}
	if got := truncate("ééé", 3); got != "é" {
		t.Errorf("truncate cut inside a rune: %q", got)
	}
	if got := bareDomain(" WWW.Acme.COM "); got != "acme.com" {
		t.Errorf("bareDomain = %q", got)
	}
}
