package api

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"

	"github.com/rtgs/sales-automation/internal/auth"
	"github.com/rtgs/sales-automation/internal/contacts"
	"github.com/rtgs/sales-automation/internal/store"
	"github.com/rtgs/sales-automation/jobs"
)

// Contact is a contact as the API shows it.
type Contact struct {
	ID               uuid.UUID       `json:"id"`
	Email            string          `json:"email"`
	FirstName        string          `json:"first_name"`
	LastName         string          `json:"last_name"`
	Title            string          `json:"title"`
	Seniority        string          `json:"seniority"`
	Phone            string          `json:"phone"`
	LinkedInURL      string          `json:"linkedin_url"`
	CompanyID        *uuid.UUID      `json:"company_id,omitempty"`
	CompanyName      string          `json:"company_name"`
	Domain           string          `json:"domain" doc:"The company's domain, normalised."`
	Country          string          `json:"country"`
	Timezone         string          `json:"timezone"`
	Tags             []string        `json:"tags"`
	CustomFields     map[string]any  `json:"custom_fields"`
	Source           string          `json:"source"`
	ImportID         *uuid.UUID      `json:"import_id,omitempty"`
	ICPProfileID     *uuid.UUID      `json:"icp_profile_id,omitempty"`
	ICPScore         *int            `json:"icp_score,omitempty" doc:"0-100; absent until scored."`
	ICPExplanation   ICPExplanation  `json:"icp_explanation,omitempty" doc:"Which criteria matched and how much each weighed."`
	ScoredAt         *time.Time      `json:"scored_at,omitempty"`
	EnrichmentStatus string          `json:"enrichment_status" enum:"pending,enriched,not_found,failed"`
	EnrichmentSource string          `json:"enrichment_source"`
	EnrichmentError  string          `json:"enrichment_error,omitempty"`
	Enrichment       json.RawMessage `json:"enrichment,omitempty" doc:"The vendor's raw payload; only on GET of one contact."`
	EnrichedAt       *time.Time      `json:"enriched_at,omitempty"`
	HubSpotID        *string         `json:"hubspot_id,omitempty"`
	SyncStatus       string          `json:"sync_status" enum:"pending,synced,failed"`
	SyncError        string          `json:"sync_error,omitempty"`
	SyncedAt         *time.Time      `json:"synced_at,omitempty"`
	CreatedAt        time.Time       `json:"created_at"`
	UpdatedAt        time.Time       `json:"updated_at"`
}

// ContactFields are the fields a client writes; the email is normalised
// (trimmed, lower-cased) and the domain reduced to a bare host.
type ContactFields struct {
	FirstName    string         `json:"first_name,omitempty" maxLength:"200"`
	LastName     string         `json:"last_name,omitempty" maxLength:"200"`
	Title        string         `json:"title,omitempty" maxLength:"200"`
	Seniority    string         `json:"seniority,omitempty" maxLength:"200"`
	Phone        string         `json:"phone,omitempty" maxLength:"50" doc:"Digits with an optional leading +; spaces, dots, dashes and brackets are dropped."`
	LinkedInURL  string         `json:"linkedin_url,omitempty" maxLength:"500"`
	CompanyName  string         `json:"company_name,omitempty" maxLength:"200"`
	Domain       string         `json:"domain,omitempty" maxLength:"500" doc:"Company domain or website; the company is linked, or created, by it. Default: the email's domain unless a free-mail provider."`
	Country      string         `json:"country,omitempty" maxLength:"200"`
	Timezone     string         `json:"timezone,omitempty" maxLength:"200"`
	Tags         []string       `json:"tags,omitempty" maxItems:"50" doc:"Lower-cased; repeats dropped."`
	CustomFields map[string]any `json:"custom_fields,omitempty" maxProperties:"100"`
	Source       string         `json:"source,omitempty" maxLength:"500"`
}

// CreateContactRequest creates a contact.
type CreateContactRequest struct {
	Body struct {
		Email     string     `json:"email" minLength:"1" maxLength:"320"`
		CompanyID *uuid.UUID `json:"company_id,omitempty" format:"uuid" doc:"Link this existing company instead of one found by domain."`
		ContactFields
	}
}

// PatchContactRequest changes the fields it carries and keeps the others,
// with JSON merge patch semantics: null clears a field (and is refused for
// email), custom_fields merges key by key.
type PatchContactRequest struct {
	ID   uuid.UUID `path:"id" doc:"Contact id"`
	Body struct {
		Email        Nullable[string]         `json:"email,omitempty" maxLength:"320"`
		FirstName    Nullable[string]         `json:"first_name,omitempty" maxLength:"200"`
		LastName     Nullable[string]         `json:"last_name,omitempty" maxLength:"200"`
		Title        Nullable[string]         `json:"title,omitempty" maxLength:"200"`
		Seniority    Nullable[string]         `json:"seniority,omitempty" maxLength:"200"`
		Phone        Nullable[string]         `json:"phone,omitempty" maxLength:"50"`
		LinkedInURL  Nullable[string]         `json:"linkedin_url,omitempty" maxLength:"500"`
		CompanyID    Nullable[uuid.UUID]      `json:"company_id,omitempty" doc:"Another company, or null to unlink."`
		CompanyName  Nullable[string]         `json:"company_name,omitempty" maxLength:"200"`
		Domain       Nullable[string]         `json:"domain,omitempty" maxLength:"500" doc:"A new domain relinks the company; null or \"\" unlinks it."`
		Country      Nullable[string]         `json:"country,omitempty" maxLength:"200"`
		Timezone     Nullable[string]         `json:"timezone,omitempty" maxLength:"200"`
		Tags         Nullable[[]string]       `json:"tags,omitempty" maxItems:"50" doc:"Replaces the tags."`
		CustomFields Nullable[map[string]any] `json:"custom_fields,omitempty" maxProperties:"100" doc:"Merged into the stored object (RFC 7396): a null value removes its key, null removes them all."`
		Source       Nullable[string]         `json:"source,omitempty" maxLength:"500"`
	}
}

// ContactListRequest filters and pages through contacts.
type ContactListRequest struct {
	Email            string             `query:"email" maxLength:"320" doc:"Exactly this address (normalised before matching)."`
	Domain           string             `query:"domain" maxLength:"500"`
	CompanyID        uuid.UUID          `query:"company_id"`
	MinScore         OptionalParam[int] `query:"min_score" minimum:"0" maximum:"100" doc:"ICP score at least this; unscored contacts are left out."`
	MaxScore         OptionalParam[int] `query:"max_score" minimum:"0" maximum:"100"`
	EnrichmentStatus string             `query:"enrichment_status" enum:"pending,enriched,not_found,failed"`
	Tags             []string           `query:"tags" maxItems:"20" doc:"Comma-separated; contacts carrying all of them."`
	CreatedAfter     time.Time          `query:"created_after" doc:"Created at or after this time."`
	CreatedBefore    time.Time          `query:"created_before" doc:"Created before this time."`
	SortParams
	PageParams
}

// ContactResponse is one contact.
type ContactResponse struct {
	Body Contact
}

// CreatedContactResponse is a new contact and where it lives.
type CreatedContactResponse struct {
	Location string `header:"Location"`
	Body     Contact
}

// ContactListResponse is a page of contacts.
type ContactListResponse struct {
	Body struct {
		Items      []Contact `json:"items"`
		NextCursor string    `json:"next_cursor,omitempty" doc:"Pass as cursor to read the next page; absent on the last page."`
	}
}

// ContactIDParam names one contact.
type ContactIDParam struct {
	ID uuid.UUID `path:"id" doc:"Contact id"`
}

// newContactService builds the one contacts service every handler shares.
// Created contacts are enqueued for enrichment in their own transaction, so
// no contact exists without its job, and an erased contact's copies at
// vendors are enqueued for deletion in the erasure's, so no erasure commits
// without them; concurrent creates share transactions (group commit) unless
// API_GROUP_COMMIT_BATCH is 0.
func (s *Server) newContactService() *contacts.Service {
	hasher := contacts.NewHasher([]byte(s.cfg.SuppressionKey.Reveal()))
	opts := []contacts.Option{contacts.WithContactsCreated(
		func(ctx context.Context, tx pgx.Tx, created []store.Contact) error {
			params := make([]river.InsertManyParams, len(created))
			for i, c := range created {
				params[i] = river.InsertManyParams{Args: jobs.EnrichContactArgs{ContactID: c.ID}}
			}
			if _, err := s.river.InsertManyTx(ctx, tx, params); err != nil {
				return fmt.Errorf("enqueue enrichment: %w", err)
			}
			return nil
		}), contacts.WithContactErased(
		func(ctx context.Context, tx pgx.Tx, copies store.VendorCopies) error {
			if _, err := s.river.InsertManyTx(ctx, tx, jobs.VendorEraseJobs(copies)); err != nil {
				return fmt.Errorf("enqueue vendor erasure: %w", err)
			}
			return nil
		})}
	if n := s.cfg.GroupCommitBatch; n > 0 {
		opts = append(opts, contacts.WithGroupCommit(s.cfg.GroupCommitRunners, n, s.cfg.RequestTimeout))
	}
	return contacts.NewService(s.pool, hasher, opts...)
}

func (s *Server) registerContacts() {
	svc := s.contacts
	read := map[string]any{metaScope: auth.ContactsRead}
	write := map[string]any{metaScope: auth.ContactsWrite}
	tags := []string{"contacts"}
	register(s, huma.Operation{
		OperationID: "create-contact", Method: http.MethodPost, Path: "/api/v1/contacts",
		Summary: "Create a contact", Tags: tags, Metadata: write, DefaultStatus: http.StatusCreated,
		Description: "The email is normalised and must be new (409 otherwise) and not suppressed (422). " +
			"The company is linked by company_id, or by domain, created on first sight, in the same transaction.",
	}, func(ctx context.Context, in *CreateContactRequest) (*CreatedContactResponse, error) {
		b := in.Body
		c, err := svc.CreateContact(ctx, contacts.ContactInput{
			Email: b.Email, FirstName: b.FirstName, LastName: b.LastName, Title: b.Title, Seniority: b.Seniority,
			Phone: b.Phone, LinkedInURL: b.LinkedInURL, CompanyID: b.CompanyID, CompanyName: b.CompanyName,
			Domain: b.Domain, Country: b.Country, Timezone: b.Timezone, Tags: b.Tags, CustomFields: b.CustomFields,
			Source: b.Source,
		})
		if err != nil {
			return nil, err
		}
		return &CreatedContactResponse{Location: "/api/v1/contacts/" + c.ID.String(), Body: contactView(c, false)}, nil
	})
	register(s, huma.Operation{
		OperationID: "list-contacts", Method: http.MethodGet, Path: "/api/v1/contacts",
		Summary: "List contacts", Tags: tags, Metadata: read,
	}, func(ctx context.Context, in *ContactListRequest) (*ContactListResponse, error) {
		page, err := in.page(in.PageParams)
		if err != nil {
			return nil, err
		}
		f := store.ContactFilter{
			Email: optString(in.Email), Domain: optString(in.Domain), MinScore: in.MinScore.ptr(),
			MaxScore: in.MaxScore.ptr(), EnrichmentStatus: optString(in.EnrichmentStatus), Tags: in.Tags,
			CreatedAfter: optTime(in.CreatedAfter), CreatedBefore: optTime(in.CreatedBefore),
		}
		if in.CompanyID != uuid.Nil {
			f.CompanyID = &in.CompanyID
		}
		rows, err := svc.ListContacts(ctx, f, page)
		if err != nil {
			return nil, err
		}
		out := &ContactListResponse{}
		out.Body.Items, out.Body.NextCursor = trimPage(rows, in.Limit,
			func(c store.Contact) Contact { return contactView(c, false) },
			func(c store.Contact) string { return in.next(c.CreatedAt, c.ID) })
		return out, nil
	})
	register(s, huma.Operation{
		OperationID: "get-contact", Method: http.MethodGet, Path: "/api/v1/contacts/{id}",
		Summary: "Get a contact", Tags: tags, Metadata: read,
	}, func(ctx context.Context, in *ContactIDParam) (*ContactResponse, error) {
		c, err := svc.Contact(ctx, in.ID)
		if err != nil {
			return nil, err
		}
		return &ContactResponse{Body: contactView(c, true)}, nil
	})
	register(s, huma.Operation{
		OperationID: "patch-contact", Method: http.MethodPatch, Path: "/api/v1/contacts/{id}",
		Summary: "Change a contact", Tags: tags, Metadata: write,
		Description: "Fields absent from the body are kept. A new email is validated again and must be free.",
	}, func(ctx context.Context, in *PatchContactRequest) (*ContactResponse, error) {
		b := in.Body
		c, err := svc.UpdateContact(ctx, in.ID, contacts.ContactPatch{
			Email: b.Email.orZero(), FirstName: b.FirstName.orZero(), LastName: b.LastName.orZero(),
			Title: b.Title.orZero(), Seniority: b.Seniority.orZero(), Phone: b.Phone.orZero(),
			LinkedInURL: b.LinkedInURL.orZero(), CompanyIDSet: b.CompanyID.Set, CompanyID: b.CompanyID.ptr(),
			CompanyName: b.CompanyName.orZero(), Domain: b.Domain.orZero(), Country: b.Country.orZero(),
			Timezone: b.Timezone.orZero(), Tags: b.Tags.orZero(), CustomFields: b.CustomFields.Value,
			ClearCustomFields: b.CustomFields.Null, Source: b.Source.orZero(),
		})
		if err != nil {
			return nil, err
		}
		return &ContactResponse{Body: contactView(c, true)}, nil
	})
	register(s, huma.Operation{
		OperationID: "delete-contact", Method: http.MethodDelete, Path: "/api/v1/contacts/{id}",
		Summary: "Erase a contact (GDPR)", Tags: tags, Metadata: write, DefaultStatus: http.StatusNoContent,
		Description: "Erases the person in one transaction: the contact row with its raw enrichment, " +
			"enrollments and YOLO decisions; the payloads of its campaign events (kept as {} without the contact); " +
			"stored idempotent responses that would replay its data; and its jobs not yet run. " +
			"The address is then suppressed as a keyed hash only (reason erased, never removable), " +
			"so it cannot be created (422) or imported again; an audit entry records the id, no personal data. " +
			"Copies already pushed to vendors are deleted asynchronously by jobs queued in the same transaction: " +
			"the HubSpot contact by a crm_contact_erase job (HubSpot's permanent GDPR delete), " +
			"each lemlist lead of its enrollments by an outreach_lead_erase job (removed from its campaign); " +
			"their args hold the vendor ids only. " +
			"An unknown or already erased id is 404.",
	}, func(ctx context.Context, in *ContactIDParam) (*struct{}, error) {
		var actor *uuid.UUID
		if p, ok := auth.PrincipalFrom(ctx); ok {
			actor = &p.KeyID
		}
		return nil, svc.EraseContact(ctx, in.ID, actor)
	})
	register(s, huma.Operation{
		OperationID: "export-contact", Method: http.MethodGet, Path: "/api/v1/contacts/{id}/export",
		Summary: "Export everything held about a contact (GDPR)", Tags: tags, Metadata: read,
		Description: "The contact with every field (raw enrichment, score explanation), its company, the import it " +
			"came from, whether it is suppressed, its enrollments, campaign events, YOLO decisions and jobs. " +
			"JSON by default; format=csv gives a key,value CSV download with formula-like cells neutralised.",
		Responses: map[string]*huma.Response{"200": {Description: "The export.", Content: map[string]*huma.MediaType{
			"application/json": {Schema: s.api.OpenAPI().Components.Schemas.Schema(reflect.TypeFor[ContactExport](), true, "")},
			"text/csv":         {Schema: &huma.Schema{Type: huma.TypeString}},
		}}},
	}, func(ctx context.Context, in *ContactExportRequest) (*ContactExportResponse, error) {
		e, err := svc.ExportContact(ctx, in.ID)
		if err != nil {
			return nil, err
		}
		doc, err := json.Marshal(contactExportView(e))
		if err != nil {
			return nil, fmt.Errorf("encode export: %w", err)
		}
		if in.Format != "csv" {
			return &ContactExportResponse{ContentType: "application/json", Body: doc}, nil
		}
		var buf bytes.Buffer
		if err := contacts.WriteKeyValueCSV(&buf, doc); err != nil {
			return nil, err
		}
		return &ContactExportResponse{
			ContentType:        "text/csv; charset=utf-8",
			ContentDisposition: `attachment; filename="contact-` + in.ID.String() + `.csv"`,
			Body:               buf.Bytes(),
		}, nil
	})
}

func contactView(c store.Contact, detail bool) Contact {
	v := Contact{
		ID: c.ID, Email: c.Email, FirstName: c.FirstName, LastName: c.LastName, Title: c.Title,
		Seniority: c.Seniority, Phone: c.Phone, LinkedInURL: c.LinkedInURL, CompanyID: c.CompanyID,
		CompanyName: c.CompanyName, Domain: c.Domain, Country: c.Country, Timezone: c.Timezone, Tags: c.Tags,
		CustomFields: c.CustomFields, Source: c.Source, ImportID: c.ImportID, ICPProfileID: c.ICPProfileID,
		ICPScore: c.ICPScore, ScoredAt: c.ScoredAt, EnrichmentStatus: c.EnrichmentStatus,
		EnrichmentSource: c.EnrichmentSource, EnrichmentError: c.EnrichmentError, EnrichedAt: c.EnrichedAt,
		HubSpotID: c.HubSpotID, SyncStatus: c.SyncStatus, SyncError: c.SyncError, SyncedAt: c.SyncedAt,
		CreatedAt: c.CreatedAt, UpdatedAt: c.UpdatedAt,
	}
	if c.ICPScore != nil {
		v.ICPExplanation = ICPExplanation(c.ICPExplanation)
	}
	if detail {
		v.Enrichment = c.Enrichment
	}
	return v
}

// ContactExportRequest names the contact to export and the format.
type ContactExportRequest struct {
	ID     uuid.UUID `path:"id" doc:"Contact id"`
	Format string    `query:"format" enum:"json,csv" default:"json" doc:"csv: a key,value download, one row per field."`
}

// ContactExportResponse is the export, as JSON or CSV.
type ContactExportResponse struct {
	ContentType        string `header:"Content-Type"`
	ContentDisposition string `header:"Content-Disposition"`
	Body               []byte
}

// ContactExport is everything the platform holds about one contact.
type ContactExport struct {
	Contact        Contact                   `json:"contact" doc:"Every field, raw enrichment and score explanation included."`
	Company        *Company                  `json:"company,omitempty"`
	Import         *store.ContactImport      `json:"import,omitempty" doc:"The import the contact came from; absent when created by hand."`
	Suppression    ExportSuppression         `json:"suppression"`
	Enrollments    []store.ContactEnrollment `json:"enrollments"`
	CampaignEvents []store.ContactEvent      `json:"campaign_events"`
	YOLODecisions  []store.ContactDecision   `json:"yolo_decisions"`
	Jobs           []store.ContactJob        `json:"jobs" doc:"Jobs whose arguments name the contact."`
}

// ExportSuppression says whether the contact's address is kept out.
type ExportSuppression struct {
	Suppressed bool       `json:"suppressed"`
	Kind       string     `json:"kind,omitempty" doc:"email, or domain when kept out through its domain."`
	Reason     string     `json:"reason,omitempty"`
	Since      *time.Time `json:"since,omitempty"`
}

func contactExportView(e contacts.Export) ContactExport {
	out := ContactExport{
		Contact: contactView(e.Contact, true), Import: e.Import, Enrollments: e.Enrollments,
		CampaignEvents: e.Events, YOLODecisions: e.Decisions, Jobs: e.Jobs,
	}
	if e.Company != nil {
		c := companyView(*e.Company, true)
		out.Company = &c
	}
	if sup := e.Suppression; sup != nil {
		out.Suppression = ExportSuppression{Suppressed: true, Kind: sup.Kind, Reason: sup.Reason, Since: &sup.CreatedAt}
	}
	return out
}
