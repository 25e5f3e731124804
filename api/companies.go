package api

import (
	"context"
	"encoding/json"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/google/uuid"

	"github.com/rtgs/sales-automation/internal/auth"
	"github.com/rtgs/sales-automation/internal/contacts"
	"github.com/rtgs/sales-automation/internal/store"
)

// Company is a company as the API shows it.
type Company struct {
	ID               uuid.UUID       `json:"id"`
	Domain           string          `json:"domain"`
	Name             string          `json:"name"`
	Industry         string          `json:"industry"`
	EmployeeCount    *int            `json:"employee_count,omitempty"`
	Country          string          `json:"country"`
	Technologies     []string        `json:"technologies"`
	EnrichmentStatus string          `json:"enrichment_status" enum:"pending,enriched,not_found,failed"`
	EnrichmentSource string          `json:"enrichment_source"`
	EnrichmentError  string          `json:"enrichment_error,omitempty"`
	Enrichment       json.RawMessage `json:"enrichment,omitempty" doc:"The vendor's raw payload; only on GET of one company."`
	EnrichedAt       *time.Time      `json:"enriched_at,omitempty"`
	HubSpotID        *string         `json:"hubspot_id,omitempty"`
	SyncedAt         *time.Time      `json:"synced_at,omitempty"`
	SyncError        string          `json:"sync_error,omitempty"`
	CreatedAt        time.Time       `json:"created_at"`
	UpdatedAt        time.Time       `json:"updated_at"`
}

// CreateCompanyRequest creates a company.
type CreateCompanyRequest struct {
	Body struct {
		Domain        string   `json:"domain" minLength:"1" maxLength:"500" doc:"Domain or website; stored as a bare lower-case host, unique."`
		Name          string   `json:"name,omitempty" maxLength:"200"`
		Industry      string   `json:"industry,omitempty" maxLength:"200"`
		EmployeeCount *int     `json:"employee_count,omitempty" minimum:"0"`
		Country       string   `json:"country,omitempty" maxLength:"200"`
		Technologies  []string `json:"technologies,omitempty" maxItems:"200"`
	}
}

// PatchCompanyRequest changes the fields it carries and keeps the others;
// null clears a field (and is refused for domain).
type PatchCompanyRequest struct {
	ID   uuid.UUID `path:"id" doc:"Company id"`
	Body struct {
		Domain        Nullable[string]   `json:"domain,omitempty" maxLength:"500"`
		Name          Nullable[string]   `json:"name,omitempty" maxLength:"200"`
		Industry      Nullable[string]   `json:"industry,omitempty" maxLength:"200"`
		EmployeeCount Nullable[int]      `json:"employee_count,omitempty" minimum:"0" doc:"A size, or null for unknown."`
		Country       Nullable[string]   `json:"country,omitempty" maxLength:"200"`
		Technologies  Nullable[[]string] `json:"technologies,omitempty" maxItems:"200" doc:"Replaces the list."`
	}
}

// CompanyListRequest filters and pages through companies.
type CompanyListRequest struct {
	Domain       string             `query:"domain" maxLength:"500"`
	Industry     string             `query:"industry" maxLength:"200"`
	Country      string             `query:"country" maxLength:"200"`
	MinEmployees OptionalParam[int] `query:"min_employees" minimum:"0" doc:"At least this many employees; companies of unknown size are left out."`
	MaxEmployees OptionalParam[int] `query:"max_employees" minimum:"0"`
	SortParams
	PageParams
}

// CompanyResponse is one company.
type CompanyResponse struct {
	Body Company
}

// CreatedCompanyResponse is a new company and where it lives.
type CreatedCompanyResponse struct {
	Location string `header:"Location"`
	Body     Company
}

// CompanyListResponse is a page of companies.
type CompanyListResponse struct {
	Body struct {
		Items      []Company `json:"items"`
		NextCursor string    `json:"next_cursor,omitempty" doc:"Pass as cursor to read the next page; absent on the last page."`
	}
}

// CompanyIDParam names one company.
type CompanyIDParam struct {
	ID uuid.UUID `path:"id" doc:"Company id"`
}

func (s *Server) registerCompanies() {
	svc := s.contacts
	read := map[string]any{metaScope: auth.ContactsRead}
	write := map[string]any{metaScope: auth.ContactsWrite}
	tags := []string{"companies"}
	register(s, huma.Operation{
		OperationID: "create-company", Method: http.MethodPost, Path: "/api/v1/companies",
		Summary: "Create a company", Tags: tags, Metadata: write, DefaultStatus: http.StatusCreated,
	}, func(ctx context.Context, in *CreateCompanyRequest) (*CreatedCompanyResponse, error) {
		b := in.Body
		c, err := svc.CreateCompany(ctx, contacts.CompanyInput{Domain: b.Domain, Name: b.Name, Industry: b.Industry,
			EmployeeCount: b.EmployeeCount, Country: b.Country, Technologies: b.Technologies})
		if err != nil {
			return nil, err
		}
		return &CreatedCompanyResponse{Location: "/api/v1/companies/" + c.ID.String(), Body: companyView(c, false)}, nil
	})
	register(s, huma.Operation{
		OperationID: "list-companies", Method: http.MethodGet, Path: "/api/v1/companies",
		Summary: "List companies", Tags: tags, Metadata: read,
	}, func(ctx context.Context, in *CompanyListRequest) (*CompanyListResponse, error) {
		page, err := in.page(in.PageParams)
		if err != nil {
			return nil, err
		}
		rows, err := svc.ListCompanies(ctx, store.CompanyFilter{
			Domain: optString(in.Domain), Industry: optString(in.Industry), Country: optString(in.Country),
			MinEmployees: in.MinEmployees.ptr(), MaxEmployees: in.MaxEmployees.ptr(),
		}, page)
		if err != nil {
			return nil, err
		}
		out := &CompanyListResponse{}
		out.Body.Items, out.Body.NextCursor = trimPage(rows, in.Limit,
			func(c store.Company) Company { return companyView(c, false) },
			func(c store.Company) string { return in.next(c.CreatedAt, c.ID) })
		return out, nil
	})
	register(s, huma.Operation{
		OperationID: "get-company", Method: http.MethodGet, Path: "/api/v1/companies/{id}",
		Summary: "Get a company", Tags: tags, Metadata: read,
	}, func(ctx context.Context, in *CompanyIDParam) (*CompanyResponse, error) {
		c, err := svc.Company(ctx, in.ID)
		if err != nil {
			return nil, err
		}
		return &CompanyResponse{Body: companyView(c, true)}, nil
	})
	register(s, huma.Operation{
		OperationID: "patch-company", Method: http.MethodPatch, Path: "/api/v1/companies/{id}",
		Summary: "Change a company", Tags: tags, Metadata: write,
		Description: "Fields absent from the body are kept. A new domain is normalised and must be free.",
	}, func(ctx context.Context, in *PatchCompanyRequest) (*CompanyResponse, error) {
		b := in.Body
		c, err := svc.UpdateCompany(ctx, in.ID, contacts.CompanyPatch{
			Domain: b.Domain.orZero(), Name: b.Name.orZero(), Industry: b.Industry.orZero(),
			EmployeeCountSet: b.EmployeeCount.Set, EmployeeCount: b.EmployeeCount.ptr(), Country: b.Country.orZero(),
			Technologies: b.Technologies.orZero(),
		})
		if err != nil {
			return nil, err
		}
		return &CompanyResponse{Body: companyView(c, true)}, nil
	})
	register(s, huma.Operation{
		OperationID: "delete-company", Method: http.MethodDelete, Path: "/api/v1/companies/{id}",
		Summary: "Delete a company", Tags: tags, Metadata: write, DefaultStatus: http.StatusNoContent,
		Description: "Its contacts stay, no longer linked to a company.",
	}, func(ctx context.Context, in *CompanyIDParam) (*struct{}, error) {
		return nil, svc.DeleteCompany(ctx, in.ID)
	})
}

func companyView(c store.Company, detail bool) Company {
	v := Company{
		ID: c.ID, Domain: c.Domain, Name: c.Name, Industry: c.Industry, EmployeeCount: c.EmployeeCount,
		Country: c.Country, Technologies: c.Technologies, EnrichmentStatus: c.EnrichmentStatus,
		EnrichmentSource: c.EnrichmentSource, EnrichmentError: c.EnrichmentError, EnrichedAt: c.EnrichedAt,
		HubSpotID: c.HubSpotID, SyncedAt: c.SyncedAt, SyncError: c.SyncError, CreatedAt: c.CreatedAt,
		UpdatedAt: c.UpdatedAt,
	}
	if detail {
		v.Enrichment = c.Enrichment
	}
	return v
}
