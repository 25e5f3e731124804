package crmsync

import (
	"context"
	"fmt"
	"strconv"

	"github.com/google/uuid"

	"github.com/rtgs/sales-automation/integrations/hubspot"
)

// Outcome is what HubSpot answered for each row of a batch, index-aligned
// with Batch.Contacts and Batch.Companies.
type Outcome struct {
	Contacts  []RowOutcome
	Companies []RowOutcome
}

// RowOutcome is one contact's or company's result: the HubSpot id when the
// object was written, and the reason when the row failed (an empty Err is a
// success). A contact can have both: written, but its company or
// association failed, so it is retried.
type RowOutcome struct {
	ID        uuid.UUID
	HubSpotID string
	Err       string
}

// Failed counts the rows with an error.
func Failed(rows []RowOutcome) int {
	n := 0
	for _, r := range rows {
		if r.Err != "" {
			n++
		}
	}
	return n
}

// Syncer pushes batches to HubSpot.
type Syncer struct {
	hs *hubspot.Client
}

// NewSyncer returns a Syncer calling hs.
func NewSyncer(hs *hubspot.Client) *Syncer { return &Syncer{hs: hs} }

// Push upserts the batch's companies (keyed by our company id), then its
// contacts (keyed by email), then associates each written contact with its
// written company, and says per row what happened. Inputs HubSpot refuses
// (a 207) are failures of their rows; an error is returned only when a
// call failed as a whole (a vendor error for jobs.VendorOutcome), and then
// nothing is to be recorded: every call is an idempotent upsert or
// association, so the retry repeats them harmlessly.
func (s *Syncer) Push(ctx context.Context, b *Batch) (*Outcome, error) {
	out := &Outcome{Contacts: make([]RowOutcome, len(b.Contacts)), Companies: make([]RowOutcome, len(b.Companies))}
	companyAt := make(map[uuid.UUID]int, len(b.Companies))
	if len(b.Companies) > 0 {
		inputs := make([]hubspot.UpsertInput, len(b.Companies))
		for i, co := range b.Companies {
			companyAt[co.ID] = i
			inputs[i] = hubspot.CompanyUpsert(co.ID.String(), CompanyProperties(co), "")
		}
		res, err := s.hs.Companies.BatchUpsert(ctx, inputs)
		if err != nil {
			return nil, fmt.Errorf("upsert companies: %w", err)
		}
		for i, co := range b.Companies {
			out.Companies[i] = rowOutcome(co.ID, res, i)
		}
	}
	if len(b.Contacts) == 0 {
		return out, nil
	}
	inputs := make([]hubspot.UpsertInput, len(b.Contacts))
	for i, c := range b.Contacts {
		inputs[i] = hubspot.ContactUpsert(c.Email, ContactProperties(c, companyName(b, companyAt, c)), "")
	}
	res, err := s.hs.Contacts.BatchUpsert(ctx, inputs)
	if err != nil {
		return nil, fmt.Errorf("upsert contacts: %w", err)
	}
	var pairs []hubspot.AssociationPair
	var pairContact []int
	for i, c := range b.Contacts {
		o := rowOutcome(c.ID, res, i)
		out.Contacts[i] = o
		at, linked := companyIndex(companyAt, c)
		if o.Err != "" || !linked {
			continue
		}
		co := out.Companies[at]
		if co.Err != "" {
			out.Contacts[i].Err = "company not synced: " + co.Err
			continue
		}
		pairs = append(pairs, hubspot.AssociationPair{From: hubspot.ObjectRef{ID: o.HubSpotID}, To: hubspot.ObjectRef{ID: co.HubSpotID}})
		pairContact = append(pairContact, i)
	}
	if len(pairs) == 0 {
		return out, nil
	}
	assoc, err := s.hs.AssociateContactsWithCompanies(ctx, pairs)
	if err != nil {
		return nil, fmt.Errorf("associate contacts with companies: %w", err)
	}
	made := make([]bool, len(pairs))
	for _, r := range assoc.Results {
		if r.Input >= 0 {
			made[r.Input] = true
		}
	}
	for k, i := range pairContact {
		if made[k] {
			continue
		}
		reason := "association with the company not confirmed by HubSpot"
		for _, e := range assoc.Errors {
			for _, in := range e.Inputs {
				if in == k {
					reason = "association failed: " + e.Category + ": " + e.Message
				}
			}
		}
		out.Contacts[i].Err = reason
	}
	return out, nil
}

// rowOutcome reads input i's result of a batch upsert.
func rowOutcome(id uuid.UUID, res *hubspot.BatchResult, i int) RowOutcome {
	if r := res.ResultFor(i); r != nil {
		return RowOutcome{ID: id, HubSpotID: r.ID}
	}
	if e := res.ErrorFor(i); e != nil {
		return RowOutcome{ID: id, Err: e.Category + ": " + e.Message}
	}
	return RowOutcome{ID: id, Err: "no result from HubSpot for this input"}
}

// companyIndex is the index in the batch's companies of c's company;
// false when c has none (or it was not loaded).
func companyIndex(at map[uuid.UUID]int, c Contact) (int, bool) {
	if c.CompanyID == nil {
		return 0, false
	}
	i, ok := at[*c.CompanyID]
	return i, ok
}

// companyName is the company name HubSpot shows on c: its own, or its
// company's.
func companyName(b *Batch, at map[uuid.UUID]int, c Contact) string {
	if i, ok := companyIndex(at, c); ok && c.CompanyName == "" {
		return b.Companies[i].Name
	}
	return c.CompanyName
}

// ContactProperties are the HubSpot properties of c, company being the
// name to show. Empty values are left out: in HubSpot "" clears a property,
// and a field we do not know must not erase what a sales rep entered. The
// ICP score is not sent: HubSpot refuses a whole batch that names a
// property the portal lacks, and no score property is part of the contract.
func ContactProperties(c Contact, company string) map[string]string {
	return nonEmpty(map[string]string{
		hubspot.PropEmail:     c.Email,
		hubspot.PropFirstName: c.FirstName,
		hubspot.PropLastName:  c.LastName,
		hubspot.PropJobTitle:  c.Title,
		hubspot.PropPhone:     c.Phone,
		hubspot.PropCompany:   company,
		hubspot.PropWebsite:   c.Domain,
		propCountry:           c.Country,
	})
}

// CompanyProperties are the HubSpot properties of co; the upsert key
// (external_company_id, our company id) is added by hubspot.CompanyUpsert.
func CompanyProperties(co Company) map[string]string {
	p := map[string]string{
		hubspot.PropName:     co.Name,
		hubspot.PropDomain:   co.Domain,
		hubspot.PropIndustry: co.Industry,
		propCountry:          co.Country,
	}
	if co.EmployeeCount != nil {
		p[propEmployees] = strconv.Itoa(*co.EmployeeCount)
	}
	return nonEmpty(p)
}

// Standard HubSpot properties the hubspot package has no constant for.
const (
	propCountry   = "country"
	propEmployees = "numberofemployees"
)

func nonEmpty(p map[string]string) map[string]string {
	for k, v := range p {
		if v == "" {
			delete(p, k)
		}
	}
	return p
}
