package api

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/google/uuid"

	"github.com/rtgs/sales-automation/internal/auth"
	"github.com/rtgs/sales-automation/internal/contacts"
	"github.com/rtgs/sales-automation/internal/store"
)

// Suppression is one entry of the do-not-contact list.
type Suppression struct {
	ID        uuid.UUID `json:"id"`
	Kind      string    `json:"kind" enum:"email,domain"`
	Value     string    `json:"value,omitempty" doc:"The normalised address or domain; absent for erased contacts, which are kept only as a hash."`
	Reason    string    `json:"reason" enum:"manual,unsubscribed,bounced,erased,complaint"`
	Source    string    `json:"source"`
	CreatedAt time.Time `json:"created_at"`
}

// AddSuppressionRequest adds an email or a whole domain.
type AddSuppressionRequest struct {
	Body struct {
		Kind   string `json:"kind" enum:"email,domain"`
		Value  string `json:"value" minLength:"1" maxLength:"500" doc:"An email address, or a domain (covering its subdomains)."`
		Reason string `json:"reason,omitempty" enum:"manual,unsubscribed,bounced,complaint" doc:"Default manual."`
		Source string `json:"source,omitempty" maxLength:"500" doc:"Where the entry came from, for the record."`
	}
}

// SuppressionResponse is one entry; Status is 201 when it was added and 200
// when it was already listed.
type SuppressionResponse struct {
	Status   int
	Location string `header:"Location"`
	Body     Suppression
}

// SuppressionListRequest pages through the list.
type SuppressionListRequest struct {
	Kind string `query:"kind" enum:"email,domain"`
	SortParams
	PageParams
}

// SuppressionListResponse is a page of entries.
type SuppressionListResponse struct {
	Body struct {
		Items      []Suppression `json:"items"`
		NextCursor string        `json:"next_cursor,omitempty" doc:"Pass as cursor to read the next page; absent on the last page."`
	}
}

// SuppressionIDParam names one entry.
type SuppressionIDParam struct {
	ID uuid.UUID `path:"id" doc:"Suppression id"`
}

func (s *Server) registerSuppressions() {
	svc := s.contacts
	read := map[string]any{metaScope: auth.ContactsRead}
	write := map[string]any{metaScope: auth.ContactsWrite}
	tags := []string{"suppressions"}
	register(s, huma.Operation{
		OperationID: "add-suppression", Method: http.MethodPost, Path: "/api/v1/suppressions",
		Summary: "Suppress an email or a domain", Tags: tags, Metadata: write, DefaultStatus: http.StatusCreated,
		Description: "Suppressed addresses are never imported, created or contacted. Adding an entry already " +
			"listed answers 200 with the existing one.",
		Responses: map[string]*huma.Response{"200": {Description: "Already listed"}},
	}, func(ctx context.Context, in *AddSuppressionRequest) (*SuppressionResponse, error) {
		b := in.Body
		sup, created, err := svc.AddSuppression(ctx, contacts.SuppressionInput{
			Kind: b.Kind, Value: b.Value, Reason: b.Reason, Source: b.Source})
		if err != nil {
			return nil, err
		}
		out := &SuppressionResponse{Status: http.StatusOK, Location: "/api/v1/suppressions/" + sup.ID.String(),
			Body: suppressionView(sup)}
		if created {
			out.Status = http.StatusCreated
		}
		return out, nil
	})
	register(s, huma.Operation{
		OperationID: "list-suppressions", Method: http.MethodGet, Path: "/api/v1/suppressions",
		Summary: "List suppressions", Tags: tags, Metadata: read,
	}, func(ctx context.Context, in *SuppressionListRequest) (*SuppressionListResponse, error) {
		page, err := in.page(in.PageParams)
		if err != nil {
			return nil, err
		}
		rows, err := svc.ListSuppressions(ctx, optString(in.Kind), page)
		if err != nil {
			return nil, err
		}
		out := &SuppressionListResponse{}
		out.Body.Items, out.Body.NextCursor = trimPage(rows, in.Limit, suppressionView,
			func(sup store.Suppression) string { return in.next(sup.CreatedAt, sup.ID) })
		return out, nil
	})
	register(s, huma.Operation{
		OperationID: "delete-suppression", Method: http.MethodDelete, Path: "/api/v1/suppressions/{id}",
		Summary: "Remove a suppression", Tags: tags, Metadata: write, DefaultStatus: http.StatusNoContent,
		Description: "The address may be imported and contacted again. Entries recorded by an erasure cannot be removed (422).",
	}, func(ctx context.Context, in *SuppressionIDParam) (*struct{}, error) {
		return nil, svc.DeleteSuppression(ctx, in.ID)
	})
}

func suppressionView(s store.Suppression) Suppression {
	v := Suppression{ID: s.ID, Kind: s.Kind, Reason: s.Reason, Source: s.Source, CreatedAt: s.CreatedAt}
	if s.Value != nil {
		v.Value = *s.Value
	}
	return v
}
