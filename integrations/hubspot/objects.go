package hubspot

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"time"
)

// Object types this client reads and writes.
const (
	ObjectContacts  = "contacts"
	ObjectCompanies = "companies"
)

// MaxBatch is the most inputs HubSpot accepts in one batch create, update,
// upsert or read (50 for reads with property history).
const MaxBatch = 100

// ObjectsService calls one CRM object type's endpoints. Client.Contacts and
// Client.Companies are the two instances.
type ObjectsService struct {
	c          *Client
	objectType string
}

// Object is HubSpot's SimplePublicObject. Properties HubSpot answers as
// null read as "".
type Object struct {
	ID         string            `json:"id"`
	Properties map[string]string `json:"properties"`
	CreatedAt  time.Time         `json:"createdAt"`
	UpdatedAt  time.Time         `json:"updatedAt"`
	Archived   bool              `json:"archived"`
	// New is set by upserts: true when the object was created.
	New bool `json:"new,omitempty"`
	// ObjectWriteTraceID echoes the input's trace id on writes.
	ObjectWriteTraceID string `json:"objectWriteTraceId,omitempty"`
}

// UpsertInput creates or updates the object whose unique property
// IDProperty ("email" for contacts, a unique custom property for
// companies) has the value ID.
type UpsertInput struct {
	IDProperty         string            `json:"idProperty"`
	ID                 string            `json:"id"`
	Properties         map[string]string `json:"properties"`
	ObjectWriteTraceID string            `json:"objectWriteTraceId,omitempty"`
}

// CreateInput creates one object, optionally associated on creation.
type CreateInput struct {
	Properties         map[string]string   `json:"properties"`
	Associations       []InlineAssociation `json:"associations,omitempty"`
	ObjectWriteTraceID string              `json:"objectWriteTraceId,omitempty"`
}

// InlineAssociation associates a new object with an existing one.
type InlineAssociation struct {
	To    ObjectRef         `json:"to"`
	Types []AssociationSpec `json:"types"`
}

// ObjectRef names an object by id.
type ObjectRef struct {
	ID string `json:"id"`
}

// UpdateInput updates the object with id ID, or whose unique IDProperty
// has the value ID. An empty value clears a property.
type UpdateInput struct {
	ID                 string            `json:"id"`
	IDProperty         string            `json:"idProperty,omitempty"`
	Properties         map[string]string `json:"properties"`
	ObjectWriteTraceID string            `json:"objectWriteTraceId,omitempty"`
}

// ReadRequest reads objects by id, or by the values of a unique property.
type ReadRequest struct {
	IDs        []string
	IDProperty string
	// Properties to return; HubSpot's defaults when empty.
	Properties []string
}

// BatchUpsert creates or updates up to MaxBatch objects keyed by a unique
// property; retrying it is safe. Result.New tells created from updated.
func (s *ObjectsService) BatchUpsert(ctx context.Context, inputs []UpsertInput) (*BatchResult, error) {
	if err := checkBatch(len(inputs), MaxBatch); err != nil {
		return nil, err
	}
	sent := make([]UpsertInput, len(inputs))
	ix := newInputIndex(len(inputs))
	for i, in := range inputs {
		if in.ID == "" || in.IDProperty == "" {
			return nil, fmt.Errorf("%w: upsert input %d needs ID and IDProperty", ErrInvalidRequest, i)
		}
		in.ObjectWriteTraceID = ix.trace(i, in.ObjectWriteTraceID)
		ix.addKey(i, in.ID)
		sent[i] = in
	}
	return s.batch(ctx, "batch/upsert", inputsBody{sent}, ix, inputs[0].IDProperty)
}

// BatchCreate creates up to MaxBatch objects. It is not idempotent: prefer
// BatchUpsert. A contact whose email exists fails alone with a CONFLICT
// InputError (see ExistingID) while the others are created.
func (s *ObjectsService) BatchCreate(ctx context.Context, inputs []CreateInput) (*BatchResult, error) {
	if err := checkBatch(len(inputs), MaxBatch); err != nil {
		return nil, err
	}
	sent := make([]CreateInput, len(inputs))
	ix := newInputIndex(len(inputs))
	for i, in := range inputs {
		in.ObjectWriteTraceID = ix.trace(i, in.ObjectWriteTraceID)
		sent[i] = in
	}
	return s.batch(ctx, "batch/create", inputsBody{sent}, ix, "")
}

// BatchUpdate updates up to MaxBatch existing objects; unknown ids fail
// alone with an OBJECT_NOT_FOUND InputError.
func (s *ObjectsService) BatchUpdate(ctx context.Context, inputs []UpdateInput) (*BatchResult, error) {
	if err := checkBatch(len(inputs), MaxBatch); err != nil {
		return nil, err
	}
	sent := make([]UpdateInput, len(inputs))
	ix := newInputIndex(len(inputs))
	for i, in := range inputs {
		if in.ID == "" {
			return nil, fmt.Errorf("%w: update input %d needs ID", ErrInvalidRequest, i)
		}
		in.ObjectWriteTraceID = ix.trace(i, in.ObjectWriteTraceID)
		ix.addKey(i, in.ID)
		sent[i] = in
	}
	return s.batch(ctx, "batch/update", inputsBody{sent}, ix, inputs[0].IDProperty)
}

// BatchRead reads up to MaxBatch objects; ids not found come back as one
// OBJECT_NOT_FOUND InputError naming their inputs.
func (s *ObjectsService) BatchRead(ctx context.Context, req ReadRequest) (*BatchResult, error) {
	if err := checkBatch(len(req.IDs), MaxBatch); err != nil {
		return nil, err
	}
	type readInput struct {
		ID string `json:"id"`
	}
	body := struct {
		Properties []string    `json:"properties,omitempty"`
		IDProperty string      `json:"idProperty,omitempty"`
		Inputs     []readInput `json:"inputs"`
	}{IDProperty: req.IDProperty, Inputs: make([]readInput, len(req.IDs))}
	ix := newInputIndex(len(req.IDs))
	for i, id := range req.IDs {
		body.Inputs[i] = readInput{ID: id}
		ix.addKey(i, id)
	}
	if len(req.Properties) > 0 {
		// The id property must come back for results to map to inputs.
		body.Properties = withProperty(req.Properties, req.IDProperty)
	}
	return s.batch(ctx, "batch/read", body, ix, req.IDProperty)
}

// Create creates one object. A contact whose email exists is a
// *guard.APIError with Status 409; ExistingID reads the existing id from it.
func (s *ObjectsService) Create(ctx context.Context, in CreateInput) (*Object, error) {
	var out Object
	if err := s.c.do(ctx, BucketDefault, http.MethodPost, s.path(""), nil, in, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// Get reads one object by id, or by a unique property's value when
// idProperty is set; HubSpot's default properties when properties is empty.
func (s *ObjectsService) Get(ctx context.Context, id, idProperty string, properties ...string) (*Object, error) {
	q := url.Values{}
	if idProperty != "" {
		q["idProperty"] = []string{idProperty}
	}
	if len(properties) > 0 {
		q["properties"] = properties
	}
	var out Object
	if err := s.c.do(ctx, BucketDefault, http.MethodGet, s.path(url.PathEscape(id)), q, nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

func (s *ObjectsService) path(rest string) string {
	p := s.c.objects + "/" + s.objectType
	if rest != "" {
		p += "/" + rest
	}
	return p
}

func checkBatch(n, max int) error {
	switch {
	case n == 0:
		return fmt.Errorf("%w: no inputs", ErrInvalidRequest)
	case n > max:
		return fmt.Errorf("%w: %d inputs, at most %d per call", ErrBatchTooLarge, n, max)
	}
	return nil
}

func withProperty(props []string, p string) []string {
	if p == "" || p == "hs_object_id" {
		return props
	}
	for _, x := range props {
		if x == p {
			return props
		}
	}
	return append(append([]string(nil), props...), p)
}
