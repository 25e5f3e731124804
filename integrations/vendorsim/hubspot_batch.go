package vendorsim

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// hsInput is one input of batch upsert, create or update.
type hsInput struct {
	ID                 string                     `json:"id"`
	IDProperty         string                     `json:"idProperty"`
	Properties         map[string]json.RawMessage `json:"properties"`
	ObjectWriteTraceID string                     `json:"objectWriteTraceId"`
	Associations       []hsInlineAssoc            `json:"associations"`
}

type hsInlineAssoc struct {
	To    struct{ ID string } `json:"to"`
	Types []hsAssocSpec       `json:"types"`
}

type hsAssocSpec struct {
	AssociationCategory string `json:"associationCategory"`
	AssociationTypeID   int    `json:"associationTypeId"`
}

// prepare decodes a batch and applies the checks that fail it whole: the
// cap, malformed values, unknown or read-only properties, and repeated ids.
func (h *HubSpot) prepare(kind string, w http.ResponseWriter, r *http.Request, needID bool) ([]hsInput, []map[string]string, bool) {
	var body struct {
		Inputs []hsInput `json:"inputs"`
	}
	if !h.decode(w, r, &body) || h.tooMany(w, len(body.Inputs), hsMaxBatch) {
		return nil, nil, false
	}
	// Generic-object docs put idProperty in the query; contacts and
	// companies specs put it in each input. Both are accepted.
	q := r.URL.Query().Get("idProperty")
	props := make([]map[string]string, len(body.Inputs))
	seen := make(map[string]bool)
	h.mu.Lock()
	store := h.objects[kind]
	h.mu.Unlock()
	for i := range body.Inputs {
		in := &body.Inputs[i]
		if in.IDProperty == "" {
			in.IDProperty = q
		}
		p, msg := hsProps(in.Properties)
		if msg != "" {
			h.validation(w, "%s", msg)
			return nil, nil, false
		}
		if e := store.checkProps(p); e != nil {
			h.writeError(w, http.StatusBadRequest, *e)
			return nil, nil, false
		}
		props[i] = p
		if !needID {
			continue
		}
		if in.ID == "" {
			h.validation(w, "inputs[%d].id: must not be empty", i)
			return nil, nil, false
		}
		if !store.isUnique(in.IDProperty) {
			h.validation(w, "%s is not a unique identifier property for %s", in.IDProperty, kind)
			return nil, nil, false
		}
		key := in.IDProperty + "\x00" + strings.ToLower(in.ID)
		if seen[key] {
			h.validation(w, "Duplicate IDs found in batch input: [%s]. IDs must be unique", in.ID)
			return nil, nil, false
		}
		seen[key] = true
	}
	return body.Inputs, props, true
}

// conflict is the CONFLICT error when a unique property of props already
// belongs to another object than self.
func (h *HubSpot) conflict(store *hsStore, props map[string]string, self string) (string, bool) {
	for prop := range store.unique {
		if oid := store.owner(prop, props[prop], self); oid != "" {
			if store.kind == "contacts" && prop == "email" {
				return "Contact already exists. Existing ID: " + oid, true
			}
			return fmt.Sprintf("A %s with %s %s already exists. Existing ID: %s", strings.ToLower(hsObjectName(store.kind)), prop, props[prop], oid), true
		}
	}
	return "", false
}

func (h *HubSpot) batchUpsert(kind string, w http.ResponseWriter, r *http.Request) {
	started := time.Now()
	inputs, props, ok := h.prepare(kind, w, r, true)
	if !ok {
		return
	}
	for i, in := range inputs {
		if in.IDProperty == "" {
			h.validation(w, "inputs[%d].idProperty: upsert needs a unique property to match on", i)
			return
		}
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	store := h.objects[kind]
	var results []hsObjectJSON
	var errs []hsError
	for i, in := range inputs {
		p := props[i]
		if in.IDProperty != "hs_object_id" {
			p[in.IDProperty] = in.ID
		}
		if msg := store.badValue(p); msg != "" {
			errs = append(errs, inputError("VALIDATION_ERROR", msg, in.ID, in.ObjectWriteTraceID))
			continue
		}
		o := store.lookup(in.IDProperty, in.ID)
		self := ""
		if o != nil {
			self = o.id
		} else if in.IDProperty == "hs_object_id" {
			errs = append(errs, inputError("OBJECT_NOT_FOUND", "Object not found: "+in.ID, in.ID, in.ObjectWriteTraceID))
			continue
		}
		if msg, bad := h.conflict(store, p, self); bad {
			errs = append(errs, inputError("CONFLICT", msg, in.ID, in.ObjectWriteTraceID))
			continue
		}
		created := o == nil
		if created {
			o = store.create(p, time.Now())
		} else {
			store.update(o, p, time.Now())
		}
		res := store.written(o, p)
		res.New, res.ObjectWriteTraceID = &created, in.ObjectWriteTraceID
		results = append(results, res)
	}
	h.writeBatch(w, http.StatusOK, started, results, errs)
}

func (h *HubSpot) batchCreate(kind string, w http.ResponseWriter, r *http.Request) {
	started := time.Now()
	inputs, props, ok := h.prepare(kind, w, r, false)
	if !ok {
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	var results []hsObjectJSON
	var errs []hsError
	for i, in := range inputs {
		o, e := h.createLocked(kind, props[i], in.Associations)
		if e != nil {
			errs = append(errs, inputError(e.Category, e.Message, "", in.ObjectWriteTraceID))
			continue
		}
		res := h.objects[kind].written(o, props[i])
		res.ObjectWriteTraceID = in.ObjectWriteTraceID
		results = append(results, res)
	}
	h.writeBatch(w, http.StatusCreated, started, results, errs)
}

// createLocked creates one object, recording the write so that a second
// create of the same contact (or of a company with the same domain, which
// HubSpot allows and which leaves a duplicate company) shows in the
// simulator's duplicate counters. The caller holds h.mu.
func (h *HubSpot) createLocked(kind string, p map[string]string, assocs []hsInlineAssoc) (*hsObject, *hsError) {
	store := h.objects[kind]
	if msg := store.badValue(p); msg != "" {
		return nil, &hsError{Category: "VALIDATION_ERROR", Message: msg}
	}
	switch {
	case kind == "contacts" && p["email"] != "":
		h.router.Write("contact", strings.ToLower(p["email"]))
	case kind == "companies" && p["domain"] != "":
		h.router.Write("company", strings.ToLower(p["domain"]))
	}
	if msg, bad := h.conflict(store, p, ""); bad {
		return nil, &hsError{Category: "CONFLICT", Message: msg}
	}
	other := h.objects[hsOther(kind)]
	for _, a := range assocs {
		if other.objs[a.To.ID] == nil {
			return nil, &hsError{Category: "VALIDATION_ERROR", Message: fmt.Sprintf("Association target %s %s does not exist", hsOther(kind), a.To.ID)}
		}
	}
	o := store.create(p, time.Now())
	for _, a := range assocs {
		h.associateLocked(kind, o.id, a.To.ID)
	}
	return o, nil
}

func (h *HubSpot) batchUpdate(kind string, w http.ResponseWriter, r *http.Request) {
	started := time.Now()
	inputs, props, ok := h.prepare(kind, w, r, true)
	if !ok {
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	store := h.objects[kind]
	var results []hsObjectJSON
	var errs []hsError
	for i, in := range inputs {
		o := store.lookup(in.IDProperty, in.ID)
		if o == nil {
			errs = append(errs, inputError("OBJECT_NOT_FOUND", fmt.Sprintf("Could not get some %s objects, they may be deleted or not exist. Check that ids are valid.", hsObjectName(kind)), in.ID, in.ObjectWriteTraceID))
			continue
		}
		if msg := store.badValue(props[i]); msg != "" {
			errs = append(errs, inputError("VALIDATION_ERROR", msg, in.ID, in.ObjectWriteTraceID))
			continue
		}
		if msg, bad := h.conflict(store, props[i], o.id); bad {
			errs = append(errs, inputError("CONFLICT", msg, in.ID, in.ObjectWriteTraceID))
			continue
		}
		store.update(o, props[i], time.Now())
		res := store.written(o, props[i])
		res.ObjectWriteTraceID = in.ObjectWriteTraceID
		results = append(results, res)
	}
	h.writeBatch(w, http.StatusOK, started, results, errs)
}

func hsOther(kind string) string {
	if kind == "contacts" {
		return "companies"
	}
	return "contacts"
}
