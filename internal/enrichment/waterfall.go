package enrichment

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"

	"github.com/rtgs/sales-automation/integrations/guard"
)

// answer is one vendor's answer for one query of a batch.
type answer[T any] struct {
	found  bool
	fields T
	raw    json.RawMessage
}

// step is one vendor of a waterfall: call looks up at most batch queries
// (in as many vendor calls as the vendor needs) and returns one answer per
// query, in order, with the credits spent, also when it fails part-way.
type step[Q, T any] struct {
	vendor string
	batch  int
	call   func(ctx context.Context, qs []Q) ([]answer[T], int64, error)
}

type (
	personStep  = step[PersonQuery, Person]
	companyStep = step[CompanyQuery, Company]
)

// Outcome is what the waterfall concluded for one row. Status is empty
// when the row was deferred (see Wait): it stays pending for a later job.
type Outcome[T any] struct {
	Status string // StatusEnriched, StatusNotFound or StatusFailed; "" deferred
	Source string // the vendor that found it
	Fields T
	Raw    json.RawMessage // the vendor's payload, stored under Source
	Reason string          // why it failed
}

// Wait says why deferred rows were left pending: a vendor error that
// retrying later may fix (rate limit, open breaker, transient failure), or
// vendors skipped because today's credits reached their ceiling.
type Wait struct {
	Err     error
	Ceiling []string
}

// maxReason bounds the failure reason stored on a row.
const maxReason = 500

// runWaterfall looks every query up through steps in order: the vendors
// after the first are asked only about what the earlier ones did not find.
//
// Policy, per row:
//   - found by a vendor: enriched, and no later vendor is asked;
//   - a vendor whose daily credits reached their ceiling is skipped and the
//     next one asked; a row nobody found while a vendor was skipped stays
//     pending (deferred to the next UTC day, when the skipped vendor may
//     find it) rather than marked not_found;
//   - a permanent vendor refusal (invalid input, no credits left at the
//     vendor) moves on to the next vendor; a row no vendor could answer
//     fails with the refusals as its reason;
//   - a rate limit, open breaker or transient failure stops the waterfall:
//     rows not yet concluded stay pending and Wait.Err says why;
//   - otherwise not_found.
//
// The error is the database's (credit accounting), never a vendor's.
func runWaterfall[Q, T any](ctx context.Context, s *Service, kind string, steps []step[Q, T], qs []Q) ([]Outcome[T], Wait, error) {
	out := make([]Outcome[T], len(qs))
	answered := make([]bool, len(qs))
	var failures []string
	var wait Wait
	todo := make([]int, len(qs))
	for i := range todo {
		todo[i] = i
	}
	for _, st := range steps {
		var next []int
		for start := 0; start < len(todo); start += st.batch {
			chunk := todo[start:min(start+st.batch, len(todo))]
			ok, err := s.ceiling.allow(ctx, st.vendor, s.now())
			if err != nil {
				return nil, wait, err
			}
			if !ok {
				wait.Ceiling = append(wait.Ceiling, st.vendor)
				next = append(next, todo[start:]...)
				break
			}
			in := make([]Q, len(chunk))
			for j, i := range chunk {
				in[j] = qs[i]
			}
			answers, credits, callErr := st.call(ctx, in)
			if err := s.ceiling.spend(ctx, st.vendor, s.now(), credits); err != nil {
				return nil, wait, err
			}
			if callErr != nil {
				// "error" counts rows whose lookup failed, refusals by our
				// own limiter included; found and not_found count answers.
				s.m.lookups.WithLabelValues(st.vendor, kind, "error").Add(float64(len(chunk)))
				var ae *guard.APIError
				if errors.As(callErr, &ae) {
					if msg := st.vendor + ": " + callErr.Error(); !slices.Contains(failures, msg) {
						failures = append(failures, msg)
					}
					next = append(next, chunk...)
					continue
				}
				wait.Err = callErr
				return out, wait, nil
			}
			for j, i := range chunk {
				answered[i] = true
				a := answers[j]
				if !a.found {
					next = append(next, i)
					continue
				}
				out[i] = Outcome[T]{Status: StatusEnriched, Source: st.vendor, Fields: a.fields, Raw: a.raw}
			}
			found := 0
			for _, a := range answers {
				if a.found {
					found++
				}
			}
			s.m.lookups.WithLabelValues(st.vendor, kind, "found").Add(float64(found))
			s.m.lookups.WithLabelValues(st.vendor, kind, "not_found").Add(float64(len(chunk) - found))
		}
		todo = next
		if len(todo) == 0 {
			break
		}
	}
	for _, i := range todo {
		switch {
		case len(wait.Ceiling) > 0:
			// deferred: a skipped vendor may find it tomorrow
		case answered[i]:
			out[i].Status = StatusNotFound
		case len(failures) > 0:
			out[i] = Outcome[T]{Status: StatusFailed, Reason: truncate(strings.Join(failures, "; "), maxReason)}
		default:
			out[i] = Outcome[T]{Status: StatusFailed, Reason: ReasonNoVendor}
		}
	}
	return out, wait, nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8Start(s[n]) {
		n--
	}
	return s[:n]
}

// utf8Start reports whether b begins a UTF-8 sequence.
func utf8Start(b byte) bool { return b&0xC0 != 0x80 }
