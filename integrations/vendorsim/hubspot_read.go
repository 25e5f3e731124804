package vendorsim

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// batchRead answers the objects found and one OBJECT_NOT_FOUND error
// listing the missing ids (207), as HubSpot groups them.
func (h *HubSpot) batchRead(kind string, w http.ResponseWriter, r *http.Request) {
	started := time.Now()
	var body struct {
		Properties            []string `json:"properties"`
		PropertiesWithHistory []string `json:"propertiesWithHistory"`
		IDProperty            string   `json:"idProperty"`
		Inputs                []struct {
			ID string `json:"id"`
		} `json:"inputs"`
	}
	if !h.decode(w, r, &body) {
		return
	}
	limit := hsMaxBatch
	if len(body.PropertiesWithHistory) > 0 {
		limit = 50
	}
	if h.tooMany(w, len(body.Inputs), limit) {
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	store := h.objects[kind]
	if !store.isUnique(body.IDProperty) {
		h.validation(w, "%s is not a unique identifier property for %s", body.IDProperty, kind)
		return
	}
	var results []hsObjectJSON
	var missing []string
	seen := make(map[string]bool)
	for _, in := range body.Inputs {
		if seen[in.ID] {
			continue
		}
		seen[in.ID] = true
		if o := store.lookup(body.IDProperty, in.ID); o != nil {
			results = append(results, store.view(o, body.Properties))
		} else {
			missing = append(missing, in.ID)
		}
	}
	var errs []hsError
	if len(missing) > 0 {
		errs = []hsError{{
			Category: "OBJECT_NOT_FOUND",
			Message:  fmt.Sprintf("Could not get some %s objects, they may be deleted or not exist. Check that ids are valid.", hsObjectName(kind)),
			Context:  map[string][]string{"ids": missing},
		}}
	}
	h.writeBatch(w, http.StatusOK, started, results, errs)
}

// createOne is the single create: a duplicate email is a 409 CONFLICT
// whose message carries the existing id, which integrators parse.
func (h *HubSpot) createOne(kind string, w http.ResponseWriter, r *http.Request) {
	var body struct {
		Properties         map[string]json.RawMessage `json:"properties"`
		Associations       []hsInlineAssoc            `json:"associations"`
		ObjectWriteTraceID string                     `json:"objectWriteTraceId"`
	}
	if !h.decode(w, r, &body) {
		return
	}
	p, msg := hsProps(body.Properties)
	if msg != "" {
		h.validation(w, "%s", msg)
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	store := h.objects[kind]
	if e := store.checkProps(p); e != nil {
		h.writeError(w, http.StatusBadRequest, *e)
		return
	}
	o, e := h.createLocked(kind, p, body.Associations)
	if e != nil {
		status := http.StatusBadRequest
		if e.Category == "CONFLICT" {
			status = http.StatusConflict
		}
		h.writeError(w, status, *e)
		return
	}
	res := store.written(o, p)
	res.ObjectWriteTraceID = body.ObjectWriteTraceID
	h.writeJSON(w, http.StatusCreated, res)
}

// readOne is GET .../{id}?properties=a,b&idProperty=email.
func (h *HubSpot) readOne(kind string, w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	var props []string
	for _, p := range q["properties"] {
		for _, name := range strings.Split(p, ",") {
			if name = strings.TrimSpace(name); name != "" {
				props = append(props, name)
			}
		}
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	store := h.objects[kind]
	idProp := q.Get("idProperty")
	if !store.isUnique(idProp) {
		h.validation(w, "%s is not a unique identifier property for %s", idProp, kind)
		return
	}
	o := store.lookup(idProp, r.PathValue("id"))
	if o == nil {
		h.writeError(w, http.StatusNotFound, hsError{Category: "OBJECT_NOT_FOUND", Message: "Object not found.  objectId are usually numeric."})
		return
	}
	h.writeJSON(w, http.StatusOK, store.view(o, props))
}
