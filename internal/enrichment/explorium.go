package enrichment

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"github.com/rtgs/sales-automation/integrations/explorium"
	"github.com/rtgs/sales-automation/integrations/guard"
)

// exploriumBatch is the most inputs of one Explorium match or bulk call.
const exploriumBatch = explorium.MaxBatch

// exploriumSource looks people and companies up on Explorium: one match
// call resolves a batch to Explorium ids, one bulk call enriches the ids
// found. Phones would cost 5 credits a person on a third call
// (contacts_information), so people get profiles only.
type exploriumSource struct{ c *explorium.Client }

func (e exploriumSource) people(ctx context.Context, qs []PersonQuery) ([]answer[Person], int64, error) {
	req := &explorium.MatchProspectsRequest{ProspectsToMatch: make([]explorium.ProspectInput, len(qs))}
	for i, q := range qs {
		in := explorium.ProspectInput{Email: q.Email, LinkedIn: q.LinkedInURL}
		if name := q.fullName(); name != "" && q.CompanyName != "" {
			in.FullName, in.CompanyName = name, q.CompanyName
		}
		req.ProspectsToMatch[i] = in
	}
	m, err := e.c.MatchProspects(ctx, req)
	if err != nil {
		return nil, 0, err
	}
	credits := exploriumCredits(m.CreditUsage, 0)
	ids := uniqueIDs(len(qs), func(i int) string { return m.MatchedProspects[i].ProspectID })
	out := make([]answer[Person], len(qs))
	if len(ids) == 0 {
		return out, credits, nil
	}
	p, err := afterLimit(ctx, func() (*explorium.BulkProfilesResponse, error) {
		return e.c.BulkProfiles(ctx, &explorium.BulkProfilesRequest{ProspectIDs: ids})
	})
	if err != nil {
		return nil, credits, err
	}
	byID := make(map[string]*explorium.Profile, len(p.Data))
	for _, d := range p.Data {
		if d.Data != nil {
			byID[d.ProspectID] = d.Data
		}
	}
	credits += exploriumCredits(p.CreditUsage, len(byID))
	for i, mp := range m.MatchedProspects {
		prof := byID[mp.ProspectID]
		if !mp.Matched() || prof == nil {
			continue
		}
		raw, _ := json.Marshal(map[string]any{"prospect_id": mp.ProspectID, "profile": prof})
		first, last, _ := strings.Cut(strings.TrimSpace(prof.FullName), " ")
		out[i] = answer[Person]{found: true, raw: raw, fields: Person{
			FirstName:   first,
			LastName:    strings.TrimSpace(last),
			Title:       prof.JobTitle,
			Seniority:   firstString(prof.JobSeniorityLevel),
			LinkedInURL: prof.LinkedIn,
			Country:     prof.CountryName,
		}}
	}
	return out, credits, nil
}

func (e exploriumSource) companies(ctx context.Context, qs []CompanyQuery) ([]answer[Company], int64, error) {
	req := &explorium.MatchBusinessesRequest{BusinessesToMatch: make([]explorium.BusinessInput, len(qs))}
	for i, q := range qs {
		req.BusinessesToMatch[i] = explorium.BusinessInput{Domain: q.Domain, Name: q.Name}
	}
	m, err := e.c.MatchBusinesses(ctx, req)
	if err != nil {
		return nil, 0, err
	}
	credits := exploriumCredits(m.CreditUsage, 0)
	ids := uniqueIDs(len(qs), func(i int) string { return m.MatchedBusinesses[i].BusinessID })
	out := make([]answer[Company], len(qs))
	if len(ids) == 0 {
		return out, credits, nil
	}
	f, err := afterLimit(ctx, func() (*explorium.BulkFirmographicsResponse, error) {
		return e.c.BulkFirmographics(ctx, &explorium.BulkFirmographicsRequest{BusinessIDs: ids})
	})
	if err != nil {
		return nil, credits, err
	}
	byID := make(map[string]*explorium.Firmographics, len(f.Data))
	for _, d := range f.Data {
		if d.Data != nil {
			byID[d.BusinessID] = d.Data
		}
	}
	credits += exploriumCredits(f.CreditUsage, len(byID))
	for i, mb := range m.MatchedBusinesses {
		firm := byID[mb.BusinessID]
		if !mb.Matched() || firm == nil {
			continue
		}
		raw, _ := json.Marshal(map[string]any{"business_id": mb.BusinessID, "firmographics": firm})
		out[i] = answer[Company]{found: true, raw: raw, fields: Company{
			Name:          firm.Name,
			Industry:      firstOf(firm.LinkedInIndustryCategory, firm.NAICSDescription),
			EmployeeRange: firm.NumberOfEmployeesRange,
			Country:       firm.CountryName,
		}}
	}
	return out, credits, nil
}

// secondCallWait bounds how long the enriching call that follows a match
// waits in process for its rate-limit slot: giving up would throw the
// match away (a job that snoozes repeats both calls), so it waits longer
// than a first call would.
const secondCallWait = 15 * time.Second

// afterLimit makes call, and again after the wait whenever the rate limit
// (ours or the vendor's) refuses it, for at most secondCallWait in all.
func afterLimit[T any](ctx context.Context, call func() (T, error)) (T, error) {
	deadline := time.Now().Add(secondCallWait)
	for {
		out, err := call()
		var rl *guard.RateLimitError
		if !errors.As(err, &rl) || time.Now().Add(rl.RetryAfter).After(deadline) {
			return out, err
		}
		select {
		case <-ctx.Done():
			return out, err
		case <-time.After(rl.RetryAfter):
		}
	}
}

// exploriumCredits is what Explorium reported a call cost, or fallback
// (one credit per record returned, its documented price) when it did not.
func exploriumCredits(u *explorium.CreditUsage, fallback int) int64 {
	if u != nil {
		return u.TotalCredits
	}
	return int64(fallback)
}

// uniqueIDs returns the non-empty ids of n answers, each once.
func uniqueIDs(n int, id func(int) string) []string {
	seen := make(map[string]bool, n)
	var out []string
	for i := range n {
		if v := id(i); v != "" && !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	return out
}

// firstString reads a JSON string, or the first string of a JSON list.
func firstString(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var list []string
	if json.Unmarshal(raw, &list) == nil && len(list) > 0 {
		return list[0]
	}
	return ""
}

func firstOf(vals ...string) string {
	for _, v := range vals {
		if v = strings.TrimSpace(v); v != "" {
			return v
		}
	}
	return ""
}
