package hubspot

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
)

// Association limits per call: batch associate (2,000) and batch read
// (1,000, since 2025-02-10).
const (
	MaxAssociateBatch       = 2000
	MaxAssociationReadBatch = 1000
)

// Association type ids HubSpot defines for contacts and companies.
const (
	TypeContactToCompany        = 279 // unlabeled, what "default" creates
	TypeContactToCompanyPrimary = 1
	TypeCompanyToContact        = 280
)

// AssociationsService calls the v4 associations endpoints.
type AssociationsService struct {
	c *Client
}

// AssociationSpec is an association's category and type.
type AssociationSpec struct {
	AssociationCategory string `json:"associationCategory"` // HUBSPOT_DEFINED, USER_DEFINED, INTEGRATOR_DEFINED
	AssociationTypeID   int    `json:"associationTypeId"`
}

// AssociationPair names two objects to associate.
type AssociationPair struct {
	From ObjectRef `json:"from"`
	To   ObjectRef `json:"to"`
}

// AssociationResult is one association made, with the index of its pair
// (-1 when it could not be matched).
type AssociationResult struct {
	Input int             `json:"-"`
	From  ObjectRef       `json:"from"`
	To    ObjectRef       `json:"to"`
	Spec  AssociationSpec `json:"associationSpec"`
}

// AssociateResult is a batch associate's outcome per pair.
type AssociateResult struct {
	Status  string
	Results []AssociationResult
	Errors  []InputError
}

// BatchAssociateDefault gives up to MaxAssociateBatch pairs HubSpot's
// default association (contact→company: unlabeled, type 279). It is
// idempotent; pairs naming a missing object fail alone.
func (s *AssociationsService) BatchAssociateDefault(ctx context.Context, fromType, toType string, pairs []AssociationPair) (*AssociateResult, error) {
	if err := checkBatch(len(pairs), MaxAssociateBatch); err != nil {
		return nil, err
	}
	var resp struct {
		Status  string              `json:"status"`
		Results []AssociationResult `json:"results"`
		Errors  []wireError         `json:"errors"`
	}
	if err := s.c.do(ctx, BucketDefault, http.MethodPost, s.path(fromType, toType, "batch/associate/default"), nil, inputsBody{pairs}, &resp); err != nil {
		return nil, err
	}
	out := &AssociateResult{Status: resp.Status, Results: resp.Results}
	for k := range out.Results {
		r := &out.Results[k]
		r.Input = slices.IndexFunc(pairs, func(p AssociationPair) bool { return p.From.ID == r.From.ID && p.To.ID == r.To.ID })
	}
	for _, e := range resp.Errors {
		ie := InputError{Category: e.Category, SubCategory: e.SubCategory, Message: e.Message, Context: e.Context}
		from, to := e.Context["fromObjectId"], e.Context["toObjectId"]
		for i, p := range pairs {
			if (len(from) > 0 || len(to) > 0) && (len(from) == 0 || slices.Contains(from, p.From.ID)) && (len(to) == 0 || slices.Contains(to, p.To.ID)) {
				ie.Inputs = append(ie.Inputs, i)
			}
		}
		out.Errors = append(out.Errors, ie)
	}
	return out, nil
}

// Associated is one object an input is associated with.
type Associated struct {
	ToObjectID string            `json:"toObjectId"`
	Types      []AssociationType `json:"associationTypes"`
}

// AssociationType is one type of a association as batch read answers it.
type AssociationType struct {
	Category string `json:"category"`
	TypeID   int    `json:"typeId"`
	Label    string `json:"label"`
}

// Associations lists what one input is associated with.
type Associations struct {
	Input int          `json:"-"`
	From  ObjectRef    `json:"from"`
	To    []Associated `json:"to"`
}

// ReadAssociationsResult is a batch read's outcome per input id.
type ReadAssociationsResult struct {
	Status  string
	Results []Associations
	Errors  []InputError // inputs with no associations among them (NO_ASSOCIATIONS_FOUND)
}

// BatchRead lists the toType objects associated with up to
// MaxAssociationReadBatch fromType objects.
func (s *AssociationsService) BatchRead(ctx context.Context, fromType, toType string, ids []string) (*ReadAssociationsResult, error) {
	if err := checkBatch(len(ids), MaxAssociationReadBatch); err != nil {
		return nil, err
	}
	in := make([]ObjectRef, len(ids))
	for i, id := range ids {
		in[i] = ObjectRef{ID: id}
	}
	var resp struct {
		Status  string `json:"status"`
		Results []struct {
			From ObjectRef `json:"from"`
			To   []struct {
				ToObjectID json.Number       `json:"toObjectId"` // a number in v4, a string elsewhere
				Types      []AssociationType `json:"associationTypes"`
			} `json:"to"`
		} `json:"results"`
		Errors []wireError `json:"errors"`
	}
	if err := s.c.do(ctx, BucketDefault, http.MethodPost, s.path(fromType, toType, "batch/read"), nil, inputsBody{in}, &resp); err != nil {
		return nil, err
	}
	out := &ReadAssociationsResult{Status: resp.Status}
	for _, r := range resp.Results {
		a := Associations{Input: slices.Index(ids, r.From.ID), From: r.From}
		for _, t := range r.To {
			a.To = append(a.To, Associated{ToObjectID: t.ToObjectID.String(), Types: t.Types})
		}
		out.Results = append(out.Results, a)
	}
	for _, e := range resp.Errors {
		ie := InputError{Category: e.Category, SubCategory: e.SubCategory, Message: e.Message, Context: e.Context}
		for _, id := range append(e.Context["fromObjectId"], e.Context["ids"]...) {
			if i := slices.Index(ids, id); i >= 0 && !slices.Contains(ie.Inputs, i) {
				ie.Inputs = append(ie.Inputs, i)
			}
		}
		slices.Sort(ie.Inputs)
		out.Errors = append(out.Errors, ie)
	}
	return out, nil
}

func (s *AssociationsService) path(fromType, toType, op string) string {
	return fmt.Sprintf("%s/%s/%s/%s", s.c.assocs, url.PathEscape(strings.ToLower(fromType)), url.PathEscape(strings.ToLower(toType)), op)
}
