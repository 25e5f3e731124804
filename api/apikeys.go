package api

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/google/uuid"

	"github.com/rtgs/sales-automation/internal/auth"
	"github.com/rtgs/sales-automation/internal/store"
)

// APIKey is an API key as the API shows it; the secret is never shown again
// after creation.
type APIKey struct {
	ID         uuid.UUID    `json:"id"`
	Name       string       `json:"name"`
	Prefix     string       `json:"prefix" doc:"The non-secret part of the key, rtgs_<prefix>_..."`
	Scopes     []auth.Scope `json:"scopes"`
	CreatedAt  time.Time    `json:"created_at"`
	ExpiresAt  *time.Time   `json:"expires_at,omitempty"`
	RevokedAt  *time.Time   `json:"revoked_at,omitempty"`
	LastUsedAt *time.Time   `json:"last_used_at,omitempty" doc:"Updated in batches, so it may lag by a few seconds."`
}

// CreateAPIKeyRequest creates a key.
type CreateAPIKeyRequest struct {
	Body struct {
		Name      string       `json:"name" minLength:"1" maxLength:"200" doc:"What the key is for."`
		Scopes    []auth.Scope `json:"scopes" minItems:"1" maxItems:"16" uniqueItems:"true"`
		ExpiresAt *time.Time   `json:"expires_at,omitempty" doc:"When the key stops working; absent means never."`
	}
}

// CreatedAPIKeyResponse shows the full key, once.
type CreatedAPIKeyResponse struct {
	Location string `header:"Location"`
	Body     struct {
		APIKey
		Key string `json:"key" doc:"The full key. It is shown only in this response; store it now."`
	}
}

// APIKeyResponse is one key.
type APIKeyResponse struct {
	Body APIKey
}

// APIKeyListResponse is a page of keys.
type APIKeyListResponse struct {
	Body struct {
		Items      []APIKey `json:"items"`
		NextCursor string   `json:"next_cursor,omitempty" doc:"Pass as cursor to read the next page; absent on the last page."`
	}
}

// APIKeyListRequest pages through keys.
type APIKeyListRequest struct {
	PageParams
}

// APIKeyIDParam names one key.
type APIKeyIDParam struct {
	ID uuid.UUID `path:"id" doc:"API key id"`
}

func (s *Server) registerAPIKeys() {
	admin := map[string]any{metaScope: auth.Admin}
	tags := []string{"api-keys"}
	register(s, huma.Operation{
		OperationID: "create-api-key", Method: http.MethodPost, Path: "/api/v1/api-keys",
		Summary: "Create an API key (admin)", Tags: tags, Metadata: admin, DefaultStatus: http.StatusCreated,
	}, s.createAPIKey)
	register(s, huma.Operation{
		OperationID: "list-api-keys", Method: http.MethodGet, Path: "/api/v1/api-keys",
		Summary: "List API keys (admin)", Tags: tags, Metadata: admin,
	}, s.listAPIKeys)
	register(s, huma.Operation{
		OperationID: "get-api-key", Method: http.MethodGet, Path: "/api/v1/api-keys/{id}",
		Summary: "Get an API key (admin)", Tags: tags, Metadata: admin,
	}, s.getAPIKey)
	register(s, huma.Operation{
		OperationID: "revoke-api-key", Method: http.MethodDelete, Path: "/api/v1/api-keys/{id}",
		Summary: "Revoke an API key (admin)", Description: "Takes effect in every process within AUTH_KEY_CACHE_TTL.",
		Tags: tags, Metadata: admin,
	}, s.revokeAPIKey)
}

func (s *Server) createAPIKey(ctx context.Context, in *CreateAPIKeyRequest) (*CreatedAPIKeyResponse, error) {
	p, _ := auth.PrincipalFrom(ctx)
	created, err := s.auth.CreateKey(ctx, auth.CreateKeyParams{
		Name: in.Body.Name, Scopes: in.Body.Scopes, ExpiresAt: in.Body.ExpiresAt, CreatedBy: &p.KeyID,
	})
	if err != nil {
		return nil, err
	}
	out := &CreatedAPIKeyResponse{Location: "/api/v1/api-keys/" + created.Key.ID.String()}
	out.Body.APIKey, out.Body.Key = apiKeyView(created.Key), created.Secret
	return out, nil
}

func (s *Server) listAPIKeys(ctx context.Context, in *APIKeyListRequest) (*APIKeyListResponse, error) {
	after, err := in.decode()
	if err != nil {
		return nil, err
	}
	keys, err := s.auth.ListKeys(ctx, after, in.Limit+1)
	if err != nil {
		return nil, err
	}
	out := &APIKeyListResponse{}
	out.Body.Items, out.Body.NextCursor = trimPage(keys, in.Limit, apiKeyView, func(k store.APIKey) string {
		return encodeCursor(store.Cursor{CreatedAt: k.CreatedAt, ID: k.ID})
	})
	return out, nil
}

func (s *Server) getAPIKey(ctx context.Context, in *APIKeyIDParam) (*APIKeyResponse, error) {
	k, err := s.auth.GetKey(ctx, in.ID)
	if err != nil {
		return nil, err
	}
	return &APIKeyResponse{Body: apiKeyView(k)}, nil
}

func (s *Server) revokeAPIKey(ctx context.Context, in *APIKeyIDParam) (*APIKeyResponse, error) {
	k, err := s.auth.RevokeKey(ctx, in.ID)
	if err != nil {
		return nil, err
	}
	return &APIKeyResponse{Body: apiKeyView(k)}, nil
}

func apiKeyView(k store.APIKey) APIKey {
	scopes := make([]auth.Scope, len(k.Scopes))
	for i, sc := range k.Scopes {
		scopes[i] = auth.Scope(sc)
	}
	return APIKey{ID: k.ID, Name: k.Name, Prefix: k.Prefix, Scopes: scopes, CreatedAt: k.CreatedAt,
		ExpiresAt: k.ExpiresAt, RevokedAt: k.RevokedAt, LastUsedAt: k.LastUsedAt}
}
