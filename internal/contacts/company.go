package contacts

import (
	"context"
	"errors"
	"fmt"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/rtgs/sales-automation/internal/store"
)

// maxTechnologies bounds a company's technology list.
const maxTechnologies = 200

// CompanyInput is a company as a client creates it; Domain is required.
type CompanyInput struct {
	Domain        string
	Name          string
	Industry      string
	EmployeeCount *int
	Country       string
	Technologies  []string
}

// CompanyPatch changes the fields it sets and keeps the others. Setting
// EmployeeCountSet with a nil EmployeeCount clears the size.
type CompanyPatch struct {
	Domain           *string
	Name             *string
	Industry         *string
	EmployeeCountSet bool
	EmployeeCount    *int
	Country          *string
	Technologies     *[]string
}

func companyFields(v *ValidationError, c *store.Company) {
	if d, err := NormalizeDomain(c.Domain); err != nil {
		v.Add("domain", "%v", err)
	} else {
		c.Domain = d
	}
	c.Name = text(v, "name", c.Name, MaxShortText)
	c.Industry = text(v, "industry", c.Industry, MaxShortText)
	c.Country = text(v, "country", c.Country, MaxShortText)
	if c.EmployeeCount != nil && *c.EmployeeCount < 0 {
		v.Add("employee_count", "must not be negative")
	}
	if len(c.Technologies) > maxTechnologies {
		v.Add("technologies", "at most %d values, got %d", maxTechnologies, len(c.Technologies))
	}
	for i, t := range c.Technologies {
		c.Technologies[i] = text(v, fmt.Sprintf("technologies[%d]", i), t, MaxShortText)
	}
}

func companyError(err error, domain string) error {
	if errors.Is(err, store.ErrConflict) {
		return &ConflictError{Field: "domain", Value: domain}
	}
	return err
}

// CreateCompany validates in and stores the company. A taken domain is a
// *ConflictError naming it.
func (s *Service) CreateCompany(ctx context.Context, in CompanyInput) (store.Company, error) {
	v := &ValidationError{In: "body"}
	c := store.Company{Domain: in.Domain, Name: in.Name, Industry: in.Industry,
		EmployeeCount: in.EmployeeCount, Country: in.Country, Technologies: in.Technologies}
	companyFields(v, &c)
	if err := v.Err(); err != nil {
		return store.Company{}, err
	}
	out, err := store.NewCompanies(s.pool).Insert(ctx, c)
	return out, companyError(err, c.Domain)
}

// Company returns the company with id, or store.ErrNotFound.
func (s *Service) Company(ctx context.Context, id uuid.UUID) (store.Company, error) {
	return store.NewCompanies(s.pool).ByID(ctx, id)
}

// DeleteCompany removes the company with id, or returns store.ErrNotFound;
// its contacts stay, unlinked.
func (s *Service) DeleteCompany(ctx context.Context, id uuid.UUID) error {
	return store.NewCompanies(s.pool).Delete(ctx, id)
}

// UpdateCompany applies p to the company with id under its row lock. A new
// domain is normalised and must be free.
func (s *Service) UpdateCompany(ctx context.Context, id uuid.UUID, p CompanyPatch) (store.Company, error) {
	var out store.Company
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		companies := store.NewCompanies(tx)
		c, err := companies.ByIDForUpdate(ctx, id)
		if err != nil {
			return err
		}
		for _, f := range []struct {
			dst *string
			src *string
		}{{&c.Domain, p.Domain}, {&c.Name, p.Name}, {&c.Industry, p.Industry}, {&c.Country, p.Country}} {
			if f.src != nil {
				*f.dst = *f.src
			}
		}
		if p.EmployeeCountSet {
			c.EmployeeCount = p.EmployeeCount
		}
		if p.Technologies != nil {
			c.Technologies = *p.Technologies
		}
		v := &ValidationError{In: "body"}
		companyFields(v, &c)
		if err := v.Err(); err != nil {
			return err
		}
		out, err = companies.Update(ctx, c)
		return companyError(err, c.Domain)
	})
	if err != nil {
		return store.Company{}, fmt.Errorf("update company: %w", err)
	}
	return out, nil
}

// ListCompanies returns a page of companies matching f; an impossible
// filter is a *ValidationError on the query.
func (s *Service) ListCompanies(ctx context.Context, f store.CompanyFilter, p store.ListPage) ([]store.Company, error) {
	v := &ValidationError{In: "query"}
	if f.Domain != nil {
		d, err := NormalizeDomain(*f.Domain)
		if err != nil {
			v.Add("domain", "%v", err)
		}
		f.Domain = &d
	}
	if f.MinEmployees != nil && f.MaxEmployees != nil && *f.MinEmployees > *f.MaxEmployees {
		v.Add("min_employees", "must not exceed max_employees (%d > %d)", *f.MinEmployees, *f.MaxEmployees)
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	return store.NewCompanies(s.pool).List(ctx, f, p)
}
